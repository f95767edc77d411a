"""Slack workspace installations: which workspace belongs to which tenant, with its bot token."""

from __future__ import annotations

from sqlalchemy import LargeBinary, Text, UniqueConstraint
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
