"""``sshgate ldap test USERNAME`` and ``sshgate ldap encrypt-password`` as an operator runs
them (real processes, settings from the environment), and the encrypted service password
in use. No password ever shows in what the commands print."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from ldap_helpers import me, token_of
from ldap_slapd import GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, USERS, Slapd

STRONG_KEY = "ldap-test-secret-key-" + "k" * 32


def ldap_env(slapd: Slapd, **extra: str) -> dict[str, str]:
    """What an operator would export: strings only (the map as JSON, a list with commas)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "SSHGATE_LDAP_URL": slapd.ldap_url,
        "SSHGATE_LDAP_START_TLS": "true",
        "SSHGATE_LDAP_CA_FILE": str(slapd.ca.ca_file),
        "SSHGATE_LDAP_BIND_DN": SERVICE_DN,
        "SSHGATE_LDAP_USER_BASE": PEOPLE,
        "SSHGATE_LDAP_GROUP_BASE": GROUPS,
        "SSHGATE_LDAP_NESTED_GROUPS": "true",
        "SSHGATE_LDAP_GROUP_MAP": '{"devs": "dev", "platform": ["prod", "staging"]}',
        "SSHGATE_LDAP_ADMIN_GROUPS": "sshgate-admins, break-glass",
        "SSHGATE_LOG_LEVEL": "debug",
    }
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sshgate", "ldap", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def env(slapd: Slapd, service_password_file) -> dict[str, str]:
    return ldap_env(slapd, SSHGATE_LDAP_BIND_PASSWORD_FILE=str(service_password_file))


def test_ldap_test_shows_the_dn_groups_and_mapping(env):
    done = run_cli("test", "alice", env=env)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines())
    lines = {key: value.strip() for key, value in lines.items()}
    assert lines["directory"].endswith("(StartTLS, certificate checked)")
    assert lines["dn"] == f"uid=alice,{PEOPLE}"
    assert lines["directory groups"] == "devs, engineering, platform"
    assert lines["server groups"] == "dev, prod, staging"
    assert lines["administrator"] == "no"
    assert lines["password"] == "not checked"
    assert SERVICE_PASSWORD not in done.stdout + done.stderr


def test_ldap_test_checks_a_password_without_printing_it(env):
    right = run_cli("test", "bob", "--password-stdin", "--json", env=env, stdin=USERS["bob"] + "\n")
    assert right.returncode == 0, right.stderr
    report: dict[str, Any] = json.loads(right.stdout)
    assert report["dn"] == f"uid=bob,{PEOPLE}" and report["admin"] is True
    assert report["directory_groups"] == ["sshgate-admins"] and report["password"] == "accepted"
    wrong = run_cli("test", "bob", "--password-stdin", env=env, stdin="not-bobs-password-9\n")
    assert wrong.returncode == 1
    assert "password:         bad_password" in wrong.stdout
    for done, secret in ((right, USERS["bob"]), (wrong, "not-bobs-password-9")):
        output = done.stdout + done.stderr
        assert secret not in output and SERVICE_PASSWORD not in output


def test_ldap_test_says_when_nobody_matches_or_the_directory_is_down(env, slapd):
    nobody = run_cli("test", "nobody*", env=env)
    assert nobody.returncode == 1
    assert "no single entry matches 'nobody*'" in nobody.stdout
    down = run_cli("test", "alice", env=env | {"SSHGATE_LDAP_URL": "ldap://127.0.0.1:1"})
    assert down.returncode == 1
    assert "the directory at ldap://127.0.0.1:1 is unavailable" in down.stderr
    assert "connection refused" in down.stderr.lower()


def test_a_bad_setting_is_named(env):
    done = run_cli("test", "alice", env=env | {"SSHGATE_LDAP_URL": "ldaps://localhost:636"})
    assert done.returncode != 0
    assert "START_TLS is for ldap:// URLs" in done.stdout + done.stderr


# encrypt-password comes before the LDAP settings: only the key the server runs with matters.
BARE_ENV = {"PATH": "/usr/bin:/bin"}


def test_encrypt_password_needs_the_servers_key():
    done = run_cli("encrypt-password", env=BARE_ENV, stdin=SERVICE_PASSWORD + "\n")
    assert done.returncode != 0 and "SSHGATE_SECRET_KEY" in done.stderr


@pytest.fixture(scope="module")
def encrypted_password() -> str:
    """The service password as ``sshgate ldap encrypt-password`` gives it, for STRONG_KEY."""
    env = BARE_ENV | {"SSHGATE_SECRET_KEY": STRONG_KEY}
    done = run_cli("encrypt-password", env=env, stdin=SERVICE_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token and SERVICE_PASSWORD not in token
    return token


def test_ldap_test_uses_the_encrypted_password(slapd, encrypted_password):
    env = ldap_env(
        slapd,
        SSHGATE_SECRET_KEY=STRONG_KEY,
        SSHGATE_LDAP_BIND_PASSWORD_ENCRYPTED=encrypted_password,
    )
    assert run_cli("test", "alice", env=env).returncode == 0
    other_key = env | {"SSHGATE_SECRET_KEY": "another-key-" + "z" * 40}
    refused = run_cli("test", "alice", env=other_key)
    assert refused.returncode == 1
    assert "cannot be decrypted with this SSHGATE_SECRET_KEY" in refused.stderr


@pytest.fixture
def core_overrides() -> dict[str, Any]:
    return {"secret_key": STRONG_KEY}


@pytest.fixture
def ldap_overrides(encrypted_password: str) -> dict[str, Any]:
    return {"bind_password_file": None, "bind_password_encrypted": encrypted_password}


async def test_the_app_binds_with_the_encrypted_password_and_logs_no_password(
    client, caplog, ldap_overrides
):
    with caplog.at_level(logging.DEBUG):
        user = await me(client, await token_of(client, "alice", USERS["alice"]))
        await client.post(
            "/api/auth/login",
            json={"username": "alice", "password": "wrong-alice-pass-3", "client": "api"},
        )
    assert user["source"] == "ldap"
    for secret in (SERVICE_PASSWORD, USERS["alice"], "wrong-alice-pass-3"):
        assert secret not in caplog.text
