"""Fixtures of the OIDC plugin's tests: a real OpenID provider (django-oidc-provider, its own
process), sshgate configured against it, and helpers that walk the authorization code flow
the way a browser does (the provider's login form, its redirects)."""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import pytest
from oidc_op import CLIENT_ID, CLIENT_SECRET, USERS, OpenIdProvider, build_provider

from sshgate.testing.services import unavailable

TEST_CALLBACK = "http://localhost/api/oidc/callback"  # the Quart test client's origin


@pytest.fixture(scope="session")
def openid_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    if importlib.util.find_spec("oidc_provider") is None or not importlib.util.find_spec("django"):
        unavailable("django-oidc-provider (pip install 'sshgate-oidc[test]')")
    op = build_provider(tmp_path_factory.mktemp("openid-provider"))
    op.allow_redirect(TEST_CALLBACK)
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
def oidc_extra() -> dict[str, Any]:
    """Settings a module or test adds (parametrize it indirectly)."""
    return {}


@pytest.fixture
def oidc_config(openid_provider: OpenIdProvider, oidc_extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "issuer": openid_provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "provider_name": "Test OP",
        "group_map": {"engineering": ["dev"], "sales": []},
        "admin_groups": ["sshgate-admins"],
        **oidc_extra,
    }


@pytest.fixture
def sshgate_settings_overrides(oidc_config: dict[str, Any]) -> dict[str, Any]:
    return {"plugin_settings": {"oidc": oidc_config}}


async def start_flow(client: Any) -> str:
    """``GET /api/oidc/start``: the provider's authorization URL it redirects to."""
    response = await client.get("/api/oidc/start")
    assert response.status_code == 302, await response.get_data(as_text=True)
    return str(response.headers["Location"])


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, drop: tuple[str, ...] = (), **changes: str) -> str:
    """``url`` with query parameters changed (and those named in ``drop`` removed)."""
    query = {k: v for k, v in {**query_of(url), **changes}.items() if k not in drop}
    return urlunsplit(urlsplit(url)._replace(query=urlencode(query)))


async def op_sign_in(authorize_url: str, username: str, password: str | None = None) -> str:
    """Sign in at the provider like a browser (its login form, CSRF token, redirects); the
    callback URL it sends the browser back to."""
    password = password or USERS[username][0]
    async with httpx.AsyncClient(follow_redirects=False, timeout=30) as http:
        answer = await http.get(authorize_url)
        assert answer.status_code == 302, answer.text
        login_url = urljoin(authorize_url, answer.headers["location"])
        page = await http.get(login_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None, page.text
        form = {
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": password,
            "next": query_of(login_url)["next"],
        }
        posted = await http.post(login_url, data=form)
        assert posted.status_code == 302, posted.text
        back = await http.get(urljoin(login_url, posted.headers["location"]))
        if back.status_code == 200 and 'name="allow"' in back.text:
            # The consent page (the provider asks it for public clients): allow.
            hidden = re.findall(r'<input name="([^"]+)" type="hidden" value="([^"]*)"', back.text)
            fields = {name: html.unescape(value) for name, value in hidden}
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', back.text)
            assert token is not None, back.text
            consent = {**fields, "csrfmiddlewaretoken": token.group(1), "allow": "Authorize"}
            back = await http.post(urljoin(login_url, "/openid/authorize"), data=consent)
        assert back.status_code == 302, back.text
        return str(back.headers["location"])


async def call_back(client: Any, callback_url: str, **headers: str) -> Any:
    """Deliver the provider's redirect to sshgate's callback (path and query only)."""
    parts = urlsplit(callback_url)
    return await client.get(parts.path, query_string=query_of(callback_url), headers=headers)


async def sign_in_flow(client: Any, username: str) -> Any:
    """The whole flow; the callback's answer."""
    return await call_back(client, await op_sign_in(await start_flow(client), username))


async def audit(admin_client: Any, action: str) -> list[dict[str, Any]]:
    response = await admin_client.get("/api/audit", query_string={"action": action})
    assert response.status_code == 200, await response.get_json()
    return list((await response.get_json())["entries"])


async def error_of(response: Any) -> dict[str, Any]:
    body = await response.get_json()
    assert body is not None, await response.get_data(as_text=True)
    return dict(body["error"])
