"""Background tasks from the ``register_background_tasks`` hook, run in every worker.

Each task gets a loop of its own: wait ``interval``, run, repeat; a run that raises is logged
like any plugin failure and the loop goes on. A ``singleton`` task first takes its lease
(``db/lease.py``, named ``task:<name>``) and runs only while it holds it; the lease is
renewed every ``ttl / 3`` seconds whether or not the job is running, so a long run does not
lose it, and given up on shutdown so that another worker takes over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from .contract import BackgroundTask
from .db.lease import Lease
from .errors import StartupError
from .plugins import await_me_maybe, plugin_failed

if TYPE_CHECKING:
    from quart import Quart

log = logging.getLogger(__name__)


class BackgroundTasks:
    """The tasks of one app; ``roles()`` says which singleton leases this worker holds."""

    def __init__(self, app: Quart, tasks: list[tuple[str, object]]) -> None:
        """``tasks``: (plugin name, task) pairs from the hook."""
        names: set[str] = set()
        self.plugin_of: dict[str, str] = {}
        self.tasks: list[BackgroundTask] = []
        for plugin, task in tasks:
            if not isinstance(task, BackgroundTask):
                raise StartupError(f"plugin {plugin}: register_background_tasks returned {task!r}")
            if task.name in names:
                raise StartupError(f"two background tasks are named {task.name!r}")
            if task.interval <= 0 or task.ttl <= 0:
                raise StartupError(f"background task {task.name!r} needs interval and ttl > 0")
            names.add(task.name)
            self.plugin_of[task.name] = plugin
            self.tasks.append(task)
        self.app = app
        self.leases: dict[str, Lease] = {}
        self._held: dict[str, asyncio.Event] = {}
        self._running: list[asyncio.Task[None]] = []
        app.extensions["sshgate.tasks"] = self

    def start(self) -> None:
        gate = self.app.extensions["sshgate"]
        for task in self.tasks:
            if task.singleton:
                lease = Lease(gate.db, f"task:{task.name}", gate.instance_id, task.ttl)
                self.leases[task.name] = lease
                self._held[task.name] = asyncio.Event()
                self._running.append(
                    asyncio.create_task(self._keep_lease(lease, self._held[task.name]))
                )
            self._running.append(asyncio.create_task(self._loop(task)))

    def roles(self) -> dict[str, bool]:
        """Singleton task name -> whether this worker holds its lease now."""
        return {name: lease.held for name, lease in self.leases.items()}

    async def _keep_lease(self, lease: Lease, held: asyncio.Event) -> None:
        while True:
            was = lease.held
            try:
                await lease.acquire()
            except Exception as exc:  # the database is down: we no longer know, so stand down
                lease.generation = None
                log.warning("could not renew lease %s: %s", lease.name, exc)
            if lease.held != was:
                log.info("%s lease %s", "took" if lease.held else "lost", lease.name)
            if lease.held:
                held.set()
            else:
                held.clear()
            await asyncio.sleep(lease.ttl / 3)

    async def _loop(self, task: BackgroundTask) -> None:
        await asyncio.sleep(task.first_delay)
        held = self._held.get(task.name)
        while True:
            if held is not None:
                await held.wait()  # a singleton runs only where its lease is held
            try:
                # In an app context, so that db_session(), emit() and friends work as in a
                # request.
                async with self.app.app_context():
                    await await_me_maybe(task.run(self.app))
            except Exception:
                plugin_failed(self.plugin_of[task.name], f"background task {task.name}")
            await asyncio.sleep(task.interval)

    async def stop(self) -> None:
        # Cancel until every loop has ended: a cancellation that arrives while a PostgreSQL
        # statement runs is sometimes absorbed (AsyncSession.execute returns normally; seen
        # with asyncpg on Python 3.11), and the loop would go on, and shutdown hang.
        pending = set(self._running)
        while pending:
            for running in pending:
                running.cancel()
            _, pending = await asyncio.wait(pending, timeout=0.1)
        for running in self._running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
        self._running.clear()
        for lease in self.leases.values():
            with contextlib.suppress(Exception):
                await lease.release()
