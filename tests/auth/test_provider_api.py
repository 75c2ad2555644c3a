"""``check_sign_in``, ``fail_sign_in`` and ``sign_in(..., create=False)`` of ``sshgate.api``:
what a redirect-style provider (OIDC) calls around its own flow, so that lockout and the
audit log treat its sign-ins like password ones. Exercised through a plugin of the test's
own, registered in-process."""

from __future__ import annotations

import asyncio
import types

import pytest
from quart import Blueprint, Quart, request

from sshgate.api import Identity, check_sign_in, fail_sign_in, hookimpl, public, sign_in
from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD

PROVIDER = "flowsso"
bp = Blueprint("flowsso", __name__, url_prefix="/api/flowsso")


@bp.get("/start")
@public
async def start() -> dict[str, bool]:
    await check_sign_in()
    return {"ok": True}


@bp.get("/fail")
@public
async def fail() -> dict[str, bool]:
    await fail_sign_in(PROVIDER, request.args["reason"], username=request.args.get("user"))
    return {"ok": True}


@bp.get("/callback")
@public
async def callback():
    identity = Identity(provider=PROVIDER, username=request.args["user"], groups=("dev",))
    return await sign_in(identity, client="api", create=request.args.get("create") != "no")


def _register_blueprints(app: Quart) -> list[Blueprint]:
    return [bp]


flow = types.ModuleType("sshgate_flowsso")
flow.register_blueprints = hookimpl(_register_blueprints)


@pytest.fixture
def sshgate_plugins() -> list[types.ModuleType]:
    return [flow]


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True  # the repository's test plugin, with its password provider "testdir"


@pytest.fixture
def sshgate_settings_overrides(request: pytest.FixtureRequest) -> dict:
    return getattr(request, "param", {})


async def audit(admin_client, action: str) -> list[dict]:
    response = await admin_client.get("/api/audit", query_string={"action": action})
    assert response.status_code == 200, await response.get_json()
    return (await response.get_json())["entries"]


async def test_create_false_signs_in_known_accounts_only(client, admin_client):
    unknown = await client.get("/api/flowsso/callback?user=fay&create=no")
    assert unknown.status_code == 403
    error = (await unknown.get_json())["error"]
    assert error["code"] == "account_unknown" and "flowsso" in error["message"]
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["actor"] == "fay"
    assert entry["details"]["reason"] == "account_unknown"
    assert entry["details"]["provider"] == PROVIDER
    listed = (await (await admin_client.get("/api/admin/users")).get_json())["users"]
    assert "fay" not in {u["username"] for u in listed}

    assert (await client.get("/api/flowsso/callback?user=fay")).status_code == 200  # created
    again = await client.get("/api/flowsso/callback?user=fay&create=no")
    assert again.status_code == 200
    assert (await again.get_json())["user"]["source"] == PROVIDER


async def test_fail_sign_in_is_audited_with_the_provider_and_a_clean_name(client, admin_client):
    response = await client.get(
        "/api/flowsso/fail", query_string={"reason": "bad_state", "user": "mal\nlory"}
    )
    assert response.status_code == 200
    [entry] = await audit(admin_client, "auth.login_failed")
    assert entry["actor"] == "mal?lory" and entry["outcome"] == "failure"
    assert entry["details"]["reason"] == "bad_state"
    assert entry["details"]["provider"] == PROVIDER
    anonymous = await client.get("/api/flowsso/fail", query_string={"reason": "replayed_code"})
    assert anonymous.status_code == 200
    latest = (await audit(admin_client, "auth.login_failed"))[0]
    assert latest["actor"] is None and latest["details"]["reason"] == "replayed_code"


@pytest.mark.parametrize(
    "sshgate_settings_overrides", [{"login_ip_max_failures": 3}], indirect=True
)
async def test_provider_failures_lock_the_address_out_of_every_sign_in(client):
    assert (await client.get("/api/flowsso/start")).status_code == 200
    for _ in range(3):
        await client.get("/api/flowsso/fail", query_string={"reason": "bad_nonce"})
    locked = await client.get("/api/flowsso/start")
    assert locked.status_code == 429
    assert (await locked.get_json())["error"]["code"] == "too_many_attempts"
    # The same lockout as password sign-ins: the local admin's form is locked too, and so is
    # the provider's own callback.
    password = await client.post(
        "/api/auth/login",
        json={"username": "admin", "password": TEST_ADMIN_PASSWORD, "client": "api"},
    )
    assert password.status_code == 429
    assert (await client.get("/api/flowsso/callback?user=gus")).status_code == 429


@pytest.mark.parametrize("sshgate_settings_overrides", [{"login_max_failures": 2}], indirect=True)
async def test_provider_failures_with_a_name_lock_that_account(client):
    for _ in range(2):
        await client.get("/api/flowsso/fail", query_string={"reason": "bad_token", "user": "hal"})
    assert (await client.get("/api/flowsso/callback?user=hal")).status_code == 429
    assert (await client.get("/api/flowsso/callback?user=ida")).status_code == 200


async def test_a_name_no_provider_vouches_for_is_audited_with_the_providers_asked(
    client, admin_client
):
    response = await client.post(
        "/api/auth/login",
        json={"username": "nobody-known", "password": "some-password-1", "client": "api"},
    )
    assert response.status_code == 401
    [entry] = await audit(admin_client, "auth.login_failed")
    asked = entry["details"]["provider"].split(",")
    assert "testplugin" in asked and "local" not in asked  # the test plugin's directory


async def test_concurrent_first_sign_ins_of_one_name_make_one_account(client, admin_client):
    responses = await asyncio.gather(
        *(client.get("/api/flowsso/callback?user=twin") for _ in range(6))
    )
    assert [r.status_code for r in responses] == [200] * 6
    ids = {(await r.get_json())["user"]["id"] for r in responses}
    assert len(ids) == 1
    listed = (await (await admin_client.get("/api/admin/users")).get_json())["users"]
    assert [u["username"] for u in listed].count("twin") == 1
