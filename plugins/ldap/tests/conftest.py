"""Fixtures of the LDAP plugin's tests: a real slapd for the session, and the app configured
against it. The plugin is loaded through its entry point, exactly as in production.

A test changes the plugin's settings with
``@pytest.mark.parametrize("ldap_overrides", [{...}], indirect=True)`` and the core's with
``core_overrides`` the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ldap_slapd import (
    GROUPS,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    USER_FILTER,
    Slapd,
    start_slapd,
)

GROUP_MAP = {"devs": "dev", "platform": "prod", "ops-posix": "ops", "loop-b": "loops"}


@pytest.fixture(scope="session")
def slapd() -> Iterator[Slapd]:
    """The session's directory: users and (nested) groups of ``ldap_slapd``."""
    directory = start_slapd()
    try:
        yield directory
    finally:
        directory.remove()


@pytest.fixture(scope="session")
def service_password_file(slapd: Slapd) -> Path:
    path = slapd.folder / "bind-password"
    path.write_text(SERVICE_PASSWORD + "\n")
    path.chmod(0o600)
    return path


def ldap_config(directory: Slapd, password_file: Path, **overrides: Any) -> dict[str, Any]:
    """The plugin's settings for ``directory`` (plain ldap:// on loopback unless overridden)."""
    config: dict[str, Any] = {
        "url": directory.ldap_url,
        "bind_dn": SERVICE_DN,
        "bind_password_file": str(password_file),
        "user_base": PEOPLE,
        "user_filter": USER_FILTER,
        "group_base": GROUPS,
        "nested_groups": True,
        "group_map": GROUP_MAP,
        "admin_groups": ["sshgate-admins"],
        "connect_timeout": 5,
        "timeout": 10,
        "sign_in_timeout": 30,
    }
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


@pytest.fixture
def ldap_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {}))


@pytest.fixture
def core_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {}))


@pytest.fixture
def ldap_directory(slapd: Slapd) -> Slapd:
    """The directory the app talks to; override it for a private instance."""
    return slapd


@pytest.fixture
def sshgate_settings_overrides(
    ldap_directory: Slapd,
    service_password_file: Path,
    ldap_overrides: dict[str, Any],
    core_overrides: dict[str, Any],
) -> dict[str, Any]:
    config = ldap_config(ldap_directory, service_password_file, **ldap_overrides)
    return {"plugin_settings": {"ldap": config}, **core_overrides}


@pytest.fixture
def unique() -> str:
    """A name no other test (nor the other database backend's run) uses."""
    return "u" + uuid.uuid4().hex[:10]
