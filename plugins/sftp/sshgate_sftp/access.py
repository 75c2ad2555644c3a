"""What every file route does before touching a file, in this order:

``server_for`` (visibility and authorization of ``files.<verb>`` on the server) ->
``sftp_enabled`` (403 ``sftp_disabled``) -> ``sftp_read_only`` for writes (403 ``read_only``)
-> a pooled session (502 with the diagnosis when the connection fails) -> path rules
(:mod:`.paths`) -> the ``before_file_transfer`` deciders (403 ``vetoed``). SFTP errors
become JSON errors with a stable code; gateway refusals are audited as ``denied``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import asyncssh
from quart import current_app

from sshgate.api import (
    ApiError,
    ServerInfo,
    current_actor,
    emit,
    file_transfer_veto,
    server_for,
    signed_in_actor,
)

from .events import FileEvent
from .paths import Resolver
from .pool import LOST, Pool, Session, pool
from .settings import SftpSettings, sftp_settings

E = TypeVar("E", bound=FileEvent)
# Refusals by the gateway's own rules: audited with outcome "denied".
DENIALS = frozenset({"path_forbidden", "vetoed", "read_only", "sftp_disabled", "forbidden"})
_SFTP_ERRORS: list[tuple[type[asyncssh.SFTPError], int, str]] = [
    (asyncssh.SFTPNoSuchFile, 404, "not_found"),
    (asyncssh.SFTPNoSuchPath, 404, "not_found"),
    (asyncssh.SFTPPermissionDenied, 403, "permission_denied"),
    (asyncssh.SFTPWriteProtect, 403, "permission_denied"),
    (asyncssh.SFTPFileAlreadyExists, 409, "exists"),
    (asyncssh.SFTPDirNotEmpty, 409, "not_empty"),
    (asyncssh.SFTPNotADirectory, 400, "not_a_directory"),
    (asyncssh.SFTPFileIsADirectory, 400, "is_a_directory"),
    (asyncssh.SFTPNoSpaceOnFilesystem, 507, "no_space"),
    (asyncssh.SFTPQuotaExceeded, 507, "no_space"),
    (asyncssh.SFTPOpUnsupported, 501, "unsupported"),
    (asyncssh.SFTPConnectionLost, 502, "connection_lost"),
    # SFTP v3 servers report most refusals (EEXIST, ENOTEMPTY, EINVAL...) as "failure".
    (asyncssh.SFTPFailure, 409, "failed"),
]


def api_error(exc: BaseException, path: str | None = None) -> ApiError:
    """An SFTP or connection error as the JSON error the client gets."""
    details = {"path": path} if path else {}
    if isinstance(exc, asyncssh.SFTPError):
        for kind, status, code in _SFTP_ERRORS:
            if isinstance(exc, kind):
                return ApiError(status, code, _reason(exc, path), details)
        return ApiError(502, "sftp_error", _reason(exc, path), details)
    return ApiError(502, "connection_lost", f"the SSH connection was lost: {exc}", details)


def _reason(exc: asyncssh.SFTPError, path: str | None) -> str:
    reason = exc.reason or type(exc).__name__
    return f"{path}: {reason}" if path else reason


async def server_checked(server_id: int, action: str, *, write: bool = False) -> ServerInfo:
    server = await server_for(signed_in_actor(), server_id, action)
    if not server.sftp_enabled:
        raise ApiError(403, "sftp_disabled", f"SFTP is disabled on {server.name}")
    if write and server.sftp_read_only:
        raise ApiError(403, "read_only", f"SFTP on {server.name} is read-only")
    return server


class Files:
    """One request's view of one server: its SFTP session, path resolver and settings."""

    def __init__(
        self, actor: Any, server: ServerInfo, session: Session, resolver: Resolver, owner: Pool
    ) -> None:
        self.actor = actor
        self.pool = owner
        self.server = server
        self.session = session
        self.resolver = resolver
        self.settings: SftpSettings = sftp_settings()
        limits = session.sftp.limits
        self.read_block = min(self.settings.block_size, limits.max_read_len or 16384)
        self.write_block = min(self.settings.block_size, limits.max_write_len or 16384)
        self._released = False

    @property
    def sftp(self) -> asyncssh.SFTPClient:
        return self.session.sftp

    async def follow(self, raw: Any, field: str = "path") -> str:
        return await self.resolver.follow(raw, field)

    async def entry(self, raw: Any, field: str = "path", *, allow_root: bool = False) -> str:
        return await self.resolver.entry(raw, field, allow_root=allow_root)

    async def allow(self, operation: str, path: str) -> None:
        """The ``before_file_transfer`` deciders, after the path rules passed."""
        reason = await file_transfer_veto(self.actor, self.server, operation, path)
        if reason:
            raise ApiError(
                403, "vetoed", reason, {"path": path, "operation": operation, "reason": reason}
            )

    def event(self, kind: type[E], path: str, **fields: Any) -> E:
        return kind(
            actor=self.actor.username,
            target=self.server.name,
            server_id=self.server.id,
            path=path,
            **fields,
        )

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.pool.release(self.session)


async def lease(server: ServerInfo) -> Files:
    """A :class:`Files` whose session stays busy until ``release()`` (streamed responses)."""
    actor = current_actor()
    owner = pool(current_app)
    session = await owner.acquire(actor, server)
    try:
        return Files(actor, server, session, await session.resolver(server), owner)
    except BaseException:
        owner.release(session)
        raise


@contextlib.asynccontextmanager
async def connect(server: ServerInfo) -> AsyncIterator[Files]:
    """A :class:`Files` for the duration of the block; SFTP errors become API errors."""
    files = await lease(server)
    try:
        yield files
    except LOST as exc:
        files.session.retired = True
        raise api_error(exc) from None
    except asyncssh.SFTPError as exc:
        raise api_error(exc) from None
    finally:
        files.release()


@contextlib.asynccontextmanager
async def streaming(server: ServerInfo) -> AsyncIterator[Files]:
    """Like :func:`connect`, but a block that ends normally keeps the session leased: the
    streamed response body calls ``files.release()`` when it is done."""
    files = await lease(server)
    try:
        yield files
    except LOST as exc:
        files.session.retired = True
        files.release()
        raise api_error(exc) from None
    except asyncssh.SFTPError as exc:
        files.release()
        raise api_error(exc) from None
    except BaseException:
        files.release()
        raise


async def emit_later(event: FileEvent, app: Any) -> None:
    """Emit from a response body, after the request context is gone (the event carries
    its actor and source address already)."""
    async with app.app_context():
        await emit(event, app)


@contextlib.asynccontextmanager
async def audited(
    event: E, *, denials_only: bool = False, success: bool = True
) -> AsyncIterator[E]:
    """Emit ``event`` when the block ends: success, denied (gateway rules) or failure.
    The block may update the event (bytes, path) as it goes. ``denials_only`` (listing,
    stat) records refusals only: browsing is not worth an entry, a veto is.
    ``success=False`` leaves the success entry to the caller (a streamed body that knows
    the totals only at its end)."""
    try:
        yield event
    except ApiError as exc:
        denied = exc.code in DENIALS
        if denied or not denials_only:
            event.outcome = "denied" if denied else "failure"
            event.message = exc.message
            await emit(event)
        raise
    except BaseException as exc:
        if not denials_only:
            event.outcome = "failure"
            event.message = str(exc) or type(exc).__name__
            # A cancelled request (client gone) must still leave its audit entry.
            await asyncio.shield(emit(event))
        raise
    if success and not denials_only:
        await emit(event)
