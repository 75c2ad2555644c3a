"""``POST copy-to`` (SFTP-8): a file from this server to another, streamed through the
gateway with bounded memory (read ahead on one SFTP session, written behind on the other).

Both ends get the full treatment: ``files.copy`` on each server, SFTP enabled on both,
the target not read-only, path rules on both (the source followed, the target as an
entry), and the ``before_file_transfer`` deciders asked with ``copy`` for each path. The
target is written through a part file and renamed into place, like an upload.
"""

from __future__ import annotations

import posixpath
from typing import Any

from pydantic import Field
from quart_schema import tag, validate_request

from sshgate.api import ApiError, requires

from .access import audited, connect, server_checked
from .events import FileCopied
from .listing import kind
from .settings import upload_limit
from .store import store
from .transfer import lstat_or_none, read_blocks
from .web import Body, bp, too_large


class CopyBody(Body):
    path: str
    target_server_id: int = Field(ge=1)
    target_path: str
    overwrite: bool = False


@bp.post("/<int:server_id>/copy-to")
@requires("files.copy")
@tag(["files"])
@validate_request(CopyBody)
async def copy_to(server_id: int, data: CopyBody) -> tuple[dict[str, Any], int]:
    """Copy ``path`` to ``target_path`` on ``target_server_id`` (into it, when it is an
    existing directory). 409 if the target exists unless ``overwrite``."""
    source_server = await server_checked(server_id, "files.copy")
    target_server = await server_checked(data.target_server_id, "files.copy", write=True)
    async with (
        connect(source_server) as src,
        connect(target_server) as dst,
        audited(src.event(FileCopied, data.path)) as ev,
    ):
        ev.target_server_id, ev.target_server = target_server.id, target_server.name
        source = ev.path = await src.follow(data.path)
        await src.allow("copy", source)
        attrs = await src.sftp.stat(source)
        if kind(attrs) != "file":
            raise ApiError(400, "not_a_file", f"{source} is not a regular file", {"path": source})
        size = attrs.size or 0
        limit = upload_limit()
        if limit and size > limit:
            raise too_large(limit)
        target = await dst.entry(data.target_path, "target_path")
        existing = await lstat_or_none(dst.sftp, target)
        if existing is not None and kind(existing) == "dir":
            target = dst.resolver.child(target, posixpath.basename(source))
        ev.target_path = target
        await dst.allow("copy", target)
        async with src.sftp.open(source, "rb", encoding=None) as file:
            blocks = read_blocks(file, 0, size, src.read_block, src.settings.max_requests)
            ev.bytes = await store(dst, target, blocks, overwrite=data.overwrite)
    return {
        "path": source,
        "target_server_id": target_server.id,
        "target_path": target,
        "size": ev.bytes,
    }, 201
