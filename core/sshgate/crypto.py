"""Secrets at rest: Fernet keys derived from ``SSHGATE_SECRET_KEY`` with HKDF, one per purpose.

A purpose ("server-credentials", "totp", ...) gets its own key, so a value encrypted for one
use can never be decrypted as another. ``MultiFernet`` lets ``sshgate rotate-key`` read with
the old key while writing with the new one.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SALT = b"sshgate/hkdf/v1"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured key (wrong or rotated key)."""


def derive_key(secret_key: str, purpose: str, length: int = 32) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=SALT, info=purpose.encode())
    return hkdf.derive(secret_key.encode())


class SecretBox:
    """Encrypt and decrypt short secrets for one purpose; the first key encrypts."""

    def __init__(self, secret_keys: Sequence[str], purpose: str) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is required")
        self.purpose = purpose
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(derive_key(k, purpose))) for k in secret_keys]
        )

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretUnreadable(
                f"{self.purpose} secret unreadable: encrypted with a different SSHGATE_SECRET_KEY"
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt with the first key; raises :class:`SecretUnreadable` like decrypt."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise SecretUnreadable(f"{self.purpose} secret unreadable with the old key") from None
