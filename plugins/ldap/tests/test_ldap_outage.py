"""A directory that is down or hangs: directory users get a clear 503 within the sign-in
timeout, local administrators still sign in (break-glass), sessions already open go on, and
the event loop never waits on ldap3 (a bounded pool of threads does)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from ldap_helpers import audit, error_of, me, sign_in, token_of
from ldap_slapd import USERS, Slapd, start_slapd

from sshgate.testing.fixtures import TEST_ADMIN_PASSWORD
from sshgate.testing.terminal import eventually

# Short on purpose: these tests measure the timeouts themselves. The bounds they assert add
# a wide margin for a loaded machine.
TIMEOUTS = {"connect_timeout": 2, "timeout": 2, "sign_in_timeout": 4}
MARGIN = 20.0


@pytest.fixture
def ldap_directory() -> Iterator[Slapd]:
    """A private directory: these tests stop and freeze it."""
    directory = start_slapd()
    try:
        yield directory
    finally:
        directory.remove()


def pool_threads(app) -> set[threading.Thread]:
    """The threads of this app's directory pool (the plugin's own, looked at from its tests)."""
    return set(app.extensions["sshgate_ldap"]._pool._threads)


async def timed_sign_in(client, username: str, password: str) -> tuple[object, float]:
    started = time.monotonic()
    response = await sign_in(client, username, password)
    return response, time.monotonic() - started


async def assert_unavailable(response, admin_client) -> str:
    assert response.status_code == 503
    code, message = await error_of(response)
    assert code == "provider_unavailable"
    assert "sign-in provider ldap" in message and "local account" in message
    latest = (await audit(admin_client, "auth.login_failed"))[0]["details"]
    assert latest["reason"] == "provider_unavailable" and latest["provider"] == "ldap"
    return message


@pytest.mark.parametrize("ldap_overrides", [TIMEOUTS], indirect=True)
async def test_a_stopped_directory_is_a_503_and_local_admins_still_sign_in(
    client, admin_client, ldap_directory
):
    token = await token_of(client, "alice", USERS["alice"])  # a session from before
    ldap_directory.stop()

    response, took = await timed_sign_in(client, "bob", USERS["bob"])
    message = await assert_unavailable(response, admin_client)
    assert "connection refused" in message.lower()
    assert took < TIMEOUTS["sign_in_timeout"] + MARGIN

    local = await sign_in(client, "admin", TEST_ADMIN_PASSWORD)  # break-glass
    assert local.status_code == 200 and (await local.get_json())["user"]["source"] == "local"
    assert (await me(client, token))["username"] == "alice"  # the open session goes on

    # Back up: the next sign-in works again (nothing remembers the outage).
    ldap_directory.launch()
    assert (await sign_in(client, "bob", USERS["bob"])).status_code == 200


@pytest.mark.parametrize("ldap_overrides", [TIMEOUTS], indirect=True)
async def test_a_hanging_directory_is_given_up_within_the_sign_in_timeout(
    client, admin_client, ldap_directory
):
    await token_of(client, "alice", USERS["alice"])  # leaves a pooled service connection
    ldap_directory.pause()
    try:
        response, took = await timed_sign_in(client, "bob", USERS["bob"])
        await assert_unavailable(response, admin_client)
        assert took < TIMEOUTS["sign_in_timeout"] + MARGIN

        local = await sign_in(client, "admin", TEST_ADMIN_PASSWORD)
        assert local.status_code == 200
    finally:
        ldap_directory.resume()
    # The frozen connections time out on their own; then sign-ins work again.
    await eventually(
        lambda: _signs_in(client, "bob", USERS["bob"]), "a sign-in once the directory answers"
    )


async def _signs_in(client, username: str, password: str) -> bool:
    return (await sign_in(client, username, password)).status_code == 200


@pytest.mark.parametrize("ldap_overrides", [TIMEOUTS | {"pool_size": 1}], indirect=True)
async def test_waiting_sign_ins_never_block_the_event_loop_nor_add_threads(
    app, client, ldap_directory
):
    ldap_directory.pause()
    try:
        attempts = [
            asyncio.create_task(sign_in(client, name, USERS[name]))
            for name in ("alice", "bob", "carol")
        ]
        # While all three wait on the frozen directory, the app answers other requests.
        started = time.monotonic()
        health = await client.get("/api/health")
        assert health.status_code == 200
        assert time.monotonic() - started < TIMEOUTS["sign_in_timeout"]
        assert len(pool_threads(app)) <= 1
        responses = await asyncio.gather(*attempts)
        assert [r.status_code for r in responses] == [503, 503, 503]
        assert len(pool_threads(app)) <= 1
    finally:
        ldap_directory.resume()


@pytest.mark.parametrize("ldap_overrides", [{"pool_size": 2}], indirect=True)
async def test_concurrent_sign_ins_share_the_bounded_pool(app, client, ldap_directory):
    names = ["alice", "bob", "carol", "erin"] * 2
    responses = await asyncio.gather(*(sign_in(client, n, USERS[n]) for n in names))
    assert [r.status_code for r in responses] == [200] * len(names)
    assert 1 <= len(pool_threads(app)) <= 2
