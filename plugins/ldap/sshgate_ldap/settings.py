"""The plugin's settings, read from ``SSHGATE_LDAP_*`` (``register_settings``).

Environment variables are strings: the map and lists accept JSON (``{"devs": "production"}``,
``["sshgate-admins"]``) and the lists a comma-separated line too. The service account's
password never sits in the environment in clear unless the operator insists: give it
encrypted (``sshgate ldap encrypt-password``) or as a file (a container secret).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from quart import Quart

from sshgate.api import SecretUnreadable, plugin_settings, secret_box

NAME = "ldap"
PURPOSE = "ldap-bind-password"  # the secret_box purpose of BIND_PASSWORD_ENCRYPTED


def _json_or_commas(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


class LdapSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # ldap://host:389 or ldaps://host:636; empty leaves the plugin installed but off.
    url: str = ""
    # How the login page names the directory: "Use a local account or your <label>".
    login_label: str = Field("directory account (LDAP)", min_length=1, max_length=80)
    # Upgrade ldap:// with StartTLS before anything is sent (never with ldaps://).
    start_tls: bool = False
    # PEM file of the CA(s) that sign the directory's certificate; unset: the system's.
    ca_file: Path | None = None
    # Certificate checking is on unless turned off here (a warning is logged at start).
    verify_certificate: bool = True
    # The service account that searches the directory; empty: anonymous search.
    bind_dn: str = ""
    bind_password: SecretStr | None = None
    bind_password_encrypted: SecretStr | None = None
    bind_password_file: Path | None = None
    user_base: str = ""
    # {username} is replaced by the escaped name typed on the login page.
    user_filter: str = "(uid={username})"
    # The attribute whose value becomes the sshgate username (AD: sAMAccountName).
    username_attribute: str = "uid"
    # Empty: no group lookup (users get no groups, and nobody is admin by group).
    group_base: str = ""
    # {dn} is the user's (or, when nesting, a group's) escaped DN; {username} the name.
    group_filter: str = "(member={dn})"
    group_name_attribute: str = "cn"
    # Follow groups inside groups with searches of our own (directories without AD's
    # LDAP_MATCHING_RULE_IN_CHAIN); AD can use the chain rule in GROUP_FILTER instead.
    nested_groups: bool = False
    nested_depth: int = Field(8, ge=1, le=32)
    # Directory group name -> sshgate server group (a list maps one to several).
    group_map: dict[str, str | list[str]] = {}
    admin_groups: list[str] = []
    # When set, only members of one of these (or of ADMIN_GROUPS) may sign in.
    required_groups: list[str] = []
    connect_timeout: float = Field(5.0, gt=0, le=120)
    # Each directory operation (bind, search) waits at most this long for an answer.
    timeout: float = Field(10.0, gt=0, le=300)
    # The whole sign-in (all binds and searches) is given up after this long: 503.
    sign_in_timeout: float = Field(20.0, gt=0, le=600)
    # Threads talking to the directory at once (ldap3 blocks); more sign-ins wait.
    pool_size: int = Field(4, ge=1, le=64)

    @field_validator("group_map", mode="before")
    @classmethod
    def _map_from_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("admin_groups", "required_groups", mode="before")
    @classmethod
    def _list_from_text(cls, value: Any) -> Any:
        return _json_or_commas(value)

    @model_validator(mode="after")
    def _consistent(self) -> LdapSettings:
        if not self.url:
            return self
        parts = urlsplit(self.url)
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise ValueError("URL must look like ldap://host:389 or ldaps://host:636")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError("URL takes no path or query: set USER_BASE and USER_FILTER")
        if self.start_tls and parts.scheme == "ldaps":
            raise ValueError("START_TLS is for ldap:// URLs; ldaps:// is TLS already")
        if not self.user_base:
            raise ValueError("USER_BASE is required (e.g. ou=people,dc=example,dc=org)")
        if "{username}" not in self.user_filter or not self.user_filter.startswith("("):
            raise ValueError("USER_FILTER must be a filter in parentheses using {username}")
        if self.group_base and not (
            "{dn}" in self.group_filter or "{username}" in self.group_filter
        ):
            raise ValueError("GROUP_FILTER must use {dn} or {username}")
        sources = [
            self.bind_password,
            self.bind_password_encrypted,
            self.bind_password_file,
        ]
        if sum(s is not None for s in sources) > 1:
            raise ValueError(
                "set one of BIND_PASSWORD, BIND_PASSWORD_ENCRYPTED and BIND_PASSWORD_FILE"
            )
        if self.bind_dn and not any(s is not None for s in sources):
            raise ValueError(
                "BIND_DN needs a password: BIND_PASSWORD_ENCRYPTED, BIND_PASSWORD_FILE or "
                "BIND_PASSWORD"
            )
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def uses_tls(self) -> bool:
        return self.start_tls or self.url.startswith("ldaps://")

    def service_password(self, app: Quart | None = None) -> str | None:
        """The service account's password, decrypted or read from its file now."""
        if self.bind_password is not None:
            return self.bind_password.get_secret_value()
        if self.bind_password_encrypted is not None:
            token = self.bind_password_encrypted.get_secret_value()
            try:
                return secret_box(PURPOSE, app).decrypt(token)
            except SecretUnreadable:
                raise ValueError(
                    "SSHGATE_LDAP_BIND_PASSWORD_ENCRYPTED cannot be decrypted with this "
                    "SSHGATE_SECRET_KEY: encrypt it again with `sshgate ldap encrypt-password`"
                ) from None
        if self.bind_password_file is not None:
            try:
                return self.bind_password_file.read_text().rstrip("\r\n")
            except OSError as exc:
                raise ValueError(
                    f"SSHGATE_LDAP_BIND_PASSWORD_FILE {self.bind_password_file}: {exc.strerror}"
                ) from None
        return None


def ldap_settings(app: Quart | None = None) -> LdapSettings:
    return plugin_settings(NAME, LdapSettings, app)
