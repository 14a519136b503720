"""Who votes in a consortium: one voting unit per member organisation (the organisation a member
represents there), a member with no organisation as themselves, or one per person when the rule says
so. Foundation representatives never vote."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models import Membership, Organisation, Person

FUNDERS = ("foundation", "fund")


@dataclass
class Unit:
    key: str                     # "o:<organisation id>" or "p:<person id>"
    label: str                   # the organisation's short name, or the person's username
    organisation_id: int | None
    people: dict[int, str] = field(default_factory=dict)    # person id -> username


def _rows(session: Session, consortium_id: int):
    via_membership = aliased(Organisation)
    via_person = aliased(Organisation)
    return session.execute(
        select(Person.id, Person.username, Person.mattermost_user_id,
               via_membership.id, via_membership.short_name, via_membership.kind,
               via_person.id, via_person.short_name, via_person.kind)
        .join(Membership, Membership.person_id == Person.id)
        .outerjoin(via_membership, via_membership.id == Membership.organisation_id)
        .outerjoin(via_person, via_person.id == Person.organisation_id)
        .where(Membership.consortium_id == consortium_id, Membership.left_at.is_(None), Person.erased_at.is_(None))
        .order_by(Person.username)
    ).all()


def electorate(session: Session, consortium_id: int, *, per_person: bool) -> dict[str, Unit]:
    """Every voting unit of the consortium, by key (in one query)."""
    units: dict[str, Unit] = {}
    for pid, username, _mm, m_id, m_name, m_kind, p_id, p_name, p_kind in _rows(session, consortium_id):
        org_id, org_name, kind = (m_id, m_name, m_kind) if m_id is not None else (p_id, p_name, p_kind)
        if kind in FUNDERS:
            continue
        if per_person or org_id is None:
            unit = units.setdefault(f"p:{pid}", Unit(f"p:{pid}", f"@{username}", org_id))
        else:
            unit = units.setdefault(f"o:{org_id}", Unit(f"o:{org_id}", org_name, org_id))
        unit.people[pid] = username
    return units


def unit_of(units: dict[str, Unit], person_id: int) -> Unit | None:
    for unit in units.values():
        if person_id in unit.people:
            return unit
    return None
