"""The ``sshgate`` command line. Commands come from the ``register_commands`` hook."""

from __future__ import annotations

import os
import sys

import click

from .errors import StartupError
from .plugins import build_plugin_manager
from .settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sshgate")
def cli() -> None:
    """sshgate: a web gateway for SSH terminals, SFTP and a server registry."""


def fail(message: str) -> None:
    click.echo(f"sshgate: error: {message}", err=True)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    try:
        disabled = Settings.from_env().disable_plugins
        pm = build_plugin_manager(disabled=disabled)
        pm.hook.register_commands(cli=cli)
        cli.main(args=argv, prog_name="sshgate", standalone_mode=False)
    except StartupError as exc:
        fail(str(exc))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def set_env_defaults(**values: object) -> None:
    """Command-line options become settings for this process and the workers it spawns."""
    for name, value in values.items():
        if value is not None:
            os.environ[f"SSHGATE_{name.upper()}"] = str(value)


if __name__ == "__main__":  # pragma: no cover
    main()
