"""The ASGI application for servers started by import path (``sshgate.asgi:app``)."""

from __future__ import annotations

from .app import app_from_env

app = app_from_env()
