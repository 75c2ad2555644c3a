"""From directory groups to what sshgate grants: server groups, admin, and whether at all.

Directory names compare case-insensitively (``cn`` is case-insensitive in LDAP); the
sshgate group names on the right of GROUP_MAP are kept exactly as written, because they must
match ``Server.group``. A directory group missing from the map grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .settings import LdapSettings


@dataclass(frozen=True)
class Mapping:
    directory_groups: tuple[str, ...]
    allowed_groups: tuple[str, ...]
    is_admin: bool
    permitted: bool  # False: REQUIRED_GROUPS is set and the user is in none of them


def _folded(names: list[str]) -> set[str]:
    return {name.casefold() for name in names}


def map_groups(config: LdapSettings, directory_groups: list[str]) -> Mapping:
    member_of = _folded(directory_groups)
    allowed: set[str] = set()
    for directory_group, targets in config.group_map.items():
        if directory_group.casefold() in member_of:
            allowed.update([targets] if isinstance(targets, str) else targets)
    is_admin = bool(member_of & _folded(config.admin_groups))
    required = _folded(config.required_groups)
    permitted = not required or is_admin or bool(member_of & required)
    return Mapping(
        directory_groups=tuple(directory_groups),
        allowed_groups=tuple(sorted(allowed)),
        is_admin=is_admin,
        permitted=permitted,
    )
