"""Authorization in one place.

Every route declares what it needs: ``@public`` or ``@requires("area.verb")``. One
``before_app_request`` / ``before_app_websocket`` guard resolves the actor and calls
:func:`authorize` for the declared action; views call it again with a resource (a server,
a user) when the answer depends on it. A meta-test fails on any route without a declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from quart import current_app

from ..contract import Actor
from ..demo.policy import demo_refusal
from ..errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])

PERMISSION_ATTR = "_sshgate_permission"
PUBLIC = "public"
# Open to a signed-in user who must still change a first or reset password.
PASSWORD_CHANGE_ACTIONS = frozenset({"auth.me", "auth.change_password", "auth.logout"})
# Verbs a read-only API key may use; anything else changes state.
READ_VERBS = frozenset({"view", "list", "read", "download", "me", "watch", "export"})
# Actions a plain user may take only when granted the named permission.
GRANTED_ACTIONS = {"terminal.quick_connect": "quick_connect"}


def public(view: F) -> F:
    """Declare a route open to anyone, signed in or not."""
    setattr(view, PERMISSION_ATTR, PUBLIC)
    return view


def requires(action: str) -> Callable[[F], F]:
    """Declare the action a route performs; the guard checks it before the view runs."""

    def decorate(view: F) -> F:
        setattr(view, PERMISSION_ATTR, action)
        return view

    return decorate


def declared_permission(view: Callable[..., Any]) -> str | None:
    return getattr(view, PERMISSION_ATTR, None)


def forbidden(message: str, code: str = "forbidden") -> ApiError:
    return ApiError(403, code, message)


async def authorize(actor: Actor | None, action: str, resource: object = None) -> None:
    """Allow or raise: may ``actor`` perform ``action`` on ``resource``?"""
    if actor is None:
        raise ApiError(401, "unauthorized", "authentication required")
    if actor.must_change_password and action not in PASSWORD_CHANGE_ACTIONS:
        raise forbidden(
            "change your password before doing anything else", "password_change_required"
        )
    if actor.read_only and action.rpartition(".")[2] not in READ_VERBS:
        raise forbidden(f"this API key is read-only and cannot {action}", "read_only")
    gate = current_app.extensions["sshgate"]
    if gate.settings.demo_mode:
        # Before the plugins' deciders: in a demo, no plugin can reopen a write.
        refusal = demo_refusal(action, resource)
        if refusal is not None:
            raise refusal
    plugins = gate.plugins
    answer = await plugins.permission_allowed(actor, action, resource)
    if answer is False:
        raise forbidden(f"not allowed to {action}")
    if answer is True or actor.is_admin:
        return
    if action.startswith("admin."):
        raise forbidden("administrators only")
    needed = GRANTED_ACTIONS.get(action)
    if needed and needed not in actor.permissions:
        raise forbidden(f"{action} needs the {needed!r} permission")
    group = getattr(resource, "group", None)
    if resource is not None and hasattr(resource, "group") and group not in actor.allowed_groups:
        raise forbidden(f"not allowed to {action} in group {group!r}")
