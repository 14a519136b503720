"""The CLI adapter: an operator's command runs one use case as the system; its outcome is printed,
its refusal goes to stderr with the exit code of the one refusal table."""
from __future__ import annotations

import click

from plugin.frontdoor.errors import answer
from plugin.frontdoor.runner import Entry
from plugin.frontdoor.render import render
from plugin.i18n import use_locale
from plugin.kernel.commandline import CliCommand
from plugin.kernel.errors import Refusal
from plugin.kernel.people import ensure_network


def run(runtime, command: CliCommand, arguments: dict) -> int:
    """Run a declared command; returns the exit code."""
    locale = runtime.settings.locale
    subject = f"{command.subject(**arguments)}: " if command.subject else ""
    try:
        raw = command.read(**arguments)
    except Refusal as refusal:
        with use_locale(locale):
            click.echo(f"{subject}{refusal.text()}", err=True)
        return answer(refusal).exit
    team = runtime.settings.mattermost_team or "default"
    entry = Entry("cli", network=(lambda session: ensure_network(session, team)) if command.network else None,
                  locale=locale)
    result = runtime.runner.run(entry, command.use_case, raw)
    with use_locale(result.locale):
        if result.refusal is not None:
            click.echo(f"{subject}{result.refusal.text()}", err=True)
            return answer(result.refusal).exit
        text = render(runtime, "cli", result)
    if isinstance(text, tuple):   # (text, exit code): done, with something to report (an import's bad rows)
        text, code = text
        click.echo(text)
        return code
    click.echo(text)
    return 0
