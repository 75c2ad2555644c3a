"""Signed-in test clients: make users in the database, log in through the real API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from quart import Quart
from sqlalchemy import select

from ..auth.models import User
from ..auth.passwords import hash_password
from ..db.types import utcnow

DEFAULT_PASSWORD = "correct-horse-battery-9"


class AuthedClient:
    """A Quart test client that sends ``Authorization: Bearer <token>`` on every request."""

    def __init__(self, app: Quart, token: str, username: str, user_id: int) -> None:
        self.app = app
        self.client = app.test_client()
        self.token = token
        self.username = username
        self.user_id = user_id

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        return await getattr(self.client, method)(path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.request("get", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.request("post", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Any:
        return await self.request("put", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Any:
        return await self.request("patch", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        return await self.request("delete", path, **kwargs)

    def websocket(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.websocket(path, headers=self._headers(headers), **kwargs)


async def create_user(
    app: Quart,
    username: str,
    password: str = DEFAULT_PASSWORD,
    *,
    role: str = "user",
    groups: Sequence[str] = (),
    permissions: Sequence[str] = (),
    must_change_password: bool = False,
) -> int:
    """Insert a user directly (fixture set-up); returns its id. Replaces an existing one."""
    gate = app.extensions["sshgate"]
    hashed = await hash_password(password, gate.settings.password_hash_rounds)
    async with gate.db.session() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username)
            session.add(user)
        user.password_hash = hashed
        user.role = role
        user.allowed_groups = list(groups)
        user.permissions = list(permissions)
        user.must_change_password = must_change_password
        user.disabled = False
        user.password_changed_at = utcnow()
        await session.flush()
        return user.id


async def login(app: Quart, username: str, password: str = DEFAULT_PASSWORD) -> AuthedClient:
    """Log in through ``POST /api/auth/login`` as an API client."""
    client = app.test_client()
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": password, "client": "api"}
    )
    body = await response.get_json()
    if response.status_code != 200 or "token" not in body:
        raise AssertionError(f"login as {username} failed: {response.status_code} {body}")
    return AuthedClient(app, body["token"], username, body["user"]["id"])


ClientFactory = Callable[..., Awaitable[AuthedClient]]


@pytest.fixture
def make_client(app: Quart) -> ClientFactory:
    """``await make_client("bob", role="user", groups=["dev"])``: a user, signed in."""

    async def make(username: str, **options: Any) -> AuthedClient:
        password = options.pop("password", DEFAULT_PASSWORD)
        await create_user(app, username, password, **options)
        return await login(app, username, password)

    return make


@pytest.fixture
async def admin_client(make_client: ClientFactory) -> AuthedClient:
    """An administrator (not the bootstrap ``admin``), signed in with a bearer token."""
    return await make_client("root-admin", role="admin")


@pytest.fixture
async def user_client(make_client: ClientFactory) -> AuthedClient:
    """A plain user ``alice`` who may see group ``dev``."""
    return await make_client("alice", groups=["dev"])
