"""Email answers rate-limited per reply token and sender.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from storage.rls import tenant_table_sql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _app_role() -> str:
    return str(context.config.attributes.get("app_role") or "coach_app")


def upgrade() -> None:
    # One row per answer mailed because of an inbound reply: the per-token, per-sender and stranger limits count
    # these (issue 14, finding 6). The token is stored only as its SHA-256.
    op.create_table(
        "email_answers",
        sa.Column("tenant_id", sa.UUID(), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("stranger", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_email_answers_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_email_answers_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_email_answers")),
    )
    op.create_index("ix_email_answers_recent", "email_answers", ["tenant_id", "created_at"], unique=False)
    for statement in tenant_table_sql("email_answers", _app_role()):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_email_answers_recent", table_name="email_answers")
    op.drop_table("email_answers")
