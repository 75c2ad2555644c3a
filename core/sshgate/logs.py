"""Structured logging: text or JSON lines, each carrying the request id it belongs to."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from quart import Quart, Request, Response, Websocket, g, request, websocket

if TYPE_CHECKING:
    from .settings import Settings

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sshgate_request_id", default=None
)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("sshgate.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra={...}`` fields are kept."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "request_id"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)  # set by a filter, when in a request
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._standard and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [{rid}]" if rid else line


def configure(settings: Settings) -> None:
    """Send sshgate's and the server's logs to stderr in the configured format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # asyncssh logs every connection event at info; keep it to warnings unless debugging.
    if settings.log_level != "debug":
        logging.getLogger("asyncssh").setLevel(logging.WARNING)
        # Alembic narrates every context switch; sshgate logs what it applied instead.
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _start(kind: str, req: Request | Websocket) -> None:
    incoming = req.headers.get("X-Request-ID", "")
    rid = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request_id_var.set(rid)
    g.request_id = rid
    g.request_started = time.perf_counter()
    g.request_kind = kind


def install_request_logging(app: Quart) -> None:
    @app.before_request
    async def _before_request() -> None:
        _start("http", request)

    @app.before_websocket
    async def _before_websocket() -> None:
        _start("websocket", websocket)

    @app.after_request
    async def _after_request(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
            elapsed = (time.perf_counter() - g.request_started) * 1000
            access_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                elapsed,
                extra={"status": response.status_code, "duration_ms": round(elapsed, 1)},
            )
        return response
