"""Single-use, expiring Slack install links and OAuth states; coach_ensure_tenant validates its input.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "slack_spent_install_nonces"
SPEND = "coach_spend_install_nonce(text, timestamp with time zone)"
SPENT = "coach_install_nonce_spent(text)"

ENSURE_TENANT_HEAD = """
    CREATE OR REPLACE FUNCTION coach_ensure_tenant(p_slug text, p_name text, p_industry text, p_timezone text,
                                                   p_currency text, p_country text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE tenant uuid;
    BEGIN
"""
ENSURE_TENANT_TAIL = """
        INSERT INTO tenants (slug, name, industry, timezone, currency, country)
        VALUES (p_slug, p_name, p_industry, p_timezone, p_currency, p_country)
        ON CONFLICT (slug) DO NOTHING
        RETURNING id INTO tenant;
        IF tenant IS NULL THEN
            SELECT id INTO tenant FROM tenants WHERE slug = p_slug;
        END IF;
        RETURN tenant;
    END $$"""
# The function runs as the owner, so it is the last word on what a tenant may hold, whoever calls it. Regular
# expressions in PostgreSQL anchor at the very end of the string ($ does not match before a trailing newline).
# The zone is looked up in pg_timezone_names last: it reads the zone files (about 10 ms), the rest is free.
ENSURE_TENANT_CHECKS = """
        IF p_slug IS NULL OR p_slug !~ '^[a-z0-9][a-z0-9-]{1,62}$' THEN
            RAISE EXCEPTION 'tenant slug % is not valid: use 2 to 63 lowercase letters, digits and dashes, '
                            'starting with a letter or a digit', quote_nullable(left(p_slug, 80))
                USING ERRCODE = '22023';
        END IF;
        IF p_name IS NULL OR btrim(p_name) = '' OR char_length(p_name) > 200 OR p_name ~ '[[:cntrl:]]' THEN
            RAISE EXCEPTION 'tenant name % is not valid: give 1 to 200 characters without line breaks',
                            quote_nullable(left(p_name, 80))
                USING ERRCODE = '22023';
        END IF;
        IF p_industry IS NULL OR p_industry !~ '^[a-z][a-z0-9_-]{0,39}$' THEN
            RAISE EXCEPTION 'industry % is not valid: use a lowercase word such as cafe or retail',
                            quote_nullable(left(p_industry, 80))
                USING ERRCODE = '22023';
        END IF;
        IF p_currency IS NULL OR p_currency !~ '^[A-Z]{3}$' THEN
            RAISE EXCEPTION 'currency % is not valid: use a 3-letter ISO 4217 code such as USD',
                            quote_nullable(left(p_currency, 80))
                USING ERRCODE = '22023';
        END IF;
        IF p_country IS NULL OR p_country !~ '^[A-Z]{2}$' THEN
            RAISE EXCEPTION 'country % is not valid: use a 2-letter ISO 3166 code such as US',
                            quote_nullable(left(p_country, 80))
                USING ERRCODE = '22023';
        END IF;
        IF p_timezone IS NULL OR NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_timezone) THEN
            RAISE EXCEPTION '% is not a known time zone: use an IANA name such as Europe/London or UTC',
                            quote_nullable(left(p_timezone, 80))
                USING ERRCODE = '22023';
        END IF;
"""


def _app_role() -> str:
    return str(context.config.attributes.get("app_role") or "coach_app")


def upgrade() -> None:
    op.execute(ENSURE_TENANT_HEAD + ENSURE_TENANT_CHECKS + ENSURE_TENANT_TAIL)
    # Install links and OAuth states used once. A link is used before its workspace has a tenant, so this table
    # is not a tenant table: it holds a digest and a time, and the app role reaches it only through the two
    # functions below (no grant on the table). Row security with a policy that admits nothing keeps it that way
    # should a grant ever be added; the functions run as the owner, who bypasses it.
    op.create_table(
        TABLE,
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f(f"pk_{TABLE}")),
    )
    op.execute(f"REVOKE ALL ON {TABLE} FROM PUBLIC")
    op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY functions_only ON {TABLE} USING (false) WITH CHECK (false)")
    # True for the first use of a nonce before it expires, by the database's clock; the primary key makes two
    # racing uses (two instances, two workspaces) produce exactly one true. Expired rows are dropped as it goes:
    # an expired nonce can never be spent again anyway.
    op.execute(f"""
        CREATE FUNCTION coach_spend_install_nonce(p_digest text, p_expires_at timestamptz) RETURNS boolean
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE inserted integer;
        BEGIN
            IF p_digest IS NULL OR p_digest !~ '^[0-9a-f]{{64}}$' THEN
                RAISE EXCEPTION 'an install nonce digest is 64 lowercase hex digits' USING ERRCODE = '22023';
            END IF;
            IF p_expires_at IS NULL OR p_expires_at > now() + interval '366 days' THEN
                RAISE EXCEPTION 'an install nonce expires within a year' USING ERRCODE = '22023';
            END IF;
            IF p_expires_at <= now() THEN
                RETURN false;
            END IF;
            DELETE FROM {TABLE} WHERE expires_at <= now();
            INSERT INTO {TABLE} (digest, expires_at) VALUES (p_digest, p_expires_at)
            ON CONFLICT (digest) DO NOTHING;
            GET DIAGNOSTICS inserted = ROW_COUNT;
            RETURN inserted = 1;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION coach_install_nonce_spent(p_digest text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE digest = p_digest)
        $$""")
    for signature in (SPEND, SPENT):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {_app_role()}")


def downgrade() -> None:
    for signature in (SPEND, SPENT):
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.drop_table(TABLE)
    op.execute(ENSURE_TENANT_HEAD + ENSURE_TENANT_TAIL)  # the body of 0001, which checked nothing
