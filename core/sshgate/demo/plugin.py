"""Demo mode's hooks: the demo account at start, the public flag, the scheduled reset."""

from __future__ import annotations

from typing import Any

from quart import Quart

from ..contract import BackgroundTask
from ..hookspecs import hookimpl
from .policy import DEMO_PASSWORD, DEMO_USER
from .reset import DemoReset, reset, restore_demo_user


def _on(app: Quart) -> bool:
    return bool(app.extensions["sshgate"].settings.demo_mode)


@hookimpl
def register_events() -> list[type]:
    return [DemoReset]


# Last: with no users at all, auth's startup creates the first admin before the demo account.
@hookimpl(trylast=True)
async def startup(app: Quart) -> None:
    if _on(app):
        await restore_demo_user(app)


@hookimpl
def extra_config(app: Quart) -> dict[str, Any]:
    settings = app.extensions["sshgate"].settings
    if not settings.demo_mode:
        return {"demo": {"enabled": False}}
    return {
        "demo": {
            "enabled": True,
            "username": DEMO_USER,
            "password": DEMO_PASSWORD,
            "reset_interval": settings.demo_reset_interval,
        }
    }


@hookimpl
def register_background_tasks(app: Quart) -> list[BackgroundTask]:
    settings = app.extensions["sshgate"].settings
    if not settings.demo_mode:
        return []

    async def run(app: Quart) -> None:
        await reset(app)

    # Every worker: each ends its own terminals; the database part is idempotent.
    interval = float(settings.demo_reset_interval)
    return [BackgroundTask(name="demo.reset", run=run, interval=interval, first_delay=interval)]
