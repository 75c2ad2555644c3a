"""The sandbox's hooks: start, register and stop the SSH target with the app."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from quart import Quart

from ..hookspecs import hookimpl
from . import account
from .account import RunAs
from .register import SandboxRegistered, register
from .server import SandboxServer, load_host_key
from .shell import sftp_server_binary

log = logging.getLogger("sshgate")
STATE = "sshgate.sandbox"


@dataclass
class Sandbox:
    server: SandboxServer
    run_as: RunAs
    server_id: int

    async def reset(self) -> None:
        """End every sandbox session and empty the scratch home."""
        await self.server.close_sessions()
        account.make_scratch_home(self.run_as)


def sandbox_of(app: Quart) -> Sandbox | None:
    sandbox: Sandbox | None = app.extensions.get(STATE)
    return sandbox


@hookimpl
def register_events() -> list[type]:
    return [SandboxRegistered]


@hookimpl
async def startup(app: Quart) -> None:
    settings = app.extensions["sshgate"].settings
    if not settings.sandbox:
        return
    run_as = account.prepare()
    server = SandboxServer(run_as, load_host_key(Path(settings.data_dir)), settings.sandbox_port)
    await server.start()
    sftp = sftp_server_binary() is not None
    if not sftp:
        log.warning("sandbox: no OpenSSH sftp-server found; the file browser is off for it")
    server_id = await register(app, server, sftp)
    app.extensions[STATE] = Sandbox(server, run_as, server_id)
    who = f"as {run_as.name}" + (" (unprivileged)" if run_as.drops_privileges else "")
    log.info(
        "sandbox: SSH target on 127.0.0.1:%s, shells run %s in %s; every user sees server %r",
        server.port,
        who,
        run_as.home,
        "sandbox",
    )


@hookimpl
async def shutdown(app: Quart) -> None:
    sandbox = app.extensions.pop(STATE, None)
    if sandbox is not None:
        await sandbox.server.stop()
        account.remove(sandbox.run_as)
