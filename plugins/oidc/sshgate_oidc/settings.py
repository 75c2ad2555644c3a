"""The plugin's settings, read from ``SSHGATE_OIDC_*`` (``register_settings``).

Environment variables are strings: lists are comma separated (or JSON arrays), the group map
is a JSON object. Without ``SSHGATE_OIDC_ISSUER`` the plugin is installed but offers nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from quart import Quart

from sshgate.api import plugin_settings

NAME = "oidc"
PROVIDER = "oidc"  # the accounts' source and the provider named in the audit log


def _split(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part for part in text.replace(",", " ").split() if part]
    return value


class OidcSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The provider's issuer URL exactly as its discovery document names it
    # (https://idp.example.com/realms/main); its discovery document is read from
    # <issuer>/.well-known/openid-configuration. Unset: single sign-on is off.
    issuer: str | None = None
    client_id: str = ""
    # The client secret, or a file holding it (a mounted secret); never logged.
    client_secret: str | None = Field(None, repr=False)
    client_secret_file: Path | None = None
    # The button reads "Sign in with <provider_name>".
    provider_name: str = Field("SSO", min_length=1, max_length=40)
    scopes: list[str] = ["openid", "profile", "email"]
    # The callback URL registered at the provider; unset: derived from the request
    # (<scheme>://<host><root path>/api/oidc/callback). Set it behind proxies that rewrite.
    redirect_url: str | None = None
    # Which ID token claims name the user and their groups (or roles).
    username_claim: str = "preferred_username"
    groups_claim: str = "groups"
    # {"provider group": ["sshgate server group", ...]}; a group missing from the map gives
    # nothing. ADMIN_GROUPS: provider groups whose members are sshgate administrators.
    group_map: dict[str, list[str]] = {}
    admin_groups: list[str] = []
    # Refuse users who get neither a server group nor admin from the mapping.
    require_group: bool = False
    # Claims every ID token must carry with these values: {"hd": "example.com"} (a Google
    # Workspace domain), {"tid": "<tenant id>"} (Entra ID), {"email_verified": true}; a list
    # accepts any of its values. A provider that signs in the whole world needs this.
    required_claims: dict[str, Any] = {}
    # Create accounts at their first sign-in; off: only accounts that exist already.
    auto_create: bool = True
    # Leeway for exp/iat/nbf in seconds (clock skew), bounded.
    leeway: int = Field(60, ge=0, le=300)
    # Unknown key ids trigger a JWKS refetch at most this often (seconds).
    jwks_min_refetch: float = Field(30.0, ge=0, le=3600)
    timeout: float = Field(10.0, gt=0, le=120)
    # How long a started sign-in may take at the provider (seconds).
    flow_lifetime: int = Field(600, ge=60, le=3600)

    _split_lists = field_validator("scopes", "admin_groups", mode="before")(_split)

    @field_validator("group_map", "required_claims", mode="before")
    @classmethod
    def _json_map(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if self.issuer is not None:
            if not self.client_id:
                raise ValueError("SSHGATE_OIDC_CLIENT_ID is needed with SSHGATE_OIDC_ISSUER")
            if "openid" not in self.scopes:
                raise ValueError("SSHGATE_OIDC_SCOPES must include openid")
        return self

    @property
    def enabled(self) -> bool:
        return self.issuer is not None

    def secret(self) -> str | None:
        """The client secret (from the file when one is named); None for a public client."""
        if self.client_secret_file is not None:
            return self.client_secret_file.read_text().strip()
        return self.client_secret


def oidc_settings(app: Quart | None = None) -> OidcSettings:
    return plugin_settings(NAME, OidcSettings, app)
