"""The sign-in provider: the blocking directory steps run in a bounded thread pool.

ldap3 blocks, so every directory call runs in one of POOL_SIZE threads; a sign-in that finds
them all busy waits for one, and the whole sign-in is given up after SIGN_IN_TIMEOUT (503,
``ProviderUnavailable``). A thread whose caller gave up keeps its slot until the directory
answers or its own timeout fires, so a dead directory can never pile up threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sshgate.api import Identity, ProviderUnavailable

from .directory import Directory, DirectoryDown, UserEntry
from .mapping import Mapping, map_groups
from .settings import NAME, LdapSettings

log = logging.getLogger("sshgate.ldap")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What the directory said about one sign-in: an identity, or why not."""

    identity: Identity | None
    reason: str | None  # not_found, bad_password, not_in_required_group
    user: UserEntry | None = None
    mapping: Mapping | None = None


def look_up(directory: Directory, username: str) -> tuple[UserEntry | None, Mapping | None]:
    """The entry and its group mapping, without checking a password (``sshgate ldap test``)."""
    user = directory.find_user(username)
    if user is None:
        return None, None
    return user, map_groups(directory.config, directory.groups(user))


def check(directory: Directory, username: str, password: str) -> Outcome:
    """Search-then-bind, then groups: the blocking sign-in, step by step."""
    if not password:
        return Outcome(None, "empty_password")
    user = directory.find_user(username)
    if user is None:
        return Outcome(None, "not_found")
    if not directory.check_password(user.dn, password):
        return Outcome(None, "bad_password", user)
    mapping = map_groups(directory.config, directory.groups(user))
    if not mapping.permitted:
        return Outcome(None, "not_in_required_group", user, mapping)
    identity = Identity(
        provider=NAME,
        username=user.username,
        groups=mapping.allowed_groups,
        is_admin=mapping.is_admin,
        display_name=user.display_name,
        email=user.email,
    )
    return Outcome(identity, None, user, mapping)


class Provider:
    """The directory of one app, its thread pool and the slots that bound it."""

    def __init__(self, config: LdapSettings, service_password: str | None) -> None:
        self.config = config
        self.directory = Directory(config, service_password)
        self._pool = ThreadPoolExecutor(config.pool_size, thread_name_prefix="sshgate-ldap")
        self._slots = asyncio.Semaphore(config.pool_size)

    async def run(self, job: Callable[..., T], *args: object) -> T:
        """``job(*args)`` in a pool thread; ProviderUnavailable when the directory is down
        or the sign-in's time is up."""
        loop = asyncio.get_running_loop()
        timeout = self.config.sign_in_timeout
        deadline = loop.time() + timeout
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except TimeoutError:
            raise ProviderUnavailable(NAME, "every directory connection is busy") from None
        future = loop.run_in_executor(self._pool, job, *args)
        future.add_done_callback(self._release)
        try:
            # shield: giving up must not cancel the future, whose end frees the slot.
            return await asyncio.wait_for(asyncio.shield(future), deadline - loop.time())
        except TimeoutError:
            log.warning("LDAP directory %s gave no answer within %g s", self.config.url, timeout)
            raise ProviderUnavailable(NAME, f"no answer within {timeout:g} seconds") from None
        except DirectoryDown as exc:
            log.warning("LDAP directory %s unavailable: %s", self.config.url, exc)
            raise ProviderUnavailable(NAME, str(exc)) from None

    def _release(self, future: asyncio.Future[Any]) -> None:
        self._slots.release()
        if not future.cancelled():
            future.exception()  # retrieved: a late failure after we gave up is no news

    async def sign_in(self, username: str, password: str) -> Outcome:
        return await self.run(check, self.directory, username, password)

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        await asyncio.get_running_loop().run_in_executor(None, self.directory.close)
