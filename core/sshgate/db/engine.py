"""The async engine and session factory, with SQLite set up for real transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import await_only

from ..errors import StartupError


def _sqlite_engine(url: URL) -> AsyncEngine:
    memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {"connect_args": {"timeout": 30}}
    if memory:
        # One shared connection, or every checkout would see a different empty database.
        options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    engine = create_async_engine(url, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling skips BEGIN before DDL, so a failing migration
        # would leave half its tables behind. Take over: no implicit transactions, and an
        # explicit BEGIN from the "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, waiting up to busy_timeout. A deferred
        # BEGIN that reads and then writes (touching "last seen") fails at once with
        # "database is locked" when another connection writes meanwhile.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# A database that is down or does not answer must turn into a quick 503, not a request that
# hangs until the client gives up. PostgreSQL only: SQLite's busy timeout (30 s) waits for
# other writers on purpose, and a local file does not "hang".
CONNECT_TIMEOUT = 5.0  # seconds to open a connection (TCP, TLS, authentication)
POOL_TIMEOUT = 5.0  # seconds to wait for a free pooled connection
STATEMENT_TIMEOUT = 10.0  # the server cancels a statement running longer (statement_timeout)
# The client gives up on a statement the server does not answer at all (a frozen network):
# a little later than the server's own limit, so a slow server cancels cleanly first.
COMMAND_TIMEOUT = STATEMENT_TIMEOUT + 2
PING_TIMEOUT = 2.0  # pool_pre_ping's "SELECT 1" before reusing a pooled connection


def _query_seconds(url: URL, name: str, default: float) -> float:
    value = url.query.get(name)
    if isinstance(value, tuple):  # given more than once: the last one
        value = value[-1]
    return default if value is None else float(value)


def _postgres_engine(url: URL, *, statement_timeouts: bool) -> AsyncEngine:
    # asyncpg's own `timeout` / `command_timeout` in the URL's query win over the defaults.
    connect_args: dict[str, Any] = {"timeout": _query_seconds(url, "timeout", CONNECT_TIMEOUT)}
    if statement_timeouts:
        connect_args["command_timeout"] = _query_seconds(url, "command_timeout", COMMAND_TIMEOUT)
        connect_args["server_settings"] = {"statement_timeout": str(int(STATEMENT_TIMEOUT * 1000))}
    engine = create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=POOL_TIMEOUT,
        connect_args=connect_args,
    )
    _quick_pre_ping(engine)
    return engine


def _quick_pre_ping(engine: AsyncEngine) -> None:
    """Give ``pool_pre_ping`` a timeout of its own. asyncpg's adapter pings with the full
    command timeout, so over a dead network every checkout of a pooled connection would
    wait that long before it is found broken and replaced (or the request answered 503)."""
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    dialect = engine.sync_engine.dialect
    if dialect.driver != "asyncpg" or not hasattr(AsyncAdapt_asyncpg_connection, "_async_ping"):
        return  # another driver, or a SQLAlchemy whose adapter differs: keep its own ping

    def do_ping(dbapi_connection: Any) -> bool:
        try:
            await_only(asyncio.wait_for(dbapi_connection._async_ping(), PING_TIMEOUT))
        except Exception as error:
            dbapi_connection._handle_exception(error)  # driver errors as DBAPI errors
        return True

    dialect.do_ping = do_ping  # type: ignore[method-assign]


def create_engine(url: str, *, statement_timeouts: bool = True) -> AsyncEngine:
    """The engine for ``url``. ``statement_timeouts=False`` (PostgreSQL): no limit on how
    long a statement may run, for migrations, which may wait for another worker's."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return _postgres_engine(parsed, statement_timeouts=statement_timeouts)


# PostgreSQL SQLSTATE classes that say "the database cannot serve you now", not "your
# statement is wrong": connection exception, insufficient resources (too many clients),
# operator intervention (shutting down, restarting, terminated, statement timeout).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
# And when opening a connection (no statement): login refused, no such database, database
# "not currently accepting connections".
_CONNECT_SQLSTATE_CLASSES = ("28", "3D", "55")
# SQLite's ways of saying the same: another writer held the lock past the busy timeout, or
# the file cannot be opened or read.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")
_DRIVER_MODULES = ("sqlalchemy.", "asyncpg.", "aiosqlite.")


def unavailable_reason(error: BaseException) -> str | None:
    """Why ``error`` means the database is down or not answering, in a few words; ``None``
    when it is anything else (a bug, a constraint violation, bad SQL)."""
    from sqlalchemy import exc as sa_exc

    if isinstance(error, sa_exc.TimeoutError):  # every pooled connection busy for too long
        return "no free database connection"
    if isinstance(error, sa_exc.DisconnectionError):
        return "database connection lost"
    if isinstance(error, sa_exc.DBAPIError):
        orig = error.orig
        sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if error.connection_invalidated:
            return "database connection lost"
        if isinstance(sqlstate, str) and sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES:
            return f"database error {sqlstate}"
        connecting = error.statement is None and not isinstance(error, sa_exc.IntegrityError)
        if connecting and isinstance(sqlstate, str) and sqlstate[:2] in _CONNECT_SQLSTATE_CLASSES:
            return f"cannot connect to the database (error {sqlstate})"
        if type(orig).__module__.startswith("sqlite3"):
            message = str(orig).lower()
            return next((m for m in _SQLITE_UNAVAILABLE if m in message), None)
        if isinstance(error, sa_exc.InterfaceError):  # asyncpg: "connection is closed"
            return "database connection lost"
        cause = orig.__cause__ if orig is not None else None
        if isinstance(cause, TimeoutError | OSError):  # the socket under the driver
            return "database connection lost"
        return None
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        asyncpg = None
    if asyncpg is not None and isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
        # Untranslated driver errors come from opening a connection: refused logins,
        # "not currently accepting connections", "the database system is starting up".
        return f"cannot connect to the database ({type(error).__name__})"
    if isinstance(error, TimeoutError | OSError) and _raised_in_driver(error):
        if isinstance(error, TimeoutError):
            return "the database did not answer in time"
        return "cannot connect to the database"
    return None


def _raised_in_driver(error: BaseException) -> bool:
    """Whether the traceback runs through SQLAlchemy or a database driver: a timeout or a
    refused connection there is the database's, not an SSH server's or a file's."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith(_DRIVER_MODULES):
            return True
        tb = tb.tb_next
    return False


def display_url(url: str | URL) -> str:
    """The URL with its password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """Engine plus session factory; one per app, in ``app.extensions["sshgate"].db``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def check_reachable(self) -> None:
        """Raise :class:`StartupError` with one line when the database cannot be used."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # driver errors have no common base class
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StartupError(
                f"database unreachable at {display_url(self.url)}: {reason}"
            ) from None

    async def dispose(self) -> None:
        await self.engine.dispose()
