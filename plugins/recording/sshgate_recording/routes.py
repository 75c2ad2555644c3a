"""The API under ``/api/recordings``: list, metadata, the file, delete, output search.

Users see their own recordings and administrators everyone's, through one query
(store.visible); what is not yours is a 404, not a 403, so ids cannot be probed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Blueprint, Response, current_app, send_file
from quart_schema import tag, validate_querystring
from sqlalchemy import func, select

from sshgate.api import ApiError, authorize, current_actor, db_session, emit, requires

from . import search, store
from .events import RecordingDeleted, RecordingsSearched, RecordingViewed
from .models import Recording
from .queries import ListQuery, SearchQuery
from .service import recordings

bp = Blueprint("recording", __name__, url_prefix="/api/recordings")


def _actor() -> Any:
    actor = current_actor()
    assert actor is not None  # behind @requires
    return actor


@bp.get("")
@requires("recording.list")
@tag(["recording"])
@validate_querystring(ListQuery)
async def list_recordings(query_args: ListQuery) -> dict[str, Any]:
    """Recordings you may see, newest first, filtered."""
    query = store.visible(_actor()).where(*query_args.conditions())
    async with db_session() as session:
        total = await session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await session.scalars(
            query.order_by(Recording.started_at.desc(), Recording.id)
            .limit(query_args.limit)
            .offset(query_args.offset)
        )
        found = [row.to_json() for row in rows]
    return {"recordings": found, "total": total or 0}


@bp.get("/search")
@requires("recording.search.read")
@tag(["recording"])
@validate_querystring(SearchQuery)
async def search_output(query_args: SearchQuery) -> dict[str, Any]:
    """Recordings whose output contains ``q`` (escape sequences ignored), with the moment
    it was printed; reads the newest recordings first, within fixed bounds."""
    query = store.visible(_actor()).where(*query_args.conditions())
    async with db_session() as session:
        rows = list(
            await session.scalars(
                query.order_by(Recording.started_at.desc()).limit(search.MAX_FILES + 1)
            )
        )
    folder = recordings(current_app).folder
    matches: list[dict[str, Any]] = []
    scanned = read = 0
    truncated = len(rows) > search.MAX_FILES
    for row in rows[: search.MAX_FILES]:
        if len(matches) >= query_args.limit or read >= search.MAX_BYTES:
            truncated = truncated or read >= search.MAX_BYTES
            break
        path = store.file_path(folder, row.file)
        scanned += 1
        read += row.size
        hit = await asyncio.to_thread(_find, path, query_args.q)
        if hit is not None:
            matches.append(
                {"recording": row.to_json(), "time": round(hit.time, 3), "excerpt": hit.excerpt}
            )
    await emit(RecordingsSearched(query=query_args.q, matches=len(matches)))
    return {"matches": matches, "scanned": scanned, "truncated": truncated}


def _find(path: Any, needle: str) -> search.Hit | None:
    try:
        return search.find(path, needle)
    except OSError:
        return None  # deleted meanwhile, or unreadable: not a match


@bp.get("/<recording_id>")
@requires("recording.read")
@tag(["recording"])
async def get_recording(recording_id: str) -> dict[str, Any]:
    return (await store.get_visible(_actor(), _checked(recording_id))).to_json()


@bp.get("/<recording_id>/cast")
@requires("recording.download")
@tag(["recording"])
async def cast_inline(recording_id: str) -> Response:
    """The asciicast v2 file, for the player (as the file grows while recording)."""
    return await _file(recording_id, attachment=False)


@bp.get("/<recording_id>/download")
@requires("recording.download")
@tag(["recording"])
async def cast_download(recording_id: str) -> Response:
    """The asciicast v2 file as a download (``<user>@<server>-<start>.cast``)."""
    return await _file(recording_id, attachment=True)


async def _file(recording_id: str, *, attachment: bool) -> Response:
    recording = await store.get_visible(_actor(), _checked(recording_id))
    path = store.file_path(recordings(current_app).folder, recording.file)
    if not await asyncio.to_thread(path.is_file):
        raise ApiError(410, "gone", "the recording's file is missing from the recordings folder")
    await emit(RecordingViewed(recording_id=recording.id, target=recording.server_name))
    name = f"{recording.username}@{recording.server_name}-{recording.started_at:%Y%m%dT%H%M%SZ}"
    response = await send_file(
        path,
        mimetype="application/x-asciicast",
        as_attachment=attachment,
        attachment_filename=_safe_name(name) + ".cast",
        conditional=True,
    )
    response.timeout = None  # a big file takes longer than Quart's 60 s response limit
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/<recording_id>")
@requires("admin.recording.delete")
@tag(["recording"])
async def delete_recording(recording_id: str) -> tuple[str, int]:
    """Delete a recording and its file (administrators; audited). A recording still being
    written cannot be deleted: end its session first."""
    actor = _actor()
    await authorize(actor, "admin.recording.delete")
    recording = await store.get_visible(actor, _checked(recording_id))
    if recording.status == "recording":
        raise ApiError(409, "recording", "the session is still being recorded; end it first")
    path = store.file_path(recordings(current_app).folder, recording.file)
    await store.remove(current_app, [recording.id])
    await asyncio.to_thread(path.unlink, True)
    await emit(RecordingDeleted(recording_id=recording.id, target=recording.server_name))
    return "", 204


def _checked(recording_id: str) -> str:
    if not (0 < len(recording_id) <= 32 and recording_id.isalnum()):
        raise ApiError(404, "not_found", f"no recording {recording_id[:40]!r}")
    return recording_id


def _safe_name(name: str) -> str:
    """A download name from a username and server name (hostile input): plain characters."""
    return "".join(c if c.isalnum() or c in "@-._" else "_" for c in name)[:150]
