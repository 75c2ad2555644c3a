"""``/api/snippets``: personal and shared command snippets, rendering and audited runs.

Personal snippets are private to their owner (administrators included: another user's
snippet answers 404). Shared snippets (``owner_id`` NULL) are visible to everyone and
changed by administrators only.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint
from quart_schema import tag, validate_querystring, validate_request
from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..auth.guard import current_actor, signed_in_actor
from ..auth.permissions import authorize, requires
from ..errors import ApiError
from ..gate import current_gate
from ..registry.public import server_for
from ..track import emit
from ..web.schemas import Input, Text
from .events import SnippetChanged, SnippetRun
from .models import Snippet
from .schemas import RenderIn, RunIn, SnippetCreate, SnippetUpdate, params_of, parse, render

bp = Blueprint("snippets", __name__, url_prefix="/api/snippets")

AUDITED_COMMAND = 200


class SnippetQuery(Input):
    model_config = {"strict": False, "extra": "forbid"}

    q: Text | None = Field(None, max_length=200)


def _visible(actor: Any) -> Select[Snippet]:
    """The actor's own snippets and the shared ones."""
    return select(Snippet).where(or_(Snippet.owner_id == actor.user_id, Snippet.owner_id.is_(None)))


def _search(query: Select[Snippet], text: str | None) -> Select[Snippet]:
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        columns = (Snippet.name, Snippet.command, Snippet.description, cast(Snippet.tags, String))
        query = query.where(or_(*(column.ilike(like, escape="\\") for column in columns)))
    # Personal first, then shared; by name within each.
    return query.order_by(Snippet.owner_id.is_(None), func.lower(Snippet.name), Snippet.id)


def snippet_json(snippet: Snippet, actor: Any) -> dict[str, Any]:
    return {
        "id": snippet.id,
        "name": snippet.name,
        "command": snippet.command,
        "description": snippet.description,
        "tags": list(snippet.tags or []),
        "confirm": snippet.confirm,
        "shared": snippet.shared,
        "params": params_of(parse(snippet.command)),
        "editable": snippet.owner_id == actor.user_id or (snippet.shared and actor.is_admin),
        "created_at": snippet.created_at.isoformat(),
        "updated_at": snippet.updated_at.isoformat(),
    }


async def _get_visible(session: AsyncSession, actor: Any, snippet_id: int) -> Snippet:
    snippet = await session.scalar(_visible(actor).where(Snippet.id == snippet_id))
    if snippet is None:
        raise ApiError(404, "not_found", f"no snippet {snippet_id}")
    return snippet


async def _get_writable(session: AsyncSession, actor: Any, snippet_id: int, verb: str) -> Snippet:
    snippet = await _get_visible(session, actor, snippet_id)
    if snippet.shared:
        # Everyone sees shared snippets; only administrators change them.
        await authorize(actor, f"admin.snippets.{verb}")
    return snippet


async def _check_name(
    session: AsyncSession, owner_id: int | None, name: str, exclude: int | None = None
) -> None:
    query = select(Snippet.id).where(
        Snippet.name == name,
        Snippet.owner_id.is_(None) if owner_id is None else Snippet.owner_id == owner_id,
    )
    if exclude is not None:
        query = query.where(Snippet.id != exclude)
    if await session.scalar(query):
        kind = "shared snippet" if owner_id is None else "snippet of yours"
        raise ApiError(409, "conflict", f"a {kind} named {name!r} exists")


def _conflict(name: str) -> ApiError:
    return ApiError(409, "conflict", f"a snippet named {name!r} exists")


@bp.get("")
@requires("snippets.list")
@tag(["snippets"])
@validate_querystring(SnippetQuery)
async def list_snippets(query_args: SnippetQuery) -> dict[str, Any]:
    """Your snippets and the shared ones; ``q`` searches name, command, description, tags."""
    actor = current_actor()
    async with current_gate().db.session() as session:
        rows = (await session.scalars(_search(_visible(actor), query_args.q))).all()
        return {"snippets": [snippet_json(s, actor) for s in rows]}


@bp.get("/<int:snippet_id>")
@requires("snippets.view")
@tag(["snippets"])
async def get_snippet(snippet_id: int) -> dict[str, Any]:
    actor = current_actor()
    async with current_gate().db.session() as session:
        return snippet_json(await _get_visible(session, actor, snippet_id), actor)


@bp.post("")
@requires("snippets.create")
@tag(["snippets"])
@validate_request(SnippetCreate)
async def create_snippet(data: SnippetCreate) -> tuple[dict[str, Any], int]:
    """A personal snippet; administrators publish a shared one with ``"shared": true``."""
    actor = current_actor()
    assert actor is not None  # the guard signed the caller in (not a public route)
    if data.shared:
        await authorize(actor, "admin.snippets.create")
    owner_id = None if data.shared else actor.user_id
    fields = sorted(data.model_fields_set - {"shared"})
    try:
        async with current_gate().db.session() as session:
            await _check_name(session, owner_id, data.name)
            snippet = Snippet(
                owner_id=owner_id,
                name=data.name,
                command=data.command,
                description=data.description,
                tags=data.tags,
                confirm=data.confirm,
            )
            session.add(snippet)
            await session.flush()
            body = snippet_json(snippet, actor)
    except IntegrityError:
        raise _conflict(data.name) from None
    await emit(
        SnippetChanged(
            target=data.name,
            change="created",
            snippet_id=body["id"],
            shared=data.shared,
            fields=fields,
        )
    )
    return body, 201


@bp.patch("/<int:snippet_id>")
@requires("snippets.update")
@tag(["snippets"])
@validate_request(SnippetUpdate)
async def update_snippet(snippet_id: int, data: SnippetUpdate) -> dict[str, Any]:
    actor = current_actor()
    assert actor is not None  # the guard signed the caller in (not a public route)
    changes = data.model_dump(exclude_unset=True)
    try:
        async with current_gate().db.session() as session:
            snippet = await _get_writable(session, actor, snippet_id, "update")
            if "shared" in changes and changes.pop("shared") != snippet.shared:
                # Publishing or taking back: either way an administrator's decision.
                await authorize(actor, "admin.snippets.update")
                snippet.owner_id = None if snippet.owner_id is not None else actor.user_id
                changes["shared"] = snippet.shared
            await _check_name(
                session, snippet.owner_id, changes.get("name", snippet.name), exclude=snippet.id
            )
            for field, value in changes.items():
                if field != "shared":
                    setattr(snippet, field, value)
            await session.flush()
            body = snippet_json(snippet, actor)
    except IntegrityError:
        raise _conflict(changes.get("name", "")) from None
    await emit(
        SnippetChanged(
            target=body["name"],
            change="updated",
            snippet_id=snippet_id,
            shared=body["shared"],
            fields=sorted(changes),
        )
    )
    return body


@bp.delete("/<int:snippet_id>")
@requires("snippets.delete")
@tag(["snippets"])
async def delete_snippet(snippet_id: int) -> dict[str, Any]:
    actor = current_actor()
    async with current_gate().db.session() as session:
        snippet = await _get_writable(session, actor, snippet_id, "delete")
        name, shared = snippet.name, snippet.shared
        await session.delete(snippet)
    await emit(SnippetChanged(target=name, change="deleted", snippet_id=snippet_id, shared=shared))
    return {"deleted": True}


@bp.post("/<int:snippet_id>/render")
@requires("snippets.read")
@tag(["snippets"])
@validate_request(RenderIn)
async def render_snippet(snippet_id: int, data: RenderIn) -> dict[str, Any]:
    """The command with ``{param}`` placeholders filled in. Nothing runs, nothing is logged."""
    actor = current_actor()
    async with current_gate().db.session() as session:
        snippet = await _get_visible(session, actor, snippet_id)
        return {"command": render(parse(snippet.command), data.params), "confirm": snippet.confirm}


@bp.post("/<int:snippet_id>/run")
@requires("snippets.run")
@tag(["snippets"])
@validate_request(RunIn)
async def run_snippet(snippet_id: int, data: RunIn) -> dict[str, Any]:
    """Render for a terminal on ``server_id`` and audit it. The server executes nothing: the
    browser types the returned command into the terminal (after asking, when ``confirm``)."""
    actor = signed_in_actor()
    async with current_gate().db.session() as session:
        snippet = await _get_visible(session, actor, snippet_id)
        template = parse(snippet.command)
        name, shared, confirm = snippet.name, snippet.shared, snippet.confirm
    command = render(template, data.params)
    server = await server_for(actor, data.server_id, "snippets.run")
    # The audit log keeps this forever. Snippets are not meant to hold secrets (say so to
    # users); values of secret-looking parameters are redacted all the same.
    audited = render(template, data.params, redact=True)[:AUDITED_COMMAND]
    await emit(
        SnippetRun(
            target=server.name,
            snippet=name,
            snippet_id=snippet_id,
            shared=shared,
            command=audited,
            session_id=data.session_id[:12] if data.session_id else None,
        )
    )
    return {"command": command, "confirm": confirm}
