"""What the digest-worker tests make a worker process run (importable by a spawned process)."""

from __future__ import annotations

import os
from datetime import date

from bot.email.digests import DigestRun
from storage.database import TenantInfo


def die_on_second(tenant: TenantInfo, day: date) -> DigestRun:
    """Kill the worker process on tenants whose slug ends in -1; otherwise report the tenant as composed."""
    del day
    if tenant.slug.endswith("-1"):
        os._exit(3)
    return DigestRun(compose_seconds={tenant.slug: 0.0})
