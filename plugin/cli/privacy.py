"""`consortia privacy export|erase`: a person's data, for GDPR requests made to the network."""
from __future__ import annotations

import json
import sys

import click

from plugin.cli import cli


@cli.group()
def privacy() -> None:
    """Export or erase one person's personal data (GDPR)."""


def _services():
    from plugin.app import Services
    from plugin.cli import ready_settings

    settings, _ = ready_settings(embedded_ok=False)
    return Services(settings)


@privacy.command("export")
@click.argument("user")
def export(user: str) -> None:
    """Print everything held about USER (a Mattermost user id, or @username checked with Mattermost) as JSON."""
    from plugin.services import privacy as service
    from plugin.frontdoor.errors import answer
    from plugin.kernel.errors import Refusal
    from plugin.kernel.people import ensure_network

    services = _services()
    try:
        with services.db.reader() as session:
            network = ensure_network(session, services.settings.mattermost_team or "default")
            data = service.export_person(session, service.find_person(session, network, services.directory, user))
    except Refusal as error:
        click.echo(error.message, err=True)
        sys.exit(answer(error).exit)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@privacy.command("erase")
@click.argument("user")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def erase(user: str, yes: bool) -> None:
    """Erase USER's personal data (a Mattermost user id, or @username checked with Mattermost); what the
    group built stays, unattributed."""
    from plugin.delivery.worker import OutboxWorker
    from plugin.services import privacy as service
    from plugin.frontdoor.errors import answer
    from plugin.kernel.errors import Refusal
    from plugin.kernel.people import ensure_network

    if not yes and not click.confirm(f"Erase the personal data of {user}? This cannot be undone"):
        sys.exit(1)
    services = _services()
    try:
        with services.db.transaction() as session:
            network = ensure_network(session, services.settings.mattermost_team or "default")
            outcome = service.erase_person(session, None,
                                           service.find_person(session, network, services.directory, user))
    except Refusal as error:
        click.echo(error.message, err=True)
        sys.exit(answer(error).exit)
    if services.settings.mattermost_configured:
        OutboxWorker(services).run_until_idle()
    click.echo(f"Erased: {outcome}")
