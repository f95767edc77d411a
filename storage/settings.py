"""The one configuration class for smb-coach, read from ``COACH_*`` environment variables and a ``.env`` file.

It lives in ``storage`` because that is the bottom layer: every other package may import it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "COACH_"
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "changethis", "secret", "password", "xxx"})


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable and what it expects."""


class Settings(BaseSettings):
    """Everything an operator can configure. Field ``x`` is read from ``COACH_X``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    # storage
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL 15+ with pgvector, as the schema owner (postgresql://user:pass@host:5432/db). "
        "Unset: an embedded PostgreSQL 16 in the data dir.",
    )
    app_database_url: str | None = Field(
        default=None,
        description="How the app connects (a role without SUPERUSER/BYPASSRLS). Unset: role coach_app on the "
        "same server, created by `coach db upgrade`.",
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("smb-coach")),
        description="Where the embedded database, secret key and previews live.",
    )
    db_pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept open per process.")
    digest_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Processes composing the weekly digests side by side; 0: one per CPU core.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs reply tokens and encrypts connector tokens. Unset: generated once into the data dir.",
    )
    # LLMs
    llm_provider: Literal["auto", "ollama", "openai", "offline"] = Field(
        default="auto",
        description="auto routes between Ollama, OpenAI and the offline model by cost and need.",
    )
    ollama_url: str = Field(default="http://127.0.0.1:11434", description="Ollama server.")
    ollama_model: str = Field(default="llama3.1:8b", description="Ollama model name.")
    openai_api_key: SecretStr | None = Field(default=None, description="OpenAI API key.")
    openai_base_url: str = Field(
        default="https://api.openai.com/v1", description="OpenAI-compatible API base."
    )
    openai_model: str = Field(default="gpt-4o-mini", description="OpenAI model name.")
    llm_monthly_budget_usd: float = Field(default=20.0, ge=0, description="Cloud LLM spend cap per tenant.")
    llm_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="Timeout of one Ollama or OpenAI request, in seconds."
    )
    llm_max_retries: int = Field(
        default=1,
        ge=0,
        le=5,
        description="Retries of an OpenAI request after a 429, a 5xx, a timeout or a lost connection.",
    )
    llm_breaker_cooldown_s: float = Field(
        default=60.0,
        ge=0,
        description="A provider that failed or timed out is skipped for this many seconds.",
    )
    llm_escalate_min_tools: int = Field(
        default=3,
        ge=1,
        description="A question likely to need this many tools is hard: OpenAI is tried first.",
    )
    llm_escalate_min_chars: int = Field(
        default=6000,
        ge=1,
        description="A question plus history this long (characters) is hard: OpenAI is tried first.",
    )
    ollama_context_window: int = Field(
        default=8192, ge=512, description="Context window (num_ctx) asked of Ollama."
    )
    # Slack
    slack_bot_token: SecretStr | None = Field(default=None, description="Single-workspace mode: xoxb- token.")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Slack request signing secret.")
    slack_tenant: str | None = Field(default=None, description="Single-workspace mode: the tenant slug.")
    slack_app_token: SecretStr | None = Field(
        default=None, description="Socket Mode app-level token (xapp-)."
    )
    slack_client_id: str | None = Field(default=None, description="Multi-workspace OAuth client id.")
    slack_client_secret: SecretStr | None = Field(default=None, description="Multi-workspace OAuth secret.")
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    slack_event_lease_s: float = Field(
        default=30.0,
        gt=0,
        description="How long a process holds a Slack message it is answering before another may take it over "
        "(renewed every third of it while the answer is written; a crashed process's messages wait this long).",
    )
    # email
    smtp_host: str = Field(default="127.0.0.1", description="Outbound SMTP server.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Outbound SMTP port.")
    smtp_username: str | None = Field(default=None, description="Outbound SMTP user.")
    smtp_password: SecretStr | None = Field(default=None, description="Outbound SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Use STARTTLS for outbound SMTP.")
    mail_from: str = Field(default="coach@localhost", description="From address of digests and answers.")
    reply_domain: str = Field(default="localhost", description="Domain of reply+<token>@ addresses.")
    inbound_host: str = Field(default="127.0.0.1", description="Inbound SMTP listener host.")
    inbound_port: int = Field(default=8025, ge=1, le=65535, description="Inbound SMTP listener port.")
    max_message_bytes: int = Field(default=10_000_000, ge=1024, description="Largest inbound email accepted.")
    # web app and connectors
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Where the web app is reachable."
    )
    shopify_client_id: str | None = Field(default=None, description="Shopify app client id.")
    shopify_client_secret: SecretStr | None = Field(default=None, description="Shopify app client secret.")
    stripe_client_id: str | None = Field(default=None, description="Stripe Connect client id.")
    stripe_secret_key: SecretStr | None = Field(default=None, description="Stripe platform secret key.")
    quickbooks_client_id: str | None = Field(default=None, description="QuickBooks (Intuit) client id.")
    quickbooks_client_secret: SecretStr | None = Field(default=None, description="QuickBooks client secret.")
    erpnext_url: str | None = Field(default=None, description="ERPNext site URL.")
    # email answer limits (replies over a limit are accepted with 250 but not answered)
    email_answers_per_token_hour: int = Field(
        default=6,
        ge=0,
        description="Answers to replies sent to one reply address (token) in an hour.",
    )
    email_answers_per_sender_hour: int = Field(
        default=20,
        ge=0,
        description="Answers to replies from one sender address, per business, in an hour.",
    )
    email_stranger_answers_per_day: int = Field(
        default=3,
        ge=0,
        description="Answers a day, per person, to replies from an address that is not that person's "
        "(a forwarded digest); the answer still goes to the person, never to the sender.",
    )
    # Slack install links
    slack_install_link_days: float = Field(
        default=7.0,
        gt=0,
        le=90,
        description="How long a `coach slack-link` install link works, in days (`--ttl` overrides it); "
        "each link installs one workspace.",
    )

    @field_validator("database_url", "app_database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql://", "postgres://", "postgresql+asyncpg://")):
            raise ValueError("expects a PostgreSQL URL such as postgresql://user:password@host:5432/dbname")
        return value

    @field_validator("secret_key", "openai_api_key", "slack_signing_secret", "smtp_password")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("expects a real secret, not a placeholder such as 'changeme'")
        return value

    @property
    def embedded(self) -> bool:
        """True when the database is the embedded server in the data dir."""
        return self.database_url is None


_PASSWORD_IN_URL = re.compile(r"(?<=://)([^:/@\s]*):[^@\s]*@")


def _shown(field: str, value: object) -> str:
    """What the error may echo of a bad value: never a secret, never the password inside a URL."""
    info = Settings.model_fields.get(field)
    if info is not None and "SecretStr" in str(info.annotation):
        return ""
    masked = _PASSWORD_IN_URL.sub(r"\1:***@", str(value))
    return f" (got {masked!r})"


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    message = first["msg"].removeprefix("Value error, ")
    return f"{ENV_PREFIX}{field.upper()}: {message}{_shown(field, first.get('input'))}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or a SettingsError whose message is one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
