"""Request bodies of the servers API, validated field by field.

Server names, hosts and paths end up in shells, logs and the page: anything that is not
plainly a host name, an address or a clean absolute path is refused here.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from ..web.schemas import DbId, Input
from .models import ENCODINGS

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?)+$")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _host(value: str) -> str:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        pass
    if not _HOSTNAME.match(value) or value.startswith("-"):
        raise ValueError("must be a host name or an IP address")
    return value.lower()


def _absolute_path(value: str) -> str:
    if "\x00" in value or _CONTROL.search(value):
        raise ValueError("must not contain NUL or control characters")
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not an absolute path")
    normal = posixpath.normpath(value)
    return "/" if normal in ("/", "//") else normal


def _tag(value: str) -> str:
    value = _no_control(value).strip()
    if not 1 <= len(value) <= 50:
        raise ValueError("tags have 1 to 50 characters")
    return value


Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_no_control)]
Host = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_host)]
Port = Annotated[int, Field(ge=1, le=65535)]
Username = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s\x00-\x1f\x7f]+$")]
Group = Annotated[str, Field(max_length=64), AfterValidator(_no_control)]
Tag = Annotated[str, AfterValidator(_tag)]
AllowedPath = Annotated[str, Field(max_length=1024), AfterValidator(_absolute_path)]
Secret = Annotated[str, Field(min_length=1, max_length=16384)]
Encoding = Literal[ENCODINGS]  # type: ignore[valid-type]


class ServerFields(Input):
    host: Host | None = None
    port: Port | None = None
    username: Username | None = None
    auth_method: Literal["password", "key"] | None = None
    password: Secret | None = None
    private_key: Secret | None = None
    key_passphrase: Secret | None = None
    group: Group | None = None
    tags: list[Tag] | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=2000)
    jump_via: DbId | None = None
    ssh_enabled: bool | None = None
    sftp_enabled: bool | None = None
    sftp_read_only: bool | None = None
    sftp_allowed_paths: list[AllowedPath] | None = Field(None, max_length=50)
    encoding: Encoding | None = None

    @model_validator(mode="after")
    def _secret_matches_method(self) -> ServerFields:
        if self.auth_method == "password" and (self.private_key or self.key_passphrase):
            raise ValueError("password authentication takes a password, not a private key")
        if self.auth_method == "key" and self.password:
            raise ValueError("key authentication takes private_key, not password")
        return self


class ServerCreate(ServerFields):
    name: Name
    host: Host
    username: Username
    port: Port = 22
    auth_method: Literal["password", "key"] = "password"


class ServerUpdate(ServerFields):
    name: Name | None = None
