"""``coach chat`` names each source of an answer once, whether the answer states it or only the footer does."""

from __future__ import annotations

from bot.cli.chat import unstated
from coach.tools.result import Source
from tests.cli.test_ask_and_chat import coach, env  # noqa: F401 - fixture
from tests.coach.conftest import demo_tenants  # noqa: F401 - fixture

REVENUE = Source(
    tool="metric_summary", data="revenue, daily, 2026-06-15 to 2026-06-28", method="total per period"
)
CUSTOMERS = Source(
    tool="forecast_metric", data="customers, daily, 2024-07-01 to 2026-06-30", method="ensemble"
)


def test_chat_prints_each_source_once(env: dict[str, str]) -> None:  # noqa: F811
    result = coach("chat", "--tenant", "demo-cafe", env=env, stdin="How did sales go last week?\n/quit\n")

    assert result.returncode == 0, result.stderr
    sources = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("Source:")]
    assert len(sources) == 1 and "metric_summary" in sources[0], result.stdout


def test_the_footer_adds_only_the_sources_the_answer_did_not_state() -> None:
    answer = (
        "Revenue last week: up.\nSource: metric_summary: revenue, daily, 2026-06-15 to 2026-06-28 (total)"
    )

    assert unstated([REVENUE, CUSTOMERS], answer) == [CUSTOMERS]
    assert unstated([REVENUE], "Revenue last week was fine.") == [REVENUE]
