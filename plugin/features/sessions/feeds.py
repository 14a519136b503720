"""Calendar feeds, without their texts: who may read one, the rows it is made of, its ETag and the
small cache of built feeds (``render.py`` writes the iCalendar bytes).

Each member reads the consortium's feed with their own token (``Membership.feed_token``), renewed
when they leave: a removed or erased member's link answers 404 from then on. Facilitators who are
not members use the consortium's own token (API, dashboard). Shared places (channel header, welcome
post, session cards) name `/session subscribe`, never a link. Feeds carry no e-mail addresses.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import Session

from models import Consortium, Membership, Person, Rsvp, WorkingSession


def feed_url(consortium: Consortium, token: str, base_url: str) -> str:
    """A link to the consortium's feed: each member has their own ``token``, dead once they leave."""
    return f"{base_url}/calendars/{consortium.slug}/{token}.ics"


def personal_feed_url(token: str, base_url: str) -> str:
    return f"{base_url}/calendars/me/{token}.ics"


def channel_link(mattermost_url: str | None, team: str | None, consortium: Consortium) -> str:
    """The consortium's channel in Mattermost (for the events' descriptions)."""
    if not mattermost_url or not team or not consortium.channel_name:
        return ""
    return f"{mattermost_url.rstrip('/')}/{quote(team, safe='')}/channels/{quote(consortium.channel_name, safe='')}"


def attendee_uri(person_id: int) -> str:
    """How a feed names a person: a stable identifier that is not their e-mail address."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'consortia:person:{person_id}')}"


# --- who may read a feed ------------------------------------------------------------------------

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


# --- the rows a feed is made of -----------------------------------------------------------------
#
# A feed reads plain rows, not ORM objects: three queries (the sessions, their answers, the
# members), no identity map to fill for a thousand sessions and their answers.

FEED_COLUMNS = (WorkingSession.id, WorkingSession.consortium_id, WorkingSession.uid, WorkingSession.title,
                WorkingSession.starts_at, WorkingSession.ends_at, WorkingSession.timezone,
                WorkingSession.location, WorkingSession.video_url, WorkingSession.agenda, WorkingSession.minutes,
                WorkingSession.sequence, WorkingSession.status, WorkingSession.created_at,
                WorkingSession.updated_at)


def members_of(session: Session, consortium_ids: list[int]) -> dict[int, list[Person]]:
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


def feed_rows(session: Session, consortium_ids: list[int]):
    """The sessions of these consortiums, their answers by session and person, and the members."""
    if not consortium_ids:
        return [], {}, {}
    rows = session.execute(
        select(*FEED_COLUMNS).where(WorkingSession.consortium_id.in_(consortium_ids))
        .order_by(WorkingSession.starts_at, WorkingSession.id)
    ).all()
    answers: dict[int, dict[int, str]] = {}
    for session_id, person_id, answer in session.execute(
        select(Rsvp.session_id, Rsvp.person_id, Rsvp.answer).join(WorkingSession, Rsvp.session_id == WorkingSession.id)
        .where(WorkingSession.consortium_id.in_(consortium_ids))
    ):
        answers.setdefault(session_id, {})[person_id] = answer
    return rows, answers, members_of(session, consortium_ids)


# --- warm feeds ---------------------------------------------------------------------------------
#
# A calendar client polls its feed every few minutes and almost always gets "304 Not
# Modified". A fingerprint of everything the feed depends on (a few indexed aggregate
# queries) is its ETag: a 304 is answered without building anything. The fingerprint
# also names the built body in a small in-process cache, so a warm 200 never rebuilds
# it; a cold build assembles the events' cached VEVENT bytes (integrations.calendar.ics).

def _fingerprint_statements():
    """What a fingerprint reads, in two statements built once: the sessions' and the answers'
    aggregates side by side (two one-row derived tables), and the members."""
    ids = bindparam("ids", expanding=True)
    sessions = select(func.count().label("n"), func.max(WorkingSession.updated_at).label("updated"),
                      func.sum(WorkingSession.sequence).label("sequences"), func.max(WorkingSession.id).label("last")) \
        .where(WorkingSession.consortium_id.in_(ids)).subquery("sessions")
    answers = select(func.count().label("n"), func.max(Rsvp.updated_at).label("updated"),
                     func.max(Rsvp.id).label("last")) \
        .join(WorkingSession, Rsvp.session_id == WorkingSession.id) \
        .where(WorkingSession.consortium_id.in_(ids)).subquery("answers")
    aggregates = select(sessions.c.n, sessions.c.updated, sessions.c.sequences, sessions.c.last,
                        answers.c.n, answers.c.updated, answers.c.last).select_from(sessions.join(answers, true()))
    people = (select(Membership.consortium_id, Person.id, Person.email, Person.display_name, Person.username,
                     Membership.left_at, Person.erased_at)
              .join(Person, Membership.person_id == Person.id)
              .where(Membership.consortium_id.in_(ids)).order_by(Membership.id))
    return aggregates, people


_AGGREGATES, _PEOPLE = _fingerprint_statements()


def fingerprint(session: Session, consortium_ids: list[int], *extra: object) -> str:
    ids = sorted(consortium_ids) or [-1]
    connection = session.connection()   # plain rows: no ORM step for what a 304 reads
    found = tuple(connection.execute(_AGGREGATES, {"ids": ids}).one())
    sessions, answers = found[:4], found[4:]
    people = connection.execute(_PEOPLE, {"ids": ids}).all()
    return hashlib.sha256(repr((build_tag(), ids, sessions, answers, [tuple(p) for p in people],
                                extra)).encode()).hexdigest()


# Bump when the feed's bytes change for the same data (the ETag is the fingerprint's).
FEED_FORMAT = 3
_BUILD_TAG: str | None = None


def build_tag() -> str:
    """What the bytes depend on besides the data: this code's format, icalendar, the translations."""
    global _BUILD_TAG
    if _BUILD_TAG is None:
        import icalendar

        catalogs = Path(__file__).resolve().parents[2] / "translations"
        digest = hashlib.sha256(repr((FEED_FORMAT, icalendar.__version__)).encode())
        for path in sorted(catalogs.glob("*/LC_MESSAGES/*.[pm]o")):  # the same tag on every host
            digest.update(str(path.relative_to(catalogs)).encode() + b"\0" + path.read_bytes())
        _BUILD_TAG = digest.hexdigest()[:16]
    return _BUILD_TAG


def feed_etag(key: str) -> str:
    """The strong ETag of the feed named by ``key`` (a fingerprint): same data, same bytes, same tag."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


class FeedCache:
    """A small LRU of built feeds: fingerprint -> (body, when it was built)."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[str, tuple[bytes, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: str, build: Callable[[], tuple[bytes, datetime]]) -> tuple[bytes, datetime]:
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
