"""The directory client: blocking ldap3 calls, run in the provider's worker threads.

Search-then-bind. A service connection (one per worker thread, reused between sign-ins and
rebuilt when the server dropped it) finds the user's entry and their groups; the password is
checked by a bind of its own on a fresh connection, so the service connection never runs as
a user. Every value typed on the login page is escaped before it enters a filter.
"""

from __future__ import annotations

import logging
import math
import re
import ssl
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from .settings import LdapSettings

log = logging.getLogger("sshgate.ldap")

INVALID_CREDENTIALS = 49
_WRAPPING = re.compile(r"^[(\"',\s]+|[)\"',\s]+$")  # "('...',)" around ldap3's messages
_SSL_SOURCE = re.compile(r"\s*\(_ssl\.c:\d+\)")


class DirectoryDown(Exception):
    """The directory did not answer, refused TLS, or refused the service account."""


def reason_of(exc: BaseException) -> str:
    """A one-line reason for an ldap3 failure, for logs and the 503 the user sees.

    Opening a socket that fails on every address of the host (localhost: ::1 and 127.0.0.1)
    packs one error per address into its args, and ldap3 wraps TLS errors in stringified
    tuples; the innermost text says what happened (connection refused, certificate verify
    failed)."""
    value: object = exc
    while True:
        if isinstance(value, BaseException):
            args = value.args
            if len(args) == 2 and isinstance(args[1], list) and args[1]:
                value = args[1][0]  # (error, address) of the first address tried
            else:
                value = args[0] if args else type(value).__name__
        elif isinstance(value, tuple | list):
            value = value[0] if value else ""
        else:
            break
    text = _SSL_SOURCE.sub("", " ".join(str(value).split()))
    return _WRAPPING.sub("", text)[:300] or type(exc).__name__


@dataclass(frozen=True)
class UserEntry:
    dn: str
    username: str  # the directory's spelling (USERNAME_ATTRIBUTE)
    display_name: str | None
    email: str | None


def _first(entry: dict[str, Any], name: str) -> str | None:
    values = entry.get("attributes", {}).get(name)
    if isinstance(values, list):
        return str(values[0]) if values else None
    return str(values) if values not in (None, "") else None


def _close(conn: ldap3.Connection) -> None:
    try:
        conn.unbind()
    except LDAPException:
        if conn.socket is not None:
            conn.socket.close()


def _tls(config: LdapSettings) -> ldap3.Tls | None:
    if not config.uses_tls:
        return None
    return ldap3.Tls(
        validate=ssl.CERT_REQUIRED if config.verify_certificate else ssl.CERT_NONE,
        ca_certs_file=str(config.ca_file) if config.ca_file else None,
        version=ssl.PROTOCOL_TLS_CLIENT,
    )


def _server(config: LdapSettings) -> ldap3.Server:
    parts = urlsplit(config.url)
    ldaps = parts.scheme == "ldaps"
    return ldap3.Server(
        parts.hostname,
        port=parts.port or (636 if ldaps else 389),
        use_ssl=ldaps,
        tls=_tls(config),
        connect_timeout=config.connect_timeout,
        get_info=ldap3.NONE,  # no schema download: one round trip less per connection
    )


class Directory:
    """One configured directory. Thread-safe: each thread keeps its own service connection."""

    def __init__(self, config: LdapSettings, service_password: str | None) -> None:
        self.config = config
        self._password = service_password
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[ldap3.Connection] = []
        self._seconds = max(1, math.ceil(config.timeout))

    # --- connections ---------------------------------------------------------------------
    def _connect(self, user: str | None, password: str | None) -> tuple[ldap3.Connection, bool]:
        """An open (StartTLS-upgraded) connection and whether its bind succeeded."""
        # A Server of its own per connection: ldap3 marks an address it failed to reach as
        # unavailable on the Server for minutes, which would outlive the directory's outage.
        conn = ldap3.Connection(
            _server(self.config),
            user=user or None,
            password=password if user else None,
            authentication=ldap3.SIMPLE if user else ldap3.ANONYMOUS,
            receive_timeout=self._seconds,  # ldap3 packs it into SO_RCVTIMEO: whole seconds
            read_only=True,
            auto_referrals=False,  # a referral would send the user's password elsewhere
            raise_exceptions=False,
        )
        try:
            conn.open()
            if self.config.start_tls and not conn.start_tls():
                raise DirectoryDown(f"StartTLS refused: {conn.result.get('description')}")
            return conn, bool(conn.bind())
        except BaseException:
            _close(conn)  # keeps the original error: unbinding a broken socket fails too
            raise

    def _service(self) -> tuple[ldap3.Connection, bool]:
        """This thread's service connection and whether it is a reused one."""
        conn: ldap3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and conn.bound:
            return conn, True
        conn, ok = self._connect(self.config.bind_dn, self._password)
        if not ok:
            reason = conn.result.get("description", "refused")
            _close(conn)
            # The account is ours to fix, not the user's: say so (503), loudly.
            log.error("LDAP service bind as %r failed: %s", self.config.bind_dn, reason)
            raise DirectoryDown(f"the service account bind was refused ({reason})")
        self._local.conn = conn
        with self._lock:
            self._open.append(conn)
        return conn, False

    def _drop_service(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._open:
                    self._open.remove(conn)
            _close(conn)

    def _search(
        self, base: str, search_filter: str, attributes: list[str], limit: int = 0
    ) -> list[dict[str, Any]]:
        """Search on the service connection. A reused connection that fails (the server
        restarted or dropped it while idle) is rebuilt once; a fresh one that fails means
        the directory is down, and trying again would only double the wait."""
        while True:
            reused = False
            try:
                conn, reused = self._service()
                conn.search(
                    base,
                    search_filter,
                    search_scope=ldap3.SUBTREE,
                    attributes=attributes,
                    size_limit=limit,
                    time_limit=self._seconds,
                )
            except LDAPException as exc:
                self._drop_service()
                if reused:
                    continue
                raise DirectoryDown(reason_of(exc)) from None
            result = conn.result.get("result", 0)
            if result in (0, 4, 32):  # success, size limit exceeded, no such object
                return [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
            self._drop_service()
            if not reused:
                raise DirectoryDown(f"search failed: {conn.result.get('description')}")

    def close(self) -> None:
        with self._lock:
            conns, self._open = self._open, []
        for conn in conns:
            _close(conn)

    # --- the three steps -----------------------------------------------------------------
    def find_user(self, username: str) -> UserEntry | None:
        """The one entry USER_FILTER matches, or None (no entry, or several: ambiguous)."""
        search_filter = self.config.user_filter.replace("{username}", escape_filter_chars(username))
        attrs = [self.config.username_attribute, "displayName", "cn", "mail"]
        entries = self._search(self.config.user_base, search_filter, attrs, limit=2)
        if len(entries) != 1:
            if entries:
                log.warning("LDAP user filter matched several entries for %r", username)
            return None
        entry = entries[0]
        name = _first(entry, self.config.username_attribute)
        if not name:
            return None
        display = _first(entry, "displayName") or _first(entry, "cn")
        return UserEntry(entry["dn"], name, display, _first(entry, "mail"))

    def check_password(self, dn: str, password: str) -> bool:
        """Whether ``password`` binds as ``dn``. An empty one never does: a simple bind with
        an empty password is an anonymous bind, which servers report as a success."""
        if not password:
            return False
        try:
            conn, ok = self._connect(dn, password)
        except LDAPException as exc:
            raise DirectoryDown(reason_of(exc)) from None
        result = conn.result.get("result")
        _close(conn)
        if not ok and result != INVALID_CREDENTIALS:
            log.info("LDAP bind of %r refused: %s", dn, conn.result.get("description"))
        return ok

    def groups(self, user: UserEntry) -> list[str]:
        """The names of the user's groups; with NESTED_GROUPS, of the groups around those
        too, breadth first up to NESTED_DEPTH levels (cycles are visited once)."""
        config = self.config
        if not config.group_base:
            return []
        name_attr = config.group_name_attribute
        seen: dict[str, str] = {}  # group DN (lower case) -> name
        frontier = [user.dn]
        for depth in range(config.nested_depth if config.nested_groups else 1):
            found: list[str] = []
            for member in frontier:
                if depth > 0 and "{dn}" not in config.group_filter:
                    break  # a {username}-only filter (memberUid) cannot nest
                # Deeper down {username} stands for the group itself, which no memberUid holds.
                name = user.username if depth == 0 else member
                search_filter = config.group_filter.replace("{dn}", escape_filter_chars(member))
                search_filter = search_filter.replace("{username}", escape_filter_chars(name))
                for entry in self._search(config.group_base, search_filter, [name_attr]):
                    key = entry["dn"].lower()
                    if key not in seen:
                        seen[key] = _first(entry, name_attr) or entry["dn"]
                        found.append(entry["dn"])
            if not found:
                break
            frontier = found
        return sorted(set(seen.values()), key=str.casefold)
