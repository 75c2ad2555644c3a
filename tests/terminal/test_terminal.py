"""Terminal sessions over a real WebSocket: bytes, input, resize, reattach, limits."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re

import pytest
import websockets
from sqlalchemy import update
from term_helpers import Term, eventually, join, register, share

from sshgate.auth.guard import auth_state
from sshgate.auth.models import LoginSession
from sshgate.auth.sweep import sweep_once
from sshgate.db.types import utcnow
from sshgate.testing.ssh import TEST_PASSWORD


@pytest.fixture
def sshgate_settings_overrides(request):
    return getattr(request, "param", {})


@pytest.fixture
async def target(app, ssh_server):
    return await register(app, ssh_server, secret=TEST_PASSWORD)


@pytest.fixture(params=["asyncssh", "openssh"])
async def any_target(request, app, ssh_server, sshd):
    """The in-process server, then the real OpenSSH sshd."""
    if request.param == "asyncssh":
        return await register(app, ssh_server, secret=TEST_PASSWORD)
    return await register(
        app,
        sshd,
        name="openssh",
        auth_method="key",
        secret=sshd.client_key_path.read_text(),
        username=sshd.user,
    )


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def open_term(live_server, client, server_id, **query) -> Term:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    url = f"{live_server.ws_url}/api/ws/terminal/{server_id}" + (f"?{params}" if params else "")
    return await Term.open(url, client.token)


async def test_shell_opens_and_runs_a_command(live_server, user_client, target):
    term = await open_term(live_server, user_client, target, cols=100, rows=30)
    assert term.hello["type"] == "session" and term.hello["server"] == "target"
    output = await term.run("echo hello-$((6*7))", "hello-42")
    assert b"hello-42" in output
    await term.close()


async def test_resize_reaches_the_pty(live_server, user_client, target):
    term = await open_term(live_server, user_client, target, cols=100, rows=30)
    await term.run("stty size | sed 's/^/size:/'", "size:30 100")
    await term.control(type="resize", cols=132, rows=43)
    await term.run("stty size | sed 's/^/size:/'", "size:43 132")
    await term.close()


async def test_large_output_arrives_byte_exact(live_server, user_client, any_target):
    size = 75_000_000  # 100 MB of base64 on the wire
    term = await open_term(live_server, user_client, any_target)
    await term.run("stty -echo; echo quiet-$((1+1))", "quiet-2")
    await term.send(f"echo BEGIN; head -c {size} /dev/zero | base64; echo END-$((1+1))\n")
    output = await term.read_until(b"END-2", within=120)
    body = output[output.index(b"BEGIN\r\n") + 7 : output.index(b"END-2")]
    expected = base64.encodebytes(b"\0" * size).replace(b"\n", b"\r\n")
    assert len(body) == len(expected)
    assert hashlib.sha256(body).digest() == hashlib.sha256(expected).digest()
    await term.close()


async def test_a_large_paste_arrives_intact_and_in_order(live_server, user_client, target):
    paste = bytes(range(32, 127)) * (5_000_000 // 95)
    term = await open_term(live_server, user_client, target)
    # Only paste once the tty is raw: in canonical mode it would cut lines at 4095 bytes.
    await term.run(
        f"stty raw -echo; echo raw-$((1+1)); head -c {len(paste)} | sha256sum | sed 's/^/sum:/'",
        "raw-2",
    )
    for start in range(0, len(paste), 65536):
        await term.send(paste[start : start + 65536])
    output = await term.read_until(b"  -", within=60)
    digest = re.search(rb"sum:([0-9a-f]{64})", output).group(1).decode()
    assert digest == hashlib.sha256(paste).hexdigest()
    await term.close()


async def test_reattach_returns_scrollback_and_the_same_shell(live_server, user_client, target):
    term = await open_term(live_server, user_client, target)
    output = await term.run("echo pid:$$:e''nd", ":end\r\n")
    pid = re.search(rb"pid:(\d+):end", output).group(1)
    session_id = term.hello["id"]
    await term.ws.close()  # the page reloads, or the network drops
    again = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/attach/{session_id}", user_client.token
    )
    assert again.hello["id"] == session_id
    scrollback = await again.read_until(b"pid:" + pid)
    assert b"pid:" + pid in scrollback
    await again.run("echo pid:$$:ag''ain", ":again\r\n")
    assert re.search(rb"pid:(\d+):again", bytes(again.output)).group(1) == pid
    await again.close()


async def test_only_the_owner_can_reattach(live_server, user_client, make_client, target):
    term = await open_term(live_server, user_client, target)
    other = await make_client("mallory", groups=["dev"])
    stranger = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/attach/{term.hello['id']}", other.token
    )
    assert stranger.controls[0]["code"] == "not_found"
    assert (await stranger.closed())[0] == 4404
    await term.close()


@pytest.mark.parametrize(
    "sshgate_settings_overrides", [{"terminal_grace_period": 0.5}], indirect=True
)
async def test_grace_period_ends_a_detached_session(app, live_server, user_client, target):
    term = await open_term(live_server, user_client, target)
    session_id = term.hello["id"]
    await term.ws.close()
    manager = app.extensions["sshgate.terminal"]
    await eventually(lambda: manager.get(session_id) is None, "the grace period ends the shell")
    late = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/attach/{session_id}", user_client.token
    )
    assert late.controls[0]["code"] == "not_found"


@pytest.mark.parametrize("sshgate_settings_overrides", [{"session_timeout": 1}], indirect=True)
async def test_idle_session_is_closed_with_a_reason(live_server, user_client, target):
    term = await open_term(live_server, user_client, target)
    code, reason = await term.closed()
    assert code == 4408 and "idle" in reason
    assert b"session closed: idle" in term.output
    assert any(c.get("type") == "exit" for c in term.controls)


@pytest.mark.parametrize(
    "sshgate_settings_overrides", [{"max_sessions_per_user": 2}], indirect=True
)
async def test_session_cap(live_server, user_client, target):
    first = await open_term(live_server, user_client, target)
    second = await open_term(live_server, user_client, target)
    third = await open_term(live_server, user_client, target)
    assert third.controls[0]["code"] == "session_limit"
    assert (await third.closed())[0] == 4429
    await first.close()
    await second.close()


async def test_revoked_login_closes_its_terminals(
    app, live_server, admin_client, user_client, target
):
    term = await open_term(live_server, user_client, target)
    await term.run("echo ready-$((1+2))", "ready-3")
    await admin_client.delete(f"/api/admin/users/{user_client.user_id}/sessions")
    code, _ = await term.closed()
    assert code == 4401
    manager = app.extensions["sshgate.terminal"]
    assert manager.get(term.hello["id"]) is None


async def test_a_terminal_closes_when_another_worker_revokes_its_login(
    app, live_server, user_client, target
):
    gate = app.extensions["sshgate"]
    term = await open_term(live_server, user_client, target)
    await term.run("echo up-$((2+3))", "up-5")
    async with gate.db.session() as session:
        await session.execute(update(LoginSession).values(revoked_at=utcnow()))
    await sweep_once(gate.db, gate.settings, auth_state(app).live)
    code, _ = await term.closed()
    assert code == 4401


async def test_ping_json_input_and_close_for_everyone(
    live_server, user_client, make_client, owner_term
):
    """The control messages of docs/protocol.md that the browser relies on."""
    await owner_term.control(type="ping", t=12.5)
    assert await owner_term.next_control("pong") == {"type": "pong", "t": 12.5}
    await owner_term.control(type="input", data="echo json-$((8*8))\r")
    await owner_term.read_until(b"json-64")
    link = await share(user_client, owner_term.hello["id"], "ro")
    viewer = await join(live_server, await make_client("fay", groups=["dev"]), link["token"])
    await viewer.control(type="close")  # a viewer's close only detaches it
    await owner_term.run("echo still-$((1+1))", "still-2")
    await owner_term.control(type="close")  # the owner's ends the shell for everyone
    assert (await owner_term.closed())[0] == 1000
    assert (await viewer.closed())[0] == 1000


async def test_disabling_an_account_ends_its_detached_shells(
    app, live_server, admin_client, user_client, target
):
    term = await open_term(live_server, user_client, target)
    await term.run("echo kept-$((4+5))", "kept-9")
    await term.close()  # detached: the shell waits for a reattach (grace period)
    manager = app.extensions["sshgate.terminal"]
    assert manager.get(term.hello["id"]) is not None
    disabled = await admin_client.patch(
        f"/api/admin/users/{user_client.user_id}", json={"disabled": True}
    )
    assert disabled.status_code == 200
    await eventually(
        lambda: manager.get(term.hello["id"]) is None, "disabling the owner ends the shell"
    )


async def test_refusals_have_documented_close_codes(
    live_server, user_client, admin_client, app, ssh_server
):
    hidden = await register(app, ssh_server, name="prod-box", group="prod", secret=TEST_PASSWORD)
    term = await open_term(live_server, user_client, hidden)
    assert (await term.closed())[0] == 4404
    wrong = await register(app, ssh_server, name="wrong-pass", secret="not-the-password")
    term = await open_term(live_server, user_client, wrong)
    assert term.controls[0]["code"] == "ssh_failed"
    assert term.controls[0]["diagnosis"]["stage"] == "auth_failed"
    assert (await term.closed())[0] == 4502
    disabled = await register(
        app, ssh_server, name="no-ssh", secret=TEST_PASSWORD, ssh_enabled=False
    )
    term = await open_term(live_server, user_client, disabled)
    assert term.controls[0]["code"] == "ssh_disabled"
    assert (await term.closed())[0] == 4403


async def test_sessions_are_listed_and_closed_over_rest(live_server, user_client, target):
    term = await open_term(live_server, user_client, target)
    listed = await (await user_client.get("/api/terminal/sessions")).get_json()
    assert [s["id"] for s in listed["sessions"]] == [term.hello["id"]]
    closed = await user_client.delete(f"/api/terminal/sessions/{term.hello['id']}")
    assert closed.status_code == 200
    assert (await term.closed())[0] == 1000


async def test_terminal_against_real_openssh(app, live_server, user_client, sshd):
    key = sshd.client_key_path.read_text()
    server_id = await register(
        app, sshd, name="openssh", auth_method="key", secret=key, username=sshd.user
    )
    term = await open_term(live_server, user_client, server_id, cols=90, rows=20)
    await term.run("stty size | sed 's/^/size:/'", "size:20 90")
    await term.run("echo pid:$$:x''y", ":xy\r\n")
    await term.control(type="resize", cols=101, rows=33)
    await term.run("stty size | sed 's/^/size:/'", "size:33 101")
    await term.close()


async def test_a_client_that_stops_reading_pauses_the_remote(
    app, live_server, user_client, any_target
):
    term = await open_term(live_server, user_client, any_target)
    await term.run("echo go-$((2+2))", "go-4")
    # Random data: zeros would shrink a thousandfold under WebSocket compression.
    await term.send("base64 /dev/urandom\n")  # prints without end
    session = app.extensions["sshgate.terminal"].get(term.hello["id"])
    await eventually(lambda: session.bytes_out > 1024 * 1024, "the remote prints 1 MB", 60)
    # From here on the client reads nothing: its socket fills, then the gateway's queue,
    # then the SSH window, and the remote stops (for a whole second, say).
    last = {"bytes": -1, "since": 0.0}

    def held_back() -> bool:
        now = asyncio.get_running_loop().time()
        if session.bytes_out != last["bytes"]:
            last.update(bytes=session.bytes_out, since=now)
        return now - last["since"] >= 1

    await eventually(held_back, "the remote is held back", 60)
    before_rss, before_bytes = rss(), session.bytes_out
    await asyncio.sleep(27)
    growth, printed = rss() - before_rss, session.bytes_out - before_bytes
    assert growth < 50 * 1024 * 1024, growth
    # The remote was held back by the SSH window: it printed next to nothing meanwhile.
    assert printed < 2 * 1024 * 1024, printed
    await term.send(b"\x03")
    await term.close()


async def test_quick_connect_confirms_the_host_key_before_sending_credentials(
    live_server, admin_client, ssh_server
):
    first = {
        "type": "connect",
        "host": ssh_server.host,
        "port": ssh_server.port,
        "username": "tester",
        "password": TEST_PASSWORD,
    }
    term = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/quick", admin_client.token, hello=False
    )
    await term.control(**first)
    offered = json.loads(await term.ws.recv())
    assert offered == {
        "type": "host_key",
        "key_type": "ssh-ed25519",
        "fingerprint": ssh_server.fingerprint,
        "changed": False,
    }
    await term.control(type="accept_host_key", fingerprint=offered["fingerprint"])
    hello = json.loads(await term.ws.recv())
    assert hello["type"] == "session"
    await term.run("echo quick-$((3*3))", "quick-9")
    await term.close()


async def test_quick_connect_needs_the_permission(
    live_server, user_client, make_client, ssh_server
):
    first = {
        "type": "connect",
        "host": ssh_server.host,
        "port": ssh_server.port,
        "username": "tester",
        "password": TEST_PASSWORD,
        "host_key_fingerprint": ssh_server.fingerprint,
    }
    with pytest.raises(websockets.InvalidStatus) as refused:
        await Term.open(
            f"{live_server.ws_url}/api/ws/terminal/quick", user_client.token, hello=False
        )
    assert refused.value.response.status_code == 403
    granted = await make_client("ops", permissions=["quick_connect"])
    term = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/quick", granted.token, hello=False
    )
    await term.control(**first)
    assert json.loads(await term.ws.recv())["type"] == "session"
    await term.close()


async def test_quick_connect_refuses_a_key_other_than_the_confirmed_one(
    live_server, admin_client, ssh_server
):
    term = await Term.open(
        f"{live_server.ws_url}/api/ws/terminal/quick", admin_client.token, hello=False
    )
    await term.control(
        type="connect",
        host=ssh_server.host,
        port=ssh_server.port,
        username="tester",
        password=TEST_PASSWORD,
        host_key_fingerprint="SHA256:" + "A" * 43,
    )
    offered = json.loads(await term.ws.recv())
    assert offered["changed"] is True
    assert (await term.closed())[0] == 4502


async def test_terminal_encoding_converts_both_ways(app, live_server, user_client, ssh_server):
    server_id = await register(app, ssh_server, name="legacy", secret=TEST_PASSWORD, encoding="gbk")
    term = await open_term(live_server, user_client, server_id)
    assert term.hello["encoding"] == "gbk"
    # head reads the tty directly (no readline, which would take bytes >= 0x80 as Meta keys).
    await term.send("head -c 4 | od -An -tx1 | tr -d ' \\n'; echo ':hex'\n")
    await term.read_until(b"':hex'\r\n")  # the command line was accepted
    await term.send("中文\n")
    output = await term.read_until(b":hex\r\n")
    # Typed as UTF-8 in the browser, the shell received GBK bytes.
    assert "中文".encode("gbk").hex().encode() in output
    await term.send("printf '\\xd6\\xd0\\xce\\xc4:gbk-out\\n'\n")
    output = await term.read_until("中文:gbk-out".encode("gbk"))
    assert "中文".encode("gbk") in output  # output bytes pass unchanged; the page decodes GBK
    await term.close()
