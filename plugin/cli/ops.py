"""Operations: provisioning from YAML, the outbox, installing into Mattermost."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import func, select, update

from plugin.cli import cli, load_settings_or_exit


def _services():
    from plugin.app import Services
    from plugin.cli import ready_settings

    settings, _ = ready_settings(embedded_ok=False)
    return Services(settings)


@cli.command()
@click.argument("groups_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deliver/--no-deliver", default=True, help="create channels and calendars now (else the worker does)")
def provision(groups_file: Path, deliver: bool) -> None:
    """Provision the consortiums listed in a YAML file (idempotent: run it again to resume)."""
    import yaml
    from tqdm import tqdm

    from models import Consortium
    from plugin.delivery.worker import OutboxWorker
    from plugin.features.consortium.api import step_status
    from plugin.frontdoor.runner import Entry
    from plugin.kernel.people import ensure_network

    try:
        document = yaml.safe_load(groups_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        click.echo(f"{groups_file}: not valid YAML ({error})", err=True)
        sys.exit(2)
    entries = document.get("consortia", document) if isinstance(document, dict) else document
    if not isinstance(entries, list):
        click.echo(f"{groups_file}: expected a list of consortiums (or a 'consortia:' key holding one)", err=True)
        sys.exit(2)
    services = _services()
    settings = services.settings
    results: list[tuple[str, str, str]] = []
    ids: dict[str, int] = {}
    team = settings.mattermost_team or "default"
    entry_of = Entry("cli", network=lambda session: ensure_network(session, team), locale=settings.locale)
    for entry in tqdm(entries, desc="provisioning", unit="consortium", disable=not sys.stderr.isatty()):
        label = str((entry or {}).get("name", "?"))[:60] if isinstance(entry, dict) else "?"
        result = services.runner.run(entry_of, "consortium.provision", entry if isinstance(entry, dict) else {})
        if result.refusal is not None:   # a field error is the file's mistake; anything else, the run's
            text = result.refusal.text(settings.locale)
            results.append((label, "invalid" if result.refusal.lazy_fields else "error", text))
            continue
        outcome = result.outcome
        ids[label] = outcome.consortium.id
        results.append((label, "created" if outcome.created else "exists",
                        f"+{len(outcome.added_members)} members" if outcome.added_members else ""))
    if deliver and ids:
        if not settings.mattermost_configured:
            click.echo("Mattermost is not configured: channels will be created by the worker once it is.")
        else:
            OutboxWorker(services).run_until_idle()
    with services.db.reader() as session:
        steps = {label: step_status(session.get(Consortium, cid)) for label, cid in ids.items()}
    click.echo("")
    click.echo(f"{'consortium':40} {'result':8} {'steps':40} notes")
    for label, status, note in results:
        step_text = " ".join(f"{k}:{v}" for k, v in steps.get(label, {}).items()
                             if k in ("channel", "members", "caldav", "welcome"))
        click.echo(f"{label[:40]:40} {status:8} {step_text[:40]:40} {note}")
    failed = [r for r in results if r[1] in ("invalid", "error")] or [
        label for label, s in steps.items() if "failed" in s.values()]
    if failed:
        click.echo("Some consortiums are not complete; fix the cause and run the same command again.", err=True)
        sys.exit(1)


@cli.group(invoke_without_command=True)
@click.pass_context
def outbox(ctx) -> None:
    """Inspect and retry deliveries to Mattermost, CalDAV and SMTP."""
    if ctx.invoked_subcommand is not None:
        return
    from models import OutboxMessage

    services = _services()
    with services.db.reader() as session:
        counts = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        click.echo("  ".join(f"{status}: {counts.get(status, 0)}" for status in ("pending", "delivered", "dead")))
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.status != "delivered")
                                       .order_by(OutboxMessage.id).limit(50)):
            state = f"held by {message.locked_by}" if message.locked_by else message.last_error[:80]
            click.echo(f"#{message.id} {message.status:8} {message.kind:28} attempts={message.attempts} "
                       f"next={message.available_at:%Y-%m-%d %H:%M:%S} {state}")


@outbox.command("retry")
@click.option("--id", "message_id", type=int, help="one message; default: every dead message")
def outbox_retry(message_id: int | None) -> None:
    from models import OutboxMessage, utcnow

    services = _services()
    with services.db.transaction() as session:
        query = update(OutboxMessage).where(OutboxMessage.status == "dead")
        if message_id:
            query = update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status != "delivered")
        count = session.execute(query.values(status="pending", attempts=0, available_at=utcnow(), locked_by=None,
                                             blocked_on=None)).rowcount
    click.echo(f"{count} message(s) queued again.")


@outbox.command("flush")
def outbox_flush() -> None:
    from plugin.delivery.worker import OutboxWorker

    click.echo(f"{OutboxWorker(_services()).run_until_idle()} message(s) processed.")


@cli.group()
def mattermost() -> None:
    """Connect to a Mattermost server."""


@mattermost.command("install")
@click.option("--team", help="team name (default: CONSORTIA_MATTERMOST_TEAM)")
def mattermost_install(team: str | None) -> None:
    """Register the slash commands (and check the bot) through the Mattermost API; store their tokens."""
    from models import RegisteredCommand
    from plugin.manifest import build_manifest

    settings = load_settings_or_exit()
    if not settings.mattermost_configured:
        click.echo("Set CONSORTIA_MATTERMOST_URL and CONSORTIA_MATTERMOST_TOKEN first.", err=True)
        sys.exit(2)
    services = _services()
    client = services.mattermost()
    team_name = team or settings.mattermost_team
    if not team_name:
        click.echo("Set CONSORTIA_MATTERMOST_TEAM or pass --team.", err=True)
        sys.exit(2)
    try:
        me = client.me()
        team_obj = client.get_team_by_name(team_name)
        existing = {c["trigger"]: c for c in client.list_commands(team_obj["id"])}
    except Exception as error:
        click.echo(f"Mattermost refused: {error}", err=True)
        sys.exit(1)
    url = f"{settings.base_url}/mattermost/command"
    locale = settings.locale
    rows = []
    with services.db.transaction() as session:
        for spec in build_manifest()["commands"]:
            trigger = spec["trigger"]
            fields = dict(trigger=trigger, url=url, display_name=spec["display_name"],
                          description=spec["description"][locale][:128],
                          auto_complete_desc=spec["auto_complete_desc"][locale][:128],
                          auto_complete_hint=spec["auto_complete_hint"][locale][:128])
            command = existing.get(trigger)
            if command is None:
                command = client.create_command(team_obj["id"], **fields)
                action = "created"
            else:
                command = client.update_command(dict(command, **{k: v for k, v in fields.items()}))
                action = "updated"
            stored = session.scalar(select(RegisteredCommand).where(RegisteredCommand.trigger == trigger))
            if stored is None:
                stored = RegisteredCommand(trigger=trigger)
                session.add(stored)
            stored.command_id, stored.team_id, stored.token = command["id"], team_obj["id"], command["token"]
            rows.append((trigger, action))
    bot_line = f"bot: @{me['username']} (this token's account)"
    if not me.get("is_bot"):  # an admin's token: make sure the bot account exists too
        try:
            bot = client.ensure_bot("consortia", "Consortia", "Consortia: consortiums of the inclusion network")
            bot_line = f"bot: @{bot.get('username', 'consortia')} ready — create its token and set CONSORTIA_MATTERMOST_TOKEN"
        except Exception as error:
            bot_line = f"bot: not created ({error}); create it in System Console > Integrations > Bot Accounts"
    click.echo(f"Connected as @{me['username']}; team {team_name}; commands point to {url}")
    click.echo(bot_line)
    for trigger, action in rows:
        click.echo(f"  /{trigger:12} {action}")
    click.echo("Tokens stored: the service accepts these commands without CONSORTIA_COMMAND_TOKENS.")
