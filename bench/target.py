"""The one OpenSSH sshd on loopback that every system logs in to, and the files it serves.

As root (the normal case for a benchmark box) everyone logs in as the unprivileged OS user
``sshgate-bench`` with the benchmark client key, so that every system gets the same clean
shell (bash from /etc/skel). Without root the current user is used.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from sshgate.testing.sshd import OpenSSHServer, password_user

# Not the test suite's password user (sshgate.testing.sshd): the smoke bench runs inside the
# suite, and giving that user a fresh password would lock out its session-wide sshd fixture.
BENCH_USER = "sshgate-bench"


@dataclass
class Target:
    sshd: OpenSSHServer
    user: str
    password: str | None
    workdir: Path  # readable and writable by ``user``: workload files, upload destination

    @property
    def host(self) -> str:
        return self.sshd.host

    @property
    def port(self) -> int:
        return self.sshd.port

    @property
    def private_key(self) -> str:
        return self.sshd.client_key_path.read_text()

    def asyncssh_options(self) -> dict[str, Any]:
        return self.sshd.client_options(username=self.user)

    def known_hosts_file(self) -> Path:
        path = self.workdir.parent / "known_hosts"
        if not path.exists():
            path.write_text(self.sshd.known_hosts_line() + "\n")
        return path

    def ssh_argv(self, program: str = "ssh", *extra: str) -> list[str]:
        """OpenSSH client options: our key and known_hosts only, nothing from ~/.ssh."""
        port_flag = "-P" if program in ("sftp", "scp") else "-p"
        return [
            program,
            "-F",
            "/dev/null",
            port_flag,
            str(self.port),
            "-i",
            str(self.sshd.client_key_path),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
            "-o",
            f"UserKnownHostsFile={self.known_hosts_file()}",
            "-o",
            "StrictHostKeyChecking=yes",
            *extra,
        ]

    def destination(self) -> str:
        return f"{self.user}@{self.host}"

    def chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)


class BenchSSHD(OpenSSHServer):
    """The test suite's sshd, plus what hundreds of sessions need: sshd drops unauthenticated
    connections beyond ``MaxStartups`` (default 10:30:100), which a burst of 50 opens hits
    for every system alike."""

    def _write_config(self) -> None:
        super()._write_config()
        with self.config_path.open("a") as config:
            config.write("MaxStartups 2000\nMaxSessions 100\n")


@contextlib.contextmanager
def serve_target() -> Iterator[Target]:
    password: str | None = None
    if os.geteuid() == 0:
        user, password = password_user(BENCH_USER)
    else:
        user = pwd.getpwuid(os.getuid()).pw_name
    sshd = BenchSSHD()
    root = Path(tempfile.mkdtemp(prefix="sshgate-bench-"))
    try:
        sshd.start()
        # sshd reads authorized_keys as the logged-in user: let it into sshd's private dir
        # (traverse only; the private keys in it stay 0600 root's).
        os.chmod(sshd.config_path.parent, 0o711)  # noqa: S103 (see above)
        (sshd.config_path.parent / "authorized_keys").chmod(0o644)
        os.chmod(root, 0o755)  # noqa: S103 (the benchmark user reads the workload files)
        workdir = root / "files"
        workdir.mkdir(mode=0o755)
        target = Target(sshd, user, password, workdir)
        target.chown(workdir)
        yield target
    finally:
        sshd.stop()
        shutil.rmtree(root, ignore_errors=True)


def make_text_file(path: Path, size: int) -> Path:
    """``size`` bytes of real text: the standard library's Python sources, repeated."""
    sources = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    written = 0
    with path.open("wb") as out:
        while written < size:
            for source in sources:
                data = source.read_bytes()[: size - written]
                out.write(data)
                written += len(data)
                if written >= size:
                    break
    path.chmod(0o644)
    return path


def make_random_file(path: Path, size: int) -> Path:
    with path.open("wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 1 << 22))
            out.write(block)
            left -= len(block)
    path.chmod(0o644)
    return path


async def check_login(target: Target) -> None:
    """Fail early, with sshd's log, if the benchmark user cannot log in."""
    try:
        async with asyncssh.connect(**target.asyncssh_options()) as conn:
            await conn.run("true", check=True)
    except (OSError, asyncssh.Error) as exc:
        print(target.sshd.log(), file=sys.stderr)
        raise RuntimeError(f"cannot log in to the benchmark sshd as {target.user}: {exc}") from exc
