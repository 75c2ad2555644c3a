"""A plugin that implements every sshgate hook, so that each hook has a test.

It mixes sync and async implementations on purpose: the core must await both. What the
hooks see is recorded in ``app.extensions["testplugin"]`` and shown by its routes, so tests
observe it from the outside. Test-only: ``/api/testplugin/sso/callback`` signs anyone in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, ClassVar

import click
from pydantic import BaseModel, ConfigDict
from quart import Blueprint, Quart, current_app, has_app_context, redirect, request
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from sshgate.api import (
    Actor,
    ApiError,
    BackgroundTask,
    EncryptedColumn,
    Event,
    Identity,
    LoginMethod,
    Model,
    ProviderUnavailable,
    SecretUnreadable,
    ServerInfo,
    TerminalSession,
    db_session,
    emit,
    gate,
    hookimpl,
    plugin_settings,
    public,
    requires,
    secret_box,
    sign_in,
    static_url,
)

SSHGATE_CONTRACT = "1.4"  # implements every hook of 1.4

NAME = "testplugin"
bp = Blueprint(NAME, __name__, url_prefix="/api/testplugin")

# Background tasks: every app that loads this plugin runs them, so they stay cheap.
TICK = "testplugin-tick"
FLAKY = "testplugin-flaky"  # raises while armed (POST /api/testplugin/tasks/flaky)
SINGLETON = "testplugin-singleton"
TASK_INTERVAL = 0.1
SINGLETON_TTL = 3.0

# The sign-in provider "testdir": a directory of two entries, changeable through the API.
PROVIDER = "testdir"
SSO_PROVIDER = "testsso"
DIRECTORY_PASSWORD = "directory-pass-1"
ASGI_HEADER = "X-Testplugin-Wrapped"  # value: the root_path the wrapper saw ("-" if none)


def _default_directory() -> dict[str, dict[str, Any]]:
    return {
        "dirk": {
            "password": DIRECTORY_PASSWORD,
            "groups": ["dev", "ops"],
            "is_admin": False,
            "display_name": "Dirk Directory",
        },
        # Logs in as "impostor" but names the local bootstrap account: must be refused.
        "impostor": {"password": DIRECTORY_PASSWORD, "username": "admin", "is_admin": True},
    }


class TestpluginSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    greeting: str = "hello"
    max_notes: int = 100


class Note(Model):
    __tablename__ = "testplugin_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


class Secret(Model):
    """A secret encrypted with ``secret_box(NAME)``; registered for ``sshgate rotate-key``."""

    __tablename__ = "testplugin_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token: Mapped[str | None] = mapped_column(String(2000))


@dataclasses.dataclass(kw_only=True)
class NoteCreated(Event):
    name: ClassVar[str] = "testplugin.note_created"
    note_id: int
    text: str


RECORD_LIMIT = 256 * 1024  # bytes of input and output an observer keeps (the last ones)


class Observer:
    """Records what a terminal session feeds it (bounded: shells can print a lot)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.chunks: list[tuple[bytes, str]] = []
        self.output = bytearray()
        self.input = bytearray()
        self.sizes: list[tuple[int, int]] = []
        self.typists: list[str] = []  # who typed, once per run of keystrokes by one person
        self.roster: list[tuple[str, str, str]] = []  # ("joined" | "left", username, mode)
        self.is_closed = False

    def data_received(self, data: bytes, direction: str) -> None:
        if len(self.chunks) < 1000:
            self.chunks.append((data, direction))
        kept = self.output if direction == "output" else self.input
        kept += data
        del kept[:-RECORD_LIMIT]

    def resized(self, cols: int, rows: int) -> None:
        self.sizes.append((cols, rows))

    def typed(self, data: bytes, by: str) -> None:
        if not self.typists or self.typists[-1] != by:
            self.typists.append(by)

    def joined(self, username: str, mode: str) -> None:
        self.roster.append(("joined", username, mode))

    def left(self, username: str, mode: str) -> None:
        self.roster.append(("left", username, mode))

    def closed(self) -> None:
        self.is_closed = True

    def to_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session.id,
            "output": self.output.decode("utf-8", "replace"),
            "input": self.input.decode("utf-8", "replace"),
            "directions": sorted({d for _, d in self.chunks}),
            "sizes": [list(s) for s in self.sizes],
            "typists": self.typists,
            "roster": [list(r) for r in self.roster],
            "closed": self.is_closed,
        }


def _state(app: Quart | None = None) -> dict[str, Any]:
    return (app or current_app).extensions.setdefault(
        NAME,
        {
            "events": [],
            "lifecycle": [],
            "task_runs": {TICK: 0, FLAKY: 0, SINGLETON: 0},
            "flaky_failures": 0,  # how many runs of FLAKY still raise
            "observers": [],
            "directory": _default_directory(),
            "directory_down": False,
            "directory_calls": [],
            "contract": {},
        },
    )


# What hooks receive, checked against the public Protocols of sshgate.api.


def _properties(protocol: type) -> list[str]:
    return sorted(n for n, v in vars(protocol).items() if isinstance(v, property))


def _conformance(value: Any, protocol: type) -> dict[str, Any]:
    return {
        "type": type(value).__name__,
        "isinstance": isinstance(value, protocol),
        "missing": [n for n in _properties(protocol) if not hasattr(value, n)],
    }


def _record(hook: str, app: Quart | None = None, **values: tuple[Any, type]) -> None:
    """Remember, per hook and argument, whether the value satisfies its Protocol. Deciders
    called outside any app (unit tests of the facade) record nothing."""
    if app is None and not has_app_context():
        return
    contract = _state(app)["contract"]
    for arg, (value, protocol) in values.items():
        if value is not None:
            contract[f"{hook}.{arg}"] = _conformance(value, protocol)


# Routes.


@bp.get("/greeting")
@public
async def greeting() -> dict[str, str]:
    return {"greeting": plugin_settings(NAME, TestpluginSettings).greeting}


@bp.post("/notes")
@requires("testplugin.notes.create")
async def add_note() -> tuple[dict[str, Any], int]:
    body = await request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
        raise ApiError(400, "validation_error", "text: a non-empty string is required")
    async with db_session() as session:
        note = Note(text=body["text"][:200])
        session.add(note)
        await session.flush()
        note_id = note.id
    await emit(NoteCreated(note_id=note_id, text=note.text))
    return {"id": note_id, "text": note.text}, 201


@bp.get("/notes")
@requires("testplugin.notes.list")
async def list_notes() -> dict[str, Any]:
    async with db_session() as session:
        notes = (await session.scalars(select(Note).order_by(Note.id))).all()
    return {"notes": [{"id": n.id, "text": n.text} for n in notes]}


@bp.get("/events")
@requires("testplugin.events.view")
async def events() -> dict[str, Any]:
    return {"events": [e.to_json() for e in _state()["events"]], "lifecycle": _state()["lifecycle"]}


@bp.get("/tasks")
@requires("testplugin.tasks.view")
async def tasks() -> dict[str, Any]:
    return {"runs": dict(_state()["task_runs"]), "instance_id": gate().instance_id}


@bp.post("/tasks/flaky")
@requires("admin.testplugin.tasks.update")
async def arm_flaky() -> dict[str, Any]:
    """``{"failures": n}``: the next n runs of the flaky task raise."""
    body = await request.get_json(silent=True)
    failures = body.get("failures") if isinstance(body, dict) else None
    if not isinstance(failures, int) or failures < 0:
        raise ApiError(400, "validation_error", "failures: a non-negative integer is required")
    state = _state()
    state["flaky_failures"] = failures
    return {"failures": failures, "runs": state["task_runs"][FLAKY]}


@bp.get("/observers")
@requires("testplugin.observers.view")
async def observers() -> dict[str, Any]:
    # Observers land in the state of the app the hook was given: this app's, if it was.
    return {"observers": [o.to_json() for o in _state()["observers"]]}


@bp.get("/contract")
@requires("testplugin.contract.view")
async def contract() -> dict[str, Any]:
    return {"received": _state()["contract"]}


@bp.put("/secrets/<name>")
@requires("admin.testplugin.secrets.update")
async def put_secret(name: str) -> dict[str, Any]:
    body = await request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("value"), str):
        raise ApiError(400, "validation_error", "value: a string is required")
    async with db_session() as session:
        row = await session.scalar(select(Secret).where(Secret.name == name))
        if row is None:
            row = Secret(name=name)
            session.add(row)
        row.token = secret_box(NAME).encrypt(body["value"])
    return {"name": name}


@bp.get("/secrets/<name>")
@requires("admin.testplugin.secrets.read")
async def get_secret(name: str) -> dict[str, Any]:
    async with db_session() as session:
        row = await session.scalar(select(Secret).where(Secret.name == name))
    if row is None or row.token is None:
        raise ApiError(404, "not_found", f"no secret {name}")
    try:
        value = secret_box(NAME).decrypt(row.token)
    except SecretUnreadable as exc:
        raise ApiError(409, "secret_unreadable", str(exc)) from None
    return {"name": name, "value": value}


@bp.put("/directory")
@requires("admin.testplugin.directory.update")
async def put_directory() -> dict[str, Any]:
    """``{"down": bool, "users": {login: entry or null}}``: break or change the directory."""
    body = await request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "validation_error", "a JSON object is required")
    state = _state()
    if "down" in body:
        state["directory_down"] = bool(body["down"])
    for login, entry in (body.get("users") or {}).items():
        if entry is None:
            state["directory"].pop(login, None)
        else:
            state["directory"][login] = {"password": DIRECTORY_PASSWORD, **entry}
    return {"down": state["directory_down"], "users": sorted(state["directory"])}


@bp.get("/directory/calls")
@requires("admin.testplugin.directory.view")
async def directory_calls() -> dict[str, Any]:
    return {"calls": list(_state()["directory_calls"])}


@bp.get("/sso/start")
@public
async def sso_start() -> Any:
    """The redirect-style login method's button: straight on to the "IdP's" callback."""
    return redirect("callback?user=sso-sam", 302)


@bp.get("/sso/callback")
@public
async def sso_callback() -> Any:
    """A redirect-style provider's last step (no IdP here: the name comes in the query)."""
    user = request.args.get("user", "")
    groups = tuple(g for g in request.args.get("groups", "").split(",") if g)
    identity = Identity(provider=SSO_PROVIDER, username=user, groups=groups)
    return await sign_in(identity, redirect_to="../../../")


# Hooks.


@hookimpl
def register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: TestpluginSettings}


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations")]


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command("testplugin-hello")
    @click.argument("who", default="world")
    def hello(who: str) -> None:
        """Say hello (a command added by the test plugin)."""
        click.echo(f"hello, {who} (from testplugin)")


@hookimpl
def register_events() -> list[type[Event]]:
    return [NoteCreated]


async def _tick(app: Quart) -> None:
    _state(app)["task_runs"][TICK] += 1


def _flaky(app: Quart) -> None:
    state = _state(app)
    state["task_runs"][FLAKY] += 1
    if state["flaky_failures"] > 0:
        state["flaky_failures"] -= 1
        raise RuntimeError(f"{FLAKY} fails on purpose (run {state['task_runs'][FLAKY]})")


async def _singleton(app: Quart) -> None:
    _state(app)["task_runs"][SINGLETON] += 1


@hookimpl
def register_background_tasks(app: Quart) -> list[BackgroundTask]:
    assert isinstance(app, Quart)  # the app being built, e.g. to read plugin settings
    return [
        BackgroundTask(name=TICK, run=_tick, interval=TASK_INTERVAL),
        BackgroundTask(name=FLAKY, run=_flaky, interval=TASK_INTERVAL),
        BackgroundTask(
            name=SINGLETON,
            run=_singleton,
            interval=TASK_INTERVAL,
            singleton=True,
            ttl=SINGLETON_TTL,
        ),
    ]


@hookimpl
def register_encrypted_columns() -> list[EncryptedColumn]:
    return [EncryptedColumn(model=Secret, column="token", purpose=NAME, label="name")]


ASGIApp = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


@hookimpl
def asgi_wrapper(app: Quart) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(inner: ASGIApp) -> ASGIApp:
        async def wrapped(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await inner(scope, receive, send)
                return
            seen = (scope.get("root_path") or "-").encode()

            async def send_marked(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    headers = [*message.get("headers", []), (ASGI_HEADER.lower().encode(), seen)]
                    message = {**message, "headers": headers}
                await send(message)

            await inner(scope, receive, send_marked)

        return wrapped

    return wrap


@hookimpl
def extra_js_urls() -> list[str]:
    return [static_url(NAME, "panel.js")]


@hookimpl
def extra_css_urls() -> list[str]:
    return [static_url(NAME, "panel.css")]


@hookimpl
async def extra_config(app: Quart) -> dict[str, Any]:
    return {"testplugin": {"greeting": plugin_settings(NAME, TestpluginSettings, app).greeting}}


@hookimpl
def login_methods(app: Quart) -> list[LoginMethod]:
    return [
        LoginMethod(id=PROVIDER, kind="password", label="Test directory"),
        LoginMethod(
            id=SSO_PROVIDER,
            kind="redirect",
            label="Sign in with TestSSO",
            url="api/testplugin/sso/start",
        ),
    ]


@hookimpl
async def startup(app: Quart) -> None:
    _state(app)["lifecycle"].append("startup")


@hookimpl
def shutdown(app: Quart) -> None:
    _state(app)["lifecycle"].append("shutdown")


@hookimpl
async def track_event(event: Event, app: Quart) -> None:
    _state(app)["events"].append(event)


@hookimpl
def session_observers(session: Any, app: Quart) -> list[Observer]:
    _record("session_observers", app, session=(session, TerminalSession))
    observer = Observer(session)
    _state(app)["observers"].append(observer)
    return [observer]


@hookimpl
async def authenticate(username: str, password: str, app: Quart) -> Identity | None:
    state = _state(app)
    state["directory_calls"].append(username)
    if state["directory_down"]:
        raise ProviderUnavailable(PROVIDER, "the test directory is down")
    entry = state["directory"].get(username.casefold())
    if entry is None or password != entry["password"]:
        return None  # not ours, or a wrong password: the core answers the generic 401
    return Identity(
        provider=PROVIDER,
        username=entry.get("username", username),
        groups=tuple(entry.get("groups", ())),
        is_admin=bool(entry.get("is_admin", False)),
        display_name=entry.get("display_name"),
    )


@hookimpl
def permission_allowed(actor: Any, action: str, resource: Any) -> bool | None:
    if action.startswith("testplugin."):
        _record("permission_allowed", actor=(actor, Actor))
    if action == "testplugin.forbidden":
        return False
    if action == "testplugin.granted":
        return True
    return None


@hookimpl
async def before_connect(actor: Any, server: Any) -> str | None:
    _record("before_connect", actor=(actor, Actor), server=(server, ServerInfo))
    if getattr(server, "name", None) == "testplugin-vetoed":
        return "servers named testplugin-vetoed are vetoed by testplugin"
    return None


@hookimpl
def before_file_transfer(actor: Any, server: Any, operation: str, path: str) -> str | None:
    _record("before_file_transfer", actor=(actor, Actor), server=(server, ServerInfo))
    if path.startswith("/testplugin-forbidden"):
        return f"testplugin forbids {operation} under /testplugin-forbidden"
    return None


@hookimpl
async def before_share(actor: Any, server: Any, mode: str, expires_in: int) -> str | None:
    _record("before_share", actor=(actor, Actor), server=(server, ServerInfo))
    if mode == "rw" and getattr(server, "name", "").startswith("testplugin-ro-"):
        return "testplugin allows only read-only shares of testplugin-ro-* servers"
    return None
