"""A picture of the digest as a mail client shows it: seed Demo Café in a scratch database, write its digest with
``coach digest --preview``'s code, and screenshot the HTML in headless Chromium (``apt-get install chromium``).

    .venv/bin/python benchmarks/email_screenshot.py [--out /tmp/smb-coach-digest]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _db import scratch_database  # noqa: E402

from bot.email.preview import write_preview  # noqa: E402
from connectors.demo.businesses import DEMO_CAFE  # noqa: E402
from connectors.demo.seed import seed_profile  # noqa: E402
from storage.goals.service import GoalCreate, create_goal  # noqa: E402
from storage.settings import Settings  # noqa: E402


async def preview(out: Path) -> Path:
    """Write the preview files; the path of the HTML."""
    async with scratch_database() as db:
        tenant = (await seed_profile(db, DEMO_CAFE, end=date(2026, 6, 30))).tenant_id
        async with db.tenant_session(tenant) as session:
            await create_goal(
                session=session,
                goal=GoalCreate(
                    title="Revenue $250,000 in June and July",
                    metric="revenue",
                    target_value=250_000,
                    deadline=date(2026, 7, 31),
                    start_date=date(2026, 6, 1),
                ),
            )
        info = await db.system.tenant(DEMO_CAFE.slug)
        settings = Settings(secret_key="benchmark-secret-key", reply_domain="coach.example")
        files = await write_preview(db, settings, info, out, today=date(2026, 7, 1))
    return next(f for f in files if f.name == "digest.html")


def screenshot(html: Path, png: Path) -> None:
    """Render ``html`` at a mail client's width into ``png``."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("Chromium is not installed: apt-get install -y chromium")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={png}",
            "--window-size=680,2200",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> None:
    """Preview and screenshot; prints the image path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/smb-coach-digest"))
    args = parser.parse_args()
    html = asyncio.run(preview(args.out))
    png = args.out / "digest.png"
    screenshot(html, png)
    print(f"preview: {html}\nscreenshot: {png}")


if __name__ == "__main__":
    main()
