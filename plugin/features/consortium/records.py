"""What the consortium's use cases share: provisioning, the members, the stage history, the
overview and the network's list. Data in, rows out; refusals are lazy (rendered in the reader's
language)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Integer, Numeric, Select, String, bindparam, cast, func, literal_column, null, select, true, union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from models import (
    PROVISIONING_STEPS, ChecklistItem, Commitment, Consortium, FoundationDialogue, Membership, Network,
    Organisation, Person, ProvisioningStep, RoleAssignment, StageChange, WorkingSession, new_token,
)
from models.base import UTCDateTime
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.names import skeleton, visible
from plugin.kernel.outbox import queue
from plugin.kernel.people import Directory, resolve_usernames
from plugin.kernel.text import MAX_SLUG, slugify
from plugin.features.checklist.api import DEFAULT_TEMPLATE, apply_template
from plugin.features.decisions.api import rule_from, with_rule

from plugin.features.consortium.outcomes import (
    MemberRow, NetworkRow, NextSession, OrganisationRow, Overview, Provisioned,
)



def name_key(name: str) -> str:
    """Names that look the same share this key: one consortium per key in a network."""
    return skeleton(name, limit=200)


def find_by_channel(session: Session, channel_id: str) -> Consortium | None:
    if not channel_id:
        return None
    return session.scalar(select(Consortium).where(Consortium.channel_id == channel_id))


def find_by_dialogue_channel(session: Session, channel_id: str) -> Consortium | None:
    if not channel_id:
        return None
    return session.scalar(select(Consortium).where(Consortium.dialogue_channel_id == channel_id))


def touch(consortium: Consortium, now: datetime) -> None:
    consortium.last_activity_at = now


# --- provisioning -------------------------------------------------------------------------

def _unique_slug(session: Session, base: str) -> str:
    slug, n = base, 2
    while session.scalar(select(Consortium.id).where(Consortium.slug == slug)) is not None:
        suffix = f"-{n}"
        slug, n = base[: MAX_SLUG - len(suffix)] + suffix, n + 1
    return slug


def provision(session: Session, network: Network, actor: Actor | None, data: dict, *,
              directory: Directory, caldav_enabled: bool, reuse_existing: bool) -> Provisioned:
    """Record a consortium and queue its provisioning (idempotent, resumable).

    ``reuse_existing``: the CLI and the API converge on an existing consortium of the
    same name (adding missing members, resuming failed steps); the slash command
    refuses a duplicate name instead, pointing to the existing one. Names that only look
    alike (``name_key``) are the same name; a unique key makes concurrent calls agree.
    """
    if actor is not None:
        access.require_admin(actor)
    key = name_key(data["name"])
    existing = _by_name_key(session, network, key)
    if existing is not None and not reuse_existing:
        raise _name_taken(existing, data["name"])
    people = resolve_usernames(session, network, directory, data.get("members", []))
    consortium = None
    for _attempt in range(5):  # each retry follows a concurrent insert of the same name or slug
        if existing is not None:
            break
        consortium = _insert(session, network, actor, data, key, caldav_enabled=caldav_enabled)
        if consortium is not None:
            break
        existing = _by_name_key(session, network, key)
    if existing is not None:
        if not reuse_existing:
            raise _name_taken(existing, data["name"])
        consortium = existing
    if consortium is None:
        raise Conflict(_l("The consortium could not be recorded because others were being created at the same "
                          "moment; please try again."))
    created = existing is None
    added = []
    current = {m.person_id: m for m in consortium.memberships}
    for username, person in people.items():
        membership = current.get(person.id)
        if membership is None:
            consortium.memberships.append(Membership(person_id=person.id, organisation_id=person.organisation_id,
                                                     added_by_id=actor.id if actor else None))
            added.append(username)
        elif membership.left_at is not None:
            membership.left_at = None
            added.append(username)
    session.flush()
    if created or added or _has_unfinished_steps(consortium):
        for step in consortium.steps:
            if step.status == "failed" or (step.step == "members" and added):
                step.status = "pending"
        audit(session, actor, "consortium.provision" if created else "consortium.reprovision",
              consortium_id=consortium.id, target_type="consortium", target_id=consortium.id,
              after={"name": consortium.name, "slug": consortium.slug, "members": sorted(people)})
        queue(session, "provision.run", {"consortium_id": consortium.id}, consortium_id=consortium.id)
    return Provisioned(consortium, created, added)


def _by_name_key(session: Session, network: Network, key: str) -> Consortium | None:
    return session.scalar(select(Consortium).where(Consortium.network_id == network.id, Consortium.name_key == key))


def _name_taken(existing: Consortium, wanted: str) -> Conflict:
    channel = existing.channel_name or existing.slug
    if " ".join(visible(wanted).casefold().split()) == existing.name.casefold():
        return Conflict(_l("A consortium named “{name}” already exists: ~{channel}.", name=existing.name,
                           channel=channel))
    return Conflict(_l("“{wanted}” looks the same as the name of the existing consortium “{name}” (~{channel}): "
                       "choose a clearly different name.", wanted=visible(wanted), name=existing.name,
                       channel=channel))


def _insert(session: Session, network: Network, actor: Actor | None, data: dict, key: str, *,
            caldav_enabled: bool) -> Consortium | None:
    """Insert a new consortium with its steps and checklist; None when a concurrent insert took its name."""
    if data.get("slug"):
        taken = consortium_by_slug(session, data["slug"])
        if taken is not None:
            message = _l("The slug “{slug}” is already used by the consortium “{name}”.", slug=taken.slug,
                         name=taken.name)
            raise Conflict(message, fields={"slug": message})
    slug = data.get("slug") or _unique_slug(session, slugify(data["name"]))
    consortium = Consortium(
        network_id=network.id, name=data["name"], name_key=key, slug=slug,
        theme=data.get("theme", ""), purpose=data.get("purpose", ""), is_public=data.get("public", False),
        channel_name=slug, created_by_id=actor.id if actor else None, profile_token=new_token(),
    )
    try:
        with session.begin_nested():  # the unique keys decide between concurrent creations
            session.add(consortium)
            session.flush()
    except IntegrityError:
        return None
    session.add(StageChange(consortium_id=consortium.id, from_stage=None, to_stage="emergence",
                            by_person_id=actor.id if actor else None))
    for step in PROVISIONING_STEPS:
        status = "pending"
        if step in ("calendar", "checklist"):
            status = "done"  # done in this very transaction
        if step == "caldav" and not caldav_enabled:
            status = "skipped"
        session.add(ProvisioningStep(consortium_id=consortium.id, step=step, status=status))
    apply_template(session, consortium, DEFAULT_TEMPLATE, created_by_id=actor.id if actor else None)
    return consortium


def _has_unfinished_steps(consortium: Consortium) -> bool:
    return any(step.status in ("pending", "failed") for step in consortium.steps)


def step_status(consortium: Consortium) -> dict[str, str]:
    return {step.step: step.status for step in consortium.steps}


# --- members ------------------------------------------------------------------------------

def leave(session: Session, membership: Membership, now: datetime) -> None:
    """End a membership: the member's link to the feed dies, and their personal feed when it was the last."""
    membership.left_at = now
    membership.feed_token = new_token()
    session.flush()
    person = session.get(Person, membership.person_id)
    still_member = session.scalar(select(Membership.id).where(Membership.person_id == person.id,
                                                              Membership.left_at.is_(None)).limit(1))
    if still_member is None and person.personal_feed_token:
        person.personal_feed_token = new_token()


def members(session: Session, consortium: Consortium) -> list[Membership]:
    """The active memberships, with their person and organisation (read in the same query)."""
    return list(session.scalars(
        select(Membership).where(Membership.consortium_id == consortium.id, Membership.left_at.is_(None))
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .options(contains_eager(Membership.person), contains_eager(Membership.organisation))
        .order_by(Person.username)
    ))


def stage_history(session: Session, consortium: Consortium) -> list[tuple[StageChange, str | None]]:
    rows = session.execute(
        select(StageChange, Person.username).outerjoin(Person, Person.id == StageChange.by_person_id)
        .where(StageChange.consortium_id == consortium.id).order_by(StageChange.at, StageChange.id)
    )
    return [(change, username) for change, username in rows]


# --- overview -----------------------------------------------------------------------------
# `/consortium info` and the consortium's pages read the overview in one statement built once (Core,
# plain rows): every list in one UNION ALL, each of its rows joined to the one row of figures (with the
# decision rule); no list at all still gives that row, with the lists' columns NULL.

_people, _orgs, _memberships = Person.__table__, Organisation.__table__, Membership.__table__
_roles, _commitments, _steps = RoleAssignment.__table__, Commitment.__table__, ProvisioningStep.__table__
_items, _dialogues, _sessions = ChecklistItem.__table__, FoundationDialogue.__table__, WorkingSession.__table__
_consortia = Consortium.__table__
_ID = bindparam("consortium_id", type_=Integer())
MEMBERS, ROLES, COMMITMENTS, STEPS = range(4)   # the lists' parts, in the UNION's order


def _part(number: int, a, b=None, c=None, d=None, n=None, amount=None, sort_text=None, sort_time=None,
          sort_id=None) -> Select:
    """One list of the overview as the UNION's columns (NULLs typed, for PostgreSQL to agree)."""
    def typed(value, type_):
        return cast(null(), type_) if value is None else value

    return select(literal_column(str(number), Integer()).label("part"), typed(a, String()).label("a"),
                  typed(b, String()).label("b"), typed(c, String()).label("c"), typed(d, String()).label("d"),
                  typed(n, Integer()).label("n"), typed(amount, Numeric(16, 2)).label("amount"),
                  typed(sort_text, String()).label("sort_text"), typed(sort_time, UTCDateTime()).label("sort_time"),
                  typed(sort_id, Integer()).label("sort_id"))


_LISTS = union_all(
    _part(MEMBERS, _people.c.username, _people.c.display_name, _orgs.c.name, _orgs.c.short_name,
          sort_text=_people.c.username)
    .select_from(_memberships.join(_people, _people.c.id == _memberships.c.person_id)
                 .outerjoin(_orgs, _orgs.c.id == _memberships.c.organisation_id))
    .where(_memberships.c.consortium_id == _ID, _memberships.c.left_at.is_(None)),
    _part(ROLES, _roles.c.role_key, _people.c.username, _orgs.c.short_name, sort_text=_roles.c.role_key,
          sort_time=_roles.c.assigned_at)
    .select_from(_roles.outerjoin(_people, _people.c.id == _roles.c.person_id)
                 .outerjoin(_orgs, _orgs.c.id == _roles.c.organisation_id))
    .where(_roles.c.consortium_id == _ID, _roles.c.ended_at.is_(None)),
    _part(COMMITMENTS, _commitments.c.kind, _commitments.c.unit, n=func.count(),
          amount=func.sum(_commitments.c.amount), sort_text=_commitments.c.kind)
    .where(_commitments.c.consortium_id == _ID, _commitments.c.deleted_at.is_(None),
           _commitments.c.status != "abandonne")
    .group_by(_commitments.c.kind, _commitments.c.unit),
    _part(STEPS, _steps.c.step, _steps.c.status, sort_id=_steps.c.id).where(_steps.c.consortium_id == _ID),
).subquery("lists")


def _count(table, *condition):
    return select(func.count()).select_from(table).where(table.c.consortium_id == _ID, *condition).scalar_subquery()


def _next_session(column):
    return (select(column).where(_sessions.c.consortium_id == _ID, _sessions.c.status == "confirmed",
                                 _sessions.c.starts_at >= bindparam("now", type_=UTCDateTime()))
            .order_by(_sessions.c.starts_at).limit(1).scalar_subquery())


_FIGURES = with_rule(select(
    _count(_items, _items.c.deleted_at.is_(None), _items.c.done.is_(True)).label("done"),
    _count(_items, _items.c.deleted_at.is_(None)).label("total"),
    _count(_dialogues, _dialogues.c.closed_at.is_(None)).label("open_dialogues"),
    _next_session(_sessions.c.title).label("next_title"),
    _next_session(_sessions.c.starts_at).label("next_starts_at"),
).select_from(_consortia).where(_consortia.c.id == _ID), _consortia.c.id).subquery("figures")

_OVERVIEW = (select(_FIGURES, _LISTS).select_from(_FIGURES.outerjoin(_LISTS, true()))
             .order_by(_LISTS.c.part, _LISTS.c.sort_text, _LISTS.c.sort_time, _LISTS.c.sort_id))


def overview(session: Session, consortium: Consortium, *, now: datetime) -> Overview:
    members, roles, commitments, steps = [], [], {}, {}
    figures = None
    for row in session.connection().execute(_OVERVIEW, {"consortium_id": consortium.id, "now": now}):
        figures = row
        if row.part is None:   # no list at all: the figures only
            continue
        if row.part == MEMBERS:
            members.append((MemberRow(row.a, row.b), OrganisationRow(row.c, row.d) if row.d is not None else None))
        elif row.part == ROLES:
            roles.append((row.a, " / ".join(x for x in (f"@{row.b}" if row.b else None, row.c) if x)))
        elif row.part == COMMITMENTS:
            entry = commitments.setdefault(row.a, {"count": 0, "amounts": {}})
            entry["count"] += row.n
            if row.amount is not None and row.b:
                entry["amounts"][row.b] = row.amount
        else:
            steps[row.a] = row.b
    next_session = NextSession(figures.next_title, figures.next_starts_at) if figures.next_title is not None else None
    return Overview(consortium, members, roles, figures.done or 0, figures.total or 0, commitments, next_session,
                    figures.open_dialogues, steps, rule_from(figures))


def network_list(session: Session, network: Network, *, limit: int = 50, offset: int = 0,
                 include_archived: bool = False, with_steps: bool = False) -> tuple[list[NetworkRow], int]:
    """All consortiums with counts, in three queries whatever their number (four ``with_steps``)."""
    condition = [Consortium.network_id == network.id]
    if not include_archived:
        condition.append(Consortium.archived_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Consortium).where(*condition)) or 0
    query = select(Consortium).where(*condition)
    if with_steps:
        query = query.options(selectinload(Consortium.steps))
    consortia = list(session.scalars(query.order_by(Consortium.last_activity_at.desc(), Consortium.id)
                                     .limit(limit).offset(offset)))
    ids = [c.id for c in consortia]
    if not ids:
        return [], total
    member_counts = dict(session.execute(
        select(Membership.consortium_id, func.count()).where(Membership.consortium_id.in_(ids),
                                                             Membership.left_at.is_(None))
        .group_by(Membership.consortium_id)).all())
    progress = {cid: (d, t) for cid, d, t in session.execute(
        select(ChecklistItem.consortium_id, func.count().filter(ChecklistItem.done.is_(True)), func.count())
        .where(ChecklistItem.consortium_id.in_(ids), ChecklistItem.deleted_at.is_(None))
        .group_by(ChecklistItem.consortium_id))}
    rows = [NetworkRow(c, member_counts.get(c.id, 0), *progress.get(c.id, (0, 0))) for c in consortia]
    return rows, total
