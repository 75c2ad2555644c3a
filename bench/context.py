"""What every scenario gets: the target, the running gateways, sizes, results, and one way to
open a terminal on any system."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .config import Sizes
from .gateway import Capabilities
from .results import Results
from .target import Target
from .terminals import AsyncSSHTerm, OpenSSHTerm, SshgateTerm, Terminal, WSTerm, ready


class Gateway(Protocol):
    name: str
    caps: Capabilities

    @property
    def pid(self) -> int: ...

    async def open_terminal(
        self, *, deflate: bool = True, cols: int = 80, rows: int = 24
    ) -> Any: ...


@dataclass
class Bench:
    target: Target
    sizes: Sizes
    results: Results
    gateways: dict[str, Gateway]
    systems: list[str]  # in column order: raw references first
    log_dir: Path
    verbose: bool = True
    files: dict[str, Path] = field(default_factory=dict)

    def log(self, message: str) -> None:
        if self.verbose:
            print(message, file=sys.stderr, flush=True)

    def gateway_systems(self) -> list[str]:
        return [s for s in self.systems if s in self.gateways]

    async def open(
        self,
        system: str,
        *,
        deflate: bool = True,
        wait_ready: bool = True,
        cols: int = 80,
        rows: int = 24,
    ) -> Terminal:
        term: Terminal
        if system == "ssh":
            argv = [*self.target.ssh_argv("ssh", "-tt"), self.target.destination()]
            term = await OpenSSHTerm.open(argv)
        elif system == "asyncssh":
            term = await AsyncSSHTerm.open(self.target.asyncssh_options(), cols, rows)
        else:
            term = await self.gateways[system].open_terminal(deflate=deflate, cols=cols, rows=rows)
        if wait_ready:
            try:
                await ready(term)
            except BaseException:
                await close(term)
                raise
        return term

    async def attempt(self, what: str, run: Callable[[], Awaitable[None]]) -> bool:
        """Run one measurement; a failure is recorded (and shown) instead of ending the run."""
        try:
            await run()
            return True
        except Exception as exc:
            message = f"{what}: {type(exc).__name__}: {exc}"
            self.results.failures.append(message)
            self.log(f"  FAILED {message}")
            if self.verbose:
                traceback.print_exc(limit=4, file=sys.stderr)
            return False


async def close(term: Terminal) -> None:
    """Close a terminal so that its shell ends too (sshgate sessions outlive sockets)."""
    with contextlib.suppress(Exception):
        if isinstance(term, SshgateTerm):
            await term.end()
        elif isinstance(term, WSTerm | OpenSSHTerm | AsyncSSHTerm):
            await term.close()
        else:
            await term.close()
