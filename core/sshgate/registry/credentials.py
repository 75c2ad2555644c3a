"""Encryption of server credentials at rest (purpose-bound Fernet key from the secret key)."""

from __future__ import annotations

from quart import Quart, current_app

from ..crypto import SecretBox

PURPOSE = "server-credentials"


def credentials_box(app: Quart | None = None) -> SecretBox:
    settings = (app or current_app).extensions["sshgate"].settings
    return SecretBox([settings.secret_key.get_secret_value()], PURPOSE)
