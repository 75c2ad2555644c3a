"""Request bodies of the snippets API, and the ``{param}`` template syntax.

A command is text with placeholders: ``{name}`` is a parameter, ``{{`` and ``}}`` are
literal braces (``awk '{{print $1}}'``), any other brace is an error at save time. Values are
pasted as they are, unquoted: the person runs the result in their own shell anyway. What a
value may not do is carry a control character, so that a parameter can never end the line
and start a second command, nor send an escape sequence to the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from ..errors import ApiError
from ..web.schemas import DbId, Input

MAX_COMMAND = 10_000
MAX_PARAMS = 20
MAX_VALUE = 1_000
MAX_RENDERED = 20_000
# Tab and newline are fine in a command; CR is folded into newline; NUL, escape and the
# rest are not, nor the C1 controls that some terminals obey as much as their ESC forms.
_COMMAND_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
PARAM_NAME = r"[A-Za-z_][A-Za-z0-9_-]{0,63}"
_PARAM = re.compile(PARAM_NAME)
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+")
# Values of parameters named like these never reach the audit log (see routes.run).
_SECRET_NAME = re.compile(r"pass|secret|token|key|credential", re.IGNORECASE)


@dataclass(frozen=True)
class Param:
    name: str


Template = list[str | Param]


def parse(command: str) -> Template:
    """Split a command into literal text and parameters; ValueError names the bad brace."""
    parts: Template = []
    for match in _TOKEN.finditer(command):
        piece = match.group()
        where = f"at character {match.start() + 1}"
        if piece in ("{{", "}}"):
            parts.append(piece[0])
        elif piece == "{":
            raise ValueError(f"unclosed '{{' {where}: write {{{{ for a literal brace")
        elif piece == "}":
            raise ValueError(f"unopened '}}' {where}: write }}}} for a literal brace")
        elif piece.startswith("{"):
            name = match.group(1)
            if not _PARAM.fullmatch(name):
                raise ValueError(
                    f"{piece!r} {where} is not a parameter (letters, digits, _ and -, "
                    "starting with a letter); write {{ and }} for literal braces"
                )
            parts.append(Param(name))
        else:
            parts.append(piece)
    return parts


def params_of(template: Template) -> list[str]:
    """Each parameter name once, in order of first appearance."""
    return list(dict.fromkeys(part.name for part in template if isinstance(part, Param)))


def looks_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def render(template: Template, values: dict[str, str], *, redact: bool = False) -> str:
    """The command with its parameters filled in; 400 naming a missing or unknown one.

    ``redact`` replaces the values of secret-looking parameters (``{db_password}``) for the
    audit log's copy.
    """
    names = params_of(template)
    missing = [name for name in names if name not in values]
    unknown = sorted(set(values) - set(names))
    if missing or unknown:
        errors = [{"field": f"params.{n}", "message": "is missing"} for n in missing] + [
            {"field": f"params.{n}", "message": "is not a parameter of this snippet"}
            for n in unknown
        ]
        summary = "; ".join(
            [f"missing parameter {n!r}" for n in missing]
            + [f"unknown parameter {n!r}" for n in unknown]
        )
        raise ApiError(400, "validation_error", f"invalid request: {summary}", {"errors": errors})
    text = "".join(
        part
        if isinstance(part, str)
        else ("[redacted]" if redact and looks_secret(part.name) else values[part.name])
        for part in template
    )
    if len(text) > MAX_RENDERED:
        raise ApiError(
            400, "validation_error", f"the rendered command exceeds {MAX_RENDERED} characters"
        )
    return text


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _command(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.strip():
        raise ValueError("must not be blank")
    if _COMMAND_CONTROL.search(value):
        raise ValueError(
            "must not contain NUL, escape or control characters other than tab and newline"
        )
    names = params_of(parse(value))
    if len(names) > MAX_PARAMS:
        raise ValueError(f"has {len(names)} parameters; at most {MAX_PARAMS}")
    return value


def _text(value: str) -> str:
    value = value.replace("\r\n", "\n")
    if _COMMAND_CONTROL.search(value):
        raise ValueError("must not contain control characters other than tab and newline")
    return value


def _tag(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 50:
        raise ValueError("tags have 1 to 50 characters")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _value(value: str) -> str:
    if _CONTROL.search(value):
        # A newline would end the line and start a second command.
        raise ValueError("must not contain newlines, NUL or other control characters")
    return value


Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_name)]
Command = Annotated[str, Field(min_length=1, max_length=MAX_COMMAND), AfterValidator(_command)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(_text)]
Tag = Annotated[str, AfterValidator(_tag)]
Tags = Annotated[list[Tag], Field(max_length=20), AfterValidator(_unique)]
ParamName = Annotated[str, Field(pattern=f"^{PARAM_NAME}$")]
ParamValue = Annotated[str, Field(max_length=MAX_VALUE), AfterValidator(_value)]
Params = Annotated[dict[ParamName, ParamValue], Field(max_length=MAX_PARAMS)]
# Terminal session ids are URL-safe tokens; only a prefix is ever recorded.
SessionId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class SnippetCreate(Input):
    name: Name
    command: Command
    description: Description = ""
    tags: Tags = Field(default_factory=list)
    confirm: bool = False
    # Publish to every user instead of keeping it personal: administrators only.
    shared: bool = False


class SnippetUpdate(Input):
    name: Name | None = None
    command: Command | None = None
    description: Description | None = None
    tags: Tags | None = None
    confirm: bool | None = None
    # Administrators: true publishes their own snippet, false takes a shared one back as
    # their own.
    shared: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> SnippetUpdate:
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)}: must not be null (omit a field to keep it)")
        return self


class RenderIn(Input):
    params: Params = Field(default_factory=dict)


class RunIn(RenderIn):
    server_id: DbId
    # The terminal session the browser will type into, for the audit trail.
    session_id: SessionId | None = None
