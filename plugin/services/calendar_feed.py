"""A consortium's sessions as iCalendar data (the subscribable feed and CalDAV events)."""
from __future__ import annotations

import hashlib
import hmac
import os
import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integrations.calendar.ics import Attendee, EventData, build_calendar, etag_for
from models import Consortium, Membership, Person, Rsvp, WorkingSession
from plugin.i18n import _

def aware(value: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite gives them back without their zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
            "needs-action": "NEEDS-ACTION"}


def event_for(working_session: WorkingSession, consortium: Consortium, *, attendees: list[Attendee],
              organizer_email: str, base_url: str, channel_url: str = "") -> EventData:
    tz = ZoneInfo(working_session.timezone)
    parts = []
    if working_session.agenda:
        parts.append(_("Agenda:") + "\n" + working_session.agenda)
    if working_session.video_url:
        parts.append(_("Video link: {url}", url=working_session.video_url))
    if working_session.minutes:
        parts.append(_("Minutes:") + "\n" + working_session.minutes)
    if channel_url:
        parts.append(_("Consortium channel: {url}", url=channel_url))
    description = "\n\n".join(parts)
    return EventData(
        uid=working_session.uid, summary=working_session.title,
        start=aware(working_session.starts_at).astimezone(tz), end=aware(working_session.ends_at).astimezone(tz),
        tzid=working_session.timezone, description=description, location=working_session.location,
        url=working_session.video_url, sequence=working_session.sequence,
        status="CANCELLED" if working_session.status == "cancelled" else "CONFIRMED",
        organizer_email=organizer_email, organizer_name="Consortia", attendees=attendees,
        alarm_text=_("Tomorrow: {title}", title=working_session.title),
        alarm_before=None if working_session.status == "cancelled" else timedelta(days=1),
        created=aware(working_session.created_at), last_modified=aware(working_session.updated_at),
        dtstamp=aware(working_session.updated_at), categories=[consortium.name],
    )


def attendees_for(session: Session, working_session: WorkingSession) -> list[Attendee]:
    answers = {r.person_id: r.answer for r in working_session.rsvps}
    people = session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == working_session.consortium_id, Membership.left_at.is_(None),
               Person.email.is_not(None))
    )
    return [Attendee(email=p.email, name=p.display_name or p.username,
                     partstat=PARTSTAT.get(answers.get(p.id, "needs-action"), "NEEDS-ACTION")) for p in people]


def channel_link(mattermost_url: str | None, team: str | None, consortium: Consortium) -> str:
    """The consortium's channel in Mattermost (for the events' descriptions)."""
    if not mattermost_url or not team or not consortium.channel_name:
        return ""
    return f"{mattermost_url.rstrip('/')}/{quote(team, safe='')}/channels/{quote(consortium.channel_name, safe='')}"


def _members(session: Session, consortium_ids: list[int]) -> dict[int, list[Person]]:
    """Every consortium's active members, in one query."""
    out: dict[int, list[Person]] = {cid: [] for cid in consortium_ids}
    if not consortium_ids:
        return out
    rows = session.execute(
        select(Membership.consortium_id, Person).join(Person, Membership.person_id == Person.id)
        .where(Membership.consortium_id.in_(consortium_ids), Membership.left_at.is_(None),
               Person.erased_at.is_(None))
        .order_by(Person.username)
    )
    for consortium_id, person in rows:
        out[consortium_id].append(person)
    return out


def attendee_uri(person_id: int) -> str:
    """How a feed names a person: a stable identifier that is not their e-mail address."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'consortia:person:{person_id}')}"


def _feed_attendees(people: list[Person], answers: dict[int, str]) -> list[Attendee]:
    """Attendees as a subscribable feed shows them: names and answers, no e-mail address.

    A feed link can be forwarded or pasted anywhere, and nobody has accepted to publish their
    address there (Consortia has no such setting): invitations (iMIP) and the CalDAV events,
    which reach the members only, keep the addresses; feeds never carry any.
    """
    return [Attendee(email="", uri=attendee_uri(p.id), name=p.display_name or p.username, rsvp=False,
                     partstat=PARTSTAT.get(answers.get(p.id, "needs-action"), "NEEDS-ACTION")) for p in people]


def session_calendar(session: Session, working_session: WorkingSession, consortium: Consortium, *,
                     organizer_email: str, base_url: str, channel_url: str = "", method: str | None = None) -> bytes:
    """One session as a VCALENDAR: the CalDAV object (no METHOD) or an iTIP message."""
    event = event_for(working_session, consortium, attendees=attendees_for(session, working_session),
                      organizer_email=organizer_email, base_url=base_url, channel_url=channel_url)
    return build_calendar([event], name=consortium.name, method=method, tzid=working_session.timezone)


# A feed reads plain rows, not ORM objects: three queries (the sessions, their answers,
# the members), no identity map to fill for a thousand sessions and their answers.
_FEED_COLUMNS = (WorkingSession.id, WorkingSession.consortium_id, WorkingSession.uid, WorkingSession.title,
                 WorkingSession.starts_at, WorkingSession.ends_at, WorkingSession.timezone,
                 WorkingSession.location, WorkingSession.video_url, WorkingSession.agenda, WorkingSession.minutes,
                 WorkingSession.sequence, WorkingSession.status, WorkingSession.created_at,
                 WorkingSession.updated_at)


def _feed_events(session: Session, consortia: dict[int, Consortium], *, base_url: str,
                 channel_urls: dict[int, str]) -> list[EventData]:
    """The events of a feed: no ORGANIZER (the sender address of invitations is nobody's to publish)."""
    ids = list(consortia)
    if not ids:
        return []
    rows = session.execute(
        select(*_FEED_COLUMNS).where(WorkingSession.consortium_id.in_(ids))
        .order_by(WorkingSession.starts_at, WorkingSession.id)
    ).all()
    answers: dict[int, dict[int, str]] = {}
    for session_id, person_id, answer in session.execute(
        select(Rsvp.session_id, Rsvp.person_id, Rsvp.answer).join(WorkingSession, Rsvp.session_id == WorkingSession.id)
        .where(WorkingSession.consortium_id.in_(ids))
    ):
        answers.setdefault(session_id, {})[person_id] = answer
    members = _members(session, ids)
    return [event_for(row, consortia[row.consortium_id],
                      attendees=_feed_attendees(members[row.consortium_id], answers.get(row.id, {})),
                      organizer_email="", base_url=base_url,
                      channel_url=channel_urls.get(row.consortium_id, "")) for row in rows]


def consortium_feed(session: Session, consortium: Consortium, *, base_url: str, channel_url: str = "") -> bytes:
    events = _feed_events(session, {consortium.id: consortium}, base_url=base_url,
                          channel_urls={consortium.id: channel_url})
    return build_calendar(events, name=consortium.name,
                          description=_("Working sessions of the consortium {name}", name=consortium.name),
                          tzid=consortium.timezone, refresh_interval=timedelta(hours=1))


# --------------------------------------------------------------------------- who may read a feed
#
# Each member reads the consortium's feed with their own token (``Membership.feed_token``),
# renewed when they leave: a removed or erased member's link answers 404 from then on.
# Facilitators who are not members use the consortium's own token (API, dashboard). Shared
# places (channel header, welcome post, session cards) name `/session subscribe`, never a link.


def feed_token_for(session: Session, consortium: Consortium, person: Person, *, is_admin: bool) -> str | None:
    """The token ``person`` reads the consortium's feed with: their own as a member, the facilitators' as an admin."""
    token = session.scalar(select(Membership.feed_token).where(
        Membership.consortium_id == consortium.id, Membership.person_id == person.id, Membership.left_at.is_(None)))
    if token is None and is_admin:
        token = consortium.feed_token
    return token


def may_read_feed(session: Session, consortium: Consortium, token: str) -> bool:
    if hmac.compare_digest(consortium.feed_token.encode(), token.encode()):
        return True
    return session.scalar(
        select(Membership.id).join(Person, Person.id == Membership.person_id)
        .where(Membership.consortium_id == consortium.id, Membership.feed_token == token,
               Membership.left_at.is_(None), Person.erased_at.is_(None))) is not None


def person_consortia(session: Session, person: Person) -> list[Consortium]:
    return list(session.scalars(
        select(Consortium).join(Membership, Membership.consortium_id == Consortium.id)
        .where(Membership.person_id == person.id, Membership.left_at.is_(None)).order_by(Consortium.id)
    ))


def personal_feed(session: Session, person: Person, *, base_url: str,
                  channel_urls: dict[int, str] | None = None, tzid: str = "Europe/Paris") -> bytes:
    """Every session of every consortium the person belongs to, in one calendar."""
    consortia = {c.id: c for c in person_consortia(session, person)}
    events = _feed_events(session, consortia, base_url=base_url, channel_urls=channel_urls or {})
    return build_calendar(events, name=_("My consortium sessions"),
                          description=_("Working sessions of all my consortiums"),
                          tzid=tzid, refresh_interval=timedelta(hours=1))


# --------------------------------------------------------------------------- warm feeds
#
# A calendar client polls its feed every few minutes and almost always gets "304 Not
# Modified". A fingerprint of everything the feed depends on (a few indexed aggregate
# queries) is its ETag: a 304 is answered without building anything. The fingerprint
# also names the built body in a small in-process cache, so a warm 200 never rebuilds
# it; a cold build assembles the events' cached VEVENT bytes (integrations.calendar.ics).


def fingerprint(session: Session, consortium_ids: list[int], *extra: object) -> str:
    ids = sorted(consortium_ids) or [-1]
    sessions = session.execute(
        select(func.count(), func.max(WorkingSession.updated_at), func.sum(WorkingSession.sequence),
               func.max(WorkingSession.id))
        .where(WorkingSession.consortium_id.in_(ids))
    ).one()
    answers = session.execute(
        select(func.count(), func.max(Rsvp.updated_at), func.max(Rsvp.id))
        .join(WorkingSession, Rsvp.session_id == WorkingSession.id)
        .where(WorkingSession.consortium_id.in_(ids))
    ).one()
    people = session.execute(
        select(Membership.consortium_id, Person.id, Person.email, Person.display_name, Person.username,
               Membership.left_at, Person.erased_at)
        .join(Person, Membership.person_id == Person.id)
        .where(Membership.consortium_id.in_(ids)).order_by(Membership.id)
    ).all()
    digest = hashlib.sha256(repr((_build_tag(), ids, tuple(sessions), tuple(answers), [tuple(p) for p in people],
                                  extra)).encode()).hexdigest()
    return digest


# Bump when the feed's bytes change for the same data (the ETag is the fingerprint's).
FEED_FORMAT = 3
_BUILD_TAG: str | None = None


def _build_tag() -> str:
    """What the bytes depend on besides the data: this code's format, icalendar, the translations."""
    global _BUILD_TAG
    if _BUILD_TAG is None:
        import icalendar

        catalogs = Path(__file__).resolve().parent.parent / "translations"
        digest = hashlib.sha256(repr((FEED_FORMAT, icalendar.__version__)).encode())
        for path in sorted(catalogs.glob("*/LC_MESSAGES/*.[pm]o")):  # the same tag on every host
            digest.update(str(path.relative_to(catalogs)).encode() + b"\0" + path.read_bytes())
        _BUILD_TAG = digest.hexdigest()[:16]
    return _BUILD_TAG


def feed_etag(key: str) -> str:
    """The strong ETag of the feed named by ``key`` (a fingerprint): same data, same bytes, same tag."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


class FeedCache:
    """A small LRU of built feeds: fingerprint -> body."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: str, build: Callable[[], bytes]) -> bytes:
        if self.size <= 0:
            return build()
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        body = build()
        with self._lock:
            self._items[key] = body
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# CONSORTIA_FEED_CACHE_SIZE=0 turns the cache off (the benchmark measures cold feeds with it).
FEEDS = FeedCache(int(os.environ.get("CONSORTIA_FEED_CACHE_SIZE", "256") or 0))


__all__ = ["consortium_feed", "personal_feed", "session_calendar", "event_for", "attendees_for", "etag_for",
           "fingerprint", "feed_etag", "FEEDS", "channel_link", "Rsvp"]
