"""Response headers for downloads, built from hostile file names and client headers.

- ``Content-Disposition`` (RFC 6266): an ASCII fallback ``filename`` with anything odd
  replaced, plus ``filename*=UTF-8''...`` percent-encoded; no name reaches a header raw.
- Inline previews only for PNG, JPEG, GIF, WebP and PDF, and only when the extension AND
  the first bytes agree: never HTML, SVG or anything a browser could run as script.
- ``Range``: one ``bytes=`` range (first-last, first-, -suffix); several ranges are
  answered with the whole file (RFC 9110 lets a server ignore Range).
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import formatdate
from urllib.parse import quote

OCTET_STREAM = "application/octet-stream"
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._()+ -]")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Extension -> (type, magic bytes at offset 0, or a check on the first 16 bytes).
_PREVIEWS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "pdf": ("application/pdf", (b"%PDF-",)),
}
MAGIC_BYTES = 16
# An inline preview is a document of its own: nothing may run in it, only we may frame it.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)


def content_disposition(name: str, *, inline: bool = False) -> str:
    # Controls never reach here for paths a client sent, but names from ZIP roots or
    # server listings might carry them: drop them from both forms.
    printable = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C") or "download"
    ascii_name = unicodedata.normalize("NFKD", printable).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE_ASCII.sub("_", ascii_name).strip(" .") or "download"
    encoded = quote(printable.encode("utf-8", "replace"), safe="")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def preview_type(name: str, head: bytes) -> str | None:
    """The inline content type for a previewable file, or None (serve as a download)."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension == "webp":
        ok = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        return "image/webp" if ok else None
    known = _PREVIEWS.get(extension)
    if known is None:
        return None
    mimetype, magics = known
    return mimetype if any(head.startswith(m) for m in magics) else None


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(start, end_exclusive)`` for one satisfiable range; None to send everything;
    ``"unsatisfiable"`` for a well-formed range outside the file (416)."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # several ranges, other units, garbage: ignore it
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if last and int(last) < start:
        return None  # invalid: ignore
    if start >= size:
        return "unsatisfiable"
    return start, end


def etag(mtime: int | None, size: int | None) -> str:
    return f'"{mtime or 0:x}-{size or 0:x}"'


def http_date(mtime: int | None) -> str | None:
    return formatdate(mtime, usegmt=True) if mtime is not None else None


def if_range_matches(header: str | None, tag: str, last_modified: str | None) -> bool:
    """An ``If-Range`` that no longer matches means "send the whole file"."""
    if not header:
        return True
    header = header.strip()
    if header.startswith(('"', "W/")):
        return header == tag
    return last_modified is not None and header == last_modified
