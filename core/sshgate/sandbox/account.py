"""Whom the sandbox's shells and SFTP run as, and where: an unprivileged account when sshgate
runs as root, else sshgate's own user; always in a scratch home made at start and removed
at shutdown (and emptied by the demo reset)."""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import StartupError

log = logging.getLogger(__name__)

SYSTEM_USER = "sshgate-sandbox"


@dataclass(frozen=True)
class RunAs:
    """The OS account of sandbox sessions; ``uid`` None means "as sshgate itself"."""

    name: str
    home: Path
    uid: int | None = None
    gid: int | None = None

    @property
    def drops_privileges(self) -> bool:
        return self.uid is not None


def _system_account() -> pwd.struct_passwd:
    """The unprivileged account, created on first use (``useradd --system``, no login)."""
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            SYSTEM_USER,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 9):  # 9: created meanwhile by another process
        raise StartupError(
            f"cannot create the sandbox account {SYSTEM_USER!r}: {result.stderr.strip()}"
        )
    log.info("sandbox: created the system account %s", SYSTEM_USER)
    return pwd.getpwnam(SYSTEM_USER)


def make_scratch_home(run_as: RunAs) -> None:
    """(Re)create the scratch home, empty, owned by the account and private to it."""
    shutil.rmtree(run_as.home, ignore_errors=True)
    run_as.home.mkdir(mode=0o700)
    if run_as.uid is not None and run_as.gid is not None:
        os.chown(run_as.home, run_as.uid, run_as.gid)
    (run_as.home / "README.txt").write_text(
        "This is the sshgate sandbox: a scratch home that is thrown away when sshgate stops.\n"
    )
    if run_as.uid is not None and run_as.gid is not None:
        os.chown(run_as.home / "README.txt", run_as.uid, run_as.gid)


def prepare(euid: int | None = None) -> RunAs:
    """The account for this process, with a fresh scratch home under the temp folder (so
    the unprivileged account can reach it whatever the permissions of sshgate's data dir)."""
    euid = os.geteuid() if euid is None else euid
    home = Path(tempfile.mkdtemp(prefix="sshgate-sandbox-"))
    # mkdtemp's 0700 would keep the unprivileged account out; 0711 lets it traverse only.
    os.chmod(home, 0o711)  # noqa: S103
    if euid == 0:
        account = _system_account()
        run_as = RunAs(SYSTEM_USER, home / "home", account.pw_uid, account.pw_gid)
    else:
        run_as = RunAs(pwd.getpwuid(euid).pw_name, home / "home")
    make_scratch_home(run_as)
    return run_as


def remove(run_as: RunAs) -> None:
    shutil.rmtree(run_as.home.parent, ignore_errors=True)
