"""Open chains to jump hosts, kept between probe rounds.

Probing a server behind a bastion needs an SSH connection to the bastion (the connector
authenticates to it, checking its pinned host key); opening one per probe would put a login
into the bastion's auth log and an ``ssh.connect`` entry into the audit log every interval
for every server behind it. One chain per jump host, shared by all probes through it and
reopened only when it breaks or the jump host's credentials change, keeps that to one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import asyncssh
from quart import Quart

from sshgate.api import ConnectFailed, SSHLink, open_connection

from .outcome import ProbeFailed

if TYPE_CHECKING:
    from datetime import datetime


class JumpLinks:
    """Chains to jump hosts by server id; only the prober (one task) uses it."""

    def __init__(self, app: Quart) -> None:
        self.app = app
        self._links: dict[int, tuple[SSHLink, datetime | None]] = {}
        self._opening: dict[int, asyncio.Future[SSHLink]] = {}
        self._closing: set[asyncio.Future[None]] = set()
        self._failed: dict[int, str] = {}  # jump hosts that failed this round, and why
        self.used: set[int] = set()  # jump hosts asked for in the current round
        self.versions: dict[int, datetime] = {}  # credentials_changed_at of each jump host

    async def get(self, jump_id: int, seconds: float) -> asyncssh.SSHClientConnection:
        """The connection to ``jump_id``, opened if needed; raises ProbeFailed("jump")."""
        self.used.add(jump_id)
        if jump_id in self._failed:  # one failed attempt per round, not one per server
            raise ProbeFailed("jump", self._failed[jump_id])
        current = self._links.get(jump_id)
        if current is not None:
            link, version = current
            if not link.conn.is_closed() and version == self.versions.get(jump_id):
                return link.conn
            self.drop(jump_id)
        opening = self._opening.get(jump_id)
        if opening is None:  # the first probe through this jump host opens it for the rest
            opening = asyncio.ensure_future(self._open(jump_id, seconds))
            self._opening[jump_id] = opening
            opening.add_done_callback(lambda _: self._opening.pop(jump_id, None))
        try:
            link = await asyncio.shield(opening)
        except ConnectFailed as exc:
            self._failed[jump_id] = f"jump host unreachable: {exc.diagnosis.message}"
            raise ProbeFailed("jump", self._failed[jump_id]) from None
        except TimeoutError:
            self._failed[jump_id] = f"jump host chain not open within {seconds:g} s"
            raise ProbeFailed("jump", self._failed[jump_id]) from None
        return link.conn

    async def _open(self, jump_id: int, seconds: float) -> SSHLink:
        link = await asyncio.wait_for(
            open_connection(self.app, jump_id, None, purpose="monitor"), seconds
        )
        self._links[jump_id] = (link, self.versions.get(jump_id))
        return link

    def drop(self, jump_id: int) -> None:
        current = self._links.pop(jump_id, None)
        if current is not None:
            closing = asyncio.ensure_future(current[0].close())
            self._closing.add(closing)  # a reference until it is done
            closing.add_done_callback(self._closing.discard)

    def prune(self) -> None:
        """After a round: close chains to jump hosts no server needs any more."""
        for jump_id in set(self._links) - self.used:
            self.drop(jump_id)
        self.used.clear()
        self._failed.clear()

    async def close(self) -> None:
        links, self._links = list(self._links.values()), {}
        for link, _ in links:
            with contextlib.suppress(Exception):
                await link.close()
