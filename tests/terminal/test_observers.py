"""Plugins on a live terminal: ``session_observers`` (fed every byte) and ``before_share``
(may veto a share link), through the test plugin and a real shell on the in-process server."""

from __future__ import annotations

import asyncio
import time
import types

import pytest
from term_helpers import Term, join, register, share

from sshgate.api import SessionRefused, hookimpl
from sshgate.testing.ssh import TEST_PASSWORD


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True


@pytest.fixture
def sshgate_plugins(request):
    return getattr(request, "param", [])


async def wait_until(condition, *, within: float = 30.0, every: float = 0.05, what: str = ""):
    deadline = time.monotonic() + within
    while not (value := await condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within:g} s: {what}")
        await asyncio.sleep(every)
    return value


def logged(caplog) -> list[str]:
    """Messages logged so far; the terminal of ``owner_term`` opens while setting up."""
    return [r.getMessage() for r in caplog.get_records("setup") + caplog.get_records("call")]


async def observers(client) -> list[dict]:
    response = await client.get("/api/testplugin/observers")
    assert response.status_code == 200, await response.get_json()
    return (await response.get_json())["observers"]


async def observer_of(client, session_id: str, check=lambda o: True, what: str = "") -> dict:
    async def find():
        return next((o for o in await observers(client) if o["session_id"] == session_id), None)

    async def matching():
        found = await find()
        return found if found is not None and check(found) else None

    return await wait_until(matching, what=what or f"an observer of {session_id}")


async def test_hook_session_observers(owner_term, user_client, live_server, make_client):
    session_id = owner_term.hello["id"]
    await owner_term.run("echo observed-$((6*7))", "observed-42")
    # The observers are in this app's state: the hook was given the app serving the shell.
    seen = await observer_of(
        user_client, session_id, lambda o: "observed-42" in o["output"], "output observed"
    )
    assert "echo observed-$((6*7))" in seen["input"]
    assert seen["directions"] == ["input", "output"]
    assert seen["closed"] is False
    # Collected once per session: a joiner gets no observer of its own.
    viewer = await join(
        live_server,
        await make_client("bob", groups=["dev"]),
        (await share(user_client, session_id, "ro"))["token"],
    )
    assert viewer.hello["id"] == session_id
    assert [o["session_id"] for o in await observers(user_client)] == [session_id]
    # Contract 1.4: who is attached, and who typed what.
    typist = await join(
        live_server,
        await make_client("carol", groups=["dev"]),
        (await share(user_client, session_id, "rw"))["token"],
    )
    await typist.run("echo by-carol-$((2*3))", "by-carol-6")
    seen = await observer_of(
        user_client, session_id, lambda o: o["typists"][-1:] == ["carol"], "carol typed"
    )
    assert seen["typists"] == ["alice", "carol"]
    await typist.close()
    seen = await observer_of(
        user_client, session_id, lambda o: ["left", "carol", "rw"] in o["roster"], "carol left"
    )
    assert seen["roster"] == [
        ["joined", "alice", "owner"],
        ["joined", "bob", "ro"],
        ["joined", "carol", "rw"],
        ["left", "carol", "rw"],
    ]
    await owner_term.control(type="resize", cols=101, rows=33)
    await observer_of(user_client, session_id, lambda o: [101, 33] in o["sizes"], "resized")
    await owner_term.send("exit\n")
    await owner_term.closed()
    await observer_of(user_client, session_id, lambda o: o["closed"], "closed() called")


class Boom:
    """An observer that fails on the first byte."""

    def __init__(self) -> None:
        self.calls = 0

    def data_received(self, data: bytes, direction: str) -> None:
        self.calls += 1
        raise RuntimeError("observer boom")


booms: list[Boom] = []


@pytest.fixture(autouse=True)
def _no_booms_yet():
    booms.clear()  # before owner_term opens a terminal


def _boom_observers(session):
    booms.append(Boom())
    return [booms[-1]]


raising_observer = types.ModuleType("sshgate_raising_observer")
raising_observer.session_observers = hookimpl(_boom_observers)


def _broken_hook(session, app):
    raise RuntimeError("session_observers boom")


raising_hook = types.ModuleType("sshgate_raising_hook")
raising_hook.session_observers = hookimpl(_broken_hook)


@pytest.mark.parametrize("sshgate_plugins", [[raising_observer]], indirect=True)
async def test_a_raising_observer_is_dropped_and_the_shell_goes_on(owner_term, user_client, caplog):
    session_id = owner_term.hello["id"]
    await owner_term.run("echo first-$((1+1))", "first-2")
    await owner_term.run("echo second-$((2+2))", "second-4")
    assert len(booms) == 1 and booms[0].calls == 1  # dropped after its first failure
    failures = [m for m in logged(caplog) if "failed in session observer" in m]
    assert failures == [
        "plugin sshgate_raising_observer failed in session observer Boom.data_received"
    ]
    # The other plugin's observer saw everything.
    await observer_of(user_client, session_id, lambda o: "second-4" in o["output"], "output")


@pytest.mark.parametrize("sshgate_plugins", [[raising_hook]], indirect=True)
async def test_a_raising_session_observers_hook_does_not_stop_the_shell(
    owner_term, user_client, caplog
):
    await owner_term.run("echo still-$((3*3))", "still-9")
    assert "plugin sshgate_raising_hook failed in session_observers" in logged(caplog)
    await observer_of(
        user_client,
        owner_term.hello["id"],
        lambda o: "still-9" in o["output"],
        "the test plugin's observer",
    )


async def open_terminal(app, live_server, client, ssh_server, name: str) -> Term:
    server_id = await register(app, ssh_server, name=name, secret=TEST_PASSWORD)
    term = await Term.open(f"{live_server.ws_url}/api/ws/terminal/{server_id}", client.token)
    assert term.hello.get("id"), term.controls
    return term


async def test_hook_before_share(app, live_server, user_client, admin_client, ssh_server):
    term = await open_terminal(app, live_server, user_client, ssh_server, "testplugin-ro-box")
    try:
        session_id = term.hello["id"]
        refused = await user_client.post(
            f"/api/terminal/sessions/{session_id}/shares", json={"mode": "rw"}
        )
        assert refused.status_code == 403
        error = (await refused.get_json())["error"]
        assert error["code"] == "share_refused"
        assert error["message"] == (
            "testplugin allows only read-only shares of testplugin-ro-* servers"
        )
        # Read-only is allowed on the same session.
        assert (await share(user_client, session_id, "ro"))["mode"] == "ro"
        entries = await (
            await admin_client.get("/api/audit", query_string={"action": "terminal.share_changed"})
        ).get_json()
        refusals = [e for e in entries["entries"] if e["details"]["change"] == "refused"]
        assert len(refusals) == 1
        [entry] = refusals
        assert entry["outcome"] == "denied" and entry["actor"] == "alice"
        assert entry["target"] == "testplugin-ro-box" and entry["details"]["mode"] == "rw"
    finally:
        await term.close()


async def test_before_share_allows_read_write_elsewhere(owner_term, user_client):
    link = await share(user_client, owner_term.hello["id"], "rw")
    assert link["mode"] == "rw" and link["token"]


def _undecided(mode):
    raise RuntimeError("before_share boom")


undecided = types.ModuleType("sshgate_undecided")
undecided.before_share = hookimpl(_undecided)


@pytest.mark.parametrize("sshgate_plugins", [[undecided]], indirect=True)
async def test_a_before_share_decider_that_raises_refuses(owner_term, user_client, caplog):
    response = await user_client.post(
        f"/api/terminal/sessions/{owner_term.hello['id']}/shares", json={"mode": "ro"}
    )
    assert response.status_code == 403
    error = (await response.get_json())["error"]
    assert error["code"] == "share_refused"
    assert "sshgate_undecided plugin could not decide" in error["message"]
    assert "plugin sshgate_undecided failed in before_share" in logged(caplog)


def _refusing(session):
    raise SessionRefused("recording is required here and the disk is full")


refusing = types.ModuleType("sshgate_refusing")
refusing.session_observers = hookimpl(trylast=True)(_refusing)  # after the test plugin's


@pytest.mark.parametrize("sshgate_plugins", [[refusing]], indirect=True)
async def test_session_refused_keeps_the_terminal_from_opening(
    app, live_server, user_client, ssh_server, caplog
):
    server_id = await register(app, ssh_server, secret=TEST_PASSWORD)
    term = await Term.open(f"{live_server.ws_url}/api/ws/terminal/{server_id}", user_client.token)
    code, reason = await term.closed()
    assert code == 4403, (code, reason)
    error = next(c for c in term.controls if c.get("type") == "error")
    assert error["code"] == "session_refused"
    assert error["message"] == "recording is required here and the disk is full"
    # Refusing is a decision, not a plugin failure.
    assert not [m for m in logged(caplog) if "failed in session_observers" in m]
    # The test plugin's observer, made before the refusal, was let go.
    made = await observers(user_client)
    assert len(made) == 1 and made[0]["closed"] is True, made


class Ender:
    """Ends its session through TerminalSession.end() when the shell prints the cue."""

    def __init__(self, session) -> None:
        self.session = session

    def data_received(self, data: bytes, direction: str) -> None:
        if direction == "output" and b"end-me-now" in data:
            self.session.end("the test plugin ended this session")


ender = types.ModuleType("sshgate_ender")
ender.session_observers = hookimpl(lambda session: [Ender(session)])


@pytest.mark.parametrize("sshgate_plugins", [[ender]], indirect=True)
async def test_an_observer_can_end_its_session(owner_term):
    await owner_term.send(b"echo end-me-$((0))now | tr -d 0\n")
    await owner_term.closed()
    ended = next(c for c in owner_term.controls if c.get("type") == "exit")
    assert ended["reason"] == "the test plugin ended this session", owner_term.controls
