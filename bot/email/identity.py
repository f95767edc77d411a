"""Turning a reply or unsubscribe token back into its tenant and user, checked against the full ids."""

from __future__ import annotations

import time
import uuid
from datetime import date

from bot.email.tokens import REPLY, TokenClaims, TokenError, candidates, hints, verify
from storage.database import Database
from storage.tenants.users import users_with_id_prefix

TENANT_CACHE_S = 60.0


class Directory:
    """Resolves tokens; the tenant list is cached for a minute (re-read at once when a prefix is not found)."""

    def __init__(self, db: Database, key: bytes) -> None:
        self.db = db
        self.key = key
        self._tenants: list[uuid.UUID] = []
        self._loaded = 0.0

    async def _tenant_ids(self, prefix: bytes) -> list[uuid.UUID]:
        fresh = time.monotonic() - self._loaded < TENANT_CACHE_S
        found = candidates(prefix, self._tenants) if fresh else []
        if not found:
            self._tenants = [t.id for t in await self.db.system.list_tenants() if t.is_active]
            self._loaded = time.monotonic()
            found = candidates(prefix, self._tenants)
        return found

    async def resolve(self, token: str, *, today: date, purpose: str = REPLY) -> TokenClaims:
        """The verified claims of ``token``; TokenError when it is malformed, forged, expired or unknown."""
        found = hints(token)
        for tenant_id in await self._tenant_ids(found.tenant_prefix):
            async with self.db.tenant_session(tenant_id) as session:
                users = await users_with_id_prefix(session=session, prefix=found.user_prefix)
            for user in users:
                try:
                    return verify(
                        self.key, found, tenant_id=tenant_id, user_id=user.id, today=today, purpose=purpose
                    )
                except TokenError:
                    continue
        raise TokenError("no tenant and user match this token")
