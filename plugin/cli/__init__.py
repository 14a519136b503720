"""The `consortia` command line. Feature modules in this package add their own commands."""
from __future__ import annotations

import importlib
import pkgutil
import sys

import click


@click.group(help="Consortia: thematic consortiums of SIAE and foundations, in Mattermost and Nextcloud.")
def cli() -> None:
    pass


def load_settings_or_exit():
    """Settings from the environment; a bad value stops with one clear line naming it."""
    from plugin.config import ConfigError, load_settings

    try:
        return load_settings()
    except ConfigError as error:
        click.echo(f"Configuration error: {error}", err=True)
        sys.exit(2)


def _load_commands() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    _load_commands()
    cli()
