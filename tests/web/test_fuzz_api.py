"""Fuzz every operation of the app's OpenAPI document with Schemathesis: no input, valid or
not, may get a 5xx. Bad input is a 4xx JSON error that says what was wrong.

The app runs on a real Hypercorn (``live_server``) on SQLite, in the test's event loop;
Schemathesis' synchronous client runs in a worker thread so that the loop keeps serving.
Examples are derandomized (the same every run) and bounded per operation.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.sshgate_db("sqlite")

MAX_EXAMPLES = 20  # per operation, valid and invalid input mixed
REQUEST_TIMEOUT = 15  # seconds; a hung request is a failure as much as a 500

# Operations not fuzzed, and why:
EXCLUDED = {
    # They end the fuzzer's own credentials, and every later request would be a 401.
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/password"),  # changing one's own password ends one's sessions
    ("DELETE", "/api/auth/sessions/{handle}"),  # revoking one's own sessions
    ("DELETE", "/api/auth/api-keys/{key_id}"),  # revoking one's own keys
    # Opens a real SSH connection to the server's host, which the fuzzer sets at will.
    ("POST", "/api/servers/{server_id}/test"),
}
# Administration of users is fuzzed, but never on the fuzzer's own account: deleting,
# disabling or demoting it, or resetting its password or sessions, would end the run.
OWN_ACCOUNT_GUARDED = "/api/admin/users/{user_id}"


@dataclass
class Found:
    failures: dict[str, str] = field(default_factory=dict)
    operations: int = 0


def fuzz(schema: schemathesis.BaseSchema, base_url: str, token: str, own_id: int) -> Found:
    found = Found()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        found.operations += 1
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
            suppress_health_check=list(HealthCheck),
            verbosity=hypothesis.Verbosity.quiet,
        )
        def check(case: schemathesis.Case) -> None:
            if case.operation.path.startswith(OWN_ACCOUNT_GUARDED):
                assume(str((case.path_parameters or {}).get("user_id")) != str(own_id))
            response = case.call(base_url=base_url, session=session, timeout=REQUEST_TIMEOUT)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            check()
        # The first failure of each operation, with its curl line (Schemathesis raises a
        # FailureGroup, a BaseExceptionGroup).
        except (Exception, BaseExceptionGroup) as exc:
            found.failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    return found


async def test_no_operation_answers_a_server_error(live_server, admin_client, make_client):
    # Something to find behind the ids the fuzzer tries first (1, 2, ...).
    await make_client("fuzz-target", role="user")
    server = {"name": "web-1", "host": "10.0.0.5", "username": "deploy", "group": "dev"}
    created = await admin_client.post("/api/servers", json=server)
    assert created.status_code == 201
    snippet = {"name": "uptime", "command": "uptime {{flag}}", "shared": True}
    assert (await admin_client.post("/api/snippets", json=snippet)).status_code == 201

    response = await admin_client.get("/openapi.json")
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(await response.get_json())
    started = time.monotonic()
    found = await asyncio.to_thread(
        fuzz, schema, live_server.url, admin_client.token, admin_client.user_id
    )
    elapsed = time.monotonic() - started
    assert found.operations > 40, found.operations
    report = "\n\n".join(f"{label}\n{text}" for label, text in found.failures.items())
    assert not found.failures, f"{len(found.failures)} operations failed:\n\n{report}"
    print(f"fuzzed {found.operations} operations in {elapsed:.1f} s")
