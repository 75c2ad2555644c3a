"""Directory entries as JSON, and walking or deleting trees without following symlinks.

Everything here comes from the server and is hostile input: names, owners and link
targets end up in JSON only (never in headers or commands), and names that are not valid
in the server's encoding are marked ``undecodable`` (the browser cannot send them back).
"""

from __future__ import annotations

import asyncio
import contextlib
import posixpath
import re
import stat
from collections.abc import AsyncIterator
from typing import Any

import asyncssh

from sshgate.api import ApiError

from .paths import within

_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_ENTRIES = 50_000


def kind(attrs: asyncssh.SFTPAttrs) -> str:
    mode = attrs.permissions
    if mode is None:
        return {1: "file", 2: "dir", 3: "link"}.get(attrs.type, "other")
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "link"
    return "other"


def _owner_group(attrs: asyncssh.SFTPAttrs, longname: str | bytes | None) -> tuple[str | None, ...]:
    # SFTP v3 carries only numeric ids; the names are in the "ls -l" style longname.
    if longname:
        parts = str(longname).split(None, 4)
        if len(parts) == 5 and len(parts[0]) >= 10 and parts[1].isdigit():
            return parts[2], parts[3]
    owner = attrs.owner or (str(attrs.uid) if attrs.uid is not None else None)
    group = attrs.group or (str(attrs.gid) if attrs.gid is not None else None)
    return owner, group


def entry_json(
    name: str, path: str, attrs: asyncssh.SFTPAttrs, longname: str | bytes | None = None
) -> dict[str, Any]:
    mode = attrs.permissions
    owner, group = _owner_group(attrs, longname)
    entry: dict[str, Any] = {
        "name": name,
        "path": path,
        "type": kind(attrs),
        "size": attrs.size,
        "mtime": attrs.mtime,
        "mode": f"{stat.S_IMODE(mode):04o}" if mode is not None else None,
        "permissions": stat.filemode(mode) if mode is not None else None,
        "owner": owner,
        "group": group,
        "uid": attrs.uid,
        "gid": attrs.gid,
        "link_target": None,
        "target_type": None,
    }
    if _SURROGATE.search(name):
        entry["name"] = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        entry["path"] = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        entry["undecodable"] = True
    return entry


async def describe_link(
    sftp: asyncssh.SFTPClient, entry: dict[str, Any], path: str, roots: tuple[str, ...]
) -> None:
    """Fill in where a symlink points and what it points to (when that is allowed)."""
    # Each may fail on its own: a dangling link, or one leading out of what is served.
    with contextlib.suppress(asyncssh.SFTPError, UnicodeError):
        entry["link_target"] = str(await sftp.readlink(path))
    with contextlib.suppress(asyncssh.SFTPError, UnicodeError):
        real = str(await sftp.realpath(path))
        if within(real, roots):
            entry["target_type"] = kind(await sftp.stat(real))


async def list_directory(
    sftp: asyncssh.SFTPClient, path: str, roots: tuple[str, ...]
) -> tuple[list[dict[str, Any]], bool]:
    """Entries of ``path`` (dirs first, then by name) and whether the list was cut short."""
    entries: list[dict[str, Any]] = []
    links: list[tuple[dict[str, Any], str]] = []
    truncated = False
    async for item in sftp.scandir(path):
        name = str(item.filename)
        if name in (".", ".."):
            continue
        if len(entries) >= MAX_ENTRIES:
            truncated = True
            break
        child = posixpath.join(path, name)
        entry = entry_json(name, child, item.attrs, item.longname)
        entries.append(entry)
        if entry["type"] == "link" and "undecodable" not in entry:
            links.append((entry, child))
    limit = asyncio.Semaphore(16)

    async def one(entry: dict[str, Any], child: str) -> None:
        async with limit:
            await describe_link(sftp, entry, child, roots)

    await asyncio.gather(*(one(e, c) for e, c in links))
    entries.sort(key=lambda e: (e["type"] != "dir", e["name"].casefold(), e["name"]))
    return entries, truncated


async def walk(
    sftp: asyncssh.SFTPClient, top: str
) -> AsyncIterator[tuple[str, asyncssh.SFTPAttrs | None, Exception | None]]:
    """``(path, lstat attrs, error)`` for ``top`` and everything below it, parents before
    children; symlinks are reported, never followed. A directory that cannot be listed
    is reported with its error."""
    try:
        attrs = await sftp.lstat(top)
    except asyncssh.SFTPError as exc:
        yield top, None, exc
        return
    stack: list[tuple[str, asyncssh.SFTPAttrs]] = [(top, attrs)]
    while stack:
        path, attrs = stack.pop()
        yield path, attrs, None
        if kind(attrs) != "dir":
            continue
        children: list[tuple[str, asyncssh.SFTPAttrs]] = []
        try:
            async for item in sftp.scandir(path):
                name = str(item.filename)
                if name not in (".", ".."):
                    children.append((posixpath.join(path, name), item.attrs))
        except asyncssh.SFTPError as exc:
            yield path, None, exc
            continue
        children.sort(key=lambda c: c[0], reverse=True)  # popped in name order
        stack.extend(children)


async def delete_tree(sftp: asyncssh.SFTPClient, top: str, *, recursive: bool) -> int:
    """Remove ``top`` (a directory with everything in it when ``recursive``); the number
    of entries removed. Symlinks are removed, not followed."""
    attrs = await sftp.lstat(top)
    if kind(attrs) != "dir":
        await sftp.remove(top)
        return 1
    if not recursive:
        # SFTP v3 reports a non-empty directory as a bare "failure": look first.
        async for item in sftp.scandir(top):
            if str(item.filename) not in (".", ".."):
                raise ApiError(409, "not_empty", f"{top} is not empty", {"path": top})
        await sftp.rmdir(top)
        return 1
    directories: list[str] = []
    count = 0
    async for path, found, error in walk(sftp, top):
        if error is not None:
            raise error
        assert found is not None
        if kind(found) == "dir":
            directories.append(path)
        else:
            await sftp.remove(path)
            count += 1
    for path in reversed(directories):  # deepest first: parents were walked before children
        await sftp.rmdir(path)
        count += 1
    return count
