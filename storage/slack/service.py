"""Slack installations of a tenant (bot tokens encrypted at rest), the team -> tenant lookup, install links and
OAuth states used once, nudge snoozes."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.crypto import TokenCipher
from storage.jobs.models import JobRun
from storage.slack.models import SlackInstallation
from storage.tenancy import current_tenant

SNOOZE_JOB = "nudge:{goal_id}"
NonceKind = Literal["link", "state"]


@dataclass(frozen=True)
class SlackBot:
    """An installation as the gateway uses it: the workspace, its tenant and the decrypted bot token."""

    tenant_id: uuid.UUID
    team_id: str
    enterprise_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    bot_token: str
    bot_scopes: str
    installer_user_id: str


async def tenant_for_team(
    *, connection: AsyncConnection, team_id: str, enterprise_id: str | None
) -> uuid.UUID | None:
    """The tenant a Slack workspace is installed for, or None (the one cross-tenant lookup, SECURITY DEFINER)."""
    found = await connection.execute(
        text("SELECT coach_slack_tenant(:team, :enterprise)"),
        {"team": team_id, "enterprise": enterprise_id or ""},
    )
    value = found.scalar()
    return None if value is None else uuid.UUID(str(value))


def nonce_digest(*, kind: NonceKind, nonce: str) -> str:
    """What the database keeps of an install link's or OAuth state's nonce: a SHA-256 hex digest, never the nonce."""
    return hashlib.sha256(f"{kind}:{nonce}".encode()).hexdigest()


async def spend_install_nonce(
    *, connection: AsyncConnection | AsyncSession, kind: NonceKind, nonce: str, expires_at: datetime
) -> bool:
    """Use up an install link or OAuth state: True the first time, before it expires, in any process; else False.

    Cross-tenant by nature (a link is used before its workspace has a tenant), so it goes through one SECURITY
    DEFINER function that stores the digest and the expiry, nothing else. It joins the caller's transaction: a
    use that is rolled back did not happen.
    """
    spent = await connection.execute(
        text("SELECT coach_spend_install_nonce(:digest, :expires_at)"),
        {"digest": nonce_digest(kind=kind, nonce=nonce), "expires_at": expires_at},
    )
    return bool(spent.scalar())


async def install_nonce_spent(
    *, connection: AsyncConnection | AsyncSession, kind: NonceKind, nonce: str
) -> bool:
    """Whether an install link or OAuth state has been used already (through its SECURITY DEFINER function)."""
    found = await connection.execute(
        text("SELECT coach_install_nonce_spent(:digest)"), {"digest": nonce_digest(kind=kind, nonce=nonce)}
    )
    return bool(found.scalar())


async def save_installation(
    *,
    session: AsyncSession,
    cipher: TokenCipher,
    team_id: str,
    enterprise_id: str | None,
    team_name: str,
    bot_user_id: str,
    bot_id: str,
    bot_token: str,
    bot_scopes: str,
    installer_user_id: str,
) -> SlackBot:
    """Store (or refresh, on a re-install) the session tenant's installation in a workspace."""
    tenant = await current_tenant(session)
    values = {
        "team_name": team_name,
        "bot_user_id": bot_user_id,
        "bot_id": bot_id,
        "bot_token": cipher.encrypt(bot_token),
        "bot_scopes": bot_scopes,
        "installer_user_id": installer_user_id,
    }
    statement = (
        insert(SlackInstallation)
        .values(tenant_id=tenant, team_id=team_id, enterprise_id=enterprise_id or "", **values)
        .on_conflict_do_update(index_elements=["team_id", "enterprise_id"], set_=values)
    )
    await session.execute(statement)
    found = await get_installation(
        session=session, cipher=cipher, team_id=team_id, enterprise_id=enterprise_id
    )
    assert found is not None  # just written in this transaction
    return found


async def get_installation(
    *, session: AsyncSession, cipher: TokenCipher, team_id: str, enterprise_id: str | None
) -> SlackBot | None:
    """The session tenant's installation in this workspace, token decrypted; None if there is none."""
    row = await session.scalar(
        select(SlackInstallation).where(
            SlackInstallation.team_id == team_id, SlackInstallation.enterprise_id == (enterprise_id or "")
        )
    )
    return None if row is None else _bot(row, cipher)


async def latest_installation(*, session: AsyncSession, cipher: TokenCipher) -> SlackBot | None:
    """The session tenant's most recent installation, token decrypted; None if it has none."""
    row = await session.scalar(
        select(SlackInstallation).order_by(SlackInstallation.created_at.desc(), SlackInstallation.id).limit(1)
    )
    return None if row is None else _bot(row, cipher)


def _bot(row: SlackInstallation, cipher: TokenCipher) -> SlackBot:
    return SlackBot(
        tenant_id=row.tenant_id,
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        team_name=row.team_name,
        bot_user_id=row.bot_user_id,
        bot_id=row.bot_id,
        bot_token=cipher.decrypt(row.bot_token),
        bot_scopes=row.bot_scopes,
        installer_user_id=row.installer_user_id,
    )


async def delete_installation(*, session: AsyncSession, team_id: str, enterprise_id: str | None) -> int:
    """Forget the session tenant's installation in this workspace (app uninstalled, tokens revoked)."""
    result = await session.execute(
        delete(SlackInstallation).where(
            SlackInstallation.team_id == team_id, SlackInstallation.enterprise_id == (enterprise_id or "")
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def snooze_nudge(*, session: AsyncSession, goal_id: uuid.UUID, until: datetime) -> None:
    """Hold nudges about a goal until ``until`` (recorded as a 'snoozed' run of that goal's nudge job)."""
    session.add(
        JobRun(
            tenant_id=await current_tenant(session),
            job=SNOOZE_JOB.format(goal_id=goal_id),
            status="snoozed",
            finished_at=until,
        )
    )
    await session.flush()


async def nudge_snoozed_until(*, session: AsyncSession, goal_id: uuid.UUID) -> datetime | None:
    """Until when nudges about a goal are held, or None if they are not."""
    return await session.scalar(
        select(JobRun.finished_at)
        .where(JobRun.job == SNOOZE_JOB.format(goal_id=goal_id), JobRun.status == "snoozed")
        .order_by(JobRun.finished_at.desc())
        .limit(1)
    )
