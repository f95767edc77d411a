"""Encrypting tokens at rest (Slack bot tokens, connector tokens) with a key derived from the secret key."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.secrets import secret_key
from storage.settings import Settings

# A distinct HKDF label per use keeps the token key apart from the other keys derived from the secret.
TOKEN_INFO = b"smb-coach token encryption v1"


class TokenDecryptError(Exception):
    """A stored token cannot be decrypted (the secret key changed, or the bytes are damaged)."""


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) over a key derived from the secret key with HKDF-SHA256."""

    def __init__(self, secret: bytes) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=TOKEN_INFO).derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        """The cipher for the configured (or generated) secret key."""
        return cls(secret_key(settings))

    def encrypt(self, plaintext: str) -> bytes:
        """The token, encrypted and authenticated."""
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        """The token back, or TokenDecryptError."""
        try:
            return self._fernet.decrypt(bytes(ciphertext)).decode()
        except InvalidToken:
            raise TokenDecryptError(
                "A stored token cannot be decrypted: COACH_SECRET_KEY differs from the one it was saved with."
            ) from None
