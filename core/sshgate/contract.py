"""The objects of the plugin contract: what hooks receive and what they may return.

Hooks receive objects the core owns (an actor, a server, a terminal session); plugins see them
through the read-only :class:`typing.Protocol` types below, so the core can change its classes
without breaking anyone. What plugins hand back to the core (an identity, a login method, a
background task, an encrypted column) are small frozen dataclasses. All of it is re-exported by
``sshgate.api``; nothing here imports the rest of the core.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from quart import Quart

Direction = Literal["output", "input"]
ShareMode = Literal["ro", "rw"]


@runtime_checkable
class Actor(Protocol):
    """Who is calling: a signed-in user, through a cookie, bearer token or API key."""

    @property
    def user_id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...  # "admin" or "user"
    @property
    def allowed_groups(self) -> tuple[str, ...]: ...
    @property
    def permissions(self) -> tuple[str, ...]: ...
    @property
    def must_change_password(self) -> bool: ...
    @property
    def via(self) -> str: ...  # "cookie", "bearer" or "api_key"
    @property
    def read_only(self) -> bool: ...
    @property
    def is_admin(self) -> bool: ...


@runtime_checkable
class ServerInfo(Protocol):
    """A registered server as plugins see it: no credentials, nothing to write back."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def ssh_enabled(self) -> bool: ...
    @property
    def sftp_enabled(self) -> bool: ...
    @property
    def sftp_read_only(self) -> bool: ...
    @property
    def sftp_allowed_paths(self) -> tuple[str, ...]: ...
    @property
    def encoding(self) -> str: ...
    @property
    def credentials_changed_at(self) -> datetime: ...
    @property
    def jump_via_id(self) -> int | None: ...  # the jump host's server id (contract 1.4)


@runtime_checkable
class TerminalSession(Protocol):
    """A running shell, as ``session_observers`` sees it (read only; never write to it)."""

    @property
    def id(self) -> str: ...
    @property
    def owner_id(self) -> int: ...
    @property
    def owner(self) -> str: ...  # the owner's username
    @property
    def server_id(self) -> int | None: ...  # None for quick connect
    @property
    def server_name(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def cols(self) -> int: ...
    @property
    def rows(self) -> int: ...
    @property
    def term(self) -> str: ...
    @property
    def started(self) -> float: ...  # epoch seconds
    @property
    def ended(self) -> str | None: ...  # the reason, once it ended
    def end(self, reason: str) -> None:
        """End the shell now (1.4): its clients are told ``reason``. For plugins that must
        stop a session they can no longer serve (strict recording whose disk is full)."""
        ...


class SessionObserver(Protocol):
    """What ``session_observers`` returns. Called directly on the terminal's hot path: keep
    every method quick and non-blocking (queue work for a task of your own). Every method is
    optional; ``typed``, ``joined`` and ``left`` came in 1.4."""

    def data_received(self, data: bytes, direction: Direction) -> None: ...
    def resized(self, cols: int, rows: int) -> None: ...
    def closed(self) -> None: ...
    # Input with who typed it (the owner, or a joiner of a read-write share, on any worker);
    # called right after data_received(data, "input").
    def typed(self, data: bytes, by: str) -> None: ...
    # A view attached or left, on any worker: mode is "owner", "rw" or "ro".
    def joined(self, username: str, mode: str) -> None: ...
    def left(self, username: str, mode: str) -> None: ...


class SessionRefused(Exception):
    """Raised by a ``session_observers`` implementation that cannot serve a session and must
    not let it run without it (1.4): the terminal does not open, and the user is told
    ``reason``. Any other exception only drops that plugin's observers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True, kw_only=True)
class Identity:
    """A user vouched for by a sign-in provider (LDAP, OIDC, ...).

    The core creates or updates the local account ``username`` with ``source=provider``. It
    never hands a provider an account of another source: a local ``admin`` cannot be taken
    over by a directory entry of the same name.
    """

    provider: str
    username: str
    groups: tuple[str, ...] = ()  # the allowed server groups the provider grants
    is_admin: bool = False
    display_name: str | None = None
    email: str | None = None


class ProviderUnavailable(Exception):
    """Raised by a sign-in provider whose backend (directory, IdP) does not answer."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoginMethod:
    """A way to sign in, shown on the login page (``GET /api/config`` -> ``auth.methods``).

    ``kind="password"``: the username/password form, checked by the ``authenticate`` hook.
    ``kind="redirect"``: a button that sends the browser to ``url`` (relative to the app root,
    e.g. ``api/oidc/start``), where the plugin runs its flow and ends with ``sign_in()``.
    """

    id: str
    kind: Literal["password", "redirect"]
    label: str
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BackgroundTask:
    """A job the core runs every ``interval`` seconds in each worker, after ``startup``.

    ``singleton=True`` runs it on one worker of N at a time: the core holds a lease named
    after the task in the database (``ttl`` seconds, renewed while the worker lives) and calls
    the job only while it holds it; another worker takes over within ``ttl`` when the holder
    dies. ``run(app)`` may be sync or async; an exception is logged and the next run happens
    as scheduled.
    """

    name: str
    run: Callable[[Quart], Awaitable[None] | None]
    interval: float
    singleton: bool = False
    ttl: float = 60.0
    first_delay: float = 0.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class EncryptedColumn:
    """A column holding secrets encrypted with ``secret_box(purpose)``; ``sshgate
    rotate-key`` re-encrypts it with the others, in the same transaction."""

    model: type[Any]
    column: str
    purpose: str
    label: str = "id"  # the attribute that names a row in error messages


_VERSION = re.compile(r"(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?")


def parse_version(version: object) -> tuple[int, int]:
    """``"1.3"`` -> ``(1, 3)``, ``"1"`` -> ``(1, 0)``; anything else (a float, a sign, a
    third part) is a ValueError: ``1.10`` written as a number would silently read as 1.1."""
    match = _VERSION.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        raise ValueError(f"{version!r} is not a version such as '1.3'")
    return int(match[1]), int(match[2] or 0)


def contract_satisfies(provided: str, required: object) -> bool:
    """Whether contract ``provided`` serves a plugin written for ``required`` (same major,
    at least its minor)."""
    have, want = parse_version(provided), parse_version(required)
    return have[0] == want[0] and have[1] >= want[1]
