"""Helpers of ``sshgate.api`` that no hook test covers on its own."""

from __future__ import annotations

import pytest

from sshgate import api


@pytest.fixture
def sshgate_load_entrypoints() -> bool:
    return True  # the test plugin declares an event of its own


async def test_registered_events_is_the_catalogue_of_every_plugin(app):
    names = [cls.name for cls in api.registered_events(app)]
    assert names == sorted(names)
    assert {"auth.login", "terminal.opened", "testplugin.note_created"} <= set(names)
    assert all(issubclass(cls, api.Event) for cls in api.registered_events(app))


async def test_secret_box_round_trips_and_refuses_other_keys(app):
    async with app.app_context():
        box = api.secret_box("example")
        token = box.encrypt("s3cret")
        assert token != "s3cret" and box.decrypt(token) == "s3cret"
        with pytest.raises(api.SecretUnreadable):
            api.secret_box("another-purpose").decrypt(token)


async def test_signed_in_actor_raises_401_where_nobody_is_signed_in(app):
    async with app.test_request_context("/"):
        assert api.current_actor() is None
        with pytest.raises(api.ApiError) as raised:
            api.signed_in_actor()
        assert raised.value.status == 401


async def test_list_servers_lists_what_an_actor_may_see_and_all_for_the_system(app):
    from dataclasses import dataclass

    from sshgate.testing.terminal import register_server

    @dataclass
    class Viewer:
        is_admin: bool
        allowed_groups: tuple[str, ...]

    @dataclass
    class Where:
        host: str = "127.0.0.1"
        port: int = 22

    bastion = await register_server(app, Where(), name="bastion", group="ops")
    inner = await register_server(app, Where(), name="inner", group="dev", jump_via_id=bastion)
    everything = await api.list_servers(app=app)
    assert [(s.id, s.name, s.jump_via_id) for s in everything] == [
        (bastion, "bastion", None),
        (inner, "inner", bastion),
    ]
    assert all(isinstance(s, api.ServerInfo) for s in everything)
    dev = await api.list_servers(Viewer(False, ("dev",)), app=app)
    assert [s.name for s in dev] == ["inner"]
    assert [s.name for s in await api.list_servers(Viewer(False, ()), app=app)] == []
    assert len(await api.list_servers(Viewer(True, ()), app=app)) == 2
