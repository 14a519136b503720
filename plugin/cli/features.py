"""The command-line commands the features declare (``Feature.cli``), each run through the front
door's CLI adapter: `consortia <group> <name> ...`."""
from __future__ import annotations

import sys

import click

from plugin.cli import cli, ready_settings


def _command(declared) -> click.Command:
    def run(**arguments) -> None:
        from plugin.app import Services
        from plugin.frontdoor import cli as adapter

        settings, _ = ready_settings(embedded_ok=False)
        services = Services(settings)
        try:
            code = adapter.run(services, declared, arguments)
        finally:
            services.db.dispose()
        if code:
            sys.exit(code)

    return click.Command(declared.name, callback=run, params=list(declared.params), help=declared.help)


def _add_declared_commands() -> None:
    from plugin.frontdoor.registry import registry

    groups: dict[str, click.Group] = {}
    for declared in registry().cli:
        group = groups.get(declared.group)
        if group is None:
            group = groups[declared.group] = click.Group(declared.group, help=declared.group_help)
            cli.add_command(group)
        group.add_command(_command(declared))


_add_declared_commands()
