"""Tokens never reach a log: a reply or unsubscribe token is shown as a short hash of it instead.

Our own log lines pass addresses through ``redact``; aiosmtpd's logger (``mail.log``), which logs every RCPT
address and, at DEBUG, the commands and message lines it reads, gets the ``RedactTokens`` filter.
"""

from __future__ import annotations

import hashlib
import logging
import re

TOKEN = re.compile(r"\b(reply|unsubscribe)\+([^@\s<>\"',;)]+)", re.IGNORECASE)
TOKEN_IN_LINK = re.compile(r"([?&]token=)([^&\s\"'<>]+)", re.IGNORECASE)
SMTP_LOGGER = "mail.log"


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token (lowercased, as some servers lowercase addresses)."""
    return hashlib.sha256(token.strip().lower().encode()).hexdigest()


def token_tag(token: str) -> str:
    """How a token appears in logs: ``#`` and the first 8 hex digits of its SHA-256."""
    return f"#{token_hash(token)[:8]}"


def redact(text: str) -> str:
    """``text`` with every ``reply+<token>``/``unsubscribe+<token>`` and ``token=`` value replaced by its tag."""
    text = TOKEN.sub(lambda m: f"{m.group(1)}+{token_tag(m.group(2))}", text)
    return TOKEN_IN_LINK.sub(lambda m: f"{m.group(1)}{token_tag(m.group(2))}", text)


class RedactTokens(logging.Filter):
    """Rewrites a record (message and traceback) whose text holds a token so that only the token's tag remains."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record, redacted."""
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def redact_smtp_log() -> None:
    """Put ``RedactTokens`` on aiosmtpd's logger (once per process)."""
    logger = logging.getLogger(SMTP_LOGGER)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
