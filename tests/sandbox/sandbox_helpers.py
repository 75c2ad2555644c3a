"""Helpers for the sandbox tests: sshgate started with ``--sandbox`` as a real process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sshgate.testing.browser import SshgateProcess, start_sshgate

USER = "casey"
FIRST_PASSWORD = "casey-first-pass-1"
PASSWORD = "casey-chosen-pass-2"


def start_with_sandbox(folder: Path, env: dict[str, str] | None = None) -> SshgateProcess:
    """sshgate with the sandbox on, its data dir (host key) in ``folder``."""
    environ = {"SSHGATE_DATA_DIR": str(folder), **(env or {})}
    return start_sshgate(folder, environ, args=["--sandbox"])


def plain_user(server: SshgateProcess, username: str = USER) -> str:
    """A token of a user in no group at all, with the forced password change done."""
    try:
        server.admin("POST", "api/admin/users", {"username": username, "password": FIRST_PASSWORD})
    except Exception as exc:  # created by an earlier test of the module
        if "409" not in str(exc) and "exists" not in str(exc):
            raise
        return server.login(username, PASSWORD)
    token = server.login(username, FIRST_PASSWORD)
    server.call(
        "POST",
        "api/auth/password",
        {"current_password": FIRST_PASSWORD, "new_password": PASSWORD},
        token,
    )
    return token


def sandbox_row(server: SshgateProcess, token: str) -> dict[str, Any]:
    rows = server.call("GET", "api/servers", token=token)["servers"]
    matches = [row for row in rows if row["name"] == "sandbox"]
    assert matches, f"no sandbox among {[row['name'] for row in rows]}"
    return matches[0]
