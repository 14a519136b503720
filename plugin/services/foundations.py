"""Foundations (and funds): organisations of kind foundation/fund, and their representatives.

Representatives are people whose ``organisation_id`` points at the foundation; they
are often Mattermost guest accounts. They take part in the dialogue threads of the
consortiums their foundation talks with, and nowhere else.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Consortium, FoundationDialogue, Membership, Network, Organisation, Person
from integrations.mattermost.messages import escape_markdown
from plugin.i18n import _
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound
from plugin.kernel.outbox import queue
from plugin.services.base import Result
from plugin.kernel.people import Directory, resolve_usernames

FOUNDATION_KINDS = ("foundation", "fund")


def search_key(name: str) -> str:
    from plugin.features.consortium.api import slugify

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
        raise NotFound(_("Unknown foundation “{name}”. Did you mean “{suggestion}”?",
                         name=name[:64], suggestion=by_fold[close[0]]))
    if candidates:
        listing = ", ".join(sorted(short for short, _full in candidates)[:20])
        raise NotFound(_("Unknown foundation “{name}”. Known foundations: {listing}.", name=name[:64],
                         listing=listing))
    raise NotFound(_("Unknown foundation “{name}”: no foundation is recorded yet. The network's admins add "
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


@dataclass
class FoundationRow:
    foundation: Organisation
    representatives: list[Person] = field(default_factory=list)
    open_dialogues: int = 0


def list_foundations(session: Session, network: Network) -> list[FoundationRow]:
    """Every foundation with its representatives and open dialogues, in three queries."""
    foundations = list(session.scalars(_foundations(network).order_by(Organisation.short_name)))
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
            raise Conflict(_("“{short}” is already the short name of an organisation that is not a foundation "
                             "({name}). Choose another short name.", short=escape_markdown(existing.short_name),
                             name=escape_markdown(existing.name)))
        if not upsert:
            raise Conflict(_("The foundation “{short}” already exists ({name}).",
                             short=escape_markdown(existing.short_name), name=escape_markdown(existing.name)))
        before = {"name": existing.name, "kind": existing.kind, "description": existing.description,
                  "themes": list(existing.themes or [])}
        existing.name = data.get("name") or existing.name
        existing.search_key = search_key(existing.name)
        existing.kind = data.get("kind") or existing.kind
        if data.get("description") is not None:
            existing.description = data["description"]
        if data.get("themes") is not None:
            existing.themes = list(data["themes"])
        audit(session, actor, "foundation.update", target_type="organisation", target_id=existing.id, before=before,
              after={"name": existing.name, "kind": existing.kind, "description": existing.description,
                     "themes": list(existing.themes or [])})
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


def add_foundation(session: Session, network: Network, actor: Actor, data: dict) -> Result:
    foundation, _created = save_foundation(session, network, actor, data)
    return Result(_("✅ Foundation **{name}** recorded (short name `{short}`). Add its representatives with "
                    "`/consortium foundation representative {short} @user`.", name=escape_markdown(foundation.name),
                    short=foundation.short_name), data={"id": foundation.id})


def _dialogue_consortia(session: Session, foundation_id: int) -> list[int]:
    return list(session.scalars(select(FoundationDialogue.consortium_id).where(
        FoundationDialogue.foundation_id == foundation_id, FoundationDialogue.closed_at.is_(None)).distinct()))


def set_representatives(session: Session, network: Network, actor: Actor | None, foundation: Organisation,
                        usernames: list[str], *, directory: Directory, remove: bool = False) -> Result:
    """Make people representatives of a foundation (or stop), and follow in the dialogue channels."""
    if actor is not None:
        access.require_admin(actor)
    if not usernames:
        raise Invalid(_("Name at least one @user."))
    people = resolve_usernames(session, network, directory, usernames)
    changed, skipped = [], []
    for username, person in people.items():
        if remove:
            if person.organisation_id != foundation.id:
                skipped.append(_("@{user} does not represent {short}", user=username,
                                 short=escape_markdown(foundation.short_name)))
                continue
            person.organisation_id = None
        else:
            if person.organisation_id == foundation.id:
                skipped.append(_("@{user} already represents {short}", user=username,
                                 short=escape_markdown(foundation.short_name)))
                continue
            if person.organisation_id is not None:
                other = session.get(Organisation, person.organisation_id)
                raise Conflict(_("@{user} already belongs to the organisation “{org}”; a representative belongs to "
                                 "one foundation only.", user=username,
                                 org=escape_markdown(other.short_name) if other else "?"))
            person.organisation_id = foundation.id
        changed.append(person)
    session.flush()
    for person in changed:
        audit(session, actor, "foundation.representative.remove" if remove else "foundation.representative.add",
              target_type="organisation", target_id=foundation.id,
              after={"username": person.username, "foundation": foundation.short_name})
    # Follow in the dialogue channels of the consortiums the foundation talks with.
    user_ids = [p.mattermost_user_id for p in changed if p.mattermost_user_id]
    if user_ids:
        for consortium_id in _dialogue_consortia(session, foundation.id):
            if remove:
                members = set(session.scalars(select(Membership.person_id).where(
                    Membership.consortium_id == consortium_id, Membership.left_at.is_(None))))
                ids = [p.mattermost_user_id for p in changed if p.mattermost_user_id and p.id not in members]
                if ids:
                    queue(session, "dialogue.remove_people", {"consortium_id": consortium_id, "user_ids": ids},
                          consortium_id=consortium_id)
            else:
                queue(session, "dialogue.add_people", {"consortium_id": consortium_id, "user_ids": user_ids},
                      consortium_id=consortium_id)
    names = ", ".join(f"@{p.username}" for p in changed) or "—"
    if remove:
        message = _("{names}: no longer representatives of {short}.", names=names,
                    short=escape_markdown(foundation.short_name))
    else:
        message = _("{names}: now representatives of {short}. They join the dialogue channels of the consortiums "
                    "{short} talks with, and only those.", names=names, short=escape_markdown(foundation.short_name))
    if skipped:
        message += "\n" + "; ".join(skipped) + "."
    return Result(message, data={"changed": [p.username for p in changed]})


def consortium_names(session: Session, ids: list[int]) -> dict[int, Consortium]:
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Consortium).where(Consortium.id.in_(ids)))}


def import_rows(session: Session, network: Network, rows: list[dict], *, directory: Directory) -> dict:
    """Import foundations from parsed CSV/YAML rows (idempotent: existing ones are updated)."""
    from plugin.schemas import load_or_raise
    from plugin.schemas.dialogues import FoundationImportSchema

    summary = {"created": 0, "updated": 0, "representatives": 0, "errors": []}
    for index, raw in enumerate(rows, start=1):
        try:
            with session.begin_nested():
                data = load_or_raise(FoundationImportSchema(), raw)
                foundation, created = save_foundation(session, network, None, data, upsert=True)
                summary["created" if created else "updated"] += 1
                wanted = [u for u in data.get("representatives", [])
                          if not any(p.username == u for p in representatives(session, foundation.id))]
                if wanted:
                    set_representatives(session, network, None, foundation, wanted, directory=directory)
                    summary["representatives"] += len(wanted)
        except (Invalid, NotFound, Conflict) as error:
            summary["errors"].append(f"#{index} ({raw.get('short_name') or raw.get('name') or '?'}): {error.message}")
    return summary
