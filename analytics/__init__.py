"""Pure analytics: pandas in, dataclasses out. No database, no network, nothing of ours imported."""
