"""Path rules (SFTP-7, ACL-2): every path a client sends goes through here.

1. :func:`clean` refuses what no file browser needs (400 ``bad_path``): NUL, C0/C1 control
   characters, lone surrogates, paths over 4096 bytes or names over 255 bytes (UTF-8).
   Names are otherwise opaque: no Unicode normalisation, because NFC would address a
   different file than the NFD name a Mac put on the server.
2. :func:`lexical` makes it absolute (relative paths start at the SFTP home directory) and
   collapses ``.``/``..`` and repeated slashes with :func:`posixpath.normpath`.
3. :class:`Resolver` asks the server for the real path (SFTP ``realpath``, symlinks
   followed) and checks it against the server's allowed prefixes, themselves resolved the
   same way. Prefixes match whole components: ``/srv/a`` allows ``/srv/a`` and
   ``/srv/a/x``, never ``/srv/ab``. A refusal is 403 ``path_forbidden``.

Two ways to resolve: :meth:`Resolver.follow` resolves the whole path (read, download, ls,
chmod, the editor: what the user means is the file a symlink points to), and
:meth:`Resolver.entry` resolves only the parent and keeps the last name (delete, rename,
mkdir, upload targets: the operation acts on the directory entry itself, so deleting a
symlink that points outside the allowed root removes the link, not its target).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

import asyncssh

from sshgate.api import ApiError

MAX_PATH_BYTES = 4096
MAX_NAME_BYTES = 255
# C0 controls, DEL and C1 controls: never part of a name a person typed or should see.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def bad_path(message: str) -> ApiError:
    return ApiError(400, "bad_path", message)


def forbidden(path: str, why: str = "is outside the allowed paths of this server") -> ApiError:
    return ApiError(403, "path_forbidden", f"{path} {why}", {"path": path})


def clean(raw: Any, field: str = "path") -> str:
    """The path as sent, if it is acceptable at all; 400 otherwise."""
    if not isinstance(raw, str) or raw == "":
        raise bad_path(f"{field} is required")
    if "\x00" in raw:
        raise bad_path(f"{field} contains a NUL byte")
    if _CONTROL.search(raw):
        raise bad_path(f"{field} contains control characters")
    if _SURROGATE.search(raw):
        raise bad_path(f"{field} is not valid Unicode")
    if len(raw.encode()) > MAX_PATH_BYTES:
        raise bad_path(f"{field} is longer than {MAX_PATH_BYTES} bytes")
    if any(len(part.encode()) > MAX_NAME_BYTES for part in raw.split("/")):
        raise bad_path(f"{field} has a name longer than {MAX_NAME_BYTES} bytes")
    return raw


def check_name(name: str) -> str:
    """A single file name (multipart uploads): no separators, not ``.`` or ``..``."""
    clean(name, "file name")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise bad_path(f"{name!r} is not a usable file name")
    return name


def lexical(raw: str, home: str) -> str:
    joined = raw if raw.startswith("/") else posixpath.join(home, raw)
    normal = posixpath.normpath(joined)
    # POSIX lets normpath keep a leading "//"; on a server it is just "/".
    return "/" + normal.lstrip("/")


def within(path: str, roots: tuple[str, ...]) -> bool:
    """Whole-component prefix match; no roots means the whole server."""
    if not roots:
        return True
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def is_root(path: str, roots: tuple[str, ...]) -> bool:
    return path == "/" or path in roots


class Resolver:
    """Resolves paths on one SFTP session; ``home`` and ``roots`` come from the pool, which
    caches them per connection (they cost a round trip each)."""

    def __init__(self, sftp: asyncssh.SFTPClient, home: str, roots: tuple[str, ...]) -> None:
        self.sftp = sftp
        self.home = home
        self.roots = roots

    async def follow(self, raw: Any, field: str = "path") -> str:
        """The real path (symlinks followed); the last name need not exist yet."""
        path = lexical(clean(raw, field), self.home)
        real = await self._realpath(path)
        self.check(real)
        return real

    async def entry(self, raw: Any, field: str = "path", *, allow_root: bool = False) -> str:
        """The real parent joined with the last name: the directory entry itself."""
        path = lexical(clean(raw, field), self.home)
        if path == "/":
            if allow_root:
                self.check(path)
                return path
            raise bad_path("the root directory cannot be the target of this operation")
        parent, name = posixpath.split(path)
        real = posixpath.join(await self._realpath(parent), name)
        self.check(real)
        return real

    def child(self, directory: str, name: str) -> str:
        """``name`` inside an already resolved directory (multipart uploads, ZIP walks)."""
        path = posixpath.join(directory, check_name(name))
        self.check(path)
        return path

    def check(self, real: str) -> None:
        if not within(real, self.roots):
            raise forbidden(real)

    async def _realpath(self, path: str) -> str:
        try:
            real = await self.sftp.realpath(path)
        except asyncssh.SFTPNoSuchFile:
            # A missing directory on the way; asyncssh's chroot also answers this for a
            # symlink that leads out of what it serves. Outside the roots it is a refusal
            # either way; inside, the honest answer is "not found".
            if not within(path, self.roots):
                raise forbidden(path) from None
            raise ApiError(404, "not_found", f"{path} does not exist", {"path": path}) from None
        except asyncssh.SFTPError as exc:
            raise ApiError(400, "bad_path", f"cannot resolve {path}: {exc.reason}") from None
        return "/" + posixpath.normpath(str(real)).lstrip("/")


async def resolve_roots(sftp: asyncssh.SFTPClient, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Each allowed prefix as written and as the server resolves it (ACL-2: a prefix that is
    itself a symlink allows the real directory it points to)."""
    roots: list[str] = []
    for prefix in allowed:
        normal = "/" + posixpath.normpath(prefix).lstrip("/")
        roots.append(normal)
        try:
            real = "/" + posixpath.normpath(str(await sftp.realpath(normal))).lstrip("/")
        except asyncssh.SFTPError:
            continue  # a prefix that does not exist (yet) still allows its lexical form
        if real not in roots:
            roots.append(real)
    return tuple(roots)
