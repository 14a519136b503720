"""The dialogues' deliveries, rendered when delivered: the `<slug>-fondations` channel and its people,
the thread's root card and news (in the channel's language), the admins' notices and the reminders of
next steps (each person's language)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Consortium, FoundationDialogue, Organisation, Person
from plugin.delivery import DeliveryContext, Permanent, Waiting
from plugin.delivery.mattermost import client_of, direct_message_once, post_once, team_id
from plugin.i18n import use_locale
from plugin.kernel.events import decode, encode
from plugin.kernel.languages import channel_locale, person_locale
from plugin.kernel.outbox import queue

from plugin.features.dialogues import events as ev
from plugin.features.dialogues import render
from plugin.features.dialogues.foundations import representatives
from plugin.features.dialogues.threads import channel_people, dialogue_channel_name

log = logging.getLogger(__name__)

REFUSALS = ("MattermostForbidden", "MattermostNotFound", "MattermostBadRequest")


# --- publishers (in the use case's transaction) ------------------------------------------------

def publish_opened(session: Session, event: ev.DialogueOpened, now: datetime) -> None:
    """The dialogue channel (created on first use, idempotent) with the members and the foundation's
    representatives, then the root card; the outbox keeps the order. No representative: the admins hear."""
    consortium_id = event.consortium_id
    queue(session, "dialogue.channel", {"consortium_id": consortium_id}, consortium_id=consortium_id, now=now)
    queue(session, "dialogue.card", encode(event), consortium_id=consortium_id, now=now)
    if not event.has_representative:
        queue(session, "dialogue.notify_admins", encode(event), consortium_id=consortium_id,
              dedupe_key=f"dialogue-no-rep:{event.dialogue_id}", now=now)


def publish_news(session: Session, event, now: datetime) -> None:
    """A line in the dialogue's thread, and its root card brought up to date."""
    queue(session, "dialogue.news", encode(event), consortium_id=event.consortium_id, now=now)
    queue(session, "dialogue.card_refresh", {"dialogue_id": event.dialogue_id}, consortium_id=event.consortium_id,
          now=now)


# --- the dialogue channel and its people ----------------------------------------------------------

def _add_people(client, channel_id: str, people: list[tuple[str, str]]) -> list[tuple[str, str]]:
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
        name = session.get(Consortium, consortium_id).name
    with use_locale(channel_locale(ctx.services.settings)):
        message, notice = render.refused(name, refused)
    log.warning("dialogue channel %s: Mattermost refused %s", channel_id, [u for u, _reason in refused])
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


def ensure_channel(ctx: DeliveryContext, payload: dict) -> None:
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
        with use_locale(channel_locale(ctx.services.settings, consortium)):
            display, purpose, header = render.channel_texts(consortium)
        name, existing = dialogue_channel_name(consortium), consortium.dialogue_channel_id
        people = channel_people(session, consortium)
    if existing:
        channel_id = existing
    else:
        channel, _created = client.ensure_channel(team, name, display, purpose=purpose, header=header, private=True)
        channel_id = channel["id"]
        with ctx.services.db.transaction() as session:
            session.get(Consortium, consortium_id).dialogue_channel_id = channel_id
    _report_refusals(ctx, client, consortium_id, channel_id, _add_people(client, channel_id, people))


def _dialogue_channel(ctx: DeliveryContext, consortium_id: int) -> str:
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, consortium_id)
        if consortium is None:
            raise Permanent("consortium no longer exists")
        channel = consortium.dialogue_channel_id
    if not channel:
        raise Waiting("the dialogue channel is not created yet")
    return channel


def _user_ids(payload: dict) -> tuple[int, list[str]]:
    """(consortium id, user ids) of an event's row, or of a row queued before rows carried events."""
    data = payload.get("data") or payload
    return data["consortium_id"], list(data["user_ids"])


def add_people(ctx: DeliveryContext, payload: dict) -> None:
    client = client_of(ctx)
    consortium_id, user_ids = _user_ids(payload)
    channel_id = _dialogue_channel(ctx, consortium_id)
    with ctx.services.db.reader() as session:
        people = list(session.execute(select(Person.username, Person.mattermost_user_id)
                                      .where(Person.mattermost_user_id.in_(user_ids))))
    refused = _add_people(client, channel_id, [(u, i) for u, i in people])
    _report_refusals(ctx, client, consortium_id, channel_id, refused)


def remove_people(ctx: DeliveryContext, payload: dict) -> None:
    client = client_of(ctx)
    consortium_id, user_ids = _user_ids(payload)
    channel_id = _dialogue_channel(ctx, consortium_id)
    for user_id in user_ids:
        client.remove_channel_member(channel_id, user_id)


def notify_admins(ctx: DeliveryContext, payload: dict) -> None:
    """A dialogue opened with a foundation that has no representative (rows queued before events: their text)."""
    if "message" in payload:
        _dm_admins(ctx, client_of(ctx), payload["message"])
        return
    event = decode(payload, (ev.DialogueOpened,))
    with ctx.services.db.reader() as session:
        dialogue, consortium, foundation = _read(session, event.dialogue_id)
        with use_locale(channel_locale(ctx.services.settings, consortium)):
            message = render.no_representative(event, consortium, foundation)
    _dm_admins(ctx, client_of(ctx), message)


# --- the thread ---------------------------------------------------------------------------------

def _read(session: Session, dialogue_id: int) -> tuple[FoundationDialogue, Consortium, Organisation]:
    dialogue = session.get(FoundationDialogue, dialogue_id)
    if dialogue is None:
        raise Permanent("the dialogue no longer exists")
    return dialogue, session.get(Consortium, dialogue.consortium_id), session.get(Organisation, dialogue.foundation_id)


def _card_text(ctx: DeliveryContext, session: Session, dialogue: FoundationDialogue, consortium: Consortium,
               foundation: Organisation) -> str:
    reps = [p.username for p in representatives(session, foundation.id)]
    opener = session.get(Person, dialogue.opened_by_id) if dialogue.opened_by_id else None
    with use_locale(channel_locale(ctx.services.settings, consortium)):
        return render.card(dialogue, consortium, foundation, reps, opener.username if opener else None)


def card(ctx: DeliveryContext, payload: dict) -> None:
    """The thread's root post, once; its id is kept on the dialogue."""
    event = decode(payload, (ev.DialogueOpened,))
    channel_id = _dialogue_channel(ctx, event.consortium_id)
    with ctx.services.db.reader() as session:
        dialogue, consortium, foundation = _read(session, event.dialogue_id)
        if dialogue.root_post_id:
            return
        text = _card_text(ctx, session, dialogue, consortium, foundation)
    post_id = post_once(ctx, "post", channel_id, text)
    with ctx.services.db.transaction() as session:
        session.get(FoundationDialogue, event.dialogue_id).root_post_id = post_id


def _root(ctx: DeliveryContext, dialogue_id: int) -> tuple[str, str]:
    """(dialogue channel, root post) of a dialogue's thread."""
    with ctx.services.db.reader() as session:
        dialogue = session.get(FoundationDialogue, dialogue_id)
        if dialogue is None:
            raise Permanent("the dialogue no longer exists")
        root, consortium_id = dialogue.root_post_id, dialogue.consortium_id
    if not root:
        raise Waiting("the thread's root post is not posted yet")
    return _dialogue_channel(ctx, consortium_id), root


def card_refresh(ctx: DeliveryContext, payload: dict) -> None:
    """The root card as the dialogue is now (an edit is idempotent)."""
    _channel, root = _root(ctx, payload["dialogue_id"])
    with ctx.services.db.reader() as session:
        text = _card_text(ctx, session, *_read(session, payload["dialogue_id"]))
    client_of(ctx).update_post(root, message=text)


def news(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, ev.NEWS)
    channel_id, root = _root(ctx, event.dialogue_id)
    with use_locale(channel_locale(ctx.services.settings)):
        text = render.news(event)
    post_once(ctx, "post", channel_id, text, root_id=root)


# --- reminders of next steps ----------------------------------------------------------------------

def reminder(ctx: DeliveryContext, payload: dict) -> None:
    """A concerned person's direct message, in their language as it is when delivered."""
    with ctx.services.db.reader() as session:
        person = session.get(Person, payload["person_id"])
        if person is None or person.erased_at is not None or not person.mattermost_user_id:
            raise Permanent("the person is gone")
        dialogue, consortium, foundation = _read(session, payload["dialogue_id"])
        with use_locale(person_locale(ctx.services.settings, person)):
            text = render.reminder(_as_reminded(dialogue, payload), consortium, foundation)
        user_id = person.mattermost_user_id
    direct_message_once(ctx, "dm", user_id, text)


def reminder_thread(ctx: DeliveryContext, payload: dict) -> None:
    channel_id, root = _root(ctx, payload["dialogue_id"])
    with ctx.services.db.reader() as session:
        dialogue, consortium, _foundation = _read(session, payload["dialogue_id"])
        with use_locale(channel_locale(ctx.services.settings, consortium)):
            text = render.thread_reminder(_as_reminded(dialogue, payload), payload["people"])
    post_once(ctx, "post", channel_id, text, root_id=root)


@dataclass(frozen=True)
class _Step:
    """A dialogue's next step as it was when the reminder was decided (it may have moved since)."""

    number: int
    subject: str
    next_step_date: date
    next_step_action: str


def _as_reminded(dialogue: FoundationDialogue, payload: dict) -> _Step:
    return _Step(dialogue.number, dialogue.subject, date.fromisoformat(payload["date"]), payload["action"])


DELIVERERS = {
    "dialogue.channel": ensure_channel,
    "dialogue.add_people": add_people,
    "dialogue.remove_people": remove_people,
    "dialogue.notify_admins": notify_admins,
    "dialogue.card": card,
    "dialogue.card_refresh": card_refresh,
    "dialogue.news": news,
    "dialogue.reminder": reminder,
    "dialogue.reminder_thread": reminder_thread,
}
