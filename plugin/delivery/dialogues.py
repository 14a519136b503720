"""Deliveries of the foundation dialogues: the `<slug>-fondations` channel, its people, admin notices,
and the day-before reminders of next steps."""
from __future__ import annotations

import logging
from datetime import timedelta

from models import Consortium
from plugin.delivery import DeliveryContext, Permanent, Waiting, delivers, periodic
from plugin.delivery.mattermost import client_of, direct_message_once, post_once, team_id
from plugin.i18n import _, use_locale
from plugin.services import dialogues as service

log = logging.getLogger(__name__)

REFUSALS = ("MattermostForbidden", "MattermostNotFound", "MattermostBadRequest")


def _channel_texts(consortium: Consortium) -> tuple[str, str, str]:
    display = _("{name} · foundations", name=consortium.name)[:64]
    purpose = _("Dialogue threads between the consortium “{name}” and foundations (Consortia).",
                name=consortium.name)[:250]
    header = _("One thread per dialogue · `/dialogue list` · `/dialogue help`")
    return display, purpose, header


def _add_people(ctx: DeliveryContext, client, channel_id: str, people: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Add whoever is missing; returns (username, reason) of those Mattermost refused."""
    present = client.channel_member_ids(channel_id)
    refused = []
    for username, user_id in people:
        if user_id in present:
            continue
        try:
            client.add_channel_member(channel_id, user_id)
        except Exception as error:  # one refusal never stops the others
            if type(error).__name__ in REFUSALS:
                refused.append((username, str(error)))
                continue
            raise
    return refused


def _report_refusals(ctx: DeliveryContext, client, consortium_id: int, channel_id: str,
                     refused: list[tuple[str, str]]) -> None:
    """Say clearly, in the dialogue channel and to the admins, who could not be added and why."""
    if not refused:
        return
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, consortium_id)
        name = consortium.name
    with use_locale(ctx.services.settings.locale):
        names = ", ".join(f"@{u}" for u, _reason in refused)
        reasons = "; ".join(f"@{u}: {reason[:200]}" for u, reason in refused)
        message = _("⚠️ Mattermost refused to add {names} to this channel ({reasons}). Everything else is done. A "
                    "guest account must first be invited to the team by a system admin; then "
                    "`/consortium foundation representative <foundation> @user` adds them here.",
                    names=names, reasons=reasons)
        notice = _("⚠️ Consortium “{name}”: Mattermost refused to add {names} to its dialogue channel ({reasons}).",
                   name=name, names=names, reasons=reasons)
    log.warning("dialogue channel %s: Mattermost refused %s", channel_id, reasons)
    try:
        post_once(ctx, "refusal-notice", channel_id, message)
    except Exception:
        log.exception("could not post the refusal notice in %s", channel_id)
    _dm_admins(ctx, client, notice)


def _dm_admins(ctx: DeliveryContext, client, message: str) -> int:
    admins = list(ctx.services.settings.admins)
    if not admins:
        log.warning("no CONSORTIA_ADMINS to tell: %s", message)
        return 0
    sent = 0
    for user in client.get_users_by_usernames(admins):
        direct_message_once(ctx, f"dm:{user['id']}", user["id"], message)
        sent += 1
    return sent


@delivers("dialogue.channel")
def ensure_dialogue_channel(ctx: DeliveryContext, payload: dict) -> None:
    """Create (or adopt) `<slug>-fondations`, private, with the members and the representatives."""
    client = client_of(ctx)
    consortium_id = payload["consortium_id"]
    with ctx.services.db.transaction() as session:
        consortium = session.get(Consortium, consortium_id)
        if consortium is None:
            raise Permanent("consortium no longer exists")
        if consortium.archived_at is not None:
            return
        team = team_id(ctx, session, consortium)
        with use_locale(ctx.services.settings.locale):
            display, purpose, header = _channel_texts(consortium)
        name, existing = service.dialogue_channel_name(consortium), consortium.dialogue_channel_id
        people = service.channel_people(session, consortium)
    if existing:
        channel_id = existing
    else:
        channel, _created = client.ensure_channel(team, name, display, purpose=purpose, header=header, private=True)
        channel_id = channel["id"]
        with ctx.services.db.transaction() as session:
            session.get(Consortium, consortium_id).dialogue_channel_id = channel_id
    refused = _add_people(ctx, client, channel_id, people)
    _report_refusals(ctx, client, consortium_id, channel_id, refused)


def _dialogue_channel(ctx: DeliveryContext, consortium_id: int) -> str:
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, consortium_id)
        if consortium is None:
            raise Permanent("consortium no longer exists")
        channel = consortium.dialogue_channel_id
    if not channel:
        raise Waiting("the dialogue channel is not created yet")
    return channel


@delivers("dialogue.add_people")
def add_people(ctx: DeliveryContext, payload: dict) -> None:
    client = client_of(ctx)
    channel_id = _dialogue_channel(ctx, payload["consortium_id"])
    from sqlalchemy import select

    from models import Person

    with ctx.services.db.reader() as session:
        people = list(session.execute(select(Person.username, Person.mattermost_user_id)
                                      .where(Person.mattermost_user_id.in_(payload["user_ids"]))))
    refused = _add_people(ctx, client, channel_id, [(u, i) for u, i in people])
    _report_refusals(ctx, client, payload["consortium_id"], channel_id, refused)


@delivers("dialogue.remove_people")
def remove_people(ctx: DeliveryContext, payload: dict) -> None:
    client = client_of(ctx)
    channel_id = _dialogue_channel(ctx, payload["consortium_id"])
    for user_id in payload["user_ids"]:
        client.remove_channel_member(channel_id, user_id)


@delivers("dialogue.notify_admins")
def notify_admins(ctx: DeliveryContext, payload: dict) -> None:
    _dm_admins(ctx, client_of(ctx), payload["message"])


@periodic("dialogue.next_step_reminders", timedelta(minutes=15))
def next_step_reminders(services, now) -> int:
    """Queue the reminders due (the day before each next step); idempotent."""
    with services.db.transaction() as session:
        queued = service.queue_reminders(session, now, default_locale=services.settings.locale)
    if queued:
        services.notify_outbox()
    return queued
