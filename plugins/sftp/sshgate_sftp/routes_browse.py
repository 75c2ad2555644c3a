"""Browsing and changing the tree: roots, ls, stat, mkdir, rename, delete, chmod."""

from __future__ import annotations

import posixpath
from typing import Any

from pydantic import Field, field_validator
from quart import request
from quart_schema import tag, validate_request

from sshgate.api import ApiError, requires

from .access import audited, connect, server_checked
from .events import DirectoryCreated, FileRenamed, FilesDeleted, FilesListed, ModeChanged
from .listing import delete_tree, describe_link, entry_json, kind, list_directory
from .paths import forbidden, is_root, within
from .transfer import lstat_or_none, replace
from .web import Body, bp


class MkdirBody(Body):
    path: str


class RenameBody(Body):
    source: str = Field(alias="from")
    to: str
    overwrite: bool = False


class DeleteBody(Body):
    paths: list[str] = Field(min_length=1, max_length=1000)
    recursive: bool = False


class ChmodBody(Body):
    path: str
    mode: str | int = Field(description='octal string ("0755") or integer')

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str | int) -> int:
        if isinstance(value, str):
            if not value.isdigit() or not set(value) <= set("01234567") or len(value) > 5:
                raise ValueError("must be an octal mode such as 0755")
            value = int(value, 8)
        if not 0 <= value <= 0o7777:
            raise ValueError("must be between 0000 and 7777")
        return value


def _parent(path: str, roots: tuple[str, ...]) -> str | None:
    parent = posixpath.dirname(path)
    return parent if path != "/" and within(parent, roots) else None


@bp.get("/<int:server_id>/roots")
@requires("files.list")
@tag(["files"])
async def roots(server_id: int) -> dict[str, Any]:
    """Where browsing may start: the SFTP home, the allowed prefixes (resolved), read-only."""
    server = await server_checked(server_id, "files.list")
    async with connect(server) as files:
        resolver = files.resolver
        allowed = resolver.roots
        start = resolver.home if within(resolver.home, allowed) else allowed[0]
    return {
        "home": resolver.home,
        "start": start,
        "allowed_paths": list(allowed) or ["/"],
        "read_only": server.sftp_read_only,
        "encoding": server.encoding,
    }


@bp.get("/<int:server_id>/ls")
@requires("files.list")
@tag(["files"])
async def ls(server_id: int) -> dict[str, Any]:
    """The entries of a directory (``?path=``, default the SFTP home)."""
    server = await server_checked(server_id, "files.list")
    raw = request.args.get("path") or "."
    async with (
        connect(server) as files,
        audited(files.event(FilesListed, raw), denials_only=True) as event,
    ):
        path = event.path = await files.follow(raw)
        await files.allow("list", path)
        if kind(await files.sftp.stat(path)) != "dir":
            raise ApiError(400, "not_a_directory", f"{path} is not a directory", {"path": path})
        entries, truncated = await list_directory(files.sftp, path, files.resolver.roots)
        parent = _parent(path, files.resolver.roots)
    return {"path": path, "parent": parent, "entries": entries, "truncated": truncated}


@bp.get("/<int:server_id>/stat")
@requires("files.list")
@tag(["files"])
async def stat_path(server_id: int) -> dict[str, Any]:
    """One entry (a symlink itself, with where it points); ``real_path`` follows links."""
    server = await server_checked(server_id, "files.list")
    raw = request.args.get("path")
    async with (
        connect(server) as files,
        audited(files.event(FilesListed, str(raw)), denials_only=True) as event,
    ):
        path = event.path = await files.entry(raw, allow_root=True)
        await files.allow("list", path)
        entry = entry_json(posixpath.basename(path), path, await files.sftp.lstat(path))
        if entry["type"] == "link":
            await describe_link(files.sftp, entry, path, files.resolver.roots)
        entry["real_path"] = str(await files.sftp.realpath(path))
    return entry


@bp.post("/<int:server_id>/mkdir")
@requires("files.mkdir")
@tag(["files"])
@validate_request(MkdirBody)
async def mkdir(server_id: int, data: MkdirBody) -> tuple[dict[str, Any], int]:
    server = await server_checked(server_id, "files.mkdir", write=True)
    async with connect(server) as files, audited(files.event(DirectoryCreated, data.path)) as ev:
        path = ev.path = await files.entry(data.path)
        await files.allow("mkdir", path)
        if await lstat_or_none(files.sftp, path) is not None:
            raise ApiError(409, "exists", f"{path} already exists", {"path": path})
        await files.sftp.mkdir(path)
        entry = entry_json(posixpath.basename(path), path, await files.sftp.lstat(path))
    return entry, 201


@bp.post("/<int:server_id>/rename")
@requires("files.rename")
@tag(["files"])
@validate_request(RenameBody)
async def rename(server_id: int, data: RenameBody) -> dict[str, Any]:
    """Rename or move ``from`` to ``to`` (both ends checked); 409 if ``to`` exists unless
    ``overwrite``."""
    server = await server_checked(server_id, "files.rename", write=True)
    async with connect(server) as files, audited(files.event(FileRenamed, data.source)) as ev:
        source = ev.path = await files.entry(data.source, "from")
        target = ev.to_path = await files.entry(data.to, "to")
        for path in (source, target):
            if is_root(path, files.resolver.roots):
                raise forbidden(path, "is an allowed root and cannot be renamed or replaced")
        await files.allow("rename", source)
        await files.allow("rename", target)
        if await lstat_or_none(files.sftp, source) is None:
            raise ApiError(404, "not_found", f"{source} does not exist", {"path": source})
        # The same move as an upload's last step: posix-rename, or remove-then-rename on
        # servers without that extension; 409 when the target exists and overwrite is off.
        await replace(files.sftp, source, target, overwrite=data.overwrite)
        entry = entry_json(posixpath.basename(target), target, await files.sftp.lstat(target))
    return entry


@bp.post("/<int:server_id>/delete")
@requires("files.delete")
@tag(["files"])
@validate_request(DeleteBody)
async def delete(server_id: int, data: DeleteBody) -> dict[str, Any]:
    """Delete entries (directories with everything in them when ``recursive``); every
    path is checked before anything is deleted. Answers the number of entries removed."""
    server = await server_checked(server_id, "files.delete", write=True)
    async with connect(server) as files, audited(files.event(FilesDeleted, data.paths[0])) as ev:
        ev.recursive = data.recursive
        paths = outermost([await files.entry(raw) for raw in data.paths])
        ev.paths, ev.path = paths, paths[0]
        for path in paths:
            if is_root(path, files.resolver.roots):
                raise forbidden(path, "is an allowed root and cannot be deleted")
            await files.allow("delete", path)
        for path in paths:
            ev.count += await delete_tree(files.sftp, path, recursive=data.recursive)
    return {"deleted": ev.count, "paths": paths}


def outermost(paths: list[str]) -> list[str]:
    """The paths without repeats and without any path inside another one of them: deleting
    /a removes /a/b with it, and a second delete of /a/b would fail on a missing file."""
    unique = list(dict.fromkeys(paths))
    return [p for p in unique if not any(p != q and within(p, (q,)) for q in unique)]


@bp.post("/<int:server_id>/chmod")
@requires("files.chmod")
@tag(["files"])
@validate_request(ChmodBody)
async def chmod(server_id: int, data: ChmodBody) -> dict[str, Any]:
    server = await server_checked(server_id, "files.chmod", write=True)
    mode = int(data.mode)
    async with connect(server) as files, audited(files.event(ModeChanged, data.path)) as ev:
        path = ev.path = await files.follow(data.path)
        ev.mode = f"{mode:04o}"
        await files.allow("chmod", path)
        await files.sftp.chmod(path, mode)
        entry = entry_json(posixpath.basename(path), path, await files.sftp.lstat(path))
    return entry
