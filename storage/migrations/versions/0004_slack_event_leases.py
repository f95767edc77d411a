"""Slack events kept until answered: the acknowledged event's body and a lease on processed_events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASE = "coach_lease_slack_events(text, integer, double precision)"
RENEW = "coach_renew_slack_leases(text, double precision)"
RELEASE = "coach_release_slack_leases(text)"
COLUMNS = (
    sa.Column("status", sa.Text(), server_default="done", nullable=False),
    sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
    sa.Column("lease_owner", sa.Text(), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reply_ts", sa.Text(), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
)


def _app_role() -> str:
    return str(context.config.attributes.get("app_role") or "coach_app")


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("processed_events", column.copy())
    op.create_index(
        "ix_processed_events_pending",
        "processed_events",
        ["lease_until"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    # Which tenants have Slack events waiting is the one thing a worker must learn across tenants: these functions
    # take and keep leases and return (tenant, event id) only; the event itself is read in the tenant's session.
    op.execute("""
        CREATE FUNCTION coach_lease_slack_events(p_owner text, p_limit integer, p_lease_s double precision)
        RETURNS TABLE (o_tenant_id uuid, o_event_id text)
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            UPDATE processed_events AS p
            SET lease_owner = p_owner, lease_until = now() + make_interval(secs => p_lease_s),
                attempts = p.attempts + 1
            FROM (
                SELECT tenant_id, source, event_id FROM processed_events
                WHERE source = 'slack' AND status = 'pending' AND (lease_until IS NULL OR lease_until < now())
                ORDER BY processed_at
                LIMIT greatest(p_limit, 0)
                FOR UPDATE SKIP LOCKED
            ) AS due
            WHERE p.tenant_id = due.tenant_id AND p.source = due.source AND p.event_id = due.event_id
            RETURNING p.tenant_id, p.event_id
        $$""")
    op.execute("""
        CREATE FUNCTION coach_renew_slack_leases(p_owner text, p_lease_s double precision) RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            WITH renewed AS (
                UPDATE processed_events SET lease_until = now() + make_interval(secs => p_lease_s)
                WHERE source = 'slack' AND status = 'pending' AND lease_owner = p_owner
                RETURNING 1
            )
            SELECT count(*)::integer FROM renewed
        $$""")
    op.execute("""
        CREATE FUNCTION coach_release_slack_leases(p_owner text) RETURNS integer
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            WITH released AS (
                UPDATE processed_events SET lease_owner = NULL, lease_until = NULL
                WHERE source = 'slack' AND status = 'pending' AND lease_owner = p_owner
                RETURNING 1
            )
            SELECT count(*)::integer FROM released
        $$""")
    for signature in (LEASE, RENEW, RELEASE):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {_app_role()}")


def downgrade() -> None:
    for signature in (LEASE, RENEW, RELEASE):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_index("ix_processed_events_pending", table_name="processed_events")
    for column in reversed(COLUMNS):
        op.drop_column("processed_events", column.name)
