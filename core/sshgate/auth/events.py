"""Identity events; the audit log records each one."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ..events import Event


@dataclasses.dataclass(kw_only=True)
class LoginSucceeded(Event):
    name: ClassVar[str] = "auth.login"
    method: str = "password"
    provider: str = "local"


@dataclasses.dataclass(kw_only=True)
class LoginFailed(Event):
    name: ClassVar[str] = "auth.login_failed"
    outcome: str = "failure"
    reason: str = ""
    provider: str = "local"


@dataclasses.dataclass(kw_only=True)
class LoggedOut(Event):
    name: ClassVar[str] = "auth.logout"


@dataclasses.dataclass(kw_only=True)
class PasswordChanged(Event):
    name: ClassVar[str] = "auth.password_changed"


@dataclasses.dataclass(kw_only=True)
class TwoFactorChanged(Event):
    name: ClassVar[str] = "auth.2fa_changed"
    change: str  # enrolment_started, enabled, disabled, reset


@dataclasses.dataclass(kw_only=True)
class ApiKeyChanged(Event):
    name: ClassVar[str] = "auth.api_key_changed"
    change: str  # created, revoked
    key_name: str
    read_only: bool = False


@dataclasses.dataclass(kw_only=True)
class SessionRevoked(Event):
    name: ClassVar[str] = "auth.session_revoked"
    count: int = 1


@dataclasses.dataclass(kw_only=True)
class UserChanged(Event):
    name: ClassVar[str] = "admin.user_changed"
    change: str  # created, updated, deleted, password_reset, unlocked, 2fa_reset
    fields: list[str] = dataclasses.field(default_factory=list)


ALL = [
    LoginSucceeded,
    LoginFailed,
    LoggedOut,
    PasswordChanged,
    TwoFactorChanged,
    ApiKeyChanged,
    SessionRevoked,
    UserChanged,
]
