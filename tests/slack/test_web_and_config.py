"""The web app's health and metrics, and Slack settings checked at start-up with one clear line."""

from __future__ import annotations

import pytest
import yaml

from bot.slack.app import BOT_SCOPES, REDIRECT_PATH
from bot.slack.config import SlackConfigError, slack_config
from bot.slack.parsing import USAGE
from storage.settings import Settings
from tests.conftest import repo_root
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import Say
from tests.slack.conftest import OWNER, Harness
from tests.slack.slack_api import Workspace
from tests.slack.wire import dm, event_body, send_event


async def test_healthz_reports_the_database_and_slack_mode(single: Harness) -> None:
    response = await single.http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "slack": "single"}


async def test_metrics_are_prometheus_text_counting_events_and_answers(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("Counted."))
    await send_event(single.http, event_body(cafe_workspace.team_id, dm(OWNER, "count me")))
    await single.settle()

    response = await single.http.get("/metrics")

    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert "# TYPE slack_answers_total counter" in lines and "slack_answers_total 1" in lines
    assert 'slack_events_total{type="message"} 1' in lines
    assert 'http_requests_total{path="/slack/events",status="200"} 1' in lines


def settings(**slack: object) -> Settings:
    return Settings(**slack)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "variable"),
    [
        ({"slack_bot_token": "xoxb-1", "slack_tenant": "demo-cafe"}, "COACH_SLACK_SIGNING_SECRET"),
        (
            {
                "slack_bot_token": "xoxp-user-token",
                "slack_signing_secret": "s3cr3t-value",
                "slack_tenant": "demo-cafe",
            },
            "COACH_SLACK_BOT_TOKEN",
        ),  # fmt: skip
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s3cr3t-value"}, "COACH_SLACK_TENANT"),
        (
            {
                "slack_bot_token": "xoxb-1",
                "slack_signing_secret": "s3cr3t-value",
                "slack_tenant": "Demo Cafe!",
            },
            "COACH_SLACK_TENANT",
        ),  # fmt: skip
        ({"slack_client_id": "1.2", "slack_signing_secret": "s3cr3t-value"}, "COACH_SLACK_CLIENT_SECRET"),
        ({"slack_signing_secret": "s3cr3t-value"}, "COACH_SLACK_BOT_TOKEN"),
        (
            {
                "slack_bot_token": "xoxb-1",
                "slack_signing_secret": "s3cr3t-value",
                "slack_tenant": "demo-cafe",
                "slack_api_url": "localhost:9999",
            },
            "COACH_SLACK_API_URL",
        ),  # fmt: skip
        (
            {"slack_app_token": "xoxb-wrong", "slack_bot_token": "xoxb-1", "slack_tenant": "demo-cafe"},
            "COACH_SLACK_APP_TOKEN",
        ),  # fmt: skip
    ],
)
def test_a_bad_or_missing_slack_setting_is_one_line_naming_the_variable(fields: dict, variable: str) -> None:
    with pytest.raises(SlackConfigError) as error:
        slack_config(settings(**fields))

    assert str(error.value).startswith(f"{variable}:") and "\n" not in str(error.value)


def test_no_slack_settings_means_slack_is_off_and_good_ones_pick_the_mode() -> None:
    single = slack_config(settings(slack_bot_token="xoxb-1", slack_signing_secret="s3cr3t-value",
                                   slack_tenant="demo-cafe", slack_api_url="http://127.0.0.1:9/api"))  # fmt: skip
    multi = slack_config(settings(slack_client_id="1.2", slack_client_secret="x-secret",
                                  slack_signing_secret="s3cr3t-value"))  # fmt: skip
    socket = slack_config(
        settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1", slack_tenant="demo-cafe")
    )

    assert slack_config(settings()) is None
    assert single is not None and single.mode == "single" and single.api_url == "http://127.0.0.1:9/api/"
    assert multi is not None and multi.mode == "multi" and not multi.socket_mode
    assert socket is not None and socket.socket_mode


def test_the_manifest_asks_for_the_scopes_commands_events_and_urls_the_gateway_uses() -> None:
    manifest = yaml.safe_load((repo_root() / "bot" / "slack" / "manifest.yml").read_text())

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == set(USAGE)
    assert {"app_mention", "message.im", "message.channels"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    assert manifest["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/interactivity")
    assert all(c["url"].endswith("/slack/commands") for c in manifest["features"]["slash_commands"])
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
