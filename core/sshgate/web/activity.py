"""``WS /api/ws/events``: a live feed of events for the page's activity log.

Administrators see every audited event; users see their own. Logout, revocation or a
disabled account close the feed at once (and other workers' feeds within a re-check).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from quart import Blueprint, Quart, current_app, websocket

from ..auth.actor import Actor
from ..auth.guard import auth_state, current_actor
from ..auth.permissions import requires
from ..events import Event
from ..hookspecs import hookimpl
from .ws import CLOSE_UNAUTHORIZED

bp = Blueprint("activity", __name__, url_prefix="/api/ws")
QUEUE_SIZE = 256


@dataclass(eq=False)
class Subscriber:
    actor: Actor
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: int = 0

    def offer(self, event: Event) -> None:
        if not (self.actor.is_admin or event.actor == self.actor.username):
            return
        try:
            self.queue.put_nowait(event.to_json())
        except asyncio.QueueFull:
            self.dropped += 1  # a slow page misses entries; it never slows the sender


def _subscribers(app: Quart) -> set[Subscriber]:
    return app.extensions.setdefault("sshgate.activity", set())


@bp.websocket("/events")
@requires("events.watch")
async def events() -> None:
    actor = current_actor()
    assert actor is not None
    subscriber = Subscriber(actor)
    ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def end(reason: str) -> None:
        if not ended.done():
            ended.set_result(reason)

    forget = auth_state().live.add(
        actor.session_id, actor.user_id, end, api_key_id=actor.api_key_id
    )
    _subscribers(current_app).add(subscriber)
    try:
        await websocket.accept()
        await websocket.send(json.dumps({"type": "hello", "user": actor.username}))
        while not ended.done():
            getter = asyncio.ensure_future(subscriber.queue.get())
            # An ended login resolves `ended` (the worker's sweep calls end()).
            waiting: set[asyncio.Future[Any]] = {getter, ended}
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                await websocket.send(json.dumps({"type": "event", "event": getter.result()}))
                continue
            getter.cancel()
        await websocket.close(CLOSE_UNAUTHORIZED, ended.result())
    finally:
        forget()
        _subscribers(current_app).discard(subscriber)


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def track_event(event: Event, app: Quart) -> None:
    if event.audited:
        for subscriber in list(_subscribers(app)):
            subscriber.offer(event)
