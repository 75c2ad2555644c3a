"""The gateway's own SSH setup (~/.ssh keys, config, known_hosts, agent) is never used.

HOME points at a directory whose every file would change the outcome if asyncssh read it:
an authorised key would let a wrong password in, the config would demand publickey auth and
send connections elsewhere, known_hosts revokes the real host key; and SSH_AUTH_SOCK points
at a real ssh-agent holding the authorised key.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from ssh_helpers import connection_test

from sshgate.testing.ssh import TEST_USER


@pytest.fixture
def hostile_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ssh_server) -> Path:
    home = tmp_path / "gateway-home"
    ssh_dir = home / ".ssh"
    ssh_dir.mkdir(parents=True)
    key = ssh_server.client_key  # authorised for TEST_USER on ssh_server
    (ssh_dir / "id_ed25519").write_bytes(key.export_private_key("openssh"))
    (ssh_dir / "id_ed25519").chmod(0o600)
    (ssh_dir / "id_ed25519.pub").write_bytes(key.export_public_key("openssh"))
    (ssh_dir / "config").write_text(
        "Host *\n"
        "    HostName 192.0.2.1\n"
        "    Port 1\n"
        f"    User {TEST_USER}\n"
        "    PreferredAuthentications publickey\n"
        "    IdentityFile ~/.ssh/id_ed25519\n"
    )
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    real = ssh_server.host_key_public.export_public_key("openssh").decode()
    (ssh_dir / "known_hosts").write_text(
        f"[{ssh_server.host}]:{ssh_server.port} {other}@revoked * {real}"
    )
    monkeypatch.setenv("HOME", str(home))
    assert Path("~/.ssh/id_ed25519").expanduser().is_file()
    return home


@pytest.fixture
def hostile_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hostile_home: Path
) -> Iterator[str]:
    """A real ssh-agent holding the key that ssh_server authorises, in SSH_AUTH_SOCK."""
    if shutil.which("ssh-agent") is None or shutil.which("ssh-add") is None:
        pytest.skip("ssh-agent not installed (apt-get install -y openssh-client)")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(
        ["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert agent.stdout is not None
        agent.stdout.readline()  # "SSH_AUTH_SOCK=...": printed once it listens
        subprocess.run(
            ["ssh-add", "-q", str(hostile_home / ".ssh" / "id_ed25519")],
            env={"SSH_AUTH_SOCK": str(sock), "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
        )
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield str(sock)
    finally:
        agent.terminate()
        agent.wait(30)
        if agent.stdout is not None:
            agent.stdout.close()


async def test_gateway_home_and_agent_are_never_used(
    hostile_agent, admin_client, ssh_server, make_server
):
    wrong = await make_server("wrong-password", ssh_server, password="not-the-password")
    right = await make_server("right-password", ssh_server)
    unauthorised = asyncssh.generate_private_key("ssh-ed25519")
    wrong_key = await make_server(
        "wrong-key", ssh_server, key=unauthorised.export_private_key("openssh").decode()
    )

    body = await connection_test(admin_client, wrong)
    assert body["stage"] == "auth_failed", body  # ~/.ssh/id_ed25519 would have let it in
    body = await connection_test(admin_client, wrong_key)
    assert body["stage"] == "auth_failed", body  # the agent's key would have let it in
    body = await connection_test(admin_client, right)
    assert body["ok"] is True, body  # despite ~/.ssh/config and ~/.ssh/known_hosts
