"""`consortia privacy export|erase`: a person's data, for GDPR requests made to the network. Each runs
the privacy feature's use case through the front door; erasing asks first and delivers after."""
from __future__ import annotations

import sys

import click

from plugin.cli import cli


@cli.group()
def privacy() -> None:
    """Export or erase one person's personal data (GDPR)."""


def _run(command, **arguments) -> None:
    from plugin.app import Services
    from plugin.cli import ready_settings
    from plugin.delivery.worker import OutboxWorker
    from plugin.frontdoor import cli as adapter

    settings, _ = ready_settings(embedded_ok=False)
    services = Services(settings)
    code = adapter.run(services, command, arguments)
    if not code and command.use_case == "privacy.erase" and settings.mattermost_configured:
        OutboxWorker(services).run_until_idle()   # out of the channels now, not at the worker's next round
    if code:
        sys.exit(code)


@privacy.command("export")
@click.argument("user")
def export(user: str) -> None:
    """Print everything held about USER (a Mattermost user id, or @username checked with Mattermost) as JSON."""
    from plugin.features.privacy.cli import EXPORT

    _run(EXPORT, user=user)


@privacy.command("erase")
@click.argument("user")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def erase(user: str, yes: bool) -> None:
    """Erase USER's personal data (a Mattermost user id, or @username checked with Mattermost); what the
    group built stays, unattributed."""
    from plugin.features.privacy.cli import ERASE

    if not yes and not click.confirm(f"Erase the personal data of {user}? This cannot be undone"):
        sys.exit(1)
    _run(ERASE, user=user)
