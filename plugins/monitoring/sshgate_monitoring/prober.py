"""The probe round: every registered server, ``SSHGATE_MONITOR_CONCURRENCY`` at a time.

Run by the singleton background task ``monitoring.probe``: only the worker holding the lease
``task:monitoring.probe`` probes, the others read what it stores. Results are written in
batches as they come (a round of 500 servers through slow networks takes a while, and the
dots should not wait for the last one), transitions are emitted after each batch commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from quart import Quart

from sshgate.api import ServerInfo, emit, list_servers

from . import store
from .jumps import JumpLinks
from .metrics import metrics
from .outcome import ProbeResult
from .probe import probe
from .settings import monitor_settings

log = logging.getLogger(__name__)
EXTENSION = "sshgate_monitoring.prober"
BATCH = 50  # results per database write
BATCH_SECONDS = 1.0  # or whatever came within this long


class Prober:
    def __init__(self, app: Quart) -> None:
        self.app = app
        self.jumps = JumpLinks(app)
        self.rounds = 0

    async def round(self) -> None:
        config = monitor_settings(self.app)
        servers = {s.id: s for s in await list_servers(app=self.app)}
        full = await store.full_checks(self.app)
        # Jump versions: a jump host whose credentials changed gets a fresh chain.
        self.jumps.versions = {s.id: s.credentials_changed_at for s in servers.values()}
        todo: asyncio.Queue[ServerInfo] = asyncio.Queue()
        for server in servers.values():
            todo.put_nowait(server)
        done: asyncio.Queue[ProbeResult | None] = asyncio.Queue()

        async def worker() -> None:
            while True:
                try:
                    server = todo.get_nowait()
                except asyncio.QueueEmpty:
                    return
                result = await probe(
                    self.app,
                    server,
                    full=server.id in full,
                    seconds=config.timeout,
                    jumps=self.jumps,
                )
                await done.put(result)

        workers = [asyncio.ensure_future(worker()) for _ in range(config.concurrency)]
        writer = asyncio.ensure_future(self._write(done, servers))
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await done.put(None)
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            self.jumps.prune()
        self.rounds += 1

    async def _write(
        self, done: asyncio.Queue[ProbeResult | None], servers: Mapping[int, ServerInfo]
    ) -> None:
        finished = False
        while not finished:
            batch: list[ProbeResult] = []
            item = await done.get()
            deadline = asyncio.get_running_loop().time() + BATCH_SECONDS
            while item is not None:
                batch.append(item)
                if len(batch) >= BATCH:
                    break
                left = deadline - asyncio.get_running_loop().time()
                try:
                    item = await asyncio.wait_for(done.get(), max(left, 0.0))
                except TimeoutError:
                    break
            finished = item is None
            if batch:
                await self._store(batch, servers)

    async def _store(self, batch: list[ProbeResult], servers: Mapping[int, ServerInfo]) -> None:
        counter = metrics(self.app).probes
        for result in batch:
            name = servers[result.server_id].name
            counter.labels(name, "online" if result.online else result.reason or "error").inc()
        try:
            transitions = await store.record(self.app, batch, servers)
        except Exception:
            log.exception("could not store %d probe results", len(batch))
            return
        for event in transitions:
            await emit(event, self.app)

    async def close(self) -> None:
        await self.jumps.close()


def prober(app: Quart) -> Prober:
    found: Any = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = Prober(app)
    return found


async def probe_round(app: Quart) -> None:
    """The background task's job."""
    await prober(app).round()
