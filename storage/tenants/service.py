"""Users of the session's tenant: find them by Slack id, create them on first contact."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tenancy import current_tenant
from storage.tenants.models import User


@dataclass(frozen=True)
class SlackProfile:
    """What Slack's ``users.info`` tells about a person."""

    slack_user_id: str
    display_name: str = ""
    timezone: str | None = None


async def get_user_by_slack_id(*, session: AsyncSession, slack_user_id: str) -> User | None:
    """The tenant's user with this Slack id, or None."""
    return await session.scalar(select(User).where(User.slack_user_id == slack_user_id))


async def get_or_create_slack_user(*, session: AsyncSession, profile: SlackProfile) -> User:
    """The tenant's user with this Slack id, created from ``profile`` if new (safe when two requests race)."""
    statement = (
        insert(User)
        .values(
            tenant_id=await current_tenant(session),
            slack_user_id=profile.slack_user_id,
            display_name=profile.display_name,
            timezone=profile.timezone,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "slack_user_id"])
    )
    await session.execute(statement)
    user = await get_user_by_slack_id(session=session, slack_user_id=profile.slack_user_id)
    assert user is not None  # inserted above, or there already
    return user
