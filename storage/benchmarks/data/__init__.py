"""The bundled benchmark snapshot (a package so that packaging picks up the CSV)."""
