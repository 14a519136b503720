"""The decisions' deliveries, rendered when delivered: the card (channel), the outcome (channel, and
the card closed; the foundations channel too when the decision is shared with them), a withdrawn
decision, the CSV export (the asker's language for the file), the replaced-vote notice and the
reminders (direct messages, in each person's language)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Consortium, Decision, DecisionBallot, Person
from plugin.delivery import DeliveryContext, Permanent
from plugin.delivery.mattermost import attach_once, channel_of, client_of, direct_message_once, post_once
from plugin.i18n import use_locale
from plugin.kernel.events import decode, to
from plugin.kernel.languages import channel_locale, person_locale

from plugin.features.decisions import events as ev
from plugin.features.decisions import render
from plugin.features.decisions.ballots import card_of
from plugin.features.dialogues.api import dialogue_channel_of


def _card(ctx: DeliveryContext, decision_id: int) -> tuple[str, dict, str | None]:
    """The card's text and buttons as they are now, in the channel's language, and its post."""
    with ctx.services.db.reader() as session, use_locale(channel_locale(ctx.services.settings)):
        decision = session.get(Decision, decision_id)
        consortium = session.get(Consortium, decision.consortium_id) if decision is not None else None
        if decision is None or consortium is None:
            raise Permanent("the decision is gone")
        card = card_of(session, decision)
        return (render.card_text(card, ZoneInfo(consortium.timezone)),
                render.card_props(card, ctx.services, consortium), decision.card_post_id)


def card(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.DecisionProposed,))
    text, props, _post = _card(ctx, event.decision_id)
    post_id = post_once(ctx, "card", channel_of(ctx, {"consortium_id": event.consortium_id}), text, props=props)
    with ctx.services.db.transaction() as session:
        decision = session.get(Decision, event.decision_id)
        if decision is not None and decision.card_post_id != post_id:
            decision.card_post_id = post_id


def _refresh_card(ctx: DeliveryContext, decision_id: int) -> None:
    text, props, post_id = _card(ctx, decision_id)
    if post_id:
        client_of(ctx).update_post(post_id, message=text, props=props)


def closed(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.DecisionClosed,))
    shared_text, foundations_channel = None, None
    with ctx.services.db.reader() as session:
        decision = session.get(Decision, event.decision_id)
        if decision is None:
            raise Permanent("the decision is gone")
        consortium = session.get(Consortium, decision.consortium_id)
        with use_locale(channel_locale(ctx.services.settings, consortium)):
            text = render.outcome_text(decision.number, decision.title, decision, decision.result or {})
            # shared with the foundations: the same outcome (title, counts; never the ballots) in their channel,
            # if a dialogue has opened it; without one there is nobody to tell
            if consortium is not None and decision.shared_with_foundations:
                foundations_channel = dialogue_channel_of(consortium)
            if foundations_channel:
                shared_text = render.shared_outcome(consortium.name, text)
    post_once(ctx, "outcome", channel_of(ctx, {"consortium_id": event.consortium_id}), text)
    if shared_text:
        post_once(ctx, "foundations-outcome", foundations_channel, shared_text)
    _refresh_card(ctx, event.decision_id)


def export(ctx: DeliveryContext, payload: dict) -> None:
    """The file in the asker's language, posted in the channel with a line in the channel's."""
    event = decode(payload, (ev.DecisionsExported,))
    at = datetime.fromisoformat(event.at)
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, event.consortium_id)
        if consortium is None:
            raise Permanent("consortium no longer exists")
        name, slug, tz = consortium.name, consortium.slug, ZoneInfo(consortium.timezone)

    def files() -> list[tuple[str, bytes]]:
        with ctx.services.db.reader() as session, use_locale(event.locale):
            decisions = session.scalars(select(Decision).where(Decision.consortium_id == event.consortium_id)
                                        .order_by(Decision.number))
            return [(f"decisions-{slug}-{at.strftime('%Y%m%d')}.csv",
                     render.decisions_csv(decisions, locale=event.locale, tz=tz))]

    with use_locale(channel_locale(ctx.services.settings)):
        message = render.export_post(name, event.actor)
    attach_once(ctx, channel_of(ctx, {"consortium_id": event.consortium_id}), files, message)


def cancelled(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.DecisionCancelled,))
    with use_locale(channel_locale(ctx.services.settings)):
        text = render.cancelled_post(event)
    post_once(ctx, "post", channel_of(ctx, {"consortium_id": event.consortium_id}), text)
    _refresh_card(ctx, event.decision_id)


def _person(session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.erased_at is not None or not person.mattermost_user_id:
        raise Permanent("the person is gone")
    return person


def replaced(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.VoteReplaced,))
    with ctx.services.db.reader() as session:
        person = _person(session, event.person_id)
        with use_locale(person_locale(ctx.services.settings, person)):
            text = render.replaced_notice(event)
        user_id = person.mattermost_user_id
    direct_message_once(ctx, "dm", user_id, text)


def reminder(ctx: DeliveryContext, payload: dict) -> None:
    """A member whose voting unit has not voted, the day before the deadline (``jobs.remind``)."""
    with ctx.services.db.reader() as session:
        person = _person(session, payload["person_id"])
        decision = session.get(Decision, payload["decision_id"])
        if decision is None or decision.status != "open":
            return      # closed or withdrawn since: nothing to remind
        consortium = session.get(Consortium, decision.consortium_id)
        if session.scalar(select(DecisionBallot.id).where(DecisionBallot.decision_id == decision.id,
                                                          DecisionBallot.voter_key == payload["key"])):
            return
        with use_locale(person_locale(ctx.services.settings, person)):
            text = render.reminder(decision.number, decision.title, decision.deadline,
                                   ZoneInfo(consortium.timezone), payload["unit"], consortium.name)
        user_id = person.mattermost_user_id
    direct_message_once(ctx, "dm", user_id, text)


PUBLISHERS = {
    ev.DecisionProposed: to("decision.card"),
    ev.DecisionClosed: to("decision.outcome"),
    ev.DecisionCancelled: to("decision.cancelled"),
    ev.VoteReplaced: to("decision.vote_replaced"),
    ev.DecisionsExported: to("decision.export"),
}

DELIVERERS = {
    "decision.card": card,
    "decision.outcome": closed,
    "decision.export": export,
    "decision.cancelled": cancelled,
    "decision.vote_replaced": replaced,
    "decision.reminder": reminder,
}
