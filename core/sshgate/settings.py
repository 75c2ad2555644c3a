"""Settings: one pydantic model for the core, read from ``SSHGATE_*`` variables.

Plugins add their own models through the ``register_settings`` hook; those are read from
``SSHGATE_<PLUGIN>_*`` by :func:`load_plugin_settings`. Every failure becomes a
:class:`~sshgate.errors.StartupError` whose message names the variable at fault.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import StartupError

ENV_PREFIX = "SSHGATE_"
# Values that ship in examples and must never protect a reachable deployment.
DEFAULT_SECRET_KEYS = frozenset({"", "change-me", "change-me-in-production", "secret", "changeme"})
MIN_SECRET_KEY_LENGTH = 32

CommaList = Annotated[list[str], NoDecode]


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Core settings. Each field ``x`` is read from ``SSHGATE_X``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    secret_key: SecretStr | None = None
    host: str = "0.0.0.0"
    port: int = Field(8443, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    db_url: str = "sqlite+aiosqlite:///./sshgate.db"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"
    root_path: str = ""
    disable_plugins: CommaList = []
    trusted_proxies: CommaList = []
    # Request bodies of the JSON API; upload routes raise it per request.
    max_body_size: int = Field(1024 * 1024, ge=1024)
    ws_ping_interval: float = Field(20.0, gt=0)
    ws_max_message_size: int = Field(1024 * 1024, ge=1024)
    # permessage-deflate on WebSockets: "off", or "fast" (zlib level 1); see web/deflate.py.
    ws_compression: Literal["off", "fast"] = "off"
    migrate_on_start: bool = True
    # Largest file upload, in bytes (0 = no limit): the gateway-wide default that plugins which
    # accept uploads (SFTP) apply unless their own setting overrides it.
    max_upload_size: int = Field(100 * 1024 * 1024, ge=0)
    # Identity.
    admin_password: SecretStr | None = None
    password_hash_rounds: int = Field(12, ge=4, le=16)
    session_lifetime: int = Field(24 * 3600, ge=60)
    session_idle_timeout: int = Field(2 * 3600, ge=60)
    cookie_secure: bool | None = None
    login_max_failures: int = Field(5, ge=1)
    login_lockout_seconds: int = Field(15 * 60, ge=1)
    login_ip_max_failures: int = Field(30, ge=1)
    # SSH connections (every hop of a jump chain).
    ssh_connect_timeout: float = Field(10.0, gt=0, le=300)
    ssh_login_timeout: float = Field(15.0, gt=0, le=300)
    ssh_keepalive_interval: float = Field(30.0, ge=0)
    ssh_keepalive_count_max: int = Field(3, ge=1)
    max_jump_depth: int = Field(8, ge=1, le=32)
    host_key_policy: Literal["tofu", "strict"] = "tofu"
    # Terminals.
    terminal_scrollback: int = Field(1024 * 1024, ge=4096, le=64 * 1024 * 1024)
    terminal_grace_period: float = Field(300.0, ge=0)
    session_timeout: int = Field(3600, ge=0)  # idle seconds; 0 = never
    max_sessions_per_user: int = Field(10, ge=1)
    # Cross-worker sessions: announcements and byte fan-out (unset = one process, in memory).
    redis_url: str | None = None
    # Where sshgate keeps files besides the database (the sandbox's host key).
    data_dir: str = "."
    # The built-in sandbox SSH target (`sshgate serve --sandbox`, sandbox/).
    sandbox: bool = False
    sandbox_port: int = Field(0, ge=0, le=65535)  # 0: a free loopback port at each start
    # Listening beyond loopback with the sandbox on needs demo mode and this explicit yes.
    sandbox_public: bool = False
    # Demo mode (demo/): read-only for everyone, a seeded demo user, reset on a schedule.
    demo_mode: bool = False
    demo_reset_interval: int = Field(3600, ge=60)
    # Explicit values for plugin settings, keyed by plugin name (used by tests and embedding).
    plugin_settings: dict[str, dict[str, Any]] = {}

    @field_validator("disable_plugins", "trusted_proxies", mode="before")
    @classmethod
    def _comma_lists(cls, value: Any) -> Any:
        return _split_commas(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("root_path")
    @classmethod
    def _root_path(cls, value: str) -> str:
        value = value.strip()
        if value in ("", "/"):
            return ""
        if not value.startswith("/") or "//" in value or any(c in value for c in "?#"):
            raise ValueError("must be a path such as /gate")
        return value.rstrip("/")

    @field_validator("db_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL") from None
        if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                f"must use sqlite+aiosqlite:// or postgresql+asyncpg:// (got {url.drivername}://)"
            )
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the core settings from ``environ`` (default: the process environment)."""
        environ = os.environ if environ is None else environ
        values = {
            key[len(ENV_PREFIX) :].lower(): value
            for key, value in environ.items()
            if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in cls.model_fields
        }
        values.pop("plugin_settings", None)
        try:
            # Passing values explicitly keeps pydantic-settings from reading os.environ again.
            return cls.model_validate(values)
        except ValidationError as exc:
            raise StartupError(describe_validation_error(exc, ENV_PREFIX)) from None

    @property
    def secret_key_is_weak(self) -> bool:
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        return key.strip().lower() in DEFAULT_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH


def check_secret_key(settings: Settings) -> None:
    """The host's key policy, checked by ``create_app`` however the app is served: no key,
    a key from an example, or a short one stops start-up with one line."""
    if settings.secret_key is None or not settings.secret_key.get_secret_value().strip():
        raise StartupError(
            "SSHGATE_SECRET_KEY is not set: it signs logins and encrypts stored credentials. "
            "Set it to 32+ random characters, e.g. SSHGATE_SECRET_KEY=$(openssl rand -hex 32)"
        )
    if settings.secret_key_is_weak:
        raise StartupError(
            "SSHGATE_SECRET_KEY is a published default or shorter than "
            f"{MIN_SECRET_KEY_LENGTH} characters; refusing to start. "
            "Set it to 32+ random characters, e.g. SSHGATE_SECRET_KEY=$(openssl rand -hex 32)"
        )


def describe_validation_error(exc: ValidationError, prefix: str) -> str:
    """One line per problem, naming the environment variable: ``SSHGATE_PORT: ...``."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = (prefix + field).upper() if field else prefix.rstrip("_")
        message = error["msg"].removeprefix("Value error, ")
        got = error.get("input")
        if isinstance(got, str) and "secret" not in field:
            message += f" (got {got!r})"
        lines.append(f"{name}: {message}")
    return "invalid settings: " + "; ".join(lines)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plugin_env_prefix(plugin_name: str) -> str:
    return f"{ENV_PREFIX}{plugin_name.upper().replace('-', '_')}_"


def load_plugin_settings(
    plugin_name: str,
    model: type[BaseModel],
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None = None,
) -> BaseModel:
    """Validate a plugin's settings from ``SSHGATE_<PLUGIN>_*`` plus explicit overrides.

    Unknown keys under the plugin's prefix are errors, so a typo never silently falls back
    to a default.
    """
    prefix = plugin_env_prefix(plugin_name)
    values: dict[str, Any] = {
        key[len(prefix) :].lower(): value
        for key, value in environ.items()
        if key.startswith(prefix)
    }
    values.update(overrides or {})
    unknown = sorted(set(values) - set(model.model_fields))
    if unknown:
        names = ", ".join(prefix + key.upper() for key in unknown)
        known = ", ".join(prefix + key.upper() for key in model.model_fields) or "none"
        raise StartupError(f"unknown setting {names} for plugin {plugin_name} (known: {known})")
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise StartupError(describe_validation_error(exc, prefix)) from None


def check_unknown_env(environ: Mapping[str, str], known_prefixes: list[str]) -> None:
    """Refuse ``SSHGATE_*`` variables that neither the core nor a plugin reads."""
    core = {
        ENV_PREFIX + name.upper() for name in Settings.model_fields if name != "plugin_settings"
    }
    for key in sorted(environ):
        if not key.startswith(ENV_PREFIX) or key in core:
            continue
        if any(key.startswith(prefix) for prefix in known_prefixes):
            continue
        close = difflib.get_close_matches(key, sorted(core), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise StartupError(f"unknown setting {key}{hint}")
