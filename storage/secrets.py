"""The secret key: from COACH_SECRET_KEY, or generated once into the data dir and reused."""

from __future__ import annotations

import secrets
from pathlib import Path

from storage.server import ensure_writable
from storage.settings import Settings

KEY_FILE = "secret.key"


def secret_key(settings: Settings) -> bytes:
    """The configured secret key, else the one stored in the data dir (created with mode 600 on first use)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path: Path = ensure_writable(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip().encode()
