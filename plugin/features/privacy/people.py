"""Personal data, per person: find them, export everything we hold, or erase it (GDPR, PRODUCT.md §6).

Erasure pseudonymises rather than deletes: what the group decided (checklist answers,
commitments, dialogue history) stays, but nothing in it points to the person any more.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import (
    AuditEvent, CallResponse, ChecklistItem, ChecklistNote, Commitment, Consortium, DialogueEvent, Membership,
    Network, Organisation, Person, RoleAssignment, Rsvp, WorkingSession, new_token,
)
from plugin.i18n import _l
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, NotFound, Unavailable
from plugin.kernel.outbox import queue
from plugin.kernel.people import Directory, person_by_user_id

ERASED = "erased"


_USER_ID = re.compile(r"^[a-z0-9]{26}$")


def find_person(session: Session, network: Network, directory: Directory, who: str) -> Person:
    """The person a request names: a Mattermost user id, or a @username that Mattermost resolves to an
    id first, so that a stale or taken-over name held here never picks the wrong person."""
    who = who.strip()
    name = who.lstrip("@").lower()
    person = person_by_user_id(session, who) if _USER_ID.match(who) else None
    if person is None and directory.online:
        try:
            infos = directory.users_by_usernames([name]) if name else []
        except Exception:
            raise Unavailable(_l("Mattermost cannot be reached to check {names}; please try again in a moment.",
                                names="@" + name)) from None
        info = next((info for info in infos if info.username.lower() == name), None)
        person = person_by_user_id(session, info.id) if info is not None else None
    elif person is None:  # no Mattermost configured: the names stored are all there is
        person = session.scalar(select(Person).where(Person.network_id == network.id, Person.username == name))
    if person is None:
        raise NotFound(_l("Unknown user: {names}. Check the spelling (@username).", names="@" + name))
    return person


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_person(session: Session, person: Person) -> dict:
    """Everything Consortia holds about one person, as plain JSON-ready data."""
    organisation = session.get(Organisation, person.organisation_id) if person.organisation_id else None
    names = dict(session.execute(select(Consortium.id, Consortium.slug)).all())
    memberships = session.scalars(select(Membership).where(Membership.person_id == person.id))
    roles = session.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person.id))
    commitments = session.scalars(select(Commitment).where(Commitment.person_id == person.id))
    items = session.scalars(select(ChecklistItem).where(or_(ChecklistItem.assignee_id == person.id,
                                                            ChecklistItem.done_by_id == person.id,
                                                            ChecklistItem.created_by_id == person.id)))
    notes = session.scalars(select(ChecklistNote).where(ChecklistNote.author_id == person.id))
    answers = session.execute(select(Rsvp, WorkingSession).join(WorkingSession, WorkingSession.id == Rsvp.session_id)
                              .where(Rsvp.person_id == person.id))
    events = session.scalars(select(DialogueEvent).where(DialogueEvent.by_person_id == person.id))
    responses = session.scalars(select(CallResponse).where(or_(
        CallResponse.person_id == person.id,
        CallResponse.email_key == (person.email or "").lower() if person.email else False)))
    actions = session.scalars(select(AuditEvent).where(AuditEvent.actor_id == person.id).order_by(AuditEvent.at))
    return {
        "person": {"username": person.username, "email": person.email, "display_name": person.display_name,
                   "locale": person.locale, "mattermost_user_id": person.mattermost_user_id,
                   "organisation": organisation.short_name if organisation else None,
                   "created_at": _when(person.created_at), "erased_at": _when(person.erased_at)},
        "memberships": [{"consortium": names.get(m.consortium_id), "joined_at": _when(m.joined_at),
                         "left_at": _when(m.left_at)} for m in memberships],
        "roles": [{"consortium": names.get(r.consortium_id), "role": r.role_key, "from": _when(r.assigned_at),
                   "until": _when(r.ended_at)} for r in roles],
        "commitments": [{"consortium": names.get(c.consortium_id), "number": c.number, "what": c.description,
                         "type": c.kind, "amount": str(c.amount) if c.amount is not None else None,
                         "unit": c.unit, "status": c.status} for c in commitments],
        "checklist_items": [{"consortium": names.get(i.consortium_id), "number": i.number, "text": i.text,
                             "assigned": i.assignee_id == person.id, "done_by_me": i.done_by_id == person.id,
                             "created_by_me": i.created_by_id == person.id} for i in items],
        "checklist_notes": [{"item_id": n.item_id, "text": n.text, "at": _when(n.created_at)} for n in notes],
        "session_answers": [{"consortium": names.get(ws.consortium_id), "session": ws.title,
                             "starts_at": _when(ws.starts_at), "answer": r.answer} for r, ws in answers],
        "dialogue_events": [{"dialogue_id": e.dialogue_id, "kind": e.kind, "text": e.text, "at": _when(e.at)}
                            for e in events],
        "call_responses": [{"structure": r.structure_name, "contact": r.contact_name, "email": r.contact_email,
                            "themes": r.themes, "can_bring": r.can_bring, "needs": r.needs, "comment": r.comment,
                            "updated_at": _when(r.updated_at)} for r in responses],
        "actions": [{"action": a.action, "consortium": names.get(a.consortium_id), "at": _when(a.at)}
                    for a in actions],
    }


def erase_person(session: Session, actor: Actor | None, person: Person, now: datetime) -> dict:
    """Forget who the person is; keep what the group built, unattributed. Returns what changed."""
    if actor is not None and not actor.is_admin and actor.id != person.id:
        raise Forbidden(_l("Only the network's facilitators (admins) can do this."))
    if person.erased_at is not None:
        raise Conflict(_l("This person's data has already been erased."))
    left = list(session.scalars(select(Membership).where(Membership.person_id == person.id,
                                                         Membership.left_at.is_(None))))
    for membership in left:
        membership.left_at = now
        membership.feed_token = new_token()  # their links to the feeds die with them
        if person.mattermost_user_id:
            queue(session, "mattermost.remove_member", {"consortium_id": membership.consortium_id,
                                                        "user_id": person.mattermost_user_id},
                  consortium_id=membership.consortium_id)
    roles = session.execute(update(RoleAssignment).where(RoleAssignment.person_id == person.id,
                                                         RoleAssignment.ended_at.is_(None))
                            .values(ended_at=now)).rowcount
    session.execute(update(ChecklistItem).where(ChecklistItem.assignee_id == person.id)
                    .values(assignee_id=None, version=ChecklistItem.version + 1))
    session.execute(update(Rsvp).where(Rsvp.person_id == person.id).values(answer="needs-action"))
    email = (person.email or "").lower()
    responses = session.execute(update(CallResponse).where(or_(
        CallResponse.person_id == person.id, CallResponse.email_key == email if email else False))
        .values(contact_name=ERASED, contact_email="", email_key=f"{ERASED}-{person.id}", person_id=None)).rowcount
    session.execute(update(AuditEvent).where(AuditEvent.actor_id == person.id).values(actor_label=ERASED))
    person.username = f"{ERASED}-{person.id}"
    person.email = None
    person.display_name = ""
    person.mattermost_user_id = None  # the account, if it comes back, starts afresh
    person.personal_feed_token = None
    person.organisation_id = None
    person.erased_at = now
    audit(session, actor, "person.erase", target_type="person", target_id=person.id)
    return {"memberships_ended": len(left), "roles_ended": roles, "call_responses_anonymised": responses}
