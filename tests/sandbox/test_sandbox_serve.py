"""``sshgate serve --sandbox`` as a real process (DEP-4): the built-in target is registered,
pinned and visible to a user in no group; its terminal runs a real shell as the unprivileged
account over the WebSocket API, and its files list through the SFTP plugin."""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import plain_user, sandbox_row, start_with_sandbox

from sshgate.testing.browser import ADMIN_PASSWORD, SshgateProcess, stop_sshgate
from sshgate.testing.terminal import TerminalClient


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshgateProcess]:
    server = start_with_sandbox(tmp_path_factory.mktemp("sandbox-gate"))
    try:
        yield server
    finally:
        stop_sshgate(server)


def ws_url(server: SshgateProcess, path: str) -> str:
    return server.url.replace("http://", "ws://", 1) + path


def test_sandbox_is_registered_pinned_and_visible_to_every_user(gate: SshgateProcess) -> None:
    token = plain_user(gate)
    # A user in no group: the sandbox's group is granted while it runs, never stored.
    assert gate.call("GET", "api/auth/me", token=token)["user"]["allowed_groups"] == []
    row = sandbox_row(gate, token)
    assert row["host"] == "127.0.0.1" and row["group"] == "sandbox"
    assert row["host_key"]["fingerprint"].startswith("SHA256:")
    assert row["host_key"]["pending_fingerprint"] is None
    log = gate.log()
    assert f"SSH target on 127.0.0.1:{row['port']}" in log


async def test_terminal_runs_a_command_as_the_sandbox_account(gate: SshgateProcess) -> None:
    token = plain_user(gate)
    row = sandbox_row(gate, token)
    term = await TerminalClient.open(ws_url(gate, f"api/ws/terminal/{row['id']}"), token)
    try:
        assert term.hello.get("type") == "session", term.controls
        # No host-key question: the key was pinned when the sandbox registered.
        output = await term.run(
            'echo "answer=$((6*7)) who=$(id -un) keys=$(env | grep -c SSHGATE_)"',
            "answer=42",
        )
        line = output.decode(errors="replace").rsplit("answer=42", 1)[1].splitlines()[0]
        expected = "sshgate-sandbox" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        assert f"who={expected}" in line
        # The shell's environment is built from nothing: sshgate's secret key is not in it.
        assert "keys=0" in line
        await term.run("cd ~ && pwd && echo done-$((1+1))", "done-2")
    finally:
        await term.close()


def test_sftp_lists_the_scratch_home(gate: SshgateProcess) -> None:
    token = plain_user(gate)
    row = sandbox_row(gate, token)
    assert row["sftp_enabled"], "OpenSSH's sftp-server is installed on these machines"
    roots = gate.call("GET", f"api/files/{row['id']}/roots", token=token)
    listing = gate.call("GET", f"api/files/{row['id']}/ls", token=token)
    assert listing["path"] == roots["home"]
    assert Path(roots["home"]).name == "home" and "sshgate-sandbox-" in roots["home"]
    names = [entry["name"] for entry in listing["entries"]]
    assert "README.txt" in names


def test_a_restart_keeps_the_key_and_updates_the_same_row(tmp_path: Path) -> None:
    """The key is kept in the data dir and the row is the sandbox's own: a restart on the
    same database updates it (new port, new password) under the same pin."""
    rows = []
    for run in ("first", "second"):
        server = start_with_sandbox(tmp_path)
        if run == "second":
            server.admin_password = ADMIN_PASSWORD  # changed during the first run
        try:
            rows.append(sandbox_row(server, server.admin_token()))
        finally:
            stop_sshgate(server)
    assert rows[0]["id"] == rows[1]["id"]
    assert rows[0]["host_key"]["fingerprint"] == rows[1]["host_key"]["fingerprint"]
    assert oct((tmp_path / "sandbox_host_ed25519_key").stat().st_mode & 0o777) == "0o600"
