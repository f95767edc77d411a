"""Row-level security and grants, as SQL that migrations apply to each tenant table."""

from __future__ import annotations

CURRENT_TENANT = "NULLIF(current_setting('app.current_tenant', true), '')::uuid"


def tenant_table_sql(
    table: str, app_role: str, *, key: str = "tenant_id", privileges: str = "ALL"
) -> list[str]:
    """Enable and force RLS on ``table`` with the one tenant policy, and grant the app role its privileges."""
    grant = "SELECT, INSERT, UPDATE, DELETE" if privileges == "ALL" else privileges
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({key} = {CURRENT_TENANT}) "
        f"WITH CHECK ({key} = {CURRENT_TENANT})",
        f"GRANT {grant} ON {table} TO {app_role}",
    ]
