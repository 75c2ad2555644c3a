"""Audited events of the plugin. The core records every sign-in (``auth.login``, provider
``ldap``) and every failed one (``auth.login_failed``); this event adds the directory's side
of a refusal, which only the plugin knows (no such entry, wrong password, not in a required
group), with the provider named."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from sshgate.api import Event

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclasses.dataclass(kw_only=True)
class DirectoryRefused(Event):
    name: ClassVar[str] = "ldap.sign_in_refused"
    outcome: str = "failure"
    target: str | None = "login"
    provider: str = "ldap"
    reason: str = ""  # empty_password, not_found, bad_password, not_in_required_group


def audit_name(username: str) -> str:
    """Attacker-chosen text goes into the audit log: no control characters, bounded."""
    return _CONTROL.sub("?", username)[:64]


EVENTS: list[type[Event]] = [DirectoryRefused]
