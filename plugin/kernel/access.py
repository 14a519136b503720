"""Who may do what in a consortium (PRODUCT.md §6 Security)."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Consortium, Membership, Organisation, Person, RoleAssignment
from plugin.i18n import _l
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Forbidden

LEAD_ROLE = "chef-de-file"


def active_membership(session: Session, consortium: Consortium, person: Person) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.consortium_id == consortium.id,
                                 Membership.person_id == person.id, Membership.left_at.is_(None))
    )


def is_member(session: Session, consortium: Consortium, person: Person) -> bool:
    return active_membership(session, consortium, person) is not None


def is_lead(session: Session, consortium: Consortium, person: Person) -> bool:
    """The lead partner is a person, or anyone of the organisation that holds the role."""
    membership = active_membership(session, consortium, person)
    org_ids = {oid for oid in (person.organisation_id, membership.organisation_id if membership else None) if oid}
    condition = RoleAssignment.person_id == person.id
    if org_ids:
        condition = or_(condition, (RoleAssignment.organisation_id.in_(org_ids) & RoleAssignment.person_id.is_(None)))
    return session.scalar(
        select(RoleAssignment.id).where(RoleAssignment.consortium_id == consortium.id,
                                        RoleAssignment.role_key == LEAD_ROLE,
                                        RoleAssignment.ended_at.is_(None), condition).limit(1)
    ) is not None


def is_foundation_representative(session: Session, person: Person) -> bool:
    if person.organisation_id is None:
        return False
    kind = session.scalar(select(Organisation.kind).where(Organisation.id == person.organisation_id))
    return kind in ("foundation", "fund")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(_l("Only the network's facilitators (admins) can do this."))


def require_member(session: Session, actor: Actor, consortium: Consortium) -> None:
    if actor.is_admin or is_member(session, consortium, actor.person):
        return
    raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=consortium.name))


def require_admin_or_lead(session: Session, actor: Actor, consortium: Consortium) -> None:
    if actor.is_admin or is_lead(session, consortium, actor.person):
        return
    raise Forbidden(_l("Only the network's admins and the consortium's lead partner can do this."))


def require_active(consortium: Consortium) -> None:
    if consortium.archived_at is not None:
        raise Forbidden(_l("The consortium “{name}” is archived: its data can be read but not changed.",
                          name=consortium.name))
