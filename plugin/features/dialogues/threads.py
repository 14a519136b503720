"""What the dialogues' use cases share: who sees what, finding a dialogue, the lists and the network's
view, the stages and their transitions.

Who may do what (docs/ARCHITECTURE.md, PRODUCT's `/dialogue`):

- network admins and the consortium's members: everything on the consortium's dialogues;
- a foundation's representative: `liste`, `resume` and `prochaine-etape` on the
  dialogues of *their* foundation only. Another foundation's dialogue answers exactly
  like a dialogue that does not exist, so not even its existence leaks;
- everyone else is refused politely.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise

from sqlalchemy import String, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from models import (
    DIALOGUE_STAGES, Consortium, DialogueEvent, FoundationDialogue, Membership, Network, Organisation, Person,
    RoleAssignment,
)
from plugin.i18n import _l
from plugin.kernel.errors import Forbidden, NotFound
from plugin.kernel.text import aware
from plugin.kernel.usecase import Ctx

from plugin.features.dialogues.foundations import foundation_of, representatives
from plugin.features.dialogues.outcomes import DialogueRow, NetworkPage

COUNTER = "dialogue"
LIAISON_ROLE = "referent-fondations"
MAX_ROWS = 50

# Allowed stage transitions: forward through the funding process; a declined dialogue may
# start exploring again; a granted one can only be closed; a closed one stays closed.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "premier-contact": ("exploration", "candidature", "decline", "clos"),
    "exploration": ("candidature", "decline", "clos"),
    "candidature": ("instruction", "accorde", "decline", "clos"),
    "instruction": ("accorde", "decline", "clos"),
    "accorde": ("clos",),
    "decline": ("exploration", "clos"),
    "clos": (),
}

STAGE_LABELS = {
    "premier-contact": _l("first contact"), "exploration": _l("exploration"), "candidature": _l("application"),
    "instruction": _l("under review"), "accorde": _l("granted"), "decline": _l("declined"), "clos": _l("closed"),
}


def stage_label(stage: str | None):
    """A stage's name, lazy (rendered in its reader's language)."""
    return STAGE_LABELS.get(stage or "", stage or "")


# --- who is looking ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What an actor may see of a consortium's dialogues: all of them, or one foundation's."""

    full: bool
    foundation_id: int | None = None

    def sees(self, dialogue: FoundationDialogue) -> bool:
        return self.full or dialogue.foundation_id == self.foundation_id


def has_dialogue_with(session: Session, consortium: Consortium, foundation_id: int) -> bool:
    return session.scalar(select(FoundationDialogue.id).where(
        FoundationDialogue.consortium_id == consortium.id,
        FoundationDialogue.foundation_id == foundation_id).limit(1)) is not None


def can_see_public_profile(session: Session, consortium: Consortium, person: Person) -> bool:
    """A foundation's representative sees the public profile of the consortiums their foundation talks with."""
    foundation = foundation_of(session, person)
    if foundation is None:
        return False
    return consortium.is_public or has_dialogue_with(session, consortium, foundation.id)


def scope_of(ctx: Ctx, consortium: Consortium, membership: Membership | None) -> Scope | None:
    if ctx.actor.is_admin or membership is not None:
        return Scope(full=True)
    foundation = foundation_of(ctx.session, ctx.actor.person)
    if foundation is not None and has_dialogue_with(ctx.session, consortium, foundation.id):
        return Scope(full=False, foundation_id=foundation.id)
    return None


def require_scope(ctx: Ctx, consortium: Consortium | None = None, membership: Membership | None = None) -> Scope:
    """The actor's scope in ``consortium`` (the request's, whose membership the runner read, by default)."""
    if consortium is None:
        consortium, membership = ctx.consortium, ctx.membership
    scope = scope_of(ctx, consortium, membership)
    if scope is None:
        raise Forbidden(_l("The dialogues of “{name}” are reserved for its members and for the foundations taking "
                           "part in them.", name=consortium.name))
    return scope


def require_full(ctx: Ctx, what) -> Scope:
    scope = require_scope(ctx)
    if not scope.full:
        raise Forbidden(_l("Only the consortium's members can {what}. You can follow your foundation's dialogues "
                           "with `/dialogue list`, `/dialogue summary` and `/dialogue next`.", what=what))
    return scope


def resolve(ctx: Ctx, scope: Scope, number: int | None) -> FoundationDialogue:
    """The dialogue named by its number, or by the thread the command was typed in.

    A dialogue outside the actor's scope is reported exactly like a missing one.
    """
    dialogue = None
    consortium = ctx.consortium
    if number is not None:
        dialogue = ctx.session.scalar(select(FoundationDialogue).where(
            FoundationDialogue.consortium_id == consortium.id, FoundationDialogue.number == number))
    elif ctx.root_id:
        dialogue = ctx.session.scalar(select(FoundationDialogue).where(
            FoundationDialogue.consortium_id == consortium.id, FoundationDialogue.root_post_id == ctx.root_id))
    if dialogue is None or not scope.sees(dialogue):
        if number is None:
            raise NotFound(_l("Give the dialogue's number (see `/dialogue list`), or type the command in the "
                              "dialogue's thread."))
        raise NotFound(_l("There is no dialogue number {n} here. See `/dialogue list`.", n=number))
    return dialogue


def touch(dialogue: FoundationDialogue, consortium: Consortium, now: datetime) -> None:
    dialogue.last_activity_at = now
    consortium.last_activity_at = now


def snapshot(dialogue: FoundationDialogue) -> dict:
    return {"number": dialogue.number, "stage": dialogue.stage,
            "next_step_date": dialogue.next_step_date.isoformat() if dialogue.next_step_date else None,
            "next_step_action": dialogue.next_step_action}


def dialogue_channel_of(consortium: Consortium) -> str | None:
    """The consortium's foundations channel, once a dialogue has created it (else None)."""
    return consortium.dialogue_channel_id


def dialogue_channel_name(consortium: Consortium) -> str:
    return f"{consortium.slug[:53].rstrip('-')}-fondations"


def days_since(moment: datetime, now: datetime) -> int:
    return max(0, (aware(now) - aware(moment)).days)


def next_step_of(event: DialogueEvent) -> tuple[date | None, str]:
    """The (date, action) recorded by a next-step event."""
    raw, _sep, action = (event.text or "").partition("\t")
    try:
        return date.fromisoformat(raw), action
    except ValueError:
        return None, event.text or ""


# --- reading ----------------------------------------------------------------------------------

def _rows(session: Session, query) -> list[DialogueRow]:
    return [DialogueRow(d, f, c) for d, f, c in session.execute(query)]


def _base():
    return (select(FoundationDialogue, Organisation, Consortium)
            .join(Organisation, Organisation.id == FoundationDialogue.foundation_id)
            .join(Consortium, Consortium.id == FoundationDialogue.consortium_id))


def list_for_consortium(session: Session, consortium: Consortium, scope: Scope) -> list[DialogueRow]:
    query = _base().where(FoundationDialogue.consortium_id == consortium.id)
    if not scope.full:
        query = query.where(FoundationDialogue.foundation_id == scope.foundation_id)
    return _rows(session, query.order_by(FoundationDialogue.closed_at.is_not(None), FoundationDialogue.number))


def list_for_foundation(session: Session, foundation_id: int, *, limit: int = MAX_ROWS) -> list[DialogueRow]:
    query = (_base().where(FoundationDialogue.foundation_id == foundation_id, Consortium.archived_at.is_(None))
             .order_by(FoundationDialogue.closed_at.is_not(None), FoundationDialogue.last_activity_at.desc())
             .limit(limit))
    return _rows(session, query)


def _stage_counts_query(conditions: tuple, stage: str | None):
    """One statement: a count per stage, plus the count of any stage outside the known ones.

    Each known stage is one equality range of the (stage, closed_at) index — no sort, no
    grouping over the whole table; the extra count reads the gaps between the known
    stages (a few empty ranges of the same index).
    """
    stages = (stage,) if stage else DIALOGUE_STAGES
    parts = [select(literal(s).label("stage"), func.count().label("n")).select_from(FoundationDialogue)
             .where(FoundationDialogue.stage == s, *conditions) for s in stages]
    if not stage:
        ordered = sorted(stages)
        gaps = [FoundationDialogue.stage < ordered[0], FoundationDialogue.stage > ordered[-1]]
        gaps += [and_(FoundationDialogue.stage > low, FoundationDialogue.stage < high)
                 for low, high in pairwise(ordered)]
        parts.append(select(literal(None, String).label("stage"), func.count().label("n"))
                     .select_from(FoundationDialogue).where(or_(*gaps), *conditions))
    return union_all(*parts)


_unfiltered_counts = lru_cache(maxsize=16)(lambda stage: _stage_counts_query((), stage))


def _stage_counts(session: Session, conditions: list, stage: str | None) -> dict[str, int]:
    """The count per stage under ``conditions``, zero counts left out.

    Should a stage outside the known ones turn up, the grouped count gives its name.
    """
    query = _stage_counts_query(tuple(conditions), stage) if conditions else _unfiltered_counts(stage)
    found = session.execute(query).all()
    per_stage = {name: n for name, n in found if name is not None and n}
    if any(name is None and n for name, n in found):
        per_stage = {name: n for name, n in session.execute(
            select(FoundationDialogue.stage, func.count()).where(*conditions)
            .group_by(FoundationDialogue.stage)).all() if n}
    return per_stage


def _page_query(conditions: tuple):
    """The page's dialogues with their foundation and consortium, most recently active first:
    the ids come from the (last_activity_at, id) index walked backwards, then the rows by id."""
    order = (FoundationDialogue.last_activity_at.desc(), FoundationDialogue.id.desc())
    page_ids = (select(FoundationDialogue.id).where(*conditions).order_by(*order)
                .limit(bindparam("page_limit")).offset(bindparam("page_offset")))
    return _base().where(FoundationDialogue.id.in_(page_ids.scalar_subquery())).order_by(*order)


_unfiltered_page = lru_cache(maxsize=1)(lambda: _page_query(()))


def network_list(session: Session, network: Network, *, limit: int = MAX_ROWS, offset: int = 0,
                 consortium_slug: str | None = None, foundation: str | None = None, stage: str | None = None,
                 open_only: bool = False) -> NetworkPage:
    """Dialogues across the network, most recently active first, with the count per stage.

    Constant work per page whatever the number of dialogues, in three statements: the
    page walks the (last_activity_at, id) index backwards and its rows are read by id
    with their foundation and consortium; the counts read short ranges of the
    (stage, closed_at) index (no join when the database holds a single network, the
    usual case).
    """
    in_network = select(Consortium.id).where(Consortium.network_id == network.id)
    single_network = (session.scalar(select(func.count()).select_from(Network)) or 0) <= 1
    conditions = [] if single_network else [FoundationDialogue.consortium_id.in_(in_network)]
    if consortium_slug:
        conditions.append(FoundationDialogue.consortium_id.in_(
            in_network.where(Consortium.slug == consortium_slug.lower())))
    if foundation:
        conditions.append(FoundationDialogue.foundation_id.in_(select(Organisation.id).where(
            Organisation.network_id == network.id, func.lower(Organisation.short_name) == foundation.lower())))
    if open_only:
        conditions.append(FoundationDialogue.closed_at.is_(None))
    per_stage = _stage_counts(session, conditions, stage)
    total = sum(per_stage.values())
    if stage:
        conditions.append(FoundationDialogue.stage == stage)
    if not total or offset >= total:
        return NetworkPage([], total, per_stage)
    query = _page_query(tuple(conditions)) if conditions else _unfiltered_page()
    rows = [DialogueRow(d, f, c) for d, f, c in session.execute(query, {"page_limit": limit, "page_offset": offset})]
    return NetworkPage(rows, total, per_stage)


def history(session: Session, dialogue: FoundationDialogue) -> list[tuple[DialogueEvent, str | None]]:
    return [(event, username) for event, username in session.execute(
        select(DialogueEvent, Person.username).outerjoin(Person, Person.id == DialogueEvent.by_person_id)
        .where(DialogueEvent.dialogue_id == dialogue.id).order_by(DialogueEvent.at, DialogueEvent.id))]


# --- who hears of a dialogue ------------------------------------------------------------------

def concerned_people(session: Session, dialogue: FoundationDialogue) -> list[Person]:
    """Who is reminded of a next step: whoever set it, the foundation's representatives, the liaison role."""
    people: dict[int, Person] = {}
    setter_id = session.scalar(select(DialogueEvent.by_person_id).where(
        DialogueEvent.dialogue_id == dialogue.id, DialogueEvent.kind == "next-step")
        .order_by(DialogueEvent.at.desc(), DialogueEvent.id.desc()).limit(1))
    if setter_id:
        setter = session.get(Person, setter_id)
        if setter is not None:
            people[setter.id] = setter
    for person in representatives(session, dialogue.foundation_id):
        people[person.id] = person
    liaison = session.scalars(select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
        RoleAssignment.consortium_id == dialogue.consortium_id, RoleAssignment.role_key == LIAISON_ROLE,
        RoleAssignment.ended_at.is_(None)))
    for person in liaison:
        people[person.id] = person
    return [p for p in people.values() if p.mattermost_user_id and p.erased_at is None]


def channel_people(session: Session, consortium: Consortium) -> list[tuple[str, str]]:
    """(username, Mattermost user id) of the consortium's members and of the representatives of
    the foundations it has an open dialogue with."""
    members = session.execute(
        select(Person.username, Person.mattermost_user_id).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == consortium.id, Membership.left_at.is_(None),
               Person.mattermost_user_id.is_not(None))).all()
    foundation_ids = select(FoundationDialogue.foundation_id).where(
        FoundationDialogue.consortium_id == consortium.id, FoundationDialogue.closed_at.is_(None))
    reps = session.execute(
        select(Person.username, Person.mattermost_user_id).where(
            Person.organisation_id.in_(foundation_ids), Person.mattermost_user_id.is_not(None),
            Person.erased_at.is_(None))).all()
    seen: dict[str, str] = {}
    for username, user_id in [*members, *reps]:
        seen.setdefault(user_id, username)
    return [(username, user_id) for user_id, username in seen.items()]
