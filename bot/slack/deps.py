"""What every Slack listener needs, built once per process and shared by all workspaces."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.web.metrics import Metrics
from coach.core import Coach
from coach.periods import today_in
from coach.tools.context import ToolContext
from coach.tools.registry import build_tools
from coach.tools.result import ToolResult
from storage.database import Database
from storage.tenants.service import SlackProfile, get_or_create_slack_user, get_user_by_slack_id

log = logging.getLogger(__name__)


@dataclass
class SlackDeps:
    """The database, the one Coach, the process metrics and how often a streaming answer is redrawn."""

    db: Database
    coach: Coach
    metrics: Metrics
    update_interval_s: float = 1.0

    async def user_id(self, *, tenant_id: uuid.UUID, client: AsyncWebClient, slack_user_id: str) -> uuid.UUID:
        """Our user for a Slack user, created on first contact with their name and timezone from ``users.info``."""
        async with self.db.tenant_session(tenant_id) as session:
            user = await get_user_by_slack_id(session=session, slack_user_id=slack_user_id)
        if user is not None:
            return user.id
        profile = await _profile(client, slack_user_id)
        async with self.db.tenant_session(tenant_id) as session:
            user = await get_or_create_slack_user(session=session, profile=profile)
        self.metrics.inc("slack_users_created_total")
        return user.id

    async def run_tool(
        self, *, tenant_id: uuid.UUID, user_id: uuid.UUID | None, name: str, args: dict[str, Any]
    ) -> ToolResult:
        """Run one coach tool for a tenant exactly as the agent would (same validation, same friendly errors)."""
        tenant = await self.coach.tenant(tenant_id)
        ctx = ToolContext(
            db=self.db,
            tenant=tenant,
            user_id=user_id,
            today=self.coach.today or today_in(tenant.timezone),
            embed=self.coach.embed,
            frames=self.coach.frames,
        )
        (tool,) = build_tools(ctx, (name,))
        await tool.acall(**args)
        return ctx.calls[-1].result


async def _profile(client: AsyncWebClient, slack_user_id: str) -> SlackProfile:
    try:
        user = (await client.users_info(user=slack_user_id)).get("user") or {}
    except SlackApiError as error:  # a missing users:read scope must not stop the answer
        log.warning("users.info failed for %s: %s", slack_user_id, error.response.get("error"))
        return SlackProfile(slack_user_id=slack_user_id)
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
    )
    return SlackProfile(slack_user_id=slack_user_id, display_name=str(name or ""), timezone=user.get("tz"))
