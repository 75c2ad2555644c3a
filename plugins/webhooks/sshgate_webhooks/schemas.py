"""Request bodies of the webhooks API, validated strictly (unknown fields are errors)."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from sshgate.api import Input

from .events import PATTERN
from .signing import RESERVED

HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")


def web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials (use a custom header)")
    if any(c in value for c in "\x00\r\n\t "):
        raise ValueError("must not contain spaces or control characters")
    return value


def patterns(value: list[str]) -> list[str]:
    for item in value:
        if not PATTERN.match(item):
            raise ValueError(f"{item!r} is not an event name or wildcard (auth.*, *)")
    return sorted(set(value))


def headers(value: dict[str, str]) -> dict[str, str]:
    for name, text in value.items():
        if not HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a header name")
        if name.lower() in RESERVED or name.lower().startswith("x-sshgate-"):
            raise ValueError(f"{name} is set by sshgate itself")
        if any(c in text for c in "\x00\r\n") or len(text) > 2000:
            raise ValueError(f"the value of {name} must be one line of at most 2000 characters")
    return value


def one_line(value: str) -> str:
    if any(c in value for c in "\x00\r\n"):
        raise ValueError("must be one line without NUL characters")
    return value


Url = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(web_url)]
Patterns = Annotated[list[str], Field(min_length=1, max_length=100), AfterValidator(patterns)]
Headers = Annotated[dict[str, str], Field(max_length=20), AfterValidator(headers)]
Description = Annotated[str, Field(max_length=500), AfterValidator(one_line)]


class WebhookIn(Input):
    url: Url
    events: Patterns
    description: Description = ""
    enabled: bool = True
    headers: Headers = {}


class WebhookPatch(Input):
    url: Url | None = None
    events: Patterns | None = None
    description: Description | None = None
    enabled: bool | None = None
    headers: Headers | None = None
