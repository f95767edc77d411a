"""Slack workspace installations (which workspace belongs to which tenant, with its bot token), and the install
links and OAuth states already used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified


class SlackInstallation(Identified, Base):
    """The coach installed in one Slack workspace (team) for one tenant."""

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("team_id", "enterprise_id"),)

    team_id: Mapped[str] = mapped_column(Text)
    enterprise_id: Mapped[str] = mapped_column(Text, server_default="")
    team_name: Mapped[str] = mapped_column(Text, server_default="")
    bot_user_id: Mapped[str] = mapped_column(Text, server_default="")
    bot_id: Mapped[str] = mapped_column(Text, server_default="")
    bot_token: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted with the secret key
    bot_scopes: Mapped[str] = mapped_column(Text, server_default="")
    installer_user_id: Mapped[str] = mapped_column(Text, server_default="")


class SpentInstallNonce(Base):
    """An install link or OAuth state that has been used, kept until it would have expired anyway.

    Not a tenant table: a link is used before its workspace has a tenant. It holds a hash and a time, nothing
    else, and the app role reaches it only through two SECURITY DEFINER functions (migration 0006).
    """

    __tablename__ = "slack_spent_install_nonces"

    digest: Mapped[str] = mapped_column(Text, primary_key=True)  # sha256 hex of "<kind>:<nonce>"
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    spent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
