"""Looking users up for the gateways: by id, by email, by id prefix (reply tokens), digest recipients."""

from __future__ import annotations

import uuid

from sqlalchemy import String, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tenancy import current_tenant
from storage.tenants.models import User


async def get_user(*, session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user with this id in the session's tenant, or None."""
    return await session.scalar(select(User).where(User.id == user_id))


async def find_user_by_email(*, session: AsyncSession, email: str) -> User | None:
    """The user with this email address (case-insensitive) in the session's tenant, or None."""
    return await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


async def users_with_id_prefix(*, session: AsyncSession, prefix: bytes) -> list[User]:
    """Users whose id starts with these bytes (a reply token's hint; the token's HMAC decides)."""
    hexed = prefix.hex()
    text = hexed[:8] + (f"-{hexed[8:12]}" if len(hexed) > 8 else "")
    return list((await session.scalars(select(User).where(cast(User.id, String).startswith(text)))).all())


async def digest_recipients(*, session: AsyncSession) -> list[User]:
    """Users with an email address who have not opted out of the weekly digest, oldest first."""
    statement = (
        select(User)
        .where(User.email.is_not(None), User.email != "", User.digest_opt_out.is_(False))
        .order_by(User.created_at, User.id)
    )
    return list((await session.scalars(statement)).all())


async def slack_digest_recipients(*, session: AsyncSession) -> list[User]:
    """Users with a Slack user id who have not opted out of the weekly digest, oldest first."""
    statement = (
        select(User)
        .where(User.slack_user_id.is_not(None), User.slack_user_id != "", User.digest_opt_out.is_(False))
        .order_by(User.created_at, User.id)
    )
    return list((await session.scalars(statement)).all())


async def set_digest_opt_out(*, session: AsyncSession, user_id: uuid.UUID, opt_out: bool = True) -> bool:
    """Stop (or restart) a user's digests; False when there is no such user in the session's tenant."""
    result = await session.execute(
        update(User).where(User.id == user_id).values(digest_opt_out=opt_out).returning(User.id)
    )
    return result.first() is not None


async def ensure_email_user(
    *, session: AsyncSession, email: str, display_name: str = "", role: str = "owner"
) -> User:
    """The user with this email in the session's tenant, created if missing."""
    found = await find_user_by_email(session=session, email=email)
    if found is not None:
        return found
    user = User(
        tenant_id=await current_tenant(session), email=email.strip(), display_name=display_name, role=role
    )
    session.add(user)
    await session.flush()
    return user
