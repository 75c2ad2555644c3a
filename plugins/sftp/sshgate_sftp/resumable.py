"""Resumable uploads (SFTP-4), a small tus-like protocol (see the plugin's README):

- ``POST uploads`` ``{path, size, overwrite}`` -> 201 ``{id, path, size, offset: 0}``
  (an empty part file ``.<name>.sshgate-part-<id>`` is created next to the target);
- ``HEAD``/``GET uploads/<id>`` -> the offset, read from the part file's size on the server,
  so it survives a gateway restart and is always what really arrived;
- ``PATCH uploads/<id>`` with ``Upload-Offset: <offset>`` and a chunk as the body -> the new
  offset; the chunk is written at that offset; when the offset reaches ``size`` the part
  file is renamed over the target and the session ends (``complete: true``);
- ``DELETE uploads/<id>`` aborts (removes the part file); ``GET uploads`` lists yours.

Sessions are rows of ``sftp_uploads`` (:class:`SftpUpload`, migration ``sftp_0001``),
visible to the user who created them only. The offset is deliberately not stored: it is
the size of the part file on the server, so it survives a gateway restart and never
disagrees with what actually arrived.
"""

from __future__ import annotations

import posixpath
import secrets
from datetime import UTC, datetime
from typing import Any

import asyncssh
from pydantic import Field
from quart import request
from quart_schema import tag, validate_request
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import ApiError, Model, current_actor, db_session, emit, requires

from .access import Files, audited, connect, server_checked
from .events import FileUploaded
from .settings import upload_limit
from .store import check_target, create_part
from .transfer import BlockWriter, lstat_or_none, remove_quietly, replace, settle
from .web import Body, body_chunks, bp, too_large


class SftpUpload(Model):
    __tablename__ = "sftp_uploads"

    # 32 hex characters: unguessable, and safe inside the part file's name.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    server_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("servers.id", ondelete="CASCADE"), index=True
    )
    # The resolved target and the part file next to it, both as the server names them.
    path: Mapped[str] = mapped_column(Text)
    part_path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    overwrite: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CreateUpload(Body):
    path: str
    size: int = Field(ge=0)
    overwrite: bool = False


def _json(row: SftpUpload, offset: int | None) -> dict[str, Any]:
    created = row.created_at
    if created.tzinfo is None:  # SQLite forgets the zone; it was stored as UTC
        created = created.replace(tzinfo=UTC)
    return {
        "id": row.id,
        "path": row.path,
        "size": row.size,
        "offset": offset,
        "complete": False,
        "created_at": created.isoformat(),
    }


def _user_id() -> int:
    actor = current_actor()
    assert actor is not None  # every route here requires a permission: the caller signed in
    return actor.user_id


async def _row(server_id: int, upload_id: str) -> SftpUpload:
    user_id = _user_id()
    async with db_session() as session:
        row = await session.get(SftpUpload, upload_id)
    if row is None or row.user_id != user_id or row.server_id != server_id:
        raise ApiError(404, "not_found", f"no upload {upload_id} of yours on this server")
    return row


async def _forget(row: SftpUpload) -> None:
    async with db_session() as session:
        found = await session.get(SftpUpload, row.id)
        if found is not None:
            await session.delete(found)


async def _offset(files: Files, row: SftpUpload) -> int:
    attrs = await lstat_or_none(files.sftp, row.part_path)
    if attrs is None:
        await _forget(row)
        raise ApiError(410, "gone", f"the part file of upload {row.id} is gone; start again")
    return attrs.size or 0


async def _complete(files: Files, row: SftpUpload) -> None:
    mode = await check_target(files, row.path, overwrite=row.overwrite)
    if mode is not None:
        await files.sftp.chmod(row.part_path, mode)
    await replace(files.sftp, row.part_path, row.path, overwrite=row.overwrite)
    await _forget(row)
    event = files.event(FileUploaded, row.path, bytes=row.size, resumable=True)
    await emit(event)


@bp.post("/<int:server_id>/uploads")
@requires("files.upload")
@tag(["files"])
@validate_request(CreateUpload)
async def create_upload(server_id: int, data: CreateUpload) -> tuple[dict[str, Any], int]:
    server = await server_checked(server_id, "files.upload", write=True)
    # Refusals are audited now; the upload itself when it completes (or is aborted).
    event = FileUploaded
    async with (
        connect(server) as files,
        audited(files.event(event, data.path, resumable=True), denials_only=True) as ev,
    ):
        limit = upload_limit()
        if limit and data.size > limit:
            raise too_large(limit)
        target = ev.path = await files.entry(data.path)
        await files.allow("upload", target)
        await check_target(files, target, overwrite=data.overwrite)
        upload_id = secrets.token_hex(16)
        part = await create_part(files, target, upload_id)
        row = SftpUpload(
            id=upload_id,
            user_id=files.actor.user_id,
            server_id=server.id,
            path=target,
            part_path=part,
            size=data.size,
            overwrite=data.overwrite,
            created_at=ev.created,
        )
        async with db_session() as session:
            session.add(row)
        body = _json(row, 0)
        if data.size == 0:
            await _complete(files, row)
            body["complete"] = True
    return body, 201


@bp.get("/<int:server_id>/uploads")
@requires("files.upload")
@tag(["files"])
async def list_uploads(server_id: int) -> dict[str, Any]:
    """Your unfinished uploads to this server (to resume after a reload)."""
    await server_checked(server_id, "files.upload")
    async with db_session() as session:
        rows = await session.scalars(
            select(SftpUpload)
            .where(SftpUpload.user_id == _user_id())
            .where(SftpUpload.server_id == server_id)
            .order_by(SftpUpload.created_at)
        )
        # Offsets cost a round trip each: ask uploads/<id> for the one you resume.
        return {"uploads": [_json(row, None) for row in rows]}


@bp.get("/<int:server_id>/uploads/<upload_id>")
@requires("files.upload")
@tag(["files"])
async def upload_status(server_id: int, upload_id: str) -> tuple[dict[str, Any], int, dict]:
    server = await server_checked(server_id, "files.upload")
    row = await _row(server_id, upload_id)
    async with connect(server) as files:
        offset = await _offset(files, row)
    headers = {"Upload-Offset": str(offset), "Upload-Length": str(row.size)}
    return _json(row, offset), 200, headers


@bp.patch("/<int:server_id>/uploads/<upload_id>")
@requires("files.upload")
@tag(["files"])
async def upload_chunk(server_id: int, upload_id: str) -> tuple[dict[str, Any], int, dict]:
    server = await server_checked(server_id, "files.upload", write=True)
    row = await _row(server_id, upload_id)
    try:
        claimed = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        raise ApiError(400, "bad_offset", "send the Upload-Offset header (an integer)") from None
    async with connect(server) as files:
        files.resolver.check(row.path)  # the allowed paths may have changed since
        await files.allow("upload", row.path)
        offset = await _offset(files, row)
        if claimed != offset:
            raise ApiError(
                409, "offset_mismatch", f"the upload is at offset {offset}", {"offset": offset}
            )
        room = row.size - offset
        declared = request.content_length
        if declared is not None and declared > room:
            raise ApiError(413, "beyond_size", f"only {room} more bytes fit the declared size")
        offset = await _append(files, row, offset, room)
        body = _json(row, offset)
        if offset == row.size:
            await _complete(files, row)
            body["complete"] = True
    return body, 200, {"Upload-Offset": str(offset)}


async def _append(files: Files, row: SftpUpload, offset: int, room: int) -> int:
    """Stream the body into the part file at ``offset``; the new offset. Interrupted, the
    part file keeps what arrived (a contiguous prefix) for the next PATCH."""
    file = await files.sftp.open(row.part_path, asyncssh.FXF_WRITE, encoding=None)
    writer = BlockWriter(file, offset, files.write_block, files.settings.max_requests)
    received = 0
    try:
        async for chunk in body_chunks():
            received += len(chunk)
            if received > room:
                raise ApiError(413, "beyond_size", f"only {room} more bytes fit the declared size")
            await writer.write(chunk)
        end = await writer.finish()
    except BaseException:
        await settle(_keep_prefix(files, row, writer, file))
        raise
    await file.close()
    return end


async def _keep_prefix(files: Files, row: SftpUpload, writer: BlockWriter, file: Any) -> None:
    contiguous = await writer.abort()
    try:
        await file.close()
        attrs = await files.sftp.lstat(row.part_path)
        if (attrs.size or 0) > contiguous:  # a failed write left a hole: cut it off
            await files.sftp.truncate(row.part_path, contiguous)
    except (asyncssh.Error, OSError):
        pass


@bp.delete("/<int:server_id>/uploads/<upload_id>")
@requires("files.upload")
@tag(["files"])
async def abort_upload(server_id: int, upload_id: str) -> dict[str, Any]:
    server = await server_checked(server_id, "files.upload", write=True)
    row = await _row(server_id, upload_id)
    async with connect(server) as files:
        await remove_quietly(files.sftp, row.part_path)
        await _forget(row)
        event = files.event(FileUploaded, row.path, resumable=True)
        event.outcome, event.message = "failure", "aborted by the user"
        await emit(event)
    return {"id": row.id, "aborted": True, "name": posixpath.basename(row.path)}
