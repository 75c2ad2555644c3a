"""``sshgate ldap test USERNAME`` and ``sshgate ldap encrypt-password``.

``test`` runs the sign-in's directory steps for one name and prints what sshgate would make
of it: the DN found, the directory groups, the mapped server groups and admin. With
``--password`` (prompted) or ``--password-stdin`` it also checks a password; the password
is never printed or logged, nor is the service account's.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from sshgate.api import app_for_command, secret_box, settings

from .directory import Directory, DirectoryDown
from .provider import check, look_up
from .settings import PURPOSE, LdapSettings, ldap_settings


def _describe(config: LdapSettings) -> str:
    if config.url.startswith("ldaps://"):
        tls = "LDAPS"
    elif config.start_tls:
        tls = "StartTLS"
    else:
        tls = "no TLS: passwords cross the network in clear"
    checked = "certificate checked" if config.verify_certificate else "certificate NOT checked"
    return f"{config.url} ({tls}{', ' + checked if config.uses_tls else ''})"


def _report(
    app: Any, config: LdapSettings, username: str, password: str | None
) -> tuple[dict[str, Any], bool]:
    try:
        directory = Directory(config, config.service_password(app))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if password is None:
            user, mapping = look_up(directory, username)
            verdict = "not checked"
        else:
            outcome = check(directory, username, password)
            user, mapping = outcome.user, outcome.mapping
            verdict = "accepted" if outcome.reason is None else outcome.reason
            if outcome.reason == "not_in_required_group":
                verdict = "accepted, but not in a required group"
    except DirectoryDown as exc:
        raise click.ClickException(f"the directory at {config.url} is unavailable: {exc}") from None
    finally:
        directory.close()
    report: dict[str, Any] = {
        "directory": _describe(config),
        "username": username,
        "found": user is not None,
        "dn": user.dn if user else None,
        "directory_username": user.username if user else None,
        "directory_groups": list(mapping.directory_groups) if mapping else [],
        "allowed_groups": list(mapping.allowed_groups) if mapping else [],
        "admin": bool(mapping and mapping.is_admin),
        "may_sign_in": bool(mapping and mapping.permitted),
        "password": verdict,
    }
    ok = user is not None and verdict in ("not checked", "accepted")
    return report, ok


def _print(report: dict[str, Any]) -> None:
    def listed(values: list[str]) -> str:
        return ", ".join(values) if values else "(none)"

    click.echo(f"directory:        {report['directory']}")
    if not report["found"]:
        click.echo(f"user:             no single entry matches {report['username']!r}")
        return
    click.echo(f"user:             {report['directory_username']}")
    click.echo(f"dn:               {report['dn']}")
    click.echo(f"directory groups: {listed(report['directory_groups'])}")
    click.echo(f"server groups:    {listed(report['allowed_groups'])}")
    click.echo(f"administrator:    {'yes' if report['admin'] else 'no'}")
    click.echo(f"may sign in:      {'yes' if report['may_sign_in'] else 'no (REQUIRED_GROUPS)'}")
    click.echo(f"password:         {report['password']}")


def register(cli: click.Group) -> None:
    @cli.group("ldap")
    def ldap_group() -> None:
        """LDAP / Active Directory sign-in (sshgate-ldap)."""

    @ldap_group.command("test")
    @click.argument("username")
    @click.option("--password", "prompt", is_flag=True, help="Also check a password (prompted).")
    @click.option(
        "--password-stdin", "from_stdin", is_flag=True, help="Read the password from stdin."
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    def test(username: str, prompt: bool, from_stdin: bool, as_json: bool) -> None:
        """Look USERNAME up as a sign-in would: DN, groups and the mapping result."""
        app = app_for_command()
        config = ldap_settings(app)
        if not config.enabled:
            raise click.ClickException("SSHGATE_LDAP_URL is not set: the LDAP sign-in is off")
        password: str | None = None
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        elif prompt:
            password = click.prompt("Password", hide_input=True, default="", show_default=False)
        report, ok = _report(app, config, username, password)
        if as_json:
            click.echo(json.dumps(report, indent=2))
        else:
            _print(report)
        if not ok:
            sys.exit(1)

    @ldap_group.command("encrypt-password")
    def encrypt_password() -> None:
        """Encrypt the service account's password (read from stdin) for
        SSHGATE_LDAP_BIND_PASSWORD_ENCRYPTED, with this SSHGATE_SECRET_KEY."""
        app = app_for_command()
        key = settings(app).secret_key
        if key is None or key.get_secret_value() != os.environ.get("SSHGATE_SECRET_KEY"):
            raise click.ClickException(
                "set SSHGATE_SECRET_KEY (32+ characters) to the key sshgate runs with first"
            )
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on stdin")
        click.echo(secret_box(PURPOSE, app).encrypt(password))
