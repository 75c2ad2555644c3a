"""Core's own migration branch, registered through the same hook as any plugin's."""

from __future__ import annotations

from pathlib import Path

from ..hookspecs import hookimpl


@hookimpl
def register_migrations() -> list[str]:
    return [str(Path(__file__).parent / "migrations" / "versions")]
