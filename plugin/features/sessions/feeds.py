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
from typing import NamedTuple
from urllib.parse import quote

from sqlalchemy import Connection, bindparam, select
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
# A calendar client polls its feed every few minutes and almost always gets "304 Not Modified".
# Every change a feed shows gives its consortium a new ``feed_stamp`` (database triggers, migration
# 0020): a poll reads the stamp (with the token's check, one indexed statement) and answers from it,
# nothing else is read. The stamp, with the configuration, is the feed's key: its ETag, the name of
# the built bytes in a small in-process cache and in ``calendar_feeds``.

def _consortium_stamp_statement():
    member = (select(Membership.id).join(Person, Person.id == Membership.person_id)
              .where(Membership.consortium_id == Consortium.id, Membership.feed_token == bindparam("token"),
                     Membership.left_at.is_(None), Person.erased_at.is_(None))
              .limit(1).scalar_subquery())
    return select(Consortium.id, Consortium.slug, Consortium.feed_token, Consortium.feed_stamp,
                  member.label("member")).where(Consortium.slug == bindparam("slug"))


_CONSORTIUM_STAMP = _consortium_stamp_statement()
_PERSONAL_STAMPS = (
    select(Person.id, Person.locale, Person.personal_feed_token, Membership.consortium_id, Consortium.feed_stamp)
    .join(Membership, (Membership.person_id == Person.id) & Membership.left_at.is_(None))
    .join(Consortium, Consortium.id == Membership.consortium_id)
    .where(Person.personal_feed_token == bindparam("token"), Person.erased_at.is_(None))
    .order_by(Membership.consortium_id))


def consortium_stamp(connection: Connection, slug: str, token: str) -> tuple[int, str, int] | None:
    """The consortium's id, slug and feed stamp when ``token`` may read its feed (the consortium's own
    token, or an active member's); None otherwise — an unknown slug, a wrong token, a member who left."""
    row = connection.execute(_CONSORTIUM_STAMP, {"slug": slug.lower(), "token": token}).first()
    if row is None or not (row.member is not None or hmac.compare_digest(row.feed_token.encode(), token.encode())):
        return None
    return row.id, row.slug, row.feed_stamp


def personal_stamps(connection: Connection, token: str) -> tuple[int, str | None, list[tuple[int, int]]] | None:
    """The person's id, language and the stamps of their consortiums, by the personal feed's token;
    None for an unknown token and for someone who belongs to no consortium any more."""
    rows = connection.execute(_PERSONAL_STAMPS, {"token": token}).all() if token else []
    if not rows or not hmac.compare_digest(rows[0].personal_feed_token.encode(), token.encode()):
        return None
    return rows[0].id, rows[0].locale, [(row.consortium_id, row.feed_stamp) for row in rows]


def feed_key(kind: str, *parts: object) -> str:
    """A feed's key ("c:..." or "p:..."): what its bytes are made from, the build tag included."""
    return kind + ":" + hashlib.sha256(repr((build_tag(), parts)).encode()).hexdigest()


# Bump when the feed's bytes change for the same data (the ETag is the key's).
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


def feed_etag(key: str, coding: str = "") -> str:
    """The strong ETag of the feed named by ``key``: same data, same bytes, same tag. The gzip-coded
    bytes are another representation, with their own tag (RFC 9110, 8.8.3)."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + (f"-{coding}" if coding else "") + '"'


class FeedBytes(NamedTuple):
    """A feed as built: its bytes and their gzip coding."""
    body: bytes
    gzip: bytes
    built_at: datetime

    def coded(self, coding: str) -> "Coded":
        return Coded(self.gzip if coding == "gzip" else self.body, self.built_at)


class Coded(NamedTuple):
    """One coding of a feed ("" or "gzip"), as served."""
    data: bytes
    built_at: datetime


class FeedCache:
    """A small LRU of built feeds ((key, coding) -> ``Coded``), and one lock per feed so that a
    process builds a stale feed once while its other readers wait for it."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[tuple[str, str], Coded] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}

    def get(self, key: str, coding: str) -> Coded | None:
        if self.size <= 0:
            return None
        with self._lock:
            found = self._items.get((key, coding))
            if found is not None:
                self._items.move_to_end((key, coding))
            return found

    def put(self, key: str, coding: str, feed: Coded) -> Coded:
        if self.size > 0:
            with self._lock:
                self._items[(key, coding)] = feed
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return feed

    def building(self, name: str) -> threading.Lock:
        """The lock held while feed ``name`` ("c:<id>", "p:<id>") is built in this process."""
        with self._lock:
            return self._building.setdefault(name, threading.Lock())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# CONSORTIA_FEED_CACHE_SIZE=0 turns the cache off (the benchmark measures cold feeds with it).
FEEDS = FeedCache(int(os.environ.get("CONSORTIA_FEED_CACHE_SIZE", "256") or 0))
