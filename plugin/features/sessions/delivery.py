"""The sessions' deliveries, rendered when delivered in their reader's language: the card in the
channel, the shared CalDAV calendar, the iMIP invitations, the planner's confirmation after the form,
and the day-before reminder.

* ``session.card`` posts the card (once: its post id is written back to the session), and
  ``session.card_update`` redraws it after a move or a cancellation (``Waiting`` until it is posted).
* ``caldav.session`` writes the session's current state to the consortium's CalDAV
  calendar (``consortia-<slug>``, created at provisioning): ``PUT`` with
  ``If-None-Match: *`` the first time, then ``If-Match: <etag>``. A 412 means the
  object changed on the server (someone edited it in Nextcloud, or a retried
  delivery lost the ETag): the event is re-fetched for its current ETag and written
  again — the database is the source of truth. A cancelled session stays in the
  calendar with ``STATUS:CANCELLED`` (clients show it struck through), as RFC 5546
  recommends for attendees' copies.
* ``imip.session`` e-mails one recipient (RFC 6047) a ``METHOD:REQUEST`` or
  ``METHOD:CANCEL``; one outbox message per recipient so a retry never re-sends
  to the others, deduplicated per (session, sequence, method, person). A REQUEST
  superseded by a newer change before it could be sent is dropped (the newer one
  follows), so an SMTP outage never delivers stale copies.
* ``session.reminder`` posts the reminder in the card's thread (queued by ``jobs.py``).
* ``calendar.feeds`` builds the consortium's feed, and the personal feed of each member who has
  one, when its sessions change, and stores them with their gzip coding (``CalendarFeed``): a
  calendar polling its feed reads stored bytes, it never waits for a build. Each stored feed keeps
  the key it was built for (the consortiums' feed stamps, moved by database triggers on every change
  a feed shows, and this service's configuration; also its ETag): a change elsewhere (a member who
  joins, a new name) makes it stale, and the next read builds it (once per process) and stores it.
"""
from __future__ import annotations

import gzip
from datetime import datetime
from typing import Callable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from integrations.calendar.caldav_client import (
    CalDAVInsufficientStorage, CalDAVNotFound, CalDAVPreconditionFailed, CalDAVUnauthorized,
)
from sqlalchemy.exc import DBAPIError

from integrations.calendar.ics import Attendee
from integrations.calendar.imip import build_invitation
from models import CalendarFeed, Consortium, Membership, Person, WorkingSession, utcnow
from plugin.delivery import DeliveryContext, Permanent, Retry, Waiting
from plugin.delivery.mattermost import channel_of, client_of, ephemeral, post_once
from plugin.i18n import use_locale
from plugin.kernel.events import decode, encode
from plugin.kernel.languages import channel_locale, person_locale
from plugin.kernel.outbox import queue
from plugin.kernel.people import is_admin
from plugin.kernel.text import aware

from plugin.features.sessions import events as ev
from plugin.features.sessions import render
from plugin.features.sessions.feeds import FEEDS, Coded, FeedBytes, channel_link, feed_key, feed_rows, person_consortia
from plugin.features.sessions.records import view_of

MAX_412_ROUNDS = 3


# --- where the events go ----------------------------------------------------------------------

def publish(session: Session, event: ev.SessionEvent, now: datetime) -> None:
    """A change to a session: its card, the CalDAV event (when on) and one e-mail per invited person."""
    cid = event.consortium_id
    if isinstance(event, ev.SessionPlanned):
        queue(session, "session.card", encode(event), consortium_id=cid, dedupe_key=f"session.card:{event.uid}",
              now=now)
    elif isinstance(event, (ev.SessionMoved, ev.SessionCancelled)):
        queue(session, "session.card_update", encode(event), consortium_id=cid, now=now)
    if event.caldav:
        queue(session, "caldav.session", {"session_id": event.session_id}, consortium_id=cid, now=now)
    for person_id in event.invited:
        queue(session, "imip.session",
              {"session_id": event.session_id, "person_id": person_id, "sequence": event.sequence,
               "method": event.method},
              consortium_id=cid, dedupe_key=f"imip:{event.uid}:{event.sequence}:{event.method}:{person_id}", now=now)
    if isinstance(event, ev.SessionPlanned) and event.confirm_to:
        queue(session, "session.planned_note", encode(event), consortium_id=cid, now=now)
    queue(session, "calendar.feeds", {"consortium_id": cid}, consortium_id=cid, now=now)


# --- the card ---------------------------------------------------------------------------------

def _card(ctx: DeliveryContext, session: Session, ws: WorkingSession) -> tuple[Consortium, str, dict]:
    consortium = session.get(Consortium, ws.consortium_id)
    with use_locale(channel_locale(ctx.services.settings, consortium)):
        message, props = render.card(ctx.services, view_of(session, ws), consortium)
    return consortium, message, props


def post_card(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.SessionPlanned,))
    with ctx.services.db.reader() as session:
        ws = session.get(WorkingSession, event.session_id)
        if ws is None or ws.card_post_id:
            return
        _consortium, message, props = _card(ctx, session, ws)
    post_id = post_once(ctx, "post", channel_of(ctx, {"consortium_id": event.consortium_id}), message, props=props)
    with ctx.services.db.transaction() as session:
        row = session.get(WorkingSession, event.session_id)
        if row is not None:
            row.card_post_id = post_id


def update_card(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.SessionMoved, ev.SessionCancelled))
    with ctx.services.db.reader() as session:
        ws = session.get(WorkingSession, event.session_id)
        if ws is None:
            return
        if not ws.card_post_id:
            raise Waiting("the post to update is not posted yet")
        post_id = ws.card_post_id
        _consortium, message, props = _card(ctx, session, ws)
    client_of(ctx).update_post(post_id, message=message, props=props)


def planned_note(ctx: DeliveryContext, payload: dict) -> None:
    """The planner's confirmation after the form, in their language (the form answers nothing itself)."""
    event = decode(payload, (ev.SessionPlanned,))
    with ctx.services.db.reader() as session:
        ws = session.get(WorkingSession, event.session_id)
        person = session.scalar(select(Person).where(Person.mattermost_user_id == event.confirm_to))
        if ws is None:
            return
        locale = person_locale(ctx.services.settings, person) if person is not None else ctx.services.settings.locale
        with use_locale(locale):
            operator = person is not None and is_admin(person, ctx.services.admin_ids(session))
            note = render.invitations_note(event.smtp, len(event.invited), list(event.without_email),
                                           operator=operator)
            text = "\n".join(render.planned_lines(ws, note))
    ephemeral(ctx, {"user_id": event.confirm_to, "channel_id": event.confirm_channel, "message": text})


def post_reminder(ctx: DeliveryContext, payload: dict) -> None:
    with ctx.services.db.reader() as session:
        ws = session.get(WorkingSession, payload["session_id"])
        if ws is None or ws.status == "cancelled":
            return
        consortium = session.get(Consortium, ws.consortium_id)
        with use_locale(channel_locale(ctx.services.settings, consortium)):
            text = render.reminder(ws)
        root, consortium_id = ws.card_post_id, consortium.id
    post_once(ctx, "post", channel_of(ctx, {"consortium_id": consortium_id}), text, root_id=root or None)


# --- CalDAV -----------------------------------------------------------------------------------

def calendar_id(consortium: Consortium) -> str:
    return f"consortia-{consortium.slug}"


def _organizer(services) -> str:
    return services.settings.mail_from or "consortia@localhost"


def _channel_url(services, consortium: Consortium) -> str:
    return channel_link(services.settings.mattermost_url, services.settings.mattermost_team, consortium)


def _attendees(session: Session, ws: WorkingSession) -> list[Attendee]:
    """The members with an address, as the shared calendar and the invitations show them."""
    answers = {r.person_id: r.answer for r in ws.rsvps}
    people = session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == ws.consortium_id, Membership.left_at.is_(None),
               Person.email.is_not(None))
    )
    return [Attendee(email=p.email, name=p.display_name or p.username,
                     partstat=render.PARTSTAT.get(answers.get(p.id, "needs-action"), "NEEDS-ACTION")) for p in people]


def _calendar(ctx: DeliveryContext, session: Session, ws: WorkingSession, consortium: Consortium,
              method: str | None = None) -> bytes:
    services = ctx.services
    return render.session_calendar(ws, consortium, _attendees(session, ws), organizer_email=_organizer(services),
                                   channel_url=_channel_url(services, consortium), method=method)


def put_session(ctx: DeliveryContext, payload: dict) -> None:
    services = ctx.services
    client = services.caldav()
    if client is None:
        return  # CalDAV was switched off since: the feed carries the sessions
    with services.db.reader() as session:
        ws = session.get(WorkingSession, payload["session_id"])
        if ws is None:
            return
        consortium = session.get(Consortium, ws.consortium_id)
        if consortium.caldav_calendar_url is None:
            raise Waiting("the consortium's CalDAV calendar is not created yet")
        with use_locale(channel_locale(services.settings, consortium)):
            ics = _calendar(ctx, session, ws, consortium)
        cal_id, uid, etag = calendar_id(consortium), ws.uid, ws.caldav_etag
    try:
        new_etag = _put(client, cal_id, uid, ics, etag)
    except CalDAVUnauthorized as error:
        raise Permanent(f"CalDAV refused the service account's credentials (401): fix "
                        f"CONSORTIA_CALDAV_USERNAME/PASSWORD, then retry the dead messages ({error})") from None
    except CalDAVInsufficientStorage as error:
        # The quota may be raised by an administrator: keep the message, try again in an hour.
        raise Retry(f"CalDAV quota exceeded (507): {error}", retry_after=3600) from None
    except CalDAVNotFound as error:
        raise Retry(f"CalDAV calendar {cal_id} not found yet: {error}", retry_after=60) from None
    with services.db.transaction() as session:
        row = session.get(WorkingSession, payload["session_id"])
        if row is not None:
            row.caldav_etag = new_etag


def _put(client, cal_id: str, uid: str, ics: bytes, etag: str | None) -> str | None:
    """PUT with a precondition; on 412 re-fetch the current ETag and write again."""
    for _round in range(MAX_412_ROUNDS):
        try:
            new_etag = client.put_event(cal_id, uid, ics, etag=etag)
        except CalDAVPreconditionFailed:
            current = client.get_event(cal_id, uid)
            etag = current[1] if current is not None else None
            if current is not None and not etag:
                # A server that gives no ETag leaves no safe precondition: ours is the truth.
                new_etag = client.put_event(cal_id, uid, ics, force=True)
                break
            continue
        break
    else:
        raise Retry(f"CalDAV event {uid} keeps changing on the server (412 {MAX_412_ROUNDS} times)",
                    retry_after=60)
    if not new_etag:
        current = client.get_event(cal_id, uid)
        new_etag = current[1] if current is not None else None
    return new_etag


# --- iMIP -------------------------------------------------------------------------------------

def send_invitation(ctx: DeliveryContext, payload: dict) -> None:
    services = ctx.services
    sender = services.smtp()
    if sender is None:
        return  # SMTP was switched off since: members still see the card in the channel
    method = payload.get("method", "REQUEST")
    with services.db.reader() as session:
        ws = session.get(WorkingSession, payload["session_id"])
        person = session.get(Person, payload["person_id"])
        if ws is None or person is None or not person.email or person.erased_at is not None:
            return
        if method == "REQUEST" and (ws.status == "cancelled" or ws.sequence != payload.get("sequence")):
            return  # superseded: a newer REQUEST or a CANCEL was queued after this one
        consortium = session.get(Consortium, ws.consortium_id)
        locale = person_locale(services.settings, person)
        channel_url = _channel_url(services, consortium)
        with use_locale(locale):
            ics = _calendar(ctx, session, ws, consortium, method)
            subject, body = render.invitation_text(ws, consortium, method, channel_url)
        message = build_invitation(
            from_addr=_organizer(services), from_name="Consortia", to_addr=person.email,
            to_name=person.display_name or person.username, subject=subject, text_body=body, ics=ics,
            method=method, filename=f"session-{ws.number}.ics", language=locale,
        )
    try:
        sender.send(message)
    except Exception as error:
        if getattr(error, "recipients", None) and not getattr(error, "retryable", False):
            raise Permanent(f"the address of person #{payload['person_id']} was refused: {error}") from None
        raise


# --- feeds, built when their sessions change ------------------------------------------------

def _configuration(services) -> tuple:
    """What a feed's bytes depend on besides the database: the language, zone and links of this service."""
    settings = services.settings
    return (settings.locale, settings.timezone, services.base_url, settings.mattermost_url, settings.mattermost_team)


def consortium_key(services, consortium_id: int, stamp: int) -> str:
    return feed_key("c", _configuration(services), consortium_id, stamp)


def personal_key(services, person_id: int, locale: str | None, stamps: list[tuple[int, int]]) -> str:
    return feed_key("p", _configuration(services), person_id, locale, stamps)


def consortium_feed(services, session: Session, consortium_id: int) -> bytes:
    """The consortium's feed, built (read its stamp before: a change in between makes it stale, never wrong)."""
    settings = services.settings
    consortium = session.get(Consortium, consortium_id)
    channel_url = _channel_url(services, consortium)
    with use_locale(settings.locale):
        rows, answers, members = feed_rows(session, [consortium.id])
        events = render.feed_events({consortium.id: consortium}, rows, answers, members,
                                    {consortium.id: channel_url})
        return render.consortium_feed(consortium, events)


def personal_feed(services, session: Session, person_id: int) -> bytes:
    """A person's own feed (every consortium of theirs), built."""
    settings = services.settings
    person = session.get(Person, person_id)
    consortia = person_consortia(session, person)
    channel_urls = {c.id: _channel_url(services, c) for c in consortia}
    with use_locale(person.locale or settings.locale):
        rows, answers, members = feed_rows(session, list(channel_urls))
        events = render.feed_events({c.id: c for c in consortia}, rows, answers, members, channel_urls)
        return render.personal_feed(events, settings.timezone)


def coded(body: bytes, built_at: datetime | None = None) -> FeedBytes:
    """The bytes and their gzip coding (calendar clients ask for it: 1.1 MiB become ≈0.1 MiB);
    ``mtime=0`` keeps the coding the same for the same bytes, as its strong ETag promises."""
    return FeedBytes(body, gzip.compress(body, compresslevel=6, mtime=0), built_at or utcnow())


def feed_bytes(services, name: str, key: str, coding: str, build: Callable[[Session], bytes]) -> Coded:
    """Feed ``name`` ("c:<id>", "p:<id>") in ``coding`` ("" or "gzip"), as stored when built for
    ``key``; otherwise built now — once in this process, its other readers wait — and stored for the
    next reader (a store that loses a race is let go). Only current bytes are read, and only the
    coding served (one statement: 46 KiB of gzip rather than 1.1 MiB for 1,000 events)."""
    found = _stored(services, name, key, coding)
    if found is not None:
        return found
    with FEEDS.building(name):
        found = FEEDS.get(key, coding) or _stored(services, name, key, coding)   # built while this reader waited
        if found is not None:
            return found
        with services.db.reader() as session:
            feed = coded(build(session))
        try:
            with services.db.transaction() as writing:
                _store(writing, name, key, feed)
        except DBAPIError:   # busy, or another process stored it first: the next read finds it
            pass
        for other in ("", "gzip"):
            FEEDS.put(key, other, feed.coded(other))
        return feed.coded(coding)


def _stored_statement(column):
    return select(column, CalendarFeed.built_at).where(CalendarFeed.key == bindparam("name"),
                                                       CalendarFeed.fingerprint == bindparam("key"))


_STORED = {"": _stored_statement(CalendarFeed.body), "gzip": _stored_statement(CalendarFeed.body_gzip)}


def _stored(services, name: str, key: str, coding: str) -> Coded | None:
    with services.db.reading() as connection:
        found = connection.execute(_STORED[coding], {"name": name, "key": key}).first()
    return Coded(found[0], aware(found.built_at)) if found is not None else None


def _store(session: Session, name: str, key: str, feed: FeedBytes) -> None:
    values = dict(fingerprint=key, body=feed.body, body_gzip=feed.gzip, built_at=feed.built_at)
    changed = session.execute(update(CalendarFeed).where(CalendarFeed.key == name).values(**values))
    if not changed.rowcount:
        session.add(CalendarFeed(key=name, **values))


def refresh_feeds(ctx: DeliveryContext, payload: dict) -> None:
    """Build and store the feeds a consortium's change touches: its own, and its subscribers' personal
    ones. The stamps are read first: data that changes after them makes the stored feed stale (built
    again on its next read), never a current one that is wrong."""
    services = ctx.services
    with services.db.transaction() as session:
        stamp = session.scalar(select(Consortium.feed_stamp).where(Consortium.id == payload["consortium_id"]))
        if stamp is None:
            return
        cid = payload["consortium_id"]
        feeds = {f"c:{cid}": (consortium_key(services, cid, stamp),
                              lambda: consortium_feed(services, session, cid))}
        subscribers = session.execute(
            select(Person.id, Person.locale).join(Membership, Membership.person_id == Person.id)
            .where(Membership.consortium_id == cid, Membership.left_at.is_(None),
                   Person.personal_feed_token.is_not(None), Person.erased_at.is_(None)))
        for person_id, locale in subscribers.all():
            stamps = session.execute(
                select(Membership.consortium_id, Consortium.feed_stamp)
                .join(Consortium, Consortium.id == Membership.consortium_id)
                .where(Membership.person_id == person_id, Membership.left_at.is_(None))
                .order_by(Membership.consortium_id)).all()
            feeds[f"p:{person_id}"] = (personal_key(services, person_id, locale, [tuple(s) for s in stamps]),
                                       lambda person_id=person_id: personal_feed(services, session, person_id))
        stored = dict(session.execute(select(CalendarFeed.key, CalendarFeed.fingerprint)
                                      .where(CalendarFeed.key.in_(list(feeds)))).all())
        for name, (key, build) in feeds.items():
            if stored.get(name) != key:
                _store(session, name, key, coded(build()))


DELIVERERS = {
    "calendar.feeds": refresh_feeds,
    "session.card": post_card,
    "session.card_update": update_card,
    "session.planned_note": planned_note,
    "session.reminder": post_reminder,
    "caldav.session": put_session,
    "imip.session": send_invitation,
}
