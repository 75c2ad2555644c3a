"""From verified ID token claims to the sshgate account they vouch for.

Provider groups (or roles) never become sshgate groups by name: only what the group map
names is granted, so a group created at the provider grants nothing until an administrator
maps it. Role and groups are refreshed at every sign-in (the core does that with the
``Identity``); a user removed from a group loses it at their next sign-in.
"""

from __future__ import annotations

from typing import Any

from sshgate.api import Identity

from .failures import Refused
from .settings import PROVIDER, OidcSettings


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested objects (Keycloak's
    ``realm_access.roles``); a name that exists as it is wins over the path."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def provider_groups(claims: dict[str, Any], config: OidcSettings) -> list[str]:
    value = claim(claims, config.groups_claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def identity_from(claims: dict[str, Any], config: OidcSettings) -> Identity:
    """The ``Identity`` of these claims; raises :class:`Refused` when they name nobody, lack
    a required claim, or name nobody allowed in (``require_group``)."""
    username = claim(claims, config.username_claim)
    if not isinstance(username, str) or not username.strip():
        raise Refused(
            "no_username",
            f"the identity provider sent no {config.username_claim!r} claim to name you by; "
            "ask an administrator",
        )
    username = username.strip()
    for required, wanted in config.required_claims.items():
        accepted = wanted if isinstance(wanted, list) else [wanted]
        if claim(claims, required) not in accepted:
            raise Refused(
                f"claim_mismatch:{required}"[:64],
                f"your account at the identity provider is not one this sshgate accepts "
                f"(claim {required!r})",
                status=403,
                username=username,
            )
    groups = provider_groups(claims, config)
    allowed = sorted({mapped for group in groups for mapped in config.group_map.get(group, [])})
    is_admin = any(group in config.admin_groups for group in groups)
    if config.require_group and not allowed and not is_admin:
        raise Refused(
            "no_mapped_group",
            "your account at the identity provider is in no group that may use sshgate",
            status=403,
            username=username,
        )
    name, email = claims.get("name"), claims.get("email")
    return Identity(
        provider=PROVIDER,
        username=username,
        groups=tuple(allowed),
        is_admin=is_admin,
        display_name=name if isinstance(name, str) else None,
        email=email if isinstance(email, str) else None,
    )
