"""Command snippets: CRUD, privacy, shared snippets, ``{param}`` templates and audited runs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sshgate.snippets.models import Snippet


async def create(client, name="restart", command="sudo systemctl restart {service}", **fields):
    response = await client.post("/api/snippets", json={"name": name, "command": command, **fields})
    assert response.status_code == 201, await response.get_json()
    return await response.get_json()


async def names(client, query=""):
    response = await client.get(f"/api/snippets{query}")
    assert response.status_code == 200, await response.get_json()
    return [s["name"] for s in (await response.get_json())["snippets"]]


async def add_server(admin, name, group):
    body = {"name": name, "host": "10.0.0.5", "username": "deploy", "group": group}
    response = await admin.post("/api/servers", json={**body, "password": "pw-not-real-1"})
    assert response.status_code == 201, await response.get_json()
    return await response.get_json()


async def audit(admin, action="snippets.*"):
    response = await admin.get("/api/audit", query_string={"action": action})
    assert response.status_code == 200
    return (await response.get_json())["entries"]


def error_of(body):
    return body["error"]["message"]


async def test_crud_round_trip(user_client):
    created = await create(
        user_client,
        command="ssh {host} -p {port} 'uptime; who'",
        description="load and users",
        tags=["ops", "ops", "daily"],
        confirm=True,
    )
    assert created["params"] == ["host", "port"]
    assert created["tags"] == ["ops", "daily"]
    assert (created["confirm"], created["shared"], created["editable"]) == (True, False, True)
    fetched = await (await user_client.get(f"/api/snippets/{created['id']}")).get_json()
    assert fetched == created

    response = await user_client.patch(
        f"/api/snippets/{created['id']}",
        json={"name": "uptime", "command": "uptime\nfree -m", "confirm": False},
    )
    updated = await response.get_json()
    assert response.status_code == 200, updated
    assert (updated["name"], updated["command"], updated["confirm"]) == (
        "uptime",
        "uptime\nfree -m",
        False,
    )
    assert updated["params"] == [] and updated["description"] == "load and users"
    assert await names(user_client) == ["uptime"]

    assert (await user_client.delete(f"/api/snippets/{created['id']}")).status_code == 200
    assert (await user_client.get(f"/api/snippets/{created['id']}")).status_code == 404
    assert await names(user_client) == []


async def test_changes_are_audited_with_field_names(admin_client, user_client):
    created = await create(user_client)
    await user_client.patch(f"/api/snippets/{created['id']}", json={"confirm": True})
    await user_client.delete(f"/api/snippets/{created['id']}")
    entries = await audit(admin_client, "snippets.changed")
    changes = [(e["actor"], e["target"], e["details"]["change"]) for e in reversed(entries)]
    assert changes == [
        ("alice", "restart", "created"),
        ("alice", "restart", "updated"),
        ("alice", "restart", "deleted"),
    ]
    assert entries[1]["details"]["fields"] == ["confirm"]


async def test_personal_snippets_are_private(admin_client, user_client, make_client):
    bob = await make_client("bob", groups=["dev"])
    mine = await create(user_client)
    path = f"/api/snippets/{mine['id']}"
    for other in (bob, admin_client):  # administrators included
        assert await names(other) == []
        assert (await other.get(path)).status_code == 404
        assert (await other.patch(path, json={"confirm": True})).status_code == 404
        assert (await other.delete(path)).status_code == 404
        assert (await other.post(f"{path}/render", json={"params": {}})).status_code == 404
    # The same name is free for someone else.
    await create(bob)
    assert await names(bob) == ["restart"]


async def test_shared_snippets_are_seen_by_all_and_changed_by_admins(admin_client, user_client):
    shared = await create(admin_client, "disk", "df -h {path}", shared=True)
    assert shared["shared"] is True and shared["editable"] is True
    (seen,) = (await (await user_client.get("/api/snippets")).get_json())["snippets"]
    assert (seen["name"], seen["shared"], seen["editable"]) == ("disk", True, False)
    path = f"/api/snippets/{shared['id']}"
    assert (await user_client.get(path)).status_code == 200
    assert (await user_client.patch(path, json={"name": "mine"})).status_code == 403
    assert (await user_client.delete(path)).status_code == 403
    refused = await user_client.post(
        "/api/snippets", json={"name": "x", "command": "ls", "shared": True}
    )
    assert refused.status_code == 403

    assert (await admin_client.patch(path, json={"command": "df -hT {path}"})).status_code == 200
    rendered = await user_client.post(f"{path}/render", json={"params": {"path": "/srv"}})
    assert (await rendered.get_json())["command"] == "df -hT /srv"

    # Publishing a personal snippet, and taking a shared one back, is for administrators.
    own = await create(user_client, "own", "ls")
    publish = await user_client.patch(f"/api/snippets/{own['id']}", json={"shared": True})
    assert publish.status_code == 403
    admin_own = await create(admin_client, "tail-log", "tail -f /var/log/{log}")
    published = await admin_client.patch(f"/api/snippets/{admin_own['id']}", json={"shared": True})
    assert (await published.get_json())["shared"] is True
    assert await names(user_client) == ["own", "disk", "tail-log"]  # personal first

    assert (await admin_client.delete(path)).status_code == 200
    assert await names(user_client) == ["own", "tail-log"]


async def test_duplicate_names_conflict_per_owner(admin_client, user_client):
    first = await create(user_client, "deploy", "make deploy")
    again = await user_client.post("/api/snippets", json={"name": "deploy", "command": "x"})
    assert again.status_code == 409 and "deploy" in error_of(await again.get_json())
    # A shared snippet may share a personal one's name, but not another shared one's.
    await create(admin_client, "deploy", "make deploy", shared=True)
    twice = await admin_client.post(
        "/api/snippets", json={"name": "deploy", "command": "y", "shared": True}
    )
    assert twice.status_code == 409
    other = await create(user_client, "build", "make")
    rename = await user_client.patch(f"/api/snippets/{other['id']}", json={"name": "deploy"})
    assert rename.status_code == 409
    same = await user_client.patch(f"/api/snippets/{first['id']}", json={"name": "deploy"})
    assert same.status_code == 200


async def test_the_database_backs_the_shared_name_check(app):
    # Two racing requests both pass the route's check; the partial unique index stops the
    # second (NULL owners are distinct in the plain UNIQUE constraint).
    db = app.extensions["sshgate"].db
    async with db.session() as session:
        session.add(Snippet(owner_id=None, name="twin", command="a"))
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            session.add(Snippet(owner_id=None, name="twin", command="b"))
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Snippet)) == 1


async def test_search_covers_name_command_and_tags(admin_client, user_client):
    await create(user_client, "restart", "sudo systemctl restart {service}", tags=["systemd"])
    await create(user_client, "logs", "journalctl -u {unit} -n 100_000", tags=["journal"])
    await create(admin_client, "disk usage", "du -sh *", shared=True, tags=["storage"])
    assert await names(user_client, "?q=RESTART") == ["restart"]
    assert await names(user_client, "?q=journalctl") == ["logs"]
    assert await names(user_client, "?q=storage") == ["disk usage"]
    assert await names(user_client, "?q=systemd") == ["restart"]
    assert await names(user_client, "?q=100_0") == ["logs"]  # "_" is literal, not a wildcard
    assert await names(user_client, "?q=nothing-like-it") == []


@pytest.mark.parametrize(
    ("command", "params", "values", "rendered"),
    [
        ("ssh {host} -p {port} && ping {host}", ["host", "port"], {"host": "h", "port": "2"},
         "ssh h -p 2 && ping h"),
        ("awk '{{print $1}}' {file}", ["file"], {"file": "a.txt"}, "awk '{print $1}' a.txt"),
        ("echo {{literal}} }}{{", [], {}, "echo {literal} }{"),
        ("echo {{{x}}}", ["x"], {"x": "v"}, "echo {v}"),
        ("grep {pattern} {dir_1} # {pattern}", ["pattern", "dir_1"],
         {"pattern": "two words", "dir_1": ""}, "grep two words  # two words"),
        ("for h in {hosts}; do\n  ping -c1 $h\ndone", ["hosts"], {"hosts": "a b"},
         "for h in a b; do\n  ping -c1 $h\ndone"),
    ],
)  # fmt: skip
async def test_placeholders_are_parsed_and_rendered(user_client, command, params, values, rendered):
    snippet = await create(user_client, command=command)
    assert snippet["params"] == params
    response = await user_client.post(
        f"/api/snippets/{snippet['id']}/render", json={"params": values}
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert body == {"command": rendered, "confirm": False}


async def test_missing_unknown_and_unsafe_values_are_refused(user_client):
    snippet = await create(user_client, command="ssh {host} -p {port}")
    path = f"/api/snippets/{snippet['id']}/render"

    async def refused(params):
        response = await user_client.post(path, json={"params": params})
        assert response.status_code == 400, params
        return error_of(await response.get_json())

    assert "'port'" in await refused({"host": "h"})
    message = await refused({})
    assert "'host'" in message and "'port'" in message
    assert "'user'" in await refused({"host": "h", "port": "1", "user": "x"})
    # A newline would end the command line and start a second one.
    for value in ("h\nrm -rf /", "h\r", "h\x00", "h\x1b[2J", "h\x9b"):
        assert "params.host" in await refused({"host": value, "port": "22"}), value
    assert "params.port" in await refused({"host": "h", "port": 22})  # strings only


@pytest.mark.parametrize(
    "command",
    ["echo {", "echo }", "echo {bad name}", "echo {1st}", "echo {}", "awk '{print $1}'"],
)
async def test_malformed_templates_are_refused_at_save(user_client, command):
    response = await user_client.post("/api/snippets", json={"name": "x", "command": command})
    assert response.status_code == 400
    assert "command" in error_of(await response.get_json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": "bell\x07"}, "name"),
        ({"command": ""}, "command"),
        ({"command": "x" * 10_001}, "command"),
        ({"command": "echo \x1b[31mred"}, "command"),
        ({"tags": [""]}, "tags"),
        ({"confirm": "yes"}, "confirm"),
        ({"shared": 1}, "shared"),
        ({"description": "d" * 2001}, "description"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_validation_errors_name_the_field(user_client, body, field):
    response = await user_client.post("/api/snippets", json={"name": "ok", "command": "ls", **body})
    assert response.status_code == 400, body
    assert field in error_of(await response.get_json())


async def test_updates_refuse_nulls_and_normalise_line_ends(user_client):
    snippet = await create(user_client, command="uptime\r\nfree -m")
    assert snippet["command"] == "uptime\nfree -m"
    response = await user_client.patch(f"/api/snippets/{snippet['id']}", json={"name": None})
    assert response.status_code == 400 and "name" in error_of(await response.get_json())


async def test_run_authorizes_on_the_server_and_is_audited(admin_client, user_client, make_client):
    dev = await add_server(admin_client, "dev-web", "dev")
    prod = await add_server(admin_client, "prod-db", "prod")
    snippet = await create(
        user_client, "connect", "psql -h {host} -U app --password={db_password}", confirm=True
    )
    path = f"/api/snippets/{snippet['id']}/run"
    params = {"host": "db.internal", "db_password": "hunter2-hunter2"}
    response = await user_client.post(
        path, json={"server_id": dev["id"], "params": params, "session_id": "A" * 43}
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert body == {
        "command": "psql -h db.internal -U app --password=hunter2-hunter2",
        "confirm": True,
    }

    # Not in the server's group: the server does not exist for alice; unknown ids neither.
    for server_id in (prod["id"], 999_999):
        denied = await user_client.post(path, json={"server_id": server_id, "params": params})
        assert denied.status_code in (403, 404), server_id
    # A user of another group, running a shared snippet on a server they cannot see.
    shared = await create(admin_client, "up", "uptime", shared=True)
    carol = await make_client("carol", groups=["ops"])
    refused = await carol.post(f"/api/snippets/{shared['id']}/run", json={"server_id": dev["id"]})
    assert refused.status_code in (403, 404)
    missing = await user_client.post(path, json={"server_id": dev["id"], "params": {}})
    assert missing.status_code == 400

    (entry,) = await audit(admin_client, "snippets.run")
    assert (entry["actor"], entry["target"], entry["outcome"]) == ("alice", "dev-web", "success")
    details = entry["details"]
    assert details["snippet"] == "connect" and details["session_id"] == "A" * 12
    # The password typed into a secret-looking parameter never reaches the audit log.
    assert details["command"] == "psql -h db.internal -U app --password=[redacted]"
    assert "hunter2" not in str(entry)


async def test_run_audits_only_the_first_200_characters(admin_client, user_client):
    server = await add_server(admin_client, "dev-web", "dev")
    snippet = await create(user_client, "long", "echo {text}")
    response = await user_client.post(
        f"/api/snippets/{snippet['id']}/run",
        json={"server_id": server["id"], "params": {"text": "x" * 900}},
    )
    assert len((await response.get_json())["command"]) == 905
    (entry,) = await audit(admin_client, "snippets.run")
    assert entry["details"]["command"] == "echo " + "x" * 195


async def test_read_only_api_key_lists_and_renders_but_cannot_change_or_run(
    app, admin_client, user_client
):
    server = await add_server(admin_client, "dev-web", "dev")
    snippet = await create(user_client)
    created = await user_client.post("/api/auth/api-keys", json={"name": "ro", "read_only": True})
    headers = {"Authorization": f"Bearer {(await created.get_json())['key']}"}
    client = app.test_client()
    listed = await client.get("/api/snippets", headers=headers)
    assert listed.status_code == 200
    assert [s["name"] for s in (await listed.get_json())["snippets"]] == ["restart"]
    render = await client.post(
        f"/api/snippets/{snippet['id']}/render",
        json={"params": {"service": "nginx"}},
        headers=headers,
    )
    assert render.status_code == 200
    for method, path, body in [
        ("post", "/api/snippets", {"name": "n", "command": "ls"}),
        ("patch", f"/api/snippets/{snippet['id']}", {"confirm": True}),
        ("delete", f"/api/snippets/{snippet['id']}", None),
        (
            "post",
            f"/api/snippets/{snippet['id']}/run",
            {"server_id": server["id"], "params": {"service": "nginx"}},
        ),
    ]:
        response = await getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code == 403, path
        assert (await response.get_json())["error"]["code"] == "read_only"


async def test_deleting_a_user_deletes_their_snippets(app, admin_client, make_client):
    bob = await make_client("bob")
    await create(bob, "mine", "ls")
    await create(admin_client, "ours", "ls", shared=True)
    assert (await admin_client.delete(f"/api/admin/users/{bob.user_id}")).status_code == 200
    async with app.extensions["sshgate"].db.session() as session:
        left = (await session.scalars(select(Snippet.name))).all()
    assert left == ["ours"]


async def test_run_on_a_server_id_beyond_any_server_is_a_validation_error(admin_client):
    snippet = await create(admin_client, "uptime", "uptime")
    response = await admin_client.post(
        f"/api/snippets/{snippet['id']}/run", json={"server_id": 2**31, "params": {}}
    )
    assert response.status_code == 400
    error = (await response.get_json())["error"]
    assert error["code"] == "validation_error"
    assert [e["field"] for e in error["details"]["errors"]] == ["server_id"]


async def test_search_with_a_nul_character_is_a_validation_error(user_client):
    response = await user_client.get("/api/snippets", query_string={"q": "re\x00start"})
    assert response.status_code == 400
    assert "NUL" in error_of(await response.get_json())
