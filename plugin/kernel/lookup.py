"""Where a request acts: the consortium it names (by signed id, ``--consortium`` slug or channel),
read together with the actor's active membership in it — and, on the hot path of every command,
together with the actor too (``actor_and_place``: one query)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, bindparam, case, or_, select
from sqlalchemy.orm import Session

from models import Consortium, Membership, Network, Person
from plugin.kernel.names import skeleton
from plugin.kernel.plain import columns_of, first_row


@dataclass(frozen=True)
class Place:
    """How a request names its consortium: a signed id, a ``--consortium`` slug, or its channel."""

    consortium_id: int | None = None
    slug: str | None = None
    channel_id: str = ""

    @property
    def how(self) -> str | None:
        if self.consortium_id is not None:
            return "id"
        if self.slug:
            return "slug"
        return "channel" if self.channel_id else None

    @property
    def value(self) -> int | str:
        return {"id": self.consortium_id, "slug": (self.slug or "").lower()}.get(self.how or "", self.channel_id)


def _names(how: str, value):
    """The condition on consortia for one way of naming it (``value`` a bound parameter or a literal)."""
    if how == "id":
        return Consortium.id == value
    if how == "slug":
        return Consortium.slug == value
    return or_(Consortium.channel_id == value, Consortium.dialogue_channel_id == value)


@cache
def _actor_and_place_query(how: str, plain: bool = False):
    """Built once per way of naming a consortium: no expression is built, no cache key computed, per
    request (SQLAlchemy memoises both on a statement object that is reused). ``plain``: the three
    tables' columns, labelled, for plain records."""
    place = bindparam("place")
    selected = ((*columns_of(Person, "p_"), *columns_of(Consortium, "c_"), *columns_of(Membership, "m_"))
                if plain else (Person, Consortium, Membership))
    query = (select(*selected).select_from(Person)
             .outerjoin(Consortium, _names(how, place))
             .outerjoin(Membership, and_(Membership.consortium_id == Consortium.id,
                                         Membership.person_id == Person.id, Membership.left_at.is_(None)))
             .where(Person.mattermost_user_id == bindparam("user_id")))
    if how == "channel":  # a consortium's own channel before another's dialogue channel
        query = query.order_by(case((Consortium.channel_id == place, 0), else_=1))
    return query.limit(1)


def actor_and_place(session: Session, user_id: str, place: Place, *, plain: bool = False
                    ) -> tuple[Person | None, Consortium | None, Membership | None]:
    """The person with this Mattermost user id, the consortium ``place`` names and the person's active
    membership in it: one query. Nobody with that id: ``(None, None, None)``.

    ``plain``: as plain records (``kernel/plain.py``), for a unit of work that only reads."""
    if not user_id or place.how is None:
        raise ValueError("a user id and a way to name the consortium")
    parameters = {"user_id": user_id, "place": place.value}
    return first_row(session, _actor_and_place_query(place.how, plain), parameters, plain,
                      Person, Consortium, Membership)


@cache
def _person_and_network_query(plain: bool):
    selected = (*columns_of(Person, "p_"), *columns_of(Network, "n_")) if plain else (Person, Network)
    return (select(*selected).select_from(Person)
            .outerjoin(Network, Network.id == bindparam("network_id"))
            .where(Person.id == bindparam("person_id")))


def person_and_network(session: Session, person_id: int, network_id: int, *, plain: bool = False
                       ) -> tuple[Person | None, Network | None]:
    """A person by id and a network by id (a signed-in admin's web session names both): one query.

    ``plain``: as plain records (``kernel/plain.py``), for a unit of work that only reads."""
    return first_row(session, _person_and_network_query(plain), {"person_id": person_id, "network_id": network_id},
                      plain, Person, Network)


def consortium_for(session: Session, *, consortium_id: int | None = None, slug: str | None = None,
                   channel_id: str = "", person_id: int | None = None
                   ) -> tuple[Consortium, Membership | None] | None:
    """The consortium a request names, and ``person_id``'s active membership in it, in one query.

    A channel is a consortium's own channel, or its channel for dialogues with foundations.
    """
    place = Place(consortium_id, slug, channel_id)
    if place.how is None:
        return None
    condition = _names(place.how, place.value)
    if person_id is None:
        query = select(Consortium)
    else:
        query = select(Consortium, Membership).outerjoin(Membership, and_(
            Membership.consortium_id == Consortium.id, Membership.person_id == person_id,
            Membership.left_at.is_(None)))
    query = query.where(condition)
    if channel_id and consortium_id is None and not slug:
        query = query.order_by(case((Consortium.channel_id == channel_id, 0), else_=1))
    row = session.execute(query.limit(1)).first()
    if row is None:
        return None
    return row[0], (row[1] if person_id is not None else None)


def consortium_by_slug(session: Session, slug: str) -> Consortium | None:
    return session.scalar(select(Consortium).where(Consortium.slug == slug.lower()))


def consortia_of(session: Session, person: Person) -> list[Consortium]:
    """The consortiums ``person`` is an active member of (archived ones left out), by name."""
    return list(session.scalars(
        select(Consortium).join(Membership, Membership.consortium_id == Consortium.id)
        .where(Membership.person_id == person.id, Membership.left_at.is_(None),
               Consortium.archived_at.is_(None))
        .order_by(Consortium.name)
    ))


def consortia_named(session: Session, text: str, *, network_id: int | None = None) -> list[Consortium]:
    """The consortiums ``text`` may name when it is no slug: their display name, look-alikes folded
    (``names.skeleton``: case, accents, confusable letters); failing that, the names it begins or
    is part of. One row: found; several: ambiguous; none: unknown."""
    key = skeleton(text, limit=200)
    if not key:
        return []
    scope = [Consortium.network_id == network_id] if network_id is not None else []
    exact = list(session.scalars(select(Consortium).where(Consortium.name_key == key, *scope)))
    if exact:
        return exact
    return list(session.scalars(select(Consortium).where(Consortium.name_key.contains(key, autoescape=True), *scope)
                                .order_by(Consortium.name).limit(20)))


def consortia_open_to(session: Session, person: Person, *, is_admin: bool,
                      network_id: int | None = None) -> list[Consortium]:
    """What a person may open with ``--consortium``: every live consortium of the network for an admin,
    their own for anyone else."""
    if not is_admin:
        return consortia_of(session, person)
    scope = [Consortium.network_id == network_id] if network_id is not None else []
    return list(session.scalars(select(Consortium).where(Consortium.archived_at.is_(None), *scope)
                                .order_by(Consortium.name).limit(21)))
