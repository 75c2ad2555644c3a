"""Sealing exported secrets with a passphrase (scrypt + Fernet), independent of the secret key.

An export sealed here can be imported into another sshgate with a different
``SSHGATE_SECRET_KEY``: only the passphrase is needed.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# scrypt cost: ~100 ms here, paid once per export or import, not per secret.
N, R, P = 2**15, 8, 1


class Unsealable(ValueError):
    """The passphrase does not open the sealed secrets."""


def _fernet(passphrase: str, salt: bytes, n: int = N, r: int = R, p: int = P) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class Sealer:
    def __init__(self, passphrase: str) -> None:
        self.salt = os.urandom(16)
        self._fernet = _fernet(passphrase, self.salt)

    def header(self) -> dict[str, Any]:
        return {
            "kdf": "scrypt",
            "salt": base64.b64encode(self.salt).decode(),
            "n": N,
            "r": R,
            "p": P,
        }

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()


class Unsealer:
    def __init__(self, passphrase: str, header: dict[str, Any]) -> None:
        try:
            if header.get("kdf") != "scrypt":
                raise Unsealable(f"unknown key derivation {header.get('kdf')!r}")
            salt = base64.b64decode(header["salt"], validate=True)
            n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Unsealable(f"the export's sealing header is damaged: {exc}") from None
        if not (2**10 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
            raise Unsealable("the export's sealing parameters are out of range")
        self._fernet = _fernet(passphrase, salt, n, r, p)

    def unseal(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise Unsealable("the passphrase does not open the sealed secrets") from None
