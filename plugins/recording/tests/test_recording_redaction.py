"""REC-3: keystrokes are recorded only when asked for, and never while echo is off.

The rule (redact.py): input is written once the remote terminal echoed it back; what it did
not echo (password prompts) is dropped and a "redacted" marker takes its place. Tested with
bash's ``read -s`` on the in-process server and with the real ``su`` prompt on OpenSSH.
"""

from __future__ import annotations

import pytest
from rec_helpers import cast_of, codes, end, open_term, read_after, recording_of

from sshgate.testing.sshd import password_user
from sshgate.testing.terminal import register_server
from sshgate_recording.redact import EchoGate

SECRET = "hunter2-Secret-9"
with_input = pytest.mark.parametrize("recording_options", [{"input": True}], indirect=True)


def gate_log() -> tuple[EchoGate, list[tuple[str, str]]]:
    written: list[tuple[str, str]] = []
    return EchoGate(lambda _t, code, data: written.append((code, data))), written


def test_an_echoed_line_is_recorded_as_typed():
    gate, written = gate_log()
    for key in "ls":
        gate.typed(0, key)
        gate.output(key)
    gate.typed(0, "\r")
    gate.output("\r\nfile\r\n$ ")
    assert written == [("i", "l"), ("i", "s"), ("i", "\r")]


def test_a_line_answered_by_a_newline_instead_of_its_echo_is_redacted():
    gate, written = gate_log()
    gate.output("Password: ")
    gate.typed(0, "s3cret")
    gate.typed(0, "\r")
    gate.output("\r\nsu: Authentication failure\r\n")  # starts with "s" too: not an echo
    assert written == [("m", "redacted"), ("i", "\r")]
    assert gate.redacted == len("s3cret\r")


def test_typed_ahead_of_the_prompt_is_redacted_not_leaked():
    gate, written = gate_log()
    gate.typed(0, "sudo ls\r")
    gate.typed(0, "pw\r")  # typed before any echo came back
    gate.output("sudo ls\r\n[sudo] password for tester: ")
    assert ("i", "pw\r") not in written and ("m", "redacted") in written


def test_keys_that_draw_nothing_are_recorded_and_escapes_do_not_count_as_echo():
    gate, written = gate_log()
    gate.typed(0, "\x1b[A")  # arrow up alone
    gate.typed(0, "x")
    gate.output("\x1b[?2004h\x07")  # colours, modes, a bell: no decision yet
    gate.output("x")
    assert written == [("i", "\x1b[A"), ("i", "x")]


def test_input_still_held_back_when_the_session_ends_is_dropped():
    gate, written = gate_log()
    gate.typed(0, "secret-at-the-end")
    gate.close()
    assert written == [("m", "redacted")]


@with_input
async def test_read_s_input_is_redacted_and_echoed_input_kept(
    live_server, user_client, target, recording_options
):
    term = await open_term(live_server, user_client, target)
    session_id = term.hello["id"]
    await term.run("echo visible-$((1+1))", "visible-2")
    await term.send("read -s -p 'Secret: ' s; echo; echo got-${#s}\n")
    await term.read_until(b"Secret: ")
    await term.send(SECRET + "\r")
    await term.read_until(f"got-{len(SECRET)}".encode())
    await end(term)

    recording = await recording_of(user_client, session_id)
    assert recording["input"] is True
    body = await (await user_client.get(f"/api/recordings/{recording['id']}/cast")).get_data()
    assert SECRET.encode() not in body
    _, events = await cast_of(user_client, recording["id"])
    typed = "".join(codes(events, "i"))
    assert "echo visible-$((1+1))" in typed
    assert "read -s -p 'Secret: ' s" in typed
    assert "redacted" in codes(events, "m")


@with_input
async def test_the_real_su_password_prompt_on_openssh_is_redacted(
    app, live_server, user_client, sshd_password, recording_options
):
    # The session-wide sshd's OS user is shared with the rest of the suite: in full runs its
    # login was refused by the time this test came (cause not found yet). Setting the password
    # again (chpasswd also clears a lock or a forced change) states this test's precondition.
    password_user(sshd_password.password_user, sshd_password.password)
    server_id = await register_server(
        app,
        sshd_password,
        name="openssh",
        username=sshd_password.password_user,
        secret=sshd_password.password,
    )
    term = await open_term(live_server, user_client, server_id)
    session_id = term.hello["id"]
    # Typed ahead of a login shell's first prompt, a line may be redacted (the rule fails
    # closed): wait for a prompt of our own before typing what must be recorded.
    await term.send("PS1='ready''> '\n")
    await term.read_until(b"ready> ")
    await term.run("echo before-su-$((1+1))", "before-su-2")
    await read_after(term, term.output.rindex(b"before-su-2"), b"ready> ")
    await term.send("LC_ALL=C su -c true root; echo su-exit-$?\n")
    await term.read_until(b"assword:")
    await term.send(SECRET + "\r")
    await term.read_until(b"su-exit-1")
    await end(term)

    recording = await recording_of(user_client, session_id)
    body = await (await user_client.get(f"/api/recordings/{recording['id']}/cast")).get_data()
    assert SECRET.encode() not in body
    _, events = await cast_of(user_client, recording["id"])
    typed = "".join(codes(events, "i"))
    assert "echo before-su-$((1+1))" in typed and "su -c true root" in typed
    assert "redacted" in codes(events, "m")
