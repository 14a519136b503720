"""People and the network: who is acting, who is named, who is an admin.

A person is their Mattermost user id. Their name, e-mail, display name, locale and
system-admin and guest flags are read from Mattermost (never from a request) the first
time the id is seen and again once the directory's time-to-live has passed.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable, Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from models import Network, Person, new_token, utcnow
from plugin.i18n import _, normalize_locale
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Forbidden, NotFound, Unavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserInfo:
    """A chat account, as the directory (Mattermost) knows it."""

    id: str
    username: str
    email: str | None = None
    display_name: str = ""
    locale: str | None = None
    is_system_admin: bool = False
    is_guest: bool = False
    is_bot: bool = False


class Directory(Protocol):
    """Mattermost's word on people. ``user_by_id`` answers None for an id Mattermost does not know
    and raises when Mattermost cannot be reached."""

    online: bool        # False: no Mattermost configured; what is stored is all there is
    ttl: timedelta      # how long what it said about a person is trusted

    def user_by_id(self, user_id: str) -> UserInfo | None: ...

    def users_by_usernames(self, usernames: list[str]) -> list[UserInfo]: ...


class OfflineDirectory:
    """Used when no Mattermost is configured: only people already known exist, as stored."""

    online = False

    def __init__(self, ttl: timedelta = timedelta(minutes=5)) -> None:
        self.ttl = ttl

    def user_by_id(self, user_id: str) -> UserInfo | None:
        return None

    def users_by_usernames(self, usernames: list[str]) -> list[UserInfo]:
        return []


class NetworkCache:
    """Networks (one per Mattermost team) never change once known: attach them without a query."""

    def __init__(self) -> None:
        self._known: dict[str, dict] = {}

    def get(self, session: Session, team_name: str, team_id: str | None = None) -> Network:
        key = (team_name or "default").lower()
        known = self._known.get(key)
        if known is None or (team_id and known["team_id"] != team_id):
            network = ensure_network(session, key, team_id)
            self._known[key] = {column: getattr(network, column)
                                for column in ("id", "team_name", "team_id", "name", "created_at")}
            return network
        network = session.identity_map.get(identity_key(Network, known["id"]))
        if network is None:
            network = Network(**known)
            make_transient_to_detached(network)
            session.add(network)
        return network


def ensure_network(session: Session, team_name: str, team_id: str | None = None) -> Network:
    team_name = (team_name or "default").lower()
    network = session.scalar(select(Network).where(Network.team_name == team_name))
    if network is None:
        # The first requests of a new team may arrive together: the first insert wins, in a statement
        # that needs no savepoint (a unit of work that only reads has none on PostgreSQL).
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(Network).values(team_name=team_name, team_id=team_id or None, name=team_name)
                        .on_conflict_do_nothing(index_elements=[Network.team_name]))
        network = session.scalar(select(Network).where(Network.team_name == team_name))
    elif team_id and network.team_id != team_id:
        network.team_id = team_id
    return network


def person_by_user_id(session: Session, user_id: str) -> Person | None:
    if not user_id:
        return None
    return session.scalar(select(Person).where(Person.mattermost_user_id == user_id))


def is_fresh(person: Person, directory: Directory, now: datetime | None = None) -> bool:
    """Whether what Mattermost said about ``person`` still stands (always, with no Mattermost)."""
    if not directory.online:
        return True
    synced = person.directory_synced_at
    return synced is not None and (now or utcnow()) - synced < directory.ttl


def _copy(person: Person, info: UserInfo, now: datetime) -> None:
    person.mattermost_user_id = info.id
    if info.email:
        person.email = info.email.lower()
    person.display_name = info.display_name[:200]
    person.is_guest = info.is_guest
    person.is_system_admin = info.is_system_admin
    if person.locale is None and info.locale:  # a language chosen with /consortium langue stays
        person.locale = normalize_locale(info.locale, fallback=None)
    person.directory_synced_at = now


def _sync(session: Session, directory: Directory, person: Person, info: UserInfo, now: datetime, depth: int) -> None:
    name = info.username.lower()
    if person.username != name:
        person.username = f"~{person.id}"  # let go of the old name first: two accounts may have swapped names
        session.flush()
        _release_name(session, directory, person.network_id, name, now, depth)
        person.username = name
    _copy(person, info, now)
    session.flush()


def _release_name(session: Session, directory: Directory, network_id: int, name: str, now: datetime,
                  depth: int) -> None:
    """Mattermost just gave ``name`` to someone; a row that still holds it here is asked about, by its own id."""
    holder = session.scalar(select(Person).where(Person.network_id == network_id, Person.username == name))
    if holder is None:
        return
    info = None
    if holder.mattermost_user_id and directory.online and depth < 4:
        try:
            info = directory.user_by_id(holder.mattermost_user_id)
        except Exception:  # Mattermost stopped answering: parked below, renamed on its own next command
            info = None
    if info is not None and info.username.lower() != name:
        _sync(session, directory, holder, info, now, depth + 1)  # renamed in Mattermost: its new name
        return
    # Gone from Mattermost, or no answer: the row keeps its data under a name that no command reaches
    # ("~" is not allowed in Mattermost names) until Mattermost tells us its new one.
    holder.username = f"{name}~{holder.id}"[:64]
    session.flush()


def upsert_person(session: Session, network_id: int, directory: Directory, info: UserInfo,
                  now: datetime | None = None) -> Person:
    """The person with ``info``'s id, created or brought up to date with what Mattermost said."""
    now = now or utcnow()
    person = person_by_user_id(session, info.id)
    if person is None:
        _release_name(session, directory, network_id, info.username.lower(), now, 0)
        try:
            with session.begin_nested():
                person = Person(network_id=network_id, username=info.username.lower(), personal_feed_token=new_token())
                _copy(person, info, now)
                session.add(person)
            return person
        except IntegrityError:
            # The same person's simultaneous first command created the row a moment ago: use it.
            person = person_by_user_id(session, info.id)
            if person is None:
                raise
    _sync(session, directory, person, info, now, 0)
    return person


@dataclass(frozen=True)
class Lookup:
    """What Mattermost answered about one id: ``info`` None with ``reachable`` means it has no such user."""

    info: UserInfo | None
    reachable: bool


def look_up(directory: Directory, user_id: str) -> Lookup:
    """Ask Mattermost about ``user_id`` (outside any transaction: no lock is held while waiting)."""
    try:
        return Lookup(directory.user_by_id(user_id), True)
    except Exception as error:
        log.warning("Mattermost could not say who %s is: %s", user_id, error)
        return Lookup(None, False)


def cannot_identify() -> Unavailable:
    return Unavailable(_("We cannot identify you right now: Mattermost does not answer. Nothing was done; "
                         "please try again in a moment."))


def record_lookup(session: Session, network_id: int, directory: Directory, user_id: str, lookup: Lookup,
                  now: datetime | None = None) -> Person:
    """Store what Mattermost said about ``user_id``; refuse (nothing written) whom it cannot vouch for."""
    now = now or utcnow()
    if lookup.info is not None and lookup.info.id == user_id:
        return upsert_person(session, network_id, directory, lookup.info, now)
    person = person_by_user_id(session, user_id)
    if lookup.reachable:
        raise Forbidden(_("Mattermost does not know your account, so nothing was done."))
    if person is None:
        raise cannot_identify()
    # Known: keep what is stored, and do not make every command wait for Mattermost until the next refresh.
    person.directory_synced_at = now
    return person


def is_admin(person: Person, admin_ids: Iterable[str]) -> bool:
    """System admins (as Mattermost says) and the accounts ``CONSORTIA_ADMINS`` names, by id."""
    return bool(person.is_system_admin or (person.mattermost_user_id and person.mattermost_user_id in admin_ids))


def actor_of(person: Person, admin_ids: Iterable[str], default_locale: str) -> Actor:
    return Actor(person=person, is_admin=is_admin(person, admin_ids),
                 locale=normalize_locale(person.locale or default_locale))


class AdminIds:
    """``CONSORTIA_ADMINS`` names admins by username for convenience; Mattermost says whose ids those
    are, and the ids decide. Kept for the directory's time-to-live (per process)."""

    RETRY_SECONDS = 30.0  # after a failed look-up, the last known ids stand this long

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._names: tuple[str, ...] = ()
        self._ids: frozenset[str] = frozenset()
        self._due = 0.0

    def ids(self, names: tuple[str, ...], directory: Directory, session: Session) -> frozenset[str]:
        if not names:
            return frozenset()
        with self._lock:
            if names == self._names and self._clock() < self._due:
                return self._ids
            previous = self._ids if names == self._names else frozenset()
        ids, keep = self._resolve(names, directory, session, previous)
        with self._lock:
            self._names, self._ids, self._due = names, ids, self._clock() + keep
        return ids

    def forget(self) -> None:
        with self._lock:
            self._due = 0.0

    def _resolve(self, names: tuple[str, ...], directory: Directory, session: Session,
                 previous: frozenset[str]) -> tuple[frozenset[str], float]:
        ttl = directory.ttl.total_seconds()
        if not directory.online:
            # No Mattermost: the names stored (read from Mattermost when it was there) are all there is.
            return frozenset(session.scalars(select(Person.mattermost_user_id).where(
                Person.username.in_(names), Person.mattermost_user_id.is_not(None),
                Person.erased_at.is_(None)))), ttl
        try:
            infos = directory.users_by_usernames(list(names))
        except Exception as error:
            log.warning("could not resolve CONSORTIA_ADMINS through Mattermost: %s", error)
            return previous, min(ttl, self.RETRY_SECONDS)
        return frozenset(info.id for info in infos if not info.is_bot and info.username.lower() in names), ttl


def resolve_usernames(session: Session, network: Network, directory: Directory,
                      usernames: Iterable[str], now: datetime | None = None) -> dict[str, Person]:
    """Map each @username to a Person; unknown names raise NotFound naming them all.

    A name is taken from what is stored only while that person's data is fresh; otherwise Mattermost
    says whose name it is now (an account renamed since, and another that took its name, are told apart).
    """
    wanted = []
    for name in usernames:
        name = name.lstrip("@").lower()
        if name and name not in wanted:
            wanted.append(name)
    if not wanted:
        return {}
    now = now or utcnow()
    stored = {
        p.username: p
        for p in session.scalars(
            select(Person).where(Person.network_id == network.id, Person.username.in_(wanted),
                                 Person.erased_at.is_(None), Person.mattermost_user_id.is_not(None))
        )
    }
    found = {name: person for name, person in stored.items() if is_fresh(person, directory, now)}
    missing = [name for name in wanted if name not in found]
    if missing:
        try:
            infos = directory.users_by_usernames(missing)
        except Exception:  # Mattermost unreachable: what we knew still stands; say so for the others
            found.update({name: stored[name] for name in missing if name in stored})
            unreachable = [name for name in missing if name not in found]
            if unreachable:
                raise Unavailable(_("Mattermost cannot be reached to check {names}; please try again in a moment.",
                                    names=", ".join("@" + name for name in unreachable))) from None
            infos = []
        for info in infos:
            if info.is_bot:
                continue
            found[info.username.lower()] = upsert_person(session, network.id, directory, info, now)
        found = {name: person for name, person in found.items() if person.username == name}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise NotFound(_("Unknown user: {names}. Check the spelling (@username).",
                         names=", ".join("@" + name for name in unknown)))
    return {name: found[name] for name in wanted}
