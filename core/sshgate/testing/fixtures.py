"""pytest plugin ``sshgate``: fixtures for testing sshgate and its plugins.

Every test that uses ``db_url`` (directly, or through ``app`` / ``client``) runs once per
database backend: SQLite (a file in ``tmp_path``) and PostgreSQL (a fresh database created
for the test and dropped after it). ``--sshgate-db=sqlite`` narrows the set.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.testing.app import TestApp
from quart.typing import TestClientProtocol
from sqlalchemy.engine import make_url

from ..app import create_app
from ..settings import Settings
from .live import live_server  # noqa: F401  (fixture)
from .services import postgres_admin_url, unavailable
from .ssh import ssh_server, ssh_server_factory  # noqa: F401  (fixtures)
from .sshd import sshd, sshd_password  # noqa: F401  (fixtures)
from .users import admin_client, make_client, user_client  # noqa: F401  (fixtures)

BACKENDS = ("sqlite", "postgresql")
DbUrlFactory = Callable[[], Awaitable[str]]
TEST_SECRET_KEY = "test-secret-key-" + "x" * 32
TEST_ADMIN_PASSWORD = "first-admin-password-1"


class PatientTestApp(TestApp):
    """Quart's lifespan harness (``app.test_app()``) with deadlines a loaded CI machine
    meets: Quart allows 6 s, and migrating a fresh PostgreSQL database while another process
    keeps a core busy can take longer. The deadlines still bound a start-up that hangs."""

    def __init__(self, app: Quart, startup_timeout: int = 120, shutdown_timeout: int = 60) -> None:
        super().__init__(app, startup_timeout=startup_timeout, shutdown_timeout=shutdown_timeout)


def pytest_configure(config: pytest.Config) -> None:
    # Every app a test builds, through the fixtures or create_app directly.
    Quart.test_app_class = PatientTestApp
    config.addinivalue_line(
        "markers", "sshgate_db(*backends): run this DB test only on the named backends"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sshgate")
    group.addoption(
        "--sshgate-db",
        default=",".join(BACKENDS),
        help="comma-separated database backends for DB tests (default: sqlite,postgresql)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        chosen = [b.strip() for b in metafunc.config.getoption("--sshgate-db").split(",")]
        backends = [b for b in BACKENDS if b in chosen]
        # @pytest.mark.sshgate_db("postgresql"): a test that only makes sense on some backends.
        marker = metafunc.definition.get_closest_marker("sshgate_db")
        if marker is not None:
            backends = [b for b in backends if b in marker.args]
        metafunc.parametrize("db_backend", backends, indirect=True, scope="function")


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


async def _pg_execute(admin_url: str, sql: str) -> None:
    import asyncpg

    url = make_url(admin_url).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False), timeout=30)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def db_url_factory(db_backend: str, tmp_path: Path) -> AsyncIterator[DbUrlFactory]:
    """Make fresh, empty databases of the parametrised backend; all dropped afterwards."""
    created: list[str] = []
    admin = postgres_admin_url()

    async def make() -> str:
        if db_backend == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / f'sshgate-{secrets.token_hex(4)}.db'}"
        name = f"sshgate_test_{secrets.token_hex(6)}"
        try:
            await _pg_execute(admin, f'CREATE DATABASE "{name}"')
        except Exception as exc:  # connection refused, auth failure, missing driver ...
            unavailable(f"PostgreSQL at {make_url(admin).render_as_string()}: {exc}")
        created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        for name in created:
            await _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db_url(db_url_factory: DbUrlFactory) -> str:
    """The URL of a fresh, empty database of the parametrised backend."""
    return await db_url_factory()


@pytest.fixture
def sshgate_settings_overrides() -> dict[str, Any]:
    """Override to change settings for the tests of a module."""
    return {}


@pytest.fixture
def sshgate_settings(db_url: str, sshgate_settings_overrides: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {
        "secret_key": TEST_SECRET_KEY,
        "db_url": db_url,
        "host": "127.0.0.1",
        # bcrypt at its minimum cost: tests log in hundreds of times.
        "password_hash_rounds": 4,
        "admin_password": TEST_ADMIN_PASSWORD,
    }
    values.update(sshgate_settings_overrides)
    return Settings.model_validate(values)


@pytest.fixture
def sshgate_plugins() -> list[object]:
    """Extra plugin objects or module names to register; override per test module."""
    return []


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    """Whether installed plugins (the ``sshgate`` entry point group) are loaded."""
    return True


@pytest.fixture
async def app(
    sshgate_settings: Settings, sshgate_plugins: list[object], sshgate_load_entrypoints: bool
) -> AsyncIterator[Quart]:
    """A started app: migrated database, ``startup`` hooks run; shut down afterwards."""
    application = create_app(
        sshgate_settings,
        plugins=sshgate_plugins,
        load_entrypoints=sshgate_load_entrypoints,
        environ={},
    )
    async with application.test_app():
        yield application


@pytest.fixture
def client(app: Quart) -> TestClientProtocol:
    return app.test_client()
