"""People and the network: who is acting, who is named, who is an admin."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from models import Network, Person, new_token
from plugin.i18n import _, normalize_locale
from plugin.services.base import Actor, NotFound, Unavailable


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
    def user_by_id(self, user_id: str) -> UserInfo | None: ...

    def users_by_usernames(self, usernames: list[str]) -> list[UserInfo]: ...


class OfflineDirectory:
    """Used when no Mattermost is configured: only people already known exist."""

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
        network = Network(team_name=team_name, team_id=team_id or None, name=team_name)
        try:
            with session.begin_nested():  # the first requests of a new team may arrive together
                session.add(network)
                session.flush()
        except IntegrityError:
            network = session.scalar(select(Network).where(Network.team_name == team_name))
    elif team_id and network.team_id != team_id:
        network.team_id = team_id
    return network


def _apply(person: Person, info: UserInfo) -> None:
    person.username = info.username.lower()
    person.mattermost_user_id = info.id
    if info.email:
        person.email = info.email.lower()
    person.display_name = info.display_name or person.display_name
    person.is_guest = info.is_guest
    person.is_system_admin = info.is_system_admin
    if person.locale is None and info.locale:
        person.locale = normalize_locale(info.locale, fallback=None) if info.locale else None


def upsert_person(session: Session, network: Network, info: UserInfo) -> Person:
    person = session.scalar(select(Person).where(Person.mattermost_user_id == info.id))
    if person is None:
        person = session.scalar(
            select(Person).where(Person.network_id == network.id, Person.username == info.username.lower())
        )
        if person is not None and person.mattermost_user_id not in (None, info.id):
            # The name now belongs to another account (renamed or reused in Mattermost): never hand the
            # previous holder's memberships and roles to it. The previous holder keeps its data under a
            # name that no command can reach until Mattermost tells us its new one.
            person.username = f"{person.username}~{person.id}"[:64]
            session.flush()
            person = None
    if person is None:
        person = Person(network_id=network.id, username=info.username.lower(), display_name=info.display_name,
                        personal_feed_token=new_token())
        session.add(person)
    _apply(person, info)
    session.flush()
    return person


def is_admin(person: Person, admins: Iterable[str]) -> bool:
    return person.is_system_admin or person.username.lower() in set(admins)


def resolve_actor(session: Session, network: Network, directory: Directory, *, user_id: str,
                  username: str, admins: Iterable[str], default_locale: str) -> Actor:
    """The acting person; looked up in Mattermost once, then known locally."""
    person = session.scalar(select(Person).where(Person.mattermost_user_id == user_id))
    if person is None:
        info = None
        try:
            info = directory.user_by_id(user_id)
        except Exception:  # Mattermost unreachable: act on what the request told us
            info = None
        person = upsert_person(session, network, info or UserInfo(id=user_id, username=username or user_id))
    elif username and person.username != username.lower():
        # Renamed in Mattermost. A name another person still holds here (names swapped or reused) waits
        # for that person's own rename: taking it would break the unique name and the command.
        taken = session.scalar(select(Person.id).where(Person.network_id == person.network_id,
                                                       Person.username == username.lower(), Person.id != person.id))
        if taken is None:
            person.username = username.lower()
    locale = normalize_locale(person.locale or default_locale)
    return Actor(person=person, is_admin=is_admin(person, admins), locale=locale)


def resolve_usernames(session: Session, network: Network, directory: Directory,
                      usernames: Iterable[str]) -> dict[str, Person]:
    """Map each @username to a Person; unknown names raise NotFound naming them all."""
    wanted = []
    for name in usernames:
        name = name.lstrip("@").lower()
        if name and name not in wanted:
            wanted.append(name)
    if not wanted:
        return {}
    found = {
        p.username: p
        for p in session.scalars(
            select(Person).where(Person.network_id == network.id, Person.username.in_(wanted),
                                 Person.erased_at.is_(None))
        )
    }
    missing = [name for name in wanted if name not in found or found[name].mattermost_user_id is None]
    if missing:
        try:
            infos = directory.users_by_usernames(missing)
        except Exception:  # Mattermost unreachable: say so rather than "unknown user"
            raise Unavailable(_("Mattermost cannot be reached to check {names}; please try again in a moment.",
                                names=", ".join("@" + name for name in missing))) from None
        for info in infos:
            if info.is_bot:
                continue
            found[info.username.lower()] = upsert_person(session, network, info)
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise NotFound(_("Unknown user: {names}. Check the spelling (@username).",
                         names=", ".join("@" + name for name in unknown)))
    return {name: found[name] for name in wanted}
