"""The real OpenSSH ``sshd`` on 127.0.0.1, one private instance per test session.

Needs ``openssh-server`` (``apt-get install -y openssh-server``; the package's own daemon is
not used). Key auth works for the current OS user. Password auth needs a real OS user and so
root: ``OpenSSHServer(password_auth=True)`` creates ``sshgate-test`` (``useradd``) and sets a
fresh password (``chpasswd``) each session.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from sshgate.testing.services import unavailable

SSHD = "/usr/sbin/sshd"  # sshd refuses to run (re-exec) unless started by its absolute path
PASSWORD_USER = "sshgate-test"
CLIENT_KEY_PASSPHRASE = "sshgate-key-passphrase"
_START_TIMEOUT = 60.0  # generous: sshd starts slowly on a loaded CI machine
_STOP_TIMEOUT = 5.0


def sshd_available() -> tuple[bool, str]:
    if not os.access(SSHD, os.X_OK):
        return False, f"{SSHD} not found: apt-get install -y openssh-server"
    if shutil.which("ssh-keygen") is None:
        return False, "ssh-keygen not found: apt-get install -y openssh-client"
    if not os.path.isdir("/run/sshd") and os.geteuid() != 0:
        return False, "sshd needs its privilege separation directory /run/sshd (create as root)"
    return True, ""


def password_user(name: str = PASSWORD_USER, password: str | None = None) -> tuple[str, str]:
    """Create OS user ``name`` if missing, give it a (fresh) password; returns (name, password).
    Needs root."""
    if os.geteuid() != 0:
        raise PermissionError("creating a user for sshd password auth needs root")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True, capture_output=True)
    password = password or secrets.token_urlsafe(18)
    subprocess.run(
        ["chpasswd"], input=f"{name}:{password}\n", text=True, check=True, capture_output=True
    )
    return name, password


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _leftovers(root: int, connection_suffix: bytes) -> list[int]:
    """sshd's connection children and their users' processes: the children setsid()
    themselves, so no process group reaches them, and ``cmd &`` outlives its shell, so parent
    links miss it; every user process inherits SSH_CONNECTION ending in our address+port."""
    children: dict[int, list[int]] = {}
    found: set[int] = set()
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                children.setdefault(int(stat.read().rpartition(b")")[2].split()[1]), []).append(pid)
            with open(f"/proc/{pid}/environ", "rb") as environ:
                if any(
                    var.startswith(b"SSH_CONNECTION=") and var.endswith(connection_suffix)
                    for var in environ.read().split(b"\0")
                ):
                    found.add(pid)
        except (OSError, IndexError, ValueError):
            continue
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return sorted(found)


def _keygen(path: Path, passphrase: str = "") -> None:
    subprocess.run(
        [
            "ssh-keygen",
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            "sshgate-test",
            "-f",
            str(path),
        ],
        check=True,
        capture_output=True,
    )


class OpenSSHServer:
    """``with OpenSSHServer() as sshd:`` a private sshd on 127.0.0.1:<free port>."""

    def __init__(self, *, password_auth: bool = False) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.user = getpass.getuser()  # key auth: the client keys are authorised for anyone
        self.password_auth = password_auth
        self.password_user: str | None = None  # with password_auth: user and password
        self.password: str | None = None
        self.client_key_passphrase = CLIENT_KEY_PASSPHRASE
        self._dir = Path(tempfile.mkdtemp(prefix="sshgate-sshd-"))
        self.host_key_path = self._dir / "host_ed25519"
        self.client_key_path = self._dir / "client_ed25519"
        self.client_key_passphrase_path = self._dir / "client_ed25519_passphrase"
        self.config_path = self._dir / "sshd_config"
        self.host_public_key = ""  # "ssh-ed25519 AAAA... comment"
        self.host_key_fingerprint = ""  # "SHA256:..." as ssh-keygen -l prints it
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._log: list[str] = []
        self._ready = threading.Event()

    def log(self) -> str:
        return "".join(self._log)

    def known_hosts_line(self) -> str:
        return f"[{self.host}]:{self.port} {self.host_public_key}"

    def client_options(self, **overrides: Any) -> dict[str, Any]:
        """asyncssh.connect() options for key auth as ``self.user``; nothing from ~/.ssh."""
        options: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "username": self.user,
            "known_hosts": asyncssh.import_known_hosts(self.known_hosts_line() + "\n"),
            "client_keys": [str(self.client_key_path)],
            "agent_path": None,
            "config": None,
        }
        options.update(overrides)
        return options

    def start(self) -> OpenSSHServer:
        _keygen(self.host_key_path)
        _keygen(self.client_key_path)
        _keygen(self.client_key_passphrase_path, self.client_key_passphrase)
        (self._dir / "authorized_keys").write_text(
            Path(f"{self.client_key_path}.pub").read_text()
            + Path(f"{self.client_key_passphrase_path}.pub").read_text()
        )
        self.host_public_key = Path(f"{self.host_key_path}.pub").read_text().strip()
        listing = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", f"{self.host_key_path}.pub"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.host_key_fingerprint = listing.split()[1]
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        if self.password_auth:
            self.password_user, self.password = password_user()
        # The free port can be taken between our probe and sshd's bind: then try another.
        for _ in range(3):
            self.port = _free_port()
            self._write_config()
            if self._launch():
                return self
            if "Address already in use" not in self.log():
                break
        raise RuntimeError(f"sshd did not start:\n{self.log()}")

    def _write_config(self) -> None:
        lines = [
            f"Port {self.port}",
            f"ListenAddress {self.host}",
            f"HostKey {self.host_key_path}",
            f"PidFile {self._dir / 'sshd.pid'}",
            f"AuthorizedKeysFile {self._dir / 'authorized_keys'}",
            # The temp dir's modes are not what StrictModes wants for a home.
            "StrictModes no",
            "Subsystem sftp internal-sftp",
            "AllowTcpForwarding yes",
            "LogLevel VERBOSE",
            "PubkeyAuthentication yes",
            # Login shells run the account's dotfiles. On developer machines root's often
            # run `pyenv rehash`, which waits 60 s on a lock left by any shell killed while
            # starting (tests close shells early on purpose): cap that wait.
            "SetEnv PYENV_REHASH_TIMEOUT=1",
        ]
        if os.geteuid() == 0:
            lines.append("PermitRootLogin yes")
        if self.password_auth:
            # PAM checks the password against /etc/shadow (tested on Debian 12); with
            # keyboard-interactive off, clients use the plain "password" method.
            lines += ["UsePAM yes", "PasswordAuthentication yes", "KbdInteractiveAuthentication no"]
        else:
            lines += ["UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no"]
        self.config_path.write_text("\n".join(lines) + "\n")
        check = subprocess.run(
            [SSHD, "-t", "-f", str(self.config_path)], capture_output=True, text=True
        )
        if check.returncode != 0:
            raise RuntimeError(f"sshd -t rejected {self.config_path}: {check.stderr}")

    def _launch(self) -> bool:
        """Start sshd; True once it listens and greets with an OpenSSH banner."""
        self._log.clear()
        self._ready.clear()
        self._proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(
            target=self._read_log, args=(self._proc,), name="sshd-log", daemon=True
        )
        self._reader.start()
        # The reader sets _ready on "Server listening" or when sshd's output ends (it died).
        if not self._ready.wait(_START_TIMEOUT) or self._proc.poll() is not None:
            self._terminate()
            return False
        with socket.create_connection((self.host, self.port), timeout=_START_TIMEOUT) as sock:
            banner = sock.recv(256)
        if not banner.startswith(b"SSH-2.0-OpenSSH"):
            raise RuntimeError(f"unexpected banner from sshd: {banner!r}")
        return True

    def _read_log(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self._log.append(line)
            if line.startswith("Server listening on"):
                self._ready.set()
        self._ready.set()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        # Connection children outlive a terminated listener, so collect them first.
        children = _leftovers(proc.pid, f" {self.host} {self.port}".encode())
        proc.terminate()
        try:
            proc.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._reader is not None:
            self._reader.join(_STOP_TIMEOUT)  # ends when the last holder of its pipe is gone
        if proc.stdout is not None:
            proc.stdout.close()

    def stop(self) -> None:
        self._terminate()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> OpenSSHServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _serve(password_auth: bool) -> Iterator[OpenSSHServer]:
    available, reason = sshd_available()
    if not available:
        unavailable(reason)
    if password_auth and os.geteuid() != 0:
        unavailable("sshd password auth needs root (useradd/chpasswd for a real OS user)")
    server = OpenSSHServer(password_auth=password_auth)
    try:
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        server.stop()
        unavailable(f"sshd did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sshd() -> Iterator[OpenSSHServer]:
    """A private sshd for the session: key auth (``client_key_path``, or the encrypted
    ``client_key_passphrase_path``) as ``sshd.user``; ``sshd.client_options()`` to connect."""
    yield from _serve(password_auth=False)


@pytest.fixture(scope="session")
def sshd_password() -> Iterator[OpenSSHServer]:
    """Another sshd with PAM password auth for ``password_user``/``password`` (needs root)."""
    yield from _serve(password_auth=True)


__all__ = [
    "CLIENT_KEY_PASSPHRASE",
    "PASSWORD_USER",
    "SSHD",
    "OpenSSHServer",
    "password_user",
    "sshd",
    "sshd_available",
    "sshd_password",
]
