"""Import and export of the registry, in sshgate's format and webgate's.

Import validates every row first and applies nothing unless all rows are good; then it
applies them in one transaction, jump hosts before the servers that use them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from graphlib import CycleError, TopologicalSorter
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..crypto import SecretBox, SecretUnreadable
from .models import Server
from .schemas import ServerCreate, ServerUpdate
from .sealing import Sealer, Unsealable, Unsealer
from .service import apply_fields

FORMAT = "sshgate-servers"
PLAIN_FIELDS = (
    "host",
    "port",
    "username",
    "auth_method",
    "group",
    "tags",
    "description",
    "ssh_enabled",
    "sftp_enabled",
    "sftp_read_only",
    "sftp_allowed_paths",
    "encoding",
)
# webgate exports name the same things differently.
AUTH_ALIASES = {"password": "password", "key": "key", "private_key": "key", "publickey": "key"}


def export_document(
    servers: list[Server], box: SecretBox, passphrase: str | None
) -> dict[str, Any]:
    """The registry as JSON; secrets only when sealed with a passphrase."""
    names = {s.id: s.name for s in servers}
    sealer = Sealer(passphrase) if passphrase else None
    rows = []
    for server in servers:
        row: dict[str, Any] = {"name": server.name}
        row.update({f: getattr(server, f) for f in PLAIN_FIELDS})
        row["jump_via_name"] = names.get(server.jump_via_id) if server.jump_via_id else None
        if sealer is not None:
            # Unreadable secrets (a wrong key) are left out rather than aborting the export.
            for field, stored in (
                ("secret", server.secret),
                ("key_passphrase", server.key_passphrase),
            ):
                if stored:
                    try:
                        row[field] = sealer.seal(box.decrypt(stored))
                    except SecretUnreadable:
                        row.setdefault("unreadable", []).append(field)
        rows.append(row)
    return {
        "format": FORMAT,
        "version": 1,
        "exported_at": datetime.now(UTC).isoformat(),
        "sealed": sealer.header() if sealer else None,
        "servers": rows,
    }


def _normalise(row: Any, unsealer: Unsealer | None) -> tuple[dict[str, Any], str | None]:
    """Map a row (ours or webgate's) onto the create schema's fields; returns (fields, jump)."""
    if not isinstance(row, dict):
        raise ValueError("each server must be a JSON object")
    fields: dict[str, Any] = {k: row[k] for k in ("name", *PLAIN_FIELDS) if row.get(k) is not None}
    if "host" not in fields and row.get("hostname"):
        fields["host"] = row["hostname"]
    if "auth_method" in fields:
        method = AUTH_ALIASES.get(str(fields["auth_method"]).lower())
        if method is None:
            raise ValueError(f"auth_method {fields['auth_method']!r} is not password or key")
        fields["auth_method"] = method
    if row.get("secret"):
        if unsealer is None:
            raise ValueError("this row has sealed secrets: give the export's passphrase")
        secret = unsealer.unseal(str(row["secret"]))
        fields["private_key" if fields.get("auth_method") == "key" else "password"] = secret
    if row.get("key_passphrase") and unsealer is not None:
        fields["key_passphrase"] = unsealer.unseal(str(row["key_passphrase"]))
    jump = row.get("jump_via_name")
    return fields, (str(jump) if jump else None)


async def import_rows(
    session: AsyncSession,
    rows: list[Any],
    *,
    box: SecretBox,
    passphrase: str | None,
    sealed: dict[str, Any] | None,
    on_conflict: str,
    max_depth: int,
) -> dict[str, Any]:
    """Validate all rows, then apply them; the report lists created/updated/skipped/errors."""
    report: dict[str, Any] = {"created": [], "updated": [], "skipped": [], "errors": []}
    unsealer = None
    if sealed:
        if not passphrase:
            report["errors"].append(
                {"row": None, "errors": ["the export is sealed: give its passphrase"]}
            )
            return report
        try:
            unsealer = Unsealer(passphrase, sealed)
        except Unsealable as exc:
            report["errors"].append({"row": None, "errors": [str(exc)]})
            return report

    existing = {s.name: s for s in (await session.scalars(select(Server))).all()}
    import_names = {r.get("name") for r in rows if isinstance(r, dict)}
    parsed: dict[str, tuple[int, ServerCreate, str | None]] = {}
    for index, row in enumerate(rows):
        name = row.get("name") if isinstance(row, dict) else None
        try:
            fields, jump = _normalise(row, unsealer)
            model = ServerCreate.model_validate(fields, strict=False)
            if model.name in parsed:
                raise ValueError(f"the name {model.name!r} appears twice")
        except ValidationError as exc:
            errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            report["errors"].append({"row": index, "name": name, "errors": errors})
            continue
        except (ValueError, Unsealable) as exc:
            report["errors"].append({"row": index, "name": name, "errors": [str(exc)]})
            continue
        if jump is not None and jump not in existing and jump not in import_names:
            report["errors"].append(
                {"row": index, "name": model.name, "errors": [f"jump host {jump!r} not found"]}
            )
            continue
        parsed[model.name] = (index, model, jump)
    if report["errors"]:
        return report

    graph = {
        name: {jump} if jump and jump in parsed else set() for name, (_, _, jump) in parsed.items()
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        report["errors"].append(
            {"row": None, "errors": [f"jump hosts form a cycle: {exc.args[1]}"]}
        )
        return report

    for name in order:
        index, model, jump = parsed[name]
        server = existing.get(name)
        if server is not None and on_conflict == "skip":
            report["skipped"].append(name)
            continue
        jump_id = existing[jump].id if jump else None
        if server is None:
            server = Server(name=name, host=model.host, username=model.username)
            session.add(server)
            await session.flush()
            data: ServerCreate | ServerUpdate = model
            report["created"].append(name)
        else:
            data = ServerUpdate.model_validate(model.model_dump(exclude_unset=True), strict=False)
            report["updated"].append(name)
        update = data.model_copy(update={"jump_via": jump_id})
        update.model_fields_set.add("jump_via")
        try:
            await apply_fields(session, server, update, box, max_depth)
        except Exception as exc:  # ApiError from validation of this row's fields
            message = getattr(exc, "message", str(exc))
            report["errors"].append({"row": index, "name": name, "errors": [message]})
        await session.flush()
        existing[name] = server
    return report
