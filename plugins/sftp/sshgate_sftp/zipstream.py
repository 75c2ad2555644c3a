"""A ZIP archive built while it is sent (SFTP-2): no temporary copy, bounded memory.

:mod:`zipfile` writes into a sink that is not seekable, so it emits data descriptors after
each entry and ZIP64 records where sizes need them; the generator hands out whatever the
sink holds after every block read from SFTP. Directories are walked without following
symlinks (they stay inside the allowed root). Each file is put to the
``before_file_transfer`` deciders; what is vetoed, unreadable, a symlink or a special
file is left out and listed in ``sshgate-errors.txt`` at the end of the archive.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import time
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncssh

from sshgate.api import ApiError, file_transfer_veto

from .access import Files
from .listing import kind, walk
from .transfer import read_blocks

ERRORS_NAME = "sshgate-errors.txt"
# Compressing what is already compressed costs CPU for nothing.
STORED = re.compile(
    r"\.(7z|br|bz2|gz|jpe?g|mkv|mov|mp3|mp4|png|rar|tgz|webm|webp|xz|zip|zst)$", re.I
)
ZIP64_ABOVE = 2**31  # sizes can change while reading: be generous with ZIP64 headers


class _Sink:
    """The unseekable file zipfile writes to; ``take()`` empties it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # zipfile never closes a file it was handed; here for typing's _ZipWritable

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


@dataclass
class ZipStats:
    files: int = 0
    entries: int = 0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)


def _printable(name: str) -> str:
    # Names the server could not decode keep their replacement characters in the archive.
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _info(name: str, attrs: asyncssh.SFTPAttrs, *, directory: bool = False) -> zipfile.ZipInfo:
    stamp = time.localtime(max(attrs.mtime or 0, 315532800 + 86400))[:6]  # ZIP starts 1980
    info = zipfile.ZipInfo(name + ("/" if directory else ""), date_time=stamp)
    mode = attrs.permissions or (0o40755 if directory else 0o100644)
    info.external_attr = (mode & 0xFFFF) << 16
    if directory:
        info.external_attr |= 0x10  # MS-DOS directory bit
    elif STORED.search(name):
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
        # Streaming: speed over ratio. (The attribute lost its underscore in Python 3.13.)
        level = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
        setattr(info, level, 1)
    info.file_size = attrs.size or 0
    return info


def archive_names(paths: list[str]) -> list[str]:
    """Top-level names for the archive, unique (``name (2)`` for a repeated base name)."""
    names: list[str] = []
    for path in paths:
        base = posixpath.basename(path) or "root"
        candidate, n = base, 1
        while candidate in names:
            n += 1
            candidate = f"{base} ({n})"
        names.append(candidate)
    return names


async def zip_stream(files: Files, roots: list[str], stats: ZipStats) -> AsyncIterator[bytes]:
    sink = _Sink()
    limit = files.settings.zip_max_entries
    full = False
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for root, top in zip(roots, archive_names(roots), strict=True):
            if full:
                break
            async for path, attrs, error in walk(files.sftp, root):
                relative = posixpath.relpath(path, root)
                name = _printable(top if relative == "." else f"{top}/{relative}")
                if error is not None:
                    stats.errors.append(f"{name}: {getattr(error, 'reason', error)}")
                    continue
                assert attrs is not None
                if stats.entries >= limit:
                    stats.errors.append(f"stopped after {limit} entries (zip_max_entries)")
                    full = True
                    break
                what = kind(attrs)
                if what == "dir":
                    archive.writestr(_info(name, attrs, directory=True), b"")
                    stats.entries += 1
                elif what == "file":
                    async for chunk in _add_file(files, archive, sink, path, name, attrs, stats):
                        yield chunk
                else:
                    label = "symbolic link" if what == "link" else "special file"
                    stats.errors.append(f"{name}: skipped ({label})")
                data = sink.take()
                if data:
                    stats.bytes += len(data)
                    yield data
        if stats.errors:
            archive.writestr(ERRORS_NAME, "\n".join(stats.errors) + "\n")
    data = sink.take()  # the central directory
    stats.bytes += len(data)
    yield data


async def _add_file(
    files: Files,
    archive: zipfile.ZipFile,
    sink: _Sink,
    path: str,
    name: str,
    attrs: asyncssh.SFTPAttrs,
    stats: ZipStats,
) -> AsyncIterator[bytes]:
    reason = await file_transfer_veto(files.actor, files.server, "download", path)
    if reason:
        stats.errors.append(f"{name}: vetoed: {reason}")
        return
    size = attrs.size or 0
    try:
        source = await files.sftp.open(path, "rb", encoding=None)
    except asyncssh.SFTPError as exc:
        stats.errors.append(f"{name}: {exc.reason}")
        return
    stats.entries += 1
    stats.files += 1
    try:
        with archive.open(_info(name, attrs), "w", force_zip64=size > ZIP64_ABOVE) as entry:
            try:
                async for block in read_blocks(
                    source, 0, size, files.read_block, files.settings.max_requests
                ):
                    entry.write(block)
                    data = sink.take()
                    if data:
                        stats.bytes += len(data)
                        yield data
            except (asyncssh.SFTPError, ApiError) as exc:
                # The entry stays (with what was read, its CRC matching); say it is short.
                reason = getattr(exc, "reason", None) or getattr(exc, "message", exc)
                stats.errors.append(f"{name}: incomplete: {reason}")
    finally:
        with contextlib.suppress(asyncssh.Error, OSError):
            await source.close()
