"""The commitments register: what each member organisation (or person) brings.

Statuses and allowed transitions::

    propose ──▶ accepte ──▶ en-cours ──▶ tenu
       │  └────────────────────▲            (accepte ──▶ tenu directly too)
       └──▶ abandonne ◀── (from any status but tenu) ; abandonne ──▶ propose (reopened)

``tenu`` (kept) is final. Accepting a commitment is the consortium's decision: the
lead partner or an admin. Otherwise the person responsible (the person named, or a
member of the organisation named), whoever recorded it, the lead partner and admins
may change it. Members record commitments for themselves or their organisation; the
lead partner and admins for anyone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models import Commitment, Consortium, Membership, Network, Organisation, Person
from plugin.i18n import _l
from plugin.kernel.errors import NotFound
from plugin.kernel.usecase import Ctx

from plugin.features.registers.organisations import find_organisation
from plugin.features.registers.roles import Holder, organisation_ids

NUMBER_KIND = "commitment"
OPEN_STATUSES = ("propose", "accepte", "en-cours")
TRANSITIONS = {
    "propose": ("accepte", "en-cours", "abandonne"),
    "accepte": ("en-cours", "tenu", "abandonne", "propose"),
    "en-cours": ("tenu", "abandonne", "accepte"),
    "tenu": (),
    "abandonne": ("propose",),
}
DUE_SOON_DAYS = 7
UNIT_ORDER = {"jours": 0, "heures": 1, "euros": 2, "unites": 3}


@dataclass
class CommitmentView:
    commitment: Commitment
    person: str | None
    organisation: str | None
    created_by: str | None

    @property
    def holder(self) -> Holder:
        return Holder(self.person, self.organisation)


@dataclass
class Totals:
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)

    def add(self, commitment: Commitment) -> None:
        self.count += 1
        if commitment.amount is not None and commitment.unit:
            self.amounts[commitment.unit] = self.amounts.get(commitment.unit, Decimal(0)) + commitment.amount

    def ordered(self) -> list[tuple[str, Decimal]]:
        return sorted(self.amounts.items(), key=lambda kv: UNIT_ORDER.get(kv[0], 9))

    def as_dict(self) -> dict:
        return {"count": self.count, "amounts": dict(self.amounts)}


@dataclass
class Listing:
    items: list[CommitmentView]
    by_type: dict[str, Totals]
    by_organisation: dict[str, Totals]


_HOLDER, _ORG, _CREATOR = aliased(Person), aliased(Organisation), aliased(Person)
# Built once: SQLAlchemy caches the compiled statement, each request only binds the consortium.
_LIVE = (select(Commitment, _HOLDER.username, _ORG.short_name, _CREATOR.username)
         .outerjoin(_HOLDER, _HOLDER.id == Commitment.person_id)
         .outerjoin(_ORG, _ORG.id == Commitment.organisation_id)
         .outerjoin(_CREATOR, _CREATOR.id == Commitment.created_by_id)
         .where(Commitment.deleted_at.is_(None)))


def _query(consortium: Consortium):
    return _LIVE.where(Commitment.consortium_id == consortium.id)


def listing(session: Session, network: Network | None, consortium: Consortium, *, organisation: str | None = None,
            limit: int = 500) -> Listing:
    """Live commitments (numbered order) with totals; abandoned ones are listed, not counted."""
    query = _query(consortium)
    if organisation:
        org = find_organisation(session, network, organisation)
        query = query.where(Commitment.organisation_id == org.id)
    rows = session.execute(query.order_by(Commitment.number).limit(limit)).all()
    items = [CommitmentView(c, p, o, b) for c, p, o, b in rows]
    by_type: dict[str, Totals] = {}
    by_org: dict[str, Totals] = {}
    for view in items:
        if view.commitment.status == "abandonne":
            continue
        by_type.setdefault(view.commitment.kind, Totals()).add(view.commitment)
        key = view.organisation or (f"@{view.person}" if view.person else "—")
        by_org.setdefault(key, Totals()).add(view.commitment)
    return Listing(items, by_type, dict(sorted(by_org.items(), key=lambda kv: kv[0].lower())))


def not_found(number: int) -> NotFound:
    return NotFound(_l("There is no commitment number {n} in this consortium. "
                       "See the list with `/engagement list`.", n=number))


def get(session: Session, consortium: Consortium, number: int) -> Commitment:
    commitment = session.scalar(select(Commitment).where(Commitment.consortium_id == consortium.id,
                                                         Commitment.number == number))
    if commitment is None or commitment.deleted_at is not None:
        raise not_found(number)
    return commitment


def as_dicts(views: list[CommitmentView]) -> list[dict]:
    """Rows for the JSON API (``CommitmentOutSchema``) and the CSV export."""
    return [{
        "number": v.commitment.number, "organisation": v.organisation, "person": v.person,
        "description": v.commitment.description, "type": v.commitment.kind, "amount": v.commitment.amount,
        "unit": v.commitment.unit, "due": v.commitment.due_date, "status": v.commitment.status,
        "created_by": v.created_by, "created_at": v.commitment.created_at, "updated_at": v.commitment.updated_at,
    } for v in views]


def is_responsible(ctx: Ctx, commitment: Commitment) -> bool:
    if commitment.person_id == ctx.actor.id or commitment.created_by_id == ctx.actor.id:
        return True
    return commitment.organisation_id is not None and commitment.organisation_id in organisation_ids(ctx)


def snapshot(commitment: Commitment, holder: Holder) -> dict:
    return {"number": commitment.number, "person": holder.person, "organisation": holder.organisation,
            "description": commitment.description, "type": commitment.kind,
            "amount": str(commitment.amount) if commitment.amount is not None else None,
            "unit": commitment.unit, "due": commitment.due_date.isoformat() if commitment.due_date else None,
            "status": commitment.status}


# --- due soon: the weekly digest and the reminders ------------------------------------------

def due_soon(session: Session, consortium: Consortium, today: date, *, days: int = DUE_SOON_DAYS) -> list[CommitmentView]:
    """Open commitments overdue or due within ``days`` (for the weekly digest)."""
    rows = session.execute(_query(consortium).where(Commitment.status.in_(OPEN_STATUSES),
                                                    Commitment.due_date.is_not(None),
                                                    Commitment.due_date <= today + timedelta(days=days))
                           .order_by(Commitment.due_date, Commitment.number)).all()
    return [CommitmentView(c, p, o, b) for c, p, o, b in rows]


def responsible_people(session: Session, commitment: Commitment) -> list[Person]:
    """Whom a reminder goes to: the person named, else the members of the organisation named, else whoever
    recorded it."""
    if commitment.person_id:
        person = session.get(Person, commitment.person_id)
        return [person] if person else []
    people: list[Person] = []
    if commitment.organisation_id:
        people = list(session.scalars(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.consortium_id == commitment.consortium_id, Membership.left_at.is_(None),
                   Membership.organisation_id == commitment.organisation_id)
            .order_by(Person.username)))
    if not people and commitment.created_by_id:
        creator = session.get(Person, commitment.created_by_id)
        people = [creator] if creator else []
    return people
