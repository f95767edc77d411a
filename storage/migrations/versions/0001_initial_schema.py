"""Initial schema: every table, row-level security, the app role's grants and the cross-tenant functions.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:24:13.358110
"""

from collections.abc import Sequence

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from storage.rls import tenant_table_sql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = (
    "users",
    "slack_installations",
    "smart_goals",
    "goal_checkins",
    "business_metrics",
    "forecasts",
    "optimization_runs",
    "evidence_graph",
    "coaching_sessions",
    "data_sources",
    "outbox",
    "processed_events",
    "job_runs",
    "products",
    "employees",
)
TENANT_COLUMNS = (
    "id uuid, slug text, name text, industry text, timezone text, currency text, country text, "
    "is_active boolean"
)


def _app_role() -> str:
    return str(context.config.attributes.get("app_role") or "coach_app")


def _has_timescaledb() -> bool:
    bind = op.get_bind()
    return bool(
        bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).scalar()
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    timescale = _has_timescaledb()
    if timescale:
        op.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    op.create_table(
        "external_benchmarks",
        sa.Column("industry", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("low", sa.Double(), nullable=True),
        sa.Column("high", sa.Double(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("industry", "metric", "country", "year", name=op.f("pk_external_benchmarks")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), server_default="other", nullable=False),
        sa.Column("timezone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("country", sa.String(length=2), server_default="US", nullable=False),
        sa.Column("subscription_tier", sa.Text(), server_default="starter", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "business_metrics",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), server_default="", nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("unit", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_business_metrics_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "metric", "dimension", "time", name=op.f("pk_business_metrics")),
    )
    op.create_table(
        "data_sources",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), server_default="default", nullable=False),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("credentials", sa.LargeBinary(), nullable=True),
        sa.Column("cursor", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_data_sources_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_data_sources")),
        sa.UniqueConstraint(
            "tenant_id", "provider", "name", name=op.f("uq_data_sources_tenant_id_provider_name")
        ),
    )
    op.create_table(
        "employees",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("hourly_wage", sa.Double(), nullable=False),
        sa.Column("min_weekly_hours", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_weekly_hours", sa.Integer(), server_default="40", nullable=False),
        sa.Column("availability", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "preferences", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_employees_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_employees")),
    )
    op.create_table(
        "evidence_graph",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("graph_data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_evidence_graph_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_evidence_graph")),
    )
    op.create_table(
        "forecasts",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), server_default="", nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("freq", sa.Text(), server_default="D", nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_forecasts_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_forecasts")),
    )
    op.create_table(
        "job_runs",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="running", nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_job_runs_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_runs")),
    )
    op.create_table(
        "optimization_runs",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("inputs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_optimization_runs_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_optimization_runs")),
    )
    op.create_table(
        "outbox",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_outbox_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("tenant_id", "message_id", name=op.f("uq_outbox_tenant_id_message_id")),
    )
    op.create_table(
        "processed_events",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_processed_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "source", "event_id", name=op.f("pk_processed_events")),
    )
    op.create_table(
        "products",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("sku", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), server_default="", nullable=False),
        sa.Column("price", sa.Double(), nullable=False),
        sa.Column("unit_cost", sa.Double(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), server_default="1", nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column("supplier", sa.Text(), server_default="", nullable=False),
        sa.Column("case_pack", sa.Integer(), server_default="1", nullable=False),
        sa.Column("min_order_qty", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_products_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "sku", name=op.f("pk_products")),
    )
    op.create_table(
        "slack_installations",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("team_id", sa.Text(), nullable=False),
        sa.Column("enterprise_id", sa.Text(), server_default="", nullable=False),
        sa.Column("team_name", sa.Text(), server_default="", nullable=False),
        sa.Column("bot_user_id", sa.Text(), server_default="", nullable=False),
        sa.Column("bot_id", sa.Text(), server_default="", nullable=False),
        sa.Column("bot_token", sa.LargeBinary(), nullable=False),
        sa.Column("bot_scopes", sa.Text(), server_default="", nullable=False),
        sa.Column("installer_user_id", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_slack_installations_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_slack_installations")),
        sa.UniqueConstraint(
            "team_id", "enterprise_id", name=op.f("uq_slack_installations_team_id_enterprise_id")
        ),
    )
    op.create_table(
        "users",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("display_name", sa.Text(), server_default="", nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("slack_user_id", sa.Text(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), server_default="member", nullable=False),
        sa.Column("digest_opt_out", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_users_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_users_tenant_id_email")),
        sa.UniqueConstraint("tenant_id", "slack_user_id", name=op.f("uq_users_tenant_id_slack_user_id")),
    )
    op.create_table(
        "coaching_sessions",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("channel", sa.Text(), server_default="cli", nullable=False),
        sa.Column("thread_key", sa.Text(), server_default="", nullable=False),
        sa.Column("user_query", sa.Text(), nullable=False),
        sa.Column("query_embedding", pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
        sa.Column("coach_response", sa.Text(), nullable=False),
        sa.Column("tool_calls", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("llm_provider", sa.Text(), server_default="", nullable=False),
        sa.Column("tokens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("response_time_ms", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=10, scale=6), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_coaching_sessions_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_coaching_sessions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_coaching_sessions")),
    )
    op.create_index(
        "ix_coaching_sessions_embedding",
        "coaching_sessions",
        ["query_embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"query_embedding": "vector_cosine_ops"},
    )
    op.create_index(
        "ix_coaching_sessions_thread", "coaching_sessions", ["tenant_id", "thread_key"], unique=False
    )
    op.create_table(
        "smart_goals",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("dimension", sa.Text(), server_default="", nullable=False),
        sa.Column("aggregation", sa.Text(), server_default="total", nullable=False),
        sa.Column("target_value", sa.Double(), nullable=False),
        sa.Column("baseline_value", sa.Double(), nullable=True),
        sa.Column("current_value", sa.Double(), nullable=True),
        sa.Column("start_date", sa.Date(), server_default=sa.text("CURRENT_DATE"), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), server_default="created", nullable=False),
        sa.Column("outlook", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_smart_goals_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_smart_goals_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_smart_goals")),
    )
    op.create_table(
        "goal_checkins",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("goal_id", sa.UUID(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "goal_id"],
            ["smart_goals.tenant_id", "smart_goals.id"],
            name=op.f("fk_goal_checkins_tenant_id_goal_id_smart_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_goal_checkins_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_goal_checkins")),
    )
    _secure(_app_role())
    if timescale:
        op.execute(
            "SELECT create_hypertable('business_metrics', 'time', chunk_time_interval => interval '90 days')"
        )
    else:
        op.execute("CREATE INDEX ix_business_metrics_time_brin ON business_metrics USING brin (time)")


def _secure(role: str) -> None:
    for table in TENANT_TABLES:
        for statement in tenant_table_sql(table, role):
            op.execute(statement)
    # tenants: a tenant session sees (and may edit) its own row; creating and listing go through functions.
    for statement in tenant_table_sql("tenants", role, key="id", privileges="SELECT, UPDATE"):
        op.execute(statement)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT ON external_benchmarks TO {role}")
    op.execute(f"""
        CREATE FUNCTION coach_list_tenants() RETURNS TABLE ({TENANT_COLUMNS})
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT id, slug, name, industry, timezone, currency, country, is_active FROM tenants
        $$""")
    op.execute("""
        CREATE FUNCTION coach_ensure_tenant(p_slug text, p_name text, p_industry text, p_timezone text,
                                            p_currency text, p_country text) RETURNS uuid
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE tenant uuid;
        BEGIN
            INSERT INTO tenants (slug, name, industry, timezone, currency, country)
            VALUES (p_slug, p_name, p_industry, p_timezone, p_currency, p_country)
            ON CONFLICT (slug) DO NOTHING
            RETURNING id INTO tenant;
            IF tenant IS NULL THEN
                SELECT id INTO tenant FROM tenants WHERE slug = p_slug;
            END IF;
            RETURN tenant;
        END $$""")
    for function in ("coach_list_tenants()", "coach_ensure_tenant(text, text, text, text, text, text)"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS coach_ensure_tenant(text, text, text, text, text, text)")
    op.execute("DROP FUNCTION IF EXISTS coach_list_tenants()")
    op.execute("DROP INDEX IF EXISTS ix_business_metrics_time_brin")
    op.drop_table("goal_checkins")
    op.drop_table("smart_goals")
    op.drop_index("ix_coaching_sessions_thread", table_name="coaching_sessions")
    op.drop_index(
        "ix_coaching_sessions_embedding",
        table_name="coaching_sessions",
        postgresql_using="hnsw",
        postgresql_ops={"query_embedding": "vector_cosine_ops"},
    )
    op.drop_table("coaching_sessions")
    op.drop_table("users")
    op.drop_table("slack_installations")
    op.drop_table("products")
    op.drop_table("processed_events")
    op.drop_table("outbox")
    op.drop_table("optimization_runs")
    op.drop_table("job_runs")
    op.drop_table("forecasts")
    op.drop_table("evidence_graph")
    op.drop_table("employees")
    op.drop_table("data_sources")
    op.drop_table("business_metrics")
    op.drop_table("tenants")
    op.drop_table("external_benchmarks")
