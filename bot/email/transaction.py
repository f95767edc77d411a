"""What one SMTP transaction accepted, kept on that transaction's own envelope.

aiosmtpd makes a new ``Envelope`` when a connection opens, at HELO/EHLO, at RSET and after DATA (whether the
message was taken or refused with 552), and drops it with the connection. Recipients accepted at RCPT live on
the envelope itself, so they end with their transaction: a dropped connection or a refused message can never
lend its recipients to another one (issue 14: keyed by ``id(envelope)``, they did, when a later envelope
reused the address).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiosmtpd.smtp import SMTP, Envelope

from bot.email.tokens import TokenClaims


@dataclass(frozen=True)
class Accepted:
    """A recipient that passed RCPT: what it is for and whose it is."""

    purpose: str
    token: str
    claims: TokenClaims


class ReplyEnvelope(Envelope):
    """An envelope that also carries the recipients accepted in its transaction."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[Accepted] = []


class ReplySMTP(SMTP):
    """aiosmtpd's SMTP protocol whose every new transaction starts with an empty ``ReplyEnvelope``."""

    def _create_envelope(self) -> Envelope:
        return ReplyEnvelope()


def accepted_in(envelope: Envelope) -> list[Accepted]:
    """The recipients accepted in ``envelope``'s transaction (the envelope must come from ``ReplySMTP``)."""
    if not isinstance(envelope, ReplyEnvelope):
        raise TypeError(
            "the inbound handler needs ReplySMTP, whose envelopes carry their accepted recipients"
        )
    return envelope.accepted
