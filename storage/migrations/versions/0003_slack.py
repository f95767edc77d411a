"""Slack: the narrow cross-tenant lookup from a Slack workspace (team) to the tenant it serves.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import context, op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "coach_slack_tenant(text, text)"


def _app_role() -> str:
    return str(context.config.attributes.get("app_role") or "coach_app")


def upgrade() -> None:
    # An incoming Slack request names only its team; this is the one way the app role can learn which tenant
    # that team belongs to (it returns the tenant id and nothing else, like coach_list_tenants in 0001).
    op.execute("""
        CREATE FUNCTION coach_slack_tenant(p_team_id text, p_enterprise_id text) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT tenant_id FROM slack_installations
            WHERE team_id = p_team_id AND enterprise_id = coalesce(p_enterprise_id, '')
        $$""")
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {_app_role()}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
