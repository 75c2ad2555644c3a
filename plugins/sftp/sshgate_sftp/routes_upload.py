"""One-shot uploads (SFTP-3): ``PUT upload?path=<file>`` with the raw file as the body, and
``POST upload?path=<dir>`` with ``multipart/form-data`` (several files, drag and drop).

Both stream the body into SFTP with back-pressure (:mod:`.web`): nothing is held in
memory or spooled to disk. ``SSHGATE_SFTP_MAX_UPLOAD_SIZE`` applies to the request body
(all files of a multipart request together): 413 before anything is read when
Content-Length says so, or as soon as the count passes it. An existing file is replaced
only with ``?overwrite=1`` (409 ``exists`` otherwise). Big or unreliable uploads should use
the resumable protocol (:mod:`.resumable`).
"""

from __future__ import annotations

import posixpath
from typing import Any

from quart import request
from quart_schema import tag

from sshgate.api import ApiError, requires

from .access import audited, connect, server_checked
from .events import FileUploaded
from .listing import kind
from .multipart import MultipartReader, boundary_of
from .settings import upload_limit
from .store import store
from .web import body_chunks, bp, check_length, counted, flag


@bp.put("/<int:server_id>/upload")
@requires("files.upload")
@tag(["files"])
async def put_upload(server_id: int) -> tuple[dict[str, Any], int]:
    """The request body becomes the file at ``?path=``."""
    server = await server_checked(server_id, "files.upload", write=True)
    limit = upload_limit()
    check_length(limit)
    raw = request.args.get("path")
    async with connect(server) as files, audited(files.event(FileUploaded, str(raw))) as ev:
        target = ev.path = await files.entry(raw)
        await files.allow("upload", target)
        ev.bytes = await store(
            files, target, counted(body_chunks(), limit), overwrite=flag("overwrite")
        )
    return {"path": target, "name": posixpath.basename(target), "size": ev.bytes}, 201


@bp.post("/<int:server_id>/upload")
@requires("files.upload")
@tag(["files"])
async def post_upload(server_id: int) -> tuple[dict[str, Any], int]:
    """Each file part of a ``multipart/form-data`` body into the directory ``?path=``
    (named by the part's file name). On an error, files stored before it stay and are
    listed in the error's ``details.stored``."""
    server = await server_checked(server_id, "files.upload", write=True)
    limit = upload_limit()
    check_length(limit)
    boundary = boundary_of(request.headers.get("Content-Type"))
    raw = request.args.get("path") or "."
    overwrite = flag("overwrite")
    stored: list[dict[str, Any]] = []
    try:
        async with connect(server) as files:
            directory = await files.follow(raw)
            if kind(await files.sftp.stat(directory)) != "dir":
                raise ApiError(400, "not_a_directory", f"{directory} is not a directory")
            reader = MultipartReader(counted(body_chunks(), limit), boundary)
            async for filename, data in reader.files():
                if not filename:  # an empty file input: nothing was chosen
                    async for _ in data:
                        pass
                    continue
                async with audited(files.event(FileUploaded, filename)) as ev:
                    target = ev.path = files.resolver.child(directory, filename)
                    await files.allow("upload", target)
                    ev.bytes = await store(files, target, data, overwrite=overwrite)
                stored.append({"path": target, "name": filename, "size": ev.bytes})
    except ApiError as exc:
        exc.details["stored"] = stored
        raise
    if not stored:
        raise ApiError(400, "no_files", "the multipart body holds no file")
    return {"files": stored}, 201
