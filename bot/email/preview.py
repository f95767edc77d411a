"""Writing one tenant's digest to a folder (HTML, text, images, the .eml) so a person can look at it."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

from bot.email.digests import digest_email
from coach.digest import compose_digest
from coach.periods import today_in
from coach.tools.context import ToolContext
from storage.database import Database, TenantInfo
from storage.secrets import secret_key
from storage.settings import Settings
from storage.tenants.models import User

PREVIEW_USER = uuid.UUID(int=0)


async def write_preview(
    db: Database, settings: Settings, tenant: TenantInfo, folder: Path, *, today: date | None = None
) -> list[Path]:
    """Files written: ``digest.html`` (images by file name), ``digest.txt``, the PNGs and ``digest.eml``."""
    day = today or today_in(tenant.timezone)
    digest = await compose_digest(ToolContext(db=db, tenant=tenant, user_id=None, today=day))
    if digest is None:
        return []
    user = User(id=PREVIEW_USER, tenant_id=tenant.id, email="owner@example.com", display_name="Owner")
    mail = digest_email(
        digest, settings=settings, key=secret_key(settings), tenant_id=tenant.id, user=user, today=day
    )
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    html = mail.html
    for part in mail.message.walk():
        cid = str(part.get("Content-ID", "")).strip("<>")
        if cid and part.get_content_type() == "image/png":
            path = folder / (part.get_filename() or f"{re.sub(r'[^a-z0-9]+', '-', cid)}.png")
            payload = part.get_payload(decode=True)
            path.write_bytes(payload if isinstance(payload, bytes) else b"")
            html = html.replace(f"cid:{cid}", path.name)
            written.append(path)
    for name, content in (("digest.html", html), ("digest.txt", mail.text)):
        (folder / name).write_text(content, encoding="utf-8")
        written.append(folder / name)
    (folder / "digest.eml").write_bytes(mail.message.as_bytes())
    written.append(folder / "digest.eml")
    return written
