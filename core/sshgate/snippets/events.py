"""Snippet events. A change names the fields that changed; a run records the command typed."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..events import Event


@dataclasses.dataclass(kw_only=True)
class SnippetChanged(Event):
    """A snippet was created, updated or deleted; ``target`` is its name."""

    name: ClassVar[str] = "snippets.changed"
    change: str  # created, updated, deleted
    snippet_id: int
    shared: bool = False
    fields: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True)
class SnippetRun(Event):
    """A snippet was rendered for a terminal; ``target`` is the server's name.

    ``command`` is the rendered command's first 200 characters, kept forever in the audit
    log. Commands are not secrets by nature, and values of parameters named like secrets
    (``{db_password}``) are replaced with ``[redacted]`` here; still, users should not put
    secrets into snippets or their parameters.
    """

    name: ClassVar[str] = "snippets.run"
    snippet: str
    snippet_id: int
    shared: bool = False
    command: str = ""
    session_id: str | None = None  # a prefix, as terminal events record it


ALL = [SnippetChanged, SnippetRun]
