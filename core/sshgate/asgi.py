"""The ASGI application for servers started by import path (``sshgate.asgi:app``), such as
Hypercorn, Uvicorn or Granian. A refused start-up prints one line and exits 2, never a
traceback: the server's own import error would bury the reason."""

from __future__ import annotations

import sys

from .app import app_from_env
from .errors import StartupError

try:
    app = app_from_env()
except StartupError as exc:
    print(f"sshgate: error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
