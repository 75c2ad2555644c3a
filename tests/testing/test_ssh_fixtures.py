"""The SSH test fixtures against a plain asyncssh client: real auth, PTY, SFTP, jumps, sshd.

Every client passes known_hosts, client_keys, agent_path and config explicitly (through the
servers' ``client_options()``), so nothing here reads the running user's ~/.ssh or agent.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncssh
import pytest

from sshgate.testing.ssh import (
    PROMPT,
    TEST_PASSWORD,
    TEST_USER,
    SSHTestServer,
    UserSpec,
    ssh_server,
    ssh_server_factory,
)
from sshgate.testing.sshd import OpenSSHServer, sshd, sshd_password

__all__ = ["ssh_server", "ssh_server_factory", "sshd", "sshd_password"]  # fixtures, by import

# The bound of every wait for the shell: generous, because a loaded CI machine can stall a
# shell for seconds (each wait returns as soon as its output arrives).
TIMEOUT = 60
ServerFactory = Callable[..., Awaitable[SSHTestServer]]
# bcrypt warns about OpenSSH's own default of 16 KDF rounds (ssh-keygen -a), and about ours.
few_kdf_rounds = pytest.mark.filterwarnings("ignore:Warning. bcrypt.kdf.. called with only")


async def shell(
    conn: asyncssh.SSHClientConnection, size: tuple[int, int] = (100, 30)
) -> asyncssh.SSHClientProcess[bytes]:
    proc = await conn.create_process(term_type="xterm-256color", term_size=size, encoding=None)
    greeting = await asyncio.wait_for(proc.stdout.readuntil(PROMPT.encode()), TIMEOUT)
    assert b"job control" not in greeting  # bash found a controlling terminal
    return proc


async def ask(proc: asyncssh.SSHClientProcess[bytes], command: str, pattern: str) -> str:
    """Type ``command`` into the shell; return the first group of ``pattern`` in its output."""
    proc.stdin.write(command.encode() + b"\n")
    output = b""
    # Prompts can come early too: readline redraws its prompt on SIGWINCH after a resize.
    try:
        async with asyncio.timeout(TIMEOUT):  # one deadline for the answer, however it comes
            while not (found := re.search(pattern.encode(), output)):
                output += await proc.stdout.readuntil(PROMPT.encode())
    except TimeoutError:
        said = output.decode(errors="replace")
        raise AssertionError(f"no {pattern!r} after {command!r}; the shell said {said!r}") from None
    return found.group(1).decode()


def fingerprint(conn: asyncssh.SSHClientConnection) -> str:
    key = conn.get_server_host_key()
    assert key is not None
    return key.get_fingerprint()


async def process_gone(pid: int) -> None:
    """Wait until process ``pid`` has exited: a pidfd becomes readable at that moment."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    exited = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(fd, exited.set)
    try:
        await asyncio.wait_for(exited.wait(), TIMEOUT)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


async def test_password_auth(ssh_server: SSHTestServer) -> None:
    async with await ssh_server.connect(password=TEST_PASSWORD) as conn:
        assert (await conn.run("echo $USER", check=True)).stdout == "tester\n"
        assert fingerprint(conn) == ssh_server.fingerprint
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_server.connect(password="wrong-password")
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_server.connect(username="nobody", password=TEST_PASSWORD)


async def test_key_auth(ssh_server: SSHTestServer) -> None:
    assert ssh_server.client_key is not None
    async with await ssh_server.connect(client_keys=[ssh_server.client_key]) as conn:
        assert (await conn.run("true")).exit_status == 0
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        await ssh_server.connect(client_keys=[stranger])


@few_kdf_rounds
async def test_passphrase_protected_key(ssh_server: SSHTestServer, tmp_path: Path) -> None:
    key_file = tmp_path / "id_ed25519"
    key = ssh_server.authorized_client_key(TEST_USER)
    # Few bcrypt KDF rounds: the default 128 costs a second per import.
    key_file.write_bytes(key.export_private_key("openssh", passphrase="s3cret", rounds=4))
    async with await ssh_server.connect(client_keys=[str(key_file)], passphrase="s3cret") as conn:
        assert (await conn.run("true")).exit_status == 0
    with pytest.raises(asyncssh.KeyEncryptionError):
        asyncssh.read_private_key(str(key_file), passphrase="wrong")


async def test_pty_size_resize_and_stable_shell(ssh_server: SSHTestServer) -> None:
    async with await ssh_server.connect(password=TEST_PASSWORD) as conn:
        proc = await shell(conn, size=(100, 30))
        assert await ask(proc, 'echo "<<$(stty size)>>"', r"<<(\d+ \d+)>>") == "30 100"
        assert await ask(proc, 'echo "<<$TERM>>"', r"<<([\w-]+)>>") == "xterm-256color"
        pid = await ask(proc, 'echo "pid=$$"', r"pid=(\d+)")
        proc.change_terminal_size(120, 40)
        assert await ask(proc, 'echo "<<$(stty size)>>"', r"<<(\d+ \d+)>>") == "40 120"
        assert await ask(proc, 'echo "pid=$$"', r"pid=(\d+)") == pid
        # ^C reaches the foreground job as SIGINT only through a controlling terminal.
        proc.stdin.write(b"sh -c 'echo st\"\"arted; exec sleep 100'\n")
        await asyncio.wait_for(proc.stdout.readuntil(b"started"), TIMEOUT)
        proc.stdin.write(b"\x03")
        assert await ask(proc, 'echo "status=$?"', r"status=(\d+)") == "130"
        proc.stdin.write(b"exit 7\n")
        assert (await asyncio.wait_for(proc.wait(), TIMEOUT)).exit_status == 7


async def test_pty_flood_arrives_complete(ssh_server: SSHTestServer) -> None:
    async with await ssh_server.connect(password=TEST_PASSWORD) as conn:
        result = await asyncio.wait_for(
            conn.run(
                "head -c 15000000 /dev/zero | base64",
                term_type="xterm",
                term_size=(80, 24),
                encoding=None,
            ),
            TIMEOUT,
        )
    lines = -(-20_000_000 // 76)  # base64 wraps at 76 columns; the tty turns \n into \r\n
    assert isinstance(result.stdout, bytes)
    assert len(result.stdout) == 20_000_000 + 2 * lines
    assert result.exit_status == 0


async def test_slow_consumer_blocks_the_producer(ssh_server: SSHTestServer) -> None:
    assert ssh_server.sftp_root is not None
    done = ssh_server.sftp_root / "flood-done"
    async with await ssh_server.connect(password=TEST_PASSWORD) as conn:
        proc = await conn.create_process(
            "head -c 8000000 /dev/zero | base64; touch flood-done", term_type="xterm", encoding=None
        )
        proc.channel.pause_reading()
        # Only the absence of progress can show backpressure; a short wait is the bound.
        await asyncio.sleep(0.5)
        assert not done.exists(), "the server buffered the flood instead of pausing the pty"
        proc.channel.resume_reading()
        total = 0
        while chunk := await asyncio.wait_for(proc.stdout.read(1 << 20), TIMEOUT):
            total += len(chunk)
        assert total > 10_000_000 and done.exists()


async def test_exec_without_pty(ssh_server: SSHTestServer) -> None:
    async with await ssh_server.connect(password=TEST_PASSWORD) as conn:
        result = await conn.run("echo out; echo err >&2; tty; exit 3", encoding=None)
    assert result.stdout == b"out\nnot a tty\n"
    assert result.stderr == b"err\n"
    assert result.exit_status == 3


async def test_sftp_is_rooted(ssh_server: SSHTestServer, tmp_path: Path) -> None:
    local = tmp_path / "local.bin"
    local.write_bytes(os.urandom(300_000))
    async with (
        await ssh_server.connect(password=TEST_PASSWORD) as conn,
        conn.start_sftp_client() as sftp,
    ):
        assert await sftp.realpath("/..") == "/"
        await sftp.put(str(local), "/up.bin")
        await sftp.get("/up.bin", str(tmp_path / "down.bin"))
    assert ssh_server.sftp_root is not None
    assert (ssh_server.sftp_root / "up.bin").read_bytes() == local.read_bytes()
    assert (tmp_path / "down.bin").read_bytes() == local.read_bytes()


async def test_jump_host(ssh_server: SSHTestServer, ssh_server_factory: ServerFactory) -> None:
    target = await ssh_server_factory()
    async with await ssh_server.connect(password=TEST_PASSWORD) as jump:
        async with await asyncssh.connect(
            **target.client_options(tunnel=jump, password=TEST_PASSWORD)
        ) as conn:
            assert (await conn.run("echo via-jump")).stdout == "via-jump\n"
            assert fingerprint(conn) == target.fingerprint
        hop = await jump.connect_ssh(**target.client_options(password=TEST_PASSWORD))
        async with hop:
            assert (await hop.run("true")).exit_status == 0


async def test_changed_host_key_is_refused(ssh_server: SSHTestServer) -> None:
    trusted = ssh_server.known_hosts()
    old = ssh_server.fingerprint
    ssh_server.replace_host_key()
    assert ssh_server.fingerprint != old
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        await ssh_server.connect(password=TEST_PASSWORD, known_hosts=trusted)
    async with await ssh_server.connect(password=TEST_PASSWORD) as conn:
        assert fingerprint(conn) == ssh_server.fingerprint


async def test_scripted_handler(ssh_server_factory: ServerFactory) -> None:
    async def handler(process: asyncssh.SSHServerProcess[str]) -> None:
        process.stdout.write(f"scripted {process.command}\n")
        process.exit(42)

    server = await ssh_server_factory(process_factory=handler, encoding="utf-8")
    async with await server.connect(password=TEST_PASSWORD) as conn:
        result = await conn.run("hello")
    assert (result.stdout, result.exit_status) == ("scripted hello\n", 42)


async def test_disconnect_and_stop_kill_sessions() -> None:
    server = SSHTestServer({TEST_USER: UserSpec(password=TEST_PASSWORD)})
    await server.start()
    conns, pids = [], []
    try:
        for _ in range(2):
            conns.append(await server.connect(password=TEST_PASSWORD))
            proc = await conns[-1].create_process(
                'echo "pid=$$"; exec sleep 1000', term_type="xterm"
            )
            line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
            pids.append(int(line.strip().removeprefix("pid=")))
        conns[1].close()  # the second client vanishes; the first one stays until stop()
        await process_gone(pids[1])
    finally:
        await server.stop()
        for conn in conns:
            conn.close()
    await process_gone(pids[0])
    with pytest.raises(OSError):
        await asyncio.open_connection(server.host, server.port)


@few_kdf_rounds
async def test_openssh_key_auth_exec_and_sftp(sshd: OpenSSHServer, tmp_path: Path) -> None:
    local = tmp_path / "local.bin"
    local.write_bytes(os.urandom(200_000))
    async with await asyncssh.connect(**sshd.client_options()) as conn:
        assert fingerprint(conn) == sshd.host_key_fingerprint
        result = await conn.run("id -un; exit 5")
        assert (result.stdout, result.exit_status) == (f"{sshd.user}\n", 5)
        pty = await conn.run("stty size", term_type="xterm", term_size=(100, 30))
        assert pty.stdout == "30 100\r\n"
        async with conn.start_sftp_client() as sftp:
            await sftp.put(str(local), str(tmp_path / "remote.bin"))
            await sftp.get(str(tmp_path / "remote.bin"), str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == local.read_bytes()
    encrypted = sshd.client_options(
        client_keys=[str(sshd.client_key_passphrase_path)], passphrase=sshd.client_key_passphrase
    )
    async with await asyncssh.connect(**encrypted) as conn:
        assert (await conn.run("true")).exit_status == 0
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(
            **sshd.client_options(client_keys=[asyncssh.generate_private_key("ssh-ed25519")])
        )


async def test_openssh_password_auth(sshd_password: OpenSSHServer) -> None:
    server = sshd_password
    options = server.client_options(username=server.password_user, client_keys=None)
    async with await asyncssh.connect(**options, password=server.password) as conn:
        assert (await conn.run("id -un")).stdout == f"{server.password_user}\n"
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(**options, password="not-the-password")
    assert f"Accepted password for {server.password_user}" in server.log()
