"""Foundations (and funds): organisations of kind foundation/fund, and their representatives.

Representatives are people whose ``organisation_id`` points at the foundation; they
are often Mattermost guest accounts. They take part in the dialogue threads of the
consortiums their foundation talks with, and nowhere else.
"""
from __future__ import annotations

import difflib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FoundationDialogue, Membership, Network, Organisation, Person
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound
from plugin.kernel.people import resolve_usernames
from plugin.kernel.text import typed

from plugin.features.dialogues.events import PeopleJoin, PeopleLeave
from plugin.features.dialogues.outcomes import FoundationRow, RepresentativesChanged

FOUNDATION_KINDS = ("foundation", "fund")


def search_key(name: str) -> str:
    from plugin.kernel.text import slugify

    return slugify(name)


def _foundations(network: Network):
    return select(Organisation).where(Organisation.network_id == network.id,
                                      Organisation.kind.in_(FOUNDATION_KINDS))


def find_foundation(session: Session, network: Network, name: str) -> Organisation:
    """A foundation by short name or name; near misses get a “did you mean”."""
    name = (name or "").strip()
    key = search_key(name)
    foundation = session.scalar(_foundations(network).where(
        (func.lower(Organisation.short_name) == name.lower()) | (Organisation.search_key == key)).limit(1))
    if foundation is not None:
        return foundation
    candidates = list(session.execute(
        select(Organisation.short_name, Organisation.name).where(
            Organisation.network_id == network.id, Organisation.kind.in_(FOUNDATION_KINDS))))
    by_fold = {}
    for short, full in candidates:
        by_fold.setdefault(short.lower(), short)
        by_fold.setdefault(search_key(full), short)
    close = difflib.get_close_matches(name.lower(), list(by_fold), n=1, cutoff=0.6) or \
        difflib.get_close_matches(key, list(by_fold), n=1, cutoff=0.6)
    if close:
        raise NotFound(_l("Unknown foundation “{name}”. Did you mean “{suggestion}”?",
                          name=name[:64], suggestion=by_fold[close[0]]))
    if candidates:
        listing = ", ".join(sorted(short for short, _full in candidates)[:20])
        raise NotFound(_l("Unknown foundation “{name}”. Known foundations: {listing}.", name=name[:64],
                          listing=listing))
    raise NotFound(_l("Unknown foundation “{name}”: no foundation is recorded yet. The network's admins add "
                      "them with `/consortium foundation add`.", name=name[:64]))


def foundation_of(session: Session, person: Person | None) -> Organisation | None:
    """The foundation a person represents, if any."""
    if person is None or person.organisation_id is None:
        return None
    organisation = session.get(Organisation, person.organisation_id)
    if organisation is not None and organisation.kind in FOUNDATION_KINDS:
        return organisation
    return None


def representatives(session: Session, foundation_id: int) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.organisation_id == foundation_id,
                                                     Person.erased_at.is_(None)).order_by(Person.username)))


def list_foundations(session: Session, network: Network, short_name: str | None = None) -> list[FoundationRow]:
    """Every foundation (or the one of ``short_name``) with its representatives and open dialogues, in three
    queries."""
    query = _foundations(network)
    if short_name is not None:
        query = query.where(func.lower(Organisation.short_name) == short_name.lower())
    foundations = list(session.scalars(query.order_by(Organisation.short_name)))
    ids = [f.id for f in foundations]
    rows = {f.id: FoundationRow(f) for f in foundations}
    if not ids:
        return []
    for person in session.scalars(select(Person).where(Person.organisation_id.in_(ids), Person.erased_at.is_(None))
                                  .order_by(Person.username)):
        rows[person.organisation_id].representatives.append(person)
    for foundation_id, count in session.execute(
            select(FoundationDialogue.foundation_id, func.count()).where(
                FoundationDialogue.foundation_id.in_(ids), FoundationDialogue.closed_at.is_(None))
            .group_by(FoundationDialogue.foundation_id)):
        rows[foundation_id].open_dialogues = count
    return [rows[i] for i in ids]


def _fields(organisation: Organisation) -> dict:
    return {"name": organisation.name, "kind": organisation.kind, "description": organisation.description,
            "themes": list(organisation.themes or [])}


def save_foundation(session: Session, network: Network, actor: Actor | None, data: dict, *,
                    upsert: bool = False) -> tuple[Organisation, bool]:
    """Record a foundation; ``upsert`` (import, API) updates an existing one instead of refusing."""
    if actor is not None:
        access.require_admin(actor)
    short = data["short_name"]
    existing = session.scalar(select(Organisation).where(Organisation.network_id == network.id,
                                                         func.lower(Organisation.short_name) == short.lower()))
    if existing is not None:
        if existing.kind not in FOUNDATION_KINDS:
            raise Conflict(_l("“{short}” is already the short name of an organisation that is not a foundation "
                              "({name}). Choose another short name.", short=typed(existing.short_name),
                              name=typed(existing.name)))
        if not upsert:
            raise Conflict(_l("The foundation “{short}” already exists ({name}).",
                              short=typed(existing.short_name), name=typed(existing.name)))
        before = _fields(existing)
        existing.name = data.get("name") or existing.name
        existing.search_key = search_key(existing.name)
        existing.kind = data.get("kind") or existing.kind
        if data.get("description") is not None:
            existing.description = data["description"]
        if data.get("themes") is not None:
            existing.themes = list(data["themes"])
        audit(session, actor, "foundation.update", target_type="organisation", target_id=existing.id, before=before,
              after=_fields(existing))
        return existing, False
    foundation = Organisation(network_id=network.id, short_name=short, name=data.get("name") or short,
                              search_key=search_key(data.get("name") or short), kind=data.get("kind") or "foundation",
                              description=data.get("description") or "", themes=list(data.get("themes") or []))
    session.add(foundation)
    session.flush()
    audit(session, actor, "foundation.add", target_type="organisation", target_id=foundation.id,
          after={"short_name": foundation.short_name, "name": foundation.name, "kind": foundation.kind,
                 "themes": list(foundation.themes)})
    return foundation, True


def _dialogue_consortia(session: Session, foundation_id: int) -> list[int]:
    return list(session.scalars(select(FoundationDialogue.consortium_id).where(
        FoundationDialogue.foundation_id == foundation_id, FoundationDialogue.closed_at.is_(None)).distinct()))


def set_representatives(ctx, foundation: Organisation, usernames: list[str], *,
                        remove: bool = False) -> RepresentativesChanged:
    """Make people representatives of a foundation (or stop), and follow in the dialogue channels."""
    session, actor = ctx.session, ctx.actor
    if actor is not None:
        access.require_admin(actor)
    if not usernames:
        raise Invalid(_l("Name at least one @user."))
    people = resolve_usernames(session, ctx.network, ctx.directory, usernames)
    changed, skipped = [], []
    for username, person in people.items():
        if remove:
            if person.organisation_id != foundation.id:
                skipped.append(username)
                continue
            person.organisation_id = None
        else:
            if person.organisation_id == foundation.id:
                skipped.append(username)
                continue
            if person.organisation_id is not None:
                other = session.get(Organisation, person.organisation_id)
                raise Conflict(_l("@{user} already belongs to the organisation “{org}”; a representative belongs to "
                                  "one foundation only.", user=username,
                                  org=typed(other.short_name) if other else "?"))
            person.organisation_id = foundation.id
        changed.append(person)
    session.flush()
    for person in changed:
        audit(session, actor, "foundation.representative.remove" if remove else "foundation.representative.add",
              target_type="organisation", target_id=foundation.id,
              after={"username": person.username, "foundation": foundation.short_name})
    _follow(ctx, foundation, changed, remove)
    return RepresentativesChanged(foundation.short_name, [p.username for p in changed], skipped, remove)


def _follow(ctx, foundation: Organisation, changed: list[Person], remove: bool) -> None:
    """Into (or out of) the dialogue channels of the consortiums the foundation talks with."""
    user_ids = [p.mattermost_user_id for p in changed if p.mattermost_user_id]
    if not user_ids:
        return
    for consortium_id in _dialogue_consortia(ctx.session, foundation.id):
        if not remove:
            ctx.record(PeopleJoin(consortium_id, user_ids))
            continue
        members = set(ctx.session.scalars(select(Membership.person_id).where(
            Membership.consortium_id == consortium_id, Membership.left_at.is_(None))))
        ids = [p.mattermost_user_id for p in changed if p.mattermost_user_id and p.id not in members]
        if ids:
            ctx.record(PeopleLeave(consortium_id, ids))
