"""The sessions' use cases: plan, move, cancel, minutes, answers (RSVP) and the feed links. Each
returns an outcome (``outcomes.py``), records what must follow (``events.py``: the card, the CalDAV
event, the invitations), and refuses with a ``Refusal``.

The database is the source of truth; the shared CalDAV calendar, the iMIP e-mails and the channel's
card follow through the outbox (``delivery.py``). Every change is audited.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from models import Consortium, Rsvp, WorkingSession, new_token
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.lookup import consortia_of, consortium_for
from plugin.kernel.numbers import next_number
from plugin.kernel.text import aware, fold
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.sessions import events as ev
from plugin.features.sessions import schemas
from plugin.features.sessions.outcomes import (
    AlreadyPlanned, Answered, Cancelled, Changed, FeedLink, Listing, MinutesRecorded, Moved, PersonalLink, PlanForm, Planned,
)
from plugin.features.sessions.records import (
    ANSWERS, active_members, count_upcoming, ends, open_session, require_member, snapshot, starts, upcoming,
    view_of,
)


def _invite(ctx: Ctx, outcome: Changed) -> tuple[int, ...]:
    """With e-mail on, every active member with an address gets the iMIP message (the others are listed)."""
    ctx.session.flush()
    if not outcome.smtp:
        return ()  # no e-mail goes out: nobody to list (the reply says e-mail is off)
    for person in active_members(ctx.session, ctx.consortium.id):
        (outcome.invited if person.email else outcome.without_email).append(person)
    return tuple(p.id for p in outcome.invited)


def _record(ctx: Ctx, ws: WorkingSession, kind: type[ev.SessionEvent], **more) -> None:
    """The change, for the card, the CalDAV write (when CalDAV is on) and the invitations."""
    ctx.session.flush()
    ctx.record(kind(consortium_id=ctx.consortium.id, session_id=ws.id, uid=ws.uid, sequence=ws.sequence,
                    caldav=bool(ctx.runtime.settings.caldav_configured), **more))


def _changed(ctx: Ctx, kind: type[Changed], ws: WorkingSession) -> Changed:
    return kind(ws, smtp=bool(ctx.runtime.settings.smtp_configured))


# --- plan -------------------------------------------------------------------------------------

@use_case("session.plan", schema=schemas.PlanSchema)
def plan(ctx: Ctx, data: dict) -> Planned | PlanForm | AlreadyPlanned:
    require_member(ctx)
    access.require_active(ctx.consortium)
    if "starts_at" not in data:   # nothing given: the form
        return PlanForm(ctx.consortium)
    starts_at = aware(data["starts_at"])
    if not data.get("confirm"):
        twin = _just_planned(ctx, data["title"], starts_at)
        if twin is not None:
            if data.get("form"):   # a form shows no button: said next to the title, the form stays open
                raise Invalid(_l("Session {n} “{title}” was just planned at that time.", n=twin.number,
                                 title=twin.title),
                              fields={"title": _l("Session {n} has this title and this time already: change one, "
                                                  "or type the command with `--confirm` to plan it twice.",
                                                  n=twin.number)})
            return AlreadyPlanned(twin, title=data["title"], starts_at=starts_at,
                                  ends_at=starts_at + data["duration_value"], place=data.get("place") or "",
                                  video=data.get("video") or "", agenda=data.get("agenda") or "")
    return _plan(ctx, data["title"], starts_at, starts_at + data["duration_value"], data, form=bool(data.get("form")))


@use_case("session.plan_again", schema=schemas.PlanAgainSchema)
def plan_again(ctx: Ctx, data: dict) -> Planned:
    """The confirmation button of a session that looked like the one just planned: plan it all the same."""
    require_member(ctx)
    access.require_active(ctx.consortium)
    return _plan(ctx, data["title"], aware(data["starts_at"]), aware(data["ends_at"]), data, form=False)


def _just_planned(ctx: Ctx, title: str, starts_at: datetime) -> WorkingSession | None:
    """The consortium's last planned session, when it has the same title and start (a double send)."""
    last = ctx.session.scalar(select(WorkingSession).where(WorkingSession.consortium_id == ctx.consortium.id)
                              .order_by(WorkingSession.number.desc()).limit(1))
    if last is None or last.status == "cancelled" or starts(last) != starts_at or fold(last.title) != fold(title):
        return None
    return last


def _plan(ctx: Ctx, title: str, starts_at: datetime, ends_at: datetime, data: dict, *, form: bool) -> Planned:
    consortium, actor = ctx.consortium, ctx.actor
    ws = WorkingSession(
        consortium_id=consortium.id, number=next_number(ctx.session, consortium.id, "session"),
        uid=f"{uuid.uuid4()}@consortia", title=title, starts_at=starts_at, ends_at=ends_at,
        timezone=consortium.timezone,
        location=data.get("place") or "", video_url=data.get("video") or "", agenda=data.get("agenda") or "",
        sequence=0, status="confirmed", created_by_id=actor.id,
        rsvps=[],  # a new session has no answer yet: the card needs no query to know it
    )
    ctx.session.add(ws)
    ctx.session.flush()
    audit(ctx.session, actor, "session.plan", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          after=snapshot(ws))
    outcome = _changed(ctx, Planned, ws)
    invited = _invite(ctx, outcome)
    confirm = {}
    if form and actor.person.mattermost_user_id and consortium.channel_id:
        # Planned from the form: the planner's confirmation follows (the form itself says nothing).
        confirm = {"confirm_to": actor.person.mattermost_user_id, "confirm_channel": consortium.channel_id,
                   "smtp": outcome.smtp, "without_email": tuple(p.username for p in outcome.without_email)}
    _record(ctx, ws, ev.SessionPlanned, invited=invited, **confirm)
    return outcome


# --- move, cancel, minutes --------------------------------------------------------------------

@use_case("session.move", schema=schemas.MoveSchema)
def move(ctx: Ctx, data: dict) -> Moved:
    ws = open_session(ctx, data["number"], organiser_only=True)
    before = snapshot(ws)
    starts_at = aware(data["starts_at"])
    # A time range gives the new end; otherwise the session keeps its length.
    ends_at = aware(data["ends_at"]) if data.get("ends_at") else starts_at + (ends(ws) - starts(ws))
    if starts_at == starts(ws) and ends_at == ends(ws):
        raise Conflict(_l("Session {n} is already planned at that time.", n=ws.number))
    ws.starts_at, ws.ends_at = starts_at, ends_at
    ws.sequence += 1
    ws.reminder_sent_at = None
    # A new time is a new question: everyone answers again (RFC 5546 §2.1.4, rescheduling).
    for answer in ws.rsvps:
        answer.answer = "needs-action"
    audit(ctx.session, ctx.actor, "session.move", consortium_id=ctx.consortium.id, target_type="session",
          target_id=ws.id, before=before, after=snapshot(ws))
    outcome = _changed(ctx, Moved, ws)
    _record(ctx, ws, ev.SessionMoved, invited=_invite(ctx, outcome))
    return outcome


@use_case("session.cancel", schema=schemas.NumberSchema)
def cancel(ctx: Ctx, data: dict) -> Cancelled:
    ws = open_session(ctx, data["number"], organiser_only=True)
    before = snapshot(ws)
    ws.status = "cancelled"
    ws.sequence += 1
    audit(ctx.session, ctx.actor, "session.cancel", consortium_id=ctx.consortium.id, target_type="session",
          target_id=ws.id, before=before, after=snapshot(ws))
    outcome = _changed(ctx, Cancelled, ws)
    _record(ctx, ws, ev.SessionCancelled, invited=_invite(ctx, outcome), method="CANCEL")
    return outcome


@use_case("session.minutes", schema=schemas.MinutesSchema)
def minutes(ctx: Ctx, data: dict) -> MinutesRecorded:
    ws = open_session(ctx, data["number"])
    before = {"minutes": ws.minutes}
    ws.minutes = data["text"]
    ws.sequence += 1  # the event's description changed
    audit(ctx.session, ctx.actor, "session.minutes", consortium_id=ctx.consortium.id, target_type="session",
          target_id=ws.id, before=before, after={"minutes": data["text"][:500]})
    _record(ctx, ws, ev.MinutesRecorded)
    return MinutesRecorded(ws)


# --- answers ----------------------------------------------------------------------------------

@use_case("session.rsvp", schema=schemas.RsvpSchema)
def rsvp(ctx: Ctx, data: dict) -> Answered:
    """A member's answer from the card's buttons; updates the attendee's PARTSTAT everywhere."""
    session, actor, reply = ctx.session, ctx.actor, str(data.get("answer") or "")
    session_id = data.get("session_id")
    if not isinstance(session_id, int):
        raise NotFound(_l("This session no longer exists."))
    if reply not in ANSWERS:
        raise NotFound(_l("This answer is not known."))
    ws = session.get(WorkingSession, session_id)
    consortium = session.get(Consortium, ws.consortium_id) if ws is not None else None
    if ws is None or consortium is None:
        raise NotFound(_l("This session no longer exists."))
    # The membership was read with the button's consortium (signed in it: the session's own).
    same = ctx.consortium is not None and ctx.consortium.id == consortium.id
    if not (ctx.membership is not None if same else access.is_member(session, consortium, actor.person)):
        raise Forbidden(_l("Only the members of the consortium “{name}” can answer.", name=consortium.name))
    if ws.status == "cancelled":
        raise Conflict(_l("This session was cancelled."))
    row = session.scalar(select(Rsvp).where(Rsvp.session_id == ws.id, Rsvp.person_id == actor.id))
    if row is None:
        session.add(Rsvp(session_id=ws.id, person_id=actor.id, answer=reply))
    elif row.answer == reply:
        return Answered(view_of(session, ws), consortium, reply)
    else:
        row.answer = reply
    session.flush()
    session.expire(ws, ["rsvps"])
    audit(session, actor, "session.answer", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          after={"answer": reply})
    ctx.consortium = consortium
    _record(ctx, ws, ev.SessionAnswered)
    return Answered(view_of(session, ws), consortium, reply)


# --- reading and feed links -------------------------------------------------------------------

def _feed_token(ctx: Ctx) -> str:
    """The actor's own token for the consortium's feed: theirs as a member, the facilitators' as an admin."""
    if ctx.membership is not None:
        return ctx.membership.feed_token or ""
    return ctx.consortium.feed_token if ctx.actor.is_admin else ""


@use_case("session.list", read_only=True)
def list_sessions(ctx: Ctx, data: dict) -> Listing:
    require_member(ctx)
    views = upcoming(ctx.session, ctx.consortium, now=ctx.now)
    total = count_upcoming(ctx.session, ctx.consortium, now=ctx.now) if views else 0
    return Listing(ctx.consortium, views, total, _feed_token(ctx))


@use_case("session.subscribe", schema=schemas.SubscribeSchema, consortium="none")
def subscribe(ctx: Ctx, data: dict) -> FeedLink | PersonalLink:
    if data["mine"] or data["new_link"]:
        person = ctx.actor.person
        if data["new_link"] or not person.personal_feed_token:
            person.personal_feed_token = new_token()
            audit(ctx.session, ctx.actor, "session.personal_feed_renewed", target_type="person", target_id=person.id)
        ctx.session.flush()
        return PersonalLink(person.personal_feed_token, renewed=bool(data["new_link"]))
    found = consortium_for(ctx.session, slug=(data["consortium"] or "")[:64], channel_id=ctx.channel_id,
                           person_id=ctx.actor.id)
    if found is None:
        mine = consortia_of(ctx.session, ctx.actor.person)
        listing = ", ".join(f"`{c.slug}`" for c in mine[:20]) or "—"
        raise NotFound(_l("Which consortium? Use this command in its channel or add `--consortium <slug>` "
                          "(yours: {listing}); `/session subscribe --mine` gives your own calendar.",
                          listing=listing))
    ctx.consortium, ctx.membership = found
    require_member(ctx)
    return FeedLink(ctx.consortium, _feed_token(ctx))
