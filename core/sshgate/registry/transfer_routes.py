"""``/api/servers/export`` and ``/api/servers/import``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from quart import Blueprint, Response, current_app, jsonify
from quart_schema import tag, validate_request
from sqlalchemy import select

from ..auth.permissions import requires
from ..errors import ApiError
from ..track import emit
from ..web.schemas import Input
from .credentials import credentials_box
from .events import ServersExported, ServersImported
from .models import Server
from .transfer import export_document, import_rows

bp = Blueprint("servers_transfer", __name__, url_prefix="/api/servers")
MAX_IMPORT_ROWS = 5000


class ExportIn(Input):
    passphrase: str | None = Field(None, min_length=12, max_length=1024)


class ImportIn(Input):
    model_config = {"strict": False, "extra": "ignore"}

    servers: list[Any] = Field(max_length=MAX_IMPORT_ROWS)
    passphrase: str | None = Field(None, max_length=1024)
    sealed: dict[str, Any] | None = None
    on_conflict: Literal["skip", "update"] = "skip"


class _Rejected(Exception):
    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report


async def _export(passphrase: str | None) -> Response:
    gate = current_app.extensions["sshgate"]
    async with gate.db.session() as session:
        servers = (await session.scalars(select(Server).order_by(Server.name))).all()
        document = export_document(list(servers), credentials_box(), passphrase)
    await emit(ServersExported(target="servers", count=len(servers), sealed=bool(passphrase)))
    response = jsonify(document)
    response.headers["Content-Disposition"] = 'attachment; filename="sshgate-servers.json"'
    return response


@bp.get("/export")
@requires("admin.servers.export")
@tag(["servers"])
async def export_plain() -> Response:
    """Every server, without secrets."""
    return await _export(None)


@bp.post("/export")
@requires("admin.servers.export")
@tag(["servers"])
@validate_request(ExportIn)
async def export_sealed(data: ExportIn) -> Response:
    """Every server, with secrets sealed by a passphrase (sent in the body, never the URL)."""
    return await _export(data.passphrase)


@bp.post("/import")
@requires("admin.servers.import")
@tag(["servers"])
@validate_request(ImportIn)
async def import_servers(data: ImportIn) -> tuple[dict[str, Any], int]:
    """Import servers (sshgate's or webgate's export). All rows valid, or nothing changes."""
    gate = current_app.extensions["sshgate"]
    try:
        async with gate.db.session() as session:
            report = await import_rows(
                session,
                data.servers,
                box=credentials_box(),
                passphrase=data.passphrase,
                sealed=data.sealed,
                on_conflict=data.on_conflict,
                max_depth=gate.settings.max_jump_depth,
            )
            if report["errors"]:
                raise _Rejected(report)  # rolls the transaction back
    except _Rejected as rejected:
        body = {**rejected.report, "created": [], "updated": [], "skipped": []}
        raise ApiError(
            400, "import_rejected", f"{len(body['errors'])} problem(s); nothing was imported", body
        ) from None
    await emit(
        ServersImported(
            target="servers",
            created_count=len(report["created"]),
            updated=len(report["updated"]),
            skipped=len(report["skipped"]),
        )
    )
    return report, 200
