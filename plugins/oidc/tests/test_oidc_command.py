"""``sshgate oidc check`` against the real provider, and against one that is down."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from oidc_op import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, free_port


def check(tmp_path: Path, issuer: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sshgate", "oidc", "check"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "SSHGATE_DB_URL": f"sqlite+aiosqlite:///{tmp_path / 'sshgate.db'}",
            "SSHGATE_OIDC_ISSUER": issuer,
            "SSHGATE_OIDC_CLIENT_ID": CLIENT_ID,
            "SSHGATE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "SSHGATE_OIDC_GROUP_MAP": '{"engineering": ["dev"]}',
        },
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_check_shows_what_a_sign_in_would_use(tmp_path, openid_provider: OpenIdProvider):
    kid = openid_provider.rotate_key()
    done = check(tmp_path, openid_provider.issuer)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"issuer: {openid_provider.issuer} (discovery document matches)" in out
    assert f"token endpoint: {openid_provider.issuer}/token" in out
    assert kid in out and "1 key(s)" in out
    assert "ID token algorithms accepted: RS256 (offered: HS256, RS256)" in out
    assert "authentication client_secret_basic" in out and "group map: 1 provider" in out
    assert CLIENT_SECRET not in out + done.stderr


def test_check_says_when_the_provider_is_down(tmp_path):
    done = check(tmp_path, f"http://127.0.0.1:{free_port()}/openid")
    assert done.returncode == 1
    assert "ConnectError" in done.stderr and CLIENT_SECRET not in done.stderr
