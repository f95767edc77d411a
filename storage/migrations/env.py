"""Alembic environment: runs on the owner connection handed over in ``config.attributes``."""

from alembic import context

from storage.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run migrations through `coach db upgrade` (storage.migrate), which supplies a connection."
    )

context.configure(connection=connection, target_metadata=target_metadata, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
