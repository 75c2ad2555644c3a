"""sshgate-ldap: sign in with an LDAP or Active Directory account (search-then-bind).

A password sign-in provider (the ``authenticate`` hook): the core asks it only for names
that are not local accounts, and never lets it take one over. Off until SSHGATE_LDAP_URL is
set. See the README for the settings.
"""

from __future__ import annotations

import logging

import click
from pydantic import BaseModel
from quart import Quart

from sshgate.api import Event, Identity, LoginMethod, emit, hookimpl

from . import commands
from .events import EVENTS, DirectoryRefused, audit_name
from .provider import Provider
from .settings import NAME, LdapSettings, ldap_settings

SSHGATE_CONTRACT = "1.3"  # authenticate came in 1.3
EXTENSION = "sshgate_ldap"
log = logging.getLogger("sshgate.ldap")


@hookimpl
def register_settings() -> dict[str, type[BaseModel]]:
    return {NAME: LdapSettings}


@hookimpl
def register_events() -> list[type[Event]]:
    return list(EVENTS)


@hookimpl
def register_commands(cli: click.Group) -> None:
    commands.register(cli)


@hookimpl
async def startup(app: Quart) -> None:
    config = ldap_settings(app)
    if not config.enabled:
        return
    try:
        password = config.service_password(app)
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
    if not config.uses_tls:
        log.warning(
            "SSHGATE_LDAP_URL %s is plain ldap:// without START_TLS: directory passwords "
            "cross the network in clear",
            config.url,
        )
    elif not config.verify_certificate:
        log.warning("SSHGATE_LDAP_VERIFY_CERTIFICATE is off: any server can pose as the directory")
    app.extensions[EXTENSION] = Provider(config, password)


@hookimpl
async def shutdown(app: Quart) -> None:
    provider: Provider | None = app.extensions.pop(EXTENSION, None)
    if provider is not None:
        await provider.close()


@hookimpl
def login_methods(app: Quart) -> list[LoginMethod]:
    """The login page names the directory beside local accounts; the core's form sends the
    password, which reaches ``authenticate`` below."""
    config = ldap_settings(app)
    if not config.enabled:
        return []
    return [LoginMethod(id=NAME, kind="password", label=config.login_label)]


@hookimpl
async def authenticate(username: str, password: str, app: Quart) -> Identity | None:
    provider: Provider | None = app.extensions.get(EXTENSION)
    if provider is None:
        return None
    outcome = await provider.sign_in(username, password)
    if outcome.identity is None:
        await emit(DirectoryRefused(actor=audit_name(username), reason=outcome.reason or ""), app)
    return outcome.identity
