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


def ready_settings(*, embedded_ok: bool, host: str = "127.0.0.1", port: int = 8080, keep_state: bool = False):
    """Settings, database ready, and the embedded emulator when no Mattermost is configured (``keep_state``:
    the emulator's state is kept beside the database between runs, as the sandbox does)."""
    from plugin.runtime import DatabaseNotReady, prepare_database, register_sandbox_commands, \
        sandbox_state_path, start_embedded_mattermost

    settings = load_settings_or_exit()
    embedded = None
    if not settings.mattermost_configured and embedded_ok:
        embedded = start_embedded_mattermost({}, sandbox_state_path(settings) if keep_state else None)
        base_url = settings.base_url if settings.base_url != "http://127.0.0.1:8080" else f"http://{host}:{port}"
        token = register_sandbox_commands(embedded, base_url)
        settings = settings.with_overrides(
            base_url=base_url, mattermost_url=embedded.emulator.url, mattermost_token=embedded.command_token,
            mattermost_team=embedded.team["name"], command_tokens=settings.command_tokens + (token,),
            admins=tuple(dict.fromkeys(settings.admins + ("admin",))))
    try:
        prepare_database(settings)
    except DatabaseNotReady as error:
        click.echo(f"Database not ready: {error}", err=True)
        sys.exit(2)
    except Exception as error:
        click.echo(f"Database unreachable ({type(error).__name__}): check CONSORTIA_DATABASE_URL", err=True)
        sys.exit(2)
    return settings, embedded


def _load_commands() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def main() -> None:
    _load_commands()
    cli()
