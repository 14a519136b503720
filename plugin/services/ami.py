"""Calls for expressions of interest (AMI): open, answer, read the matrix, form, close.

Also the read models of the network's web pages (dashboard, consortium page, public
profile): batched queries, a fixed number per page whatever the number of consortiums.
"""
from __future__ import annotations

import unicodedata
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    STAGES, CallForInterest, CallResponse, ChecklistItem, Commitment, Consortium, FoundationDialogue,
    Membership, Network, Organisation, Person, ProvisioningStep, StageChange, WorkingSession,
    new_token, utcnow,
)
from plugin.exports import to_csv
from plugin.i18n import _
from plugin.kernel import access
from plugin.features.consortium import api as consortia
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound, Refusal
from plugin.kernel.outbox import queue
from plugin.services.base import Result
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.names import skeleton
from plugin.kernel.people import Directory, UserInfo, upsert_person

MAX_RESPONSES_SHOWN = 2000


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive: they are stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def fold_key(text: str) -> str:
    """Case- and accent-insensitive key (spaces and punctuation collapsed)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())[:200]


# --- the call -----------------------------------------------------------------------------

def open_call(session: Session, network: Network, actor: Actor, data: dict, *, now: datetime | None = None) -> Result:
    access.require_admin(actor)
    now = now or utcnow()
    current = open_call_of(session, network)
    if current is not None:
        raise Conflict(_("The call “{title}” is still open: close it first with `/ami close`.",
                         title=current.title))
    if data["deadline"] <= now:
        raise Invalid(_("The deadline must be in the future."))
    call = CallForInterest(network_id=network.id, title=data["title"], themes=list(data["themes"]),
                           deadline=data["deadline"], min_group_size=data.get("min_group_size") or 3,
                           opened_by_id=actor.id, formed={})
    session.add(call)
    session.flush()
    audit(session, actor, "ami.open", target_type="call", target_id=call.id,
          after={"title": call.title, "themes": call.themes})
    return Result(_("Call “{title}” opened.", title=call.title), data={"call": call})


def open_call_of(session: Session, network: Network) -> CallForInterest | None:
    return session.scalar(select(CallForInterest).where(CallForInterest.network_id == network.id,
                                                        CallForInterest.status == "open")
                          .order_by(CallForInterest.id.desc()).limit(1))


def latest_call(session: Session, network: Network) -> CallForInterest | None:
    return open_call_of(session, network) or session.scalar(
        select(CallForInterest).where(CallForInterest.network_id == network.id)
        .order_by(CallForInterest.id.desc()).limit(1))


def call_by_id(session: Session, network: Network, call_id: int) -> CallForInterest:
    call = session.scalar(select(CallForInterest).where(CallForInterest.id == call_id,
                                                        CallForInterest.network_id == network.id))
    if call is None:
        raise NotFound(_("There is no such call for expressions of interest."))
    return call


def call_by_form_token(session: Session, token: str) -> CallForInterest | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(CallForInterest).where(CallForInterest.form_token == token))


def calls_of(session: Session, network: Network) -> list[CallForInterest]:
    return list(session.scalars(select(CallForInterest).where(CallForInterest.network_id == network.id)
                                .order_by(CallForInterest.id.desc()).limit(50)))


def is_accepting(call: CallForInterest, now: datetime | None = None) -> bool:
    return call.status == "open" and (now or utcnow()) <= aware(call.deadline)


def close_call(session: Session, actor: Actor, call: CallForInterest | None) -> Result:
    access.require_admin(actor)
    if call is None or call.status != "open":
        raise NotFound(_("There is no open call to close."))
    call.status = "closed"
    call.closed_at = utcnow()
    count = session.scalar(select(func.count()).select_from(CallResponse).where(CallResponse.call_id == call.id)) or 0
    audit(session, actor, "ami.close", target_type="call", target_id=call.id, after={"responses": count})
    return Result(_("Call “{title}” closed with {n} answers.", title=call.title, n=count))


# --- answers ------------------------------------------------------------------------------

def _check_themes(call: CallForInterest, ranked: list[str]) -> list[str]:
    by_key = {fold_key(t): t for t in call.themes}
    result: list[str] = []
    for theme in ranked:
        known = by_key.get(fold_key(theme))
        if known is None:
            raise Invalid(_("“{theme}” is not one of the call's themes: {themes}.", theme=theme[:80],
                            themes=", ".join(call.themes)), fields={"themes": _("Unknown theme.")})
        if known not in result:
            result.append(known)
    if not result:
        raise Invalid(_("Choose at least one theme."), fields={"themes": _("Choose at least one theme.")})
    return result


class EditLinkNeeded(Refusal):
    """The structure has answered already, and the caller has not proved its contact e-mail."""

    code = "conflict"

    def __init__(self, existing: CallResponse):
        super().__init__(_("“{name}” has already answered this call.", name=existing.structure_name))
        self.existing = existing


EDIT_LINK_MAX_AGE = timedelta(days=3)
EDIT_LINK_EVERY = timedelta(minutes=10)  # at most one e-mail per answer in that time, however many requests


def respond(session: Session, call: CallForInterest, data: dict, *, person: Person | None = None,
            source: str = "chat", now: datetime | None = None, editing: int | None = None) -> tuple[CallResponse, bool]:
    """Record or update a structure's answer; returns (answer, created).

    One answer per structure (look-alike names included). A first answer needs nothing
    more; changing an existing one needs proof of its contact e-mail: a chat account with
    that address (Mattermost's), the same person as before, or ``editing`` — the id the
    edit link sent to that address names (checked by the caller). Otherwise
    ``EditLinkNeeded`` is raised and nothing changes.
    """
    now = now or utcnow()
    if call.status != "open":
        raise Forbidden(_("The call “{title}” is closed: answers are no longer accepted.", title=call.title))
    if now > aware(call.deadline):
        raise Forbidden(_("The deadline of the call “{title}” has passed: answers are no longer accepted.",
                          title=call.title))
    themes = _check_themes(call, data["themes"])
    structure_key, email_key = structure_key_of(data["structure_name"]), data["contact_email"].strip().lower()
    if not structure_key:
        raise Invalid(_("The structure's name is missing."), fields={"structure_name": _("This field is required.")})
    existing = session.scalar(select(CallResponse).where(CallResponse.call_id == call.id,
                                                         CallResponse.structure_key == structure_key))
    if editing is not None:
        edited = session.get(CallResponse, editing)
        if edited is None or edited.call_id != call.id:
            raise NotFound(_("This answer no longer exists."))
        if existing is not None and existing.id != edited.id:
            raise Conflict(_("“{name}” has already answered this call: keep your structure's name.",
                             name=existing.structure_name),
                           fields={"structure_name": _("Another structure answered with this name.")})
        existing = edited
    elif existing is not None and not _proves_contact(existing, person):
        raise EditLinkNeeded(existing)
    values = dict(structure_name=data["structure_name"], siae_type=data.get("siae_type"),
                  departement=data.get("departement"), contact_name=data["contact_name"],
                  contact_email=data["contact_email"].strip(), themes=themes,
                  can_bring=data.get("can_bring") or "", needs=data.get("needs") or "",
                  comment=data.get("comment") or "", source=source)
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.structure_key, existing.email_key = structure_key, email_key
        if person is not None:
            existing.person_id = person.id
        existing.updated_at = now
        return existing, False
    answer = CallResponse(call_id=call.id, structure_key=structure_key, email_key=email_key,
                          person_id=person.id if person else None, **values)
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except IntegrityError:  # the same structure answered at the same instant: that answer stands
        return respond(session, call, data, person=person, source=source, now=now)
    return answer, True


def structure_key_of(name: str) -> str:
    """Structures whose names look the same are one structure."""
    return skeleton(name, limit=200)


def _proves_contact(existing: CallResponse, person: Person | None) -> bool:
    """A chat account proves what Mattermost says of it; a web form proves nothing."""
    if person is None:
        return False
    return existing.person_id == person.id or bool(person.email and person.email.lower() == existing.email_key)


def send_edit_link(session: Session, answer: CallResponse, *, locale: str, now: datetime | None = None) -> str:
    """Queue an e-mail to the answer's contact address with a link to change it; the address, masked."""
    now = now or utcnow()
    bucket = int(now.timestamp() // EDIT_LINK_EVERY.total_seconds())
    queue(session, "ami.edit_link", {"response_id": answer.id, "email_key": answer.email_key, "locale": locale},
          dedupe_key=f"ami.edit_link:{answer.id}:{answer.email_key}:{bucket}")
    return masked_email(answer.contact_email)


def masked_email(address: str) -> str:
    local, _at, domain = (address or "").partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def answer_for_edit(session: Session, call: CallForInterest, data: dict) -> CallResponse | None:
    """The answer an edit link (already verified) names, while it still goes to the same address."""
    answer = session.get(CallResponse, int(data.get("r") or 0))
    if answer is None or answer.call_id != call.id or answer.email_key != data.get("e"):
        return None
    return answer


def response_of(session: Session, call: CallForInterest, person: Person) -> CallResponse | None:
    condition = CallResponse.person_id == person.id
    if person.email:
        condition = condition | (CallResponse.email_key == person.email.lower())
    return session.scalar(select(CallResponse).where(CallResponse.call_id == call.id, condition)
                          .order_by(CallResponse.updated_at.desc()).limit(1))


def responses(session: Session, call: CallForInterest, *, limit: int = MAX_RESPONSES_SHOWN,
              offset: int = 0) -> list[CallResponse]:
    return list(session.scalars(select(CallResponse).where(CallResponse.call_id == call.id)
                                .order_by(CallResponse.structure_key).limit(limit).offset(offset)))


# --- results ------------------------------------------------------------------------------

@dataclass
class ThemeColumn:
    theme: str
    count: int = 0
    first_choice: int = 0
    departements: dict[str, int] = field(default_factory=dict)
    structures: list[CallResponse] = field(default_factory=list)
    formed_id: int | None = None


@dataclass
class Matrix:
    call: CallForInterest
    themes: list[ThemeColumn]
    rows: list[tuple[CallResponse, dict[str, int]]]   # answer, theme -> priority (1 = top)
    multi: list[CallResponse]                           # structures interested in several themes
    groups: list[ThemeColumn]                           # suggested grouping (>= min_group_size)
    below: list[ThemeColumn]                            # themes without enough structures
    total: int
    rank_lists: list[list[int]] = field(default_factory=list)  # per row, the priority under each column (0: none)

    @property
    def min_group_size(self) -> int:
        return self.call.min_group_size


def _answers_for_matrix(session: Session, call: CallForInterest):
    """The call's answers as plain rows (attribute access like the model, without the ORM's
    identity map and change tracking: the matrix only reads them), in the order of ``responses``."""
    table = CallResponse.__table__
    return session.execute(select(table).where(table.c.call_id == call.id)
                           .order_by(table.c.structure_key).limit(MAX_RESPONSES_SHOWN)).all()


def matrix(session: Session, call: CallForInterest) -> Matrix:
    """Themes × structures in one query and one pass over the answers.

    Each answer adds itself to the columns of its themes (count, first choices, départements,
    structures with their priority) and gets its row of priorities, column by column.
    """
    answers = _answers_for_matrix(session, call)
    columns = {theme: ThemeColumn(theme) for theme in call.themes}
    position_of = {theme: index for index, theme in enumerate(columns)}
    width = len(columns)
    formed = call.formed or {}
    ranked: dict[str, list[tuple[int, str, object]]] = {theme: [] for theme in columns}
    rows, rank_lists, multi = [], [], []
    for answer in answers:
        ranks = {}
        cells = [0] * width
        departement = answer.departement
        for position, theme in enumerate(answer.themes or [], start=1):
            column = columns.get(theme)
            if column is None:  # a theme removed since: ignored
                continue
            first = ranks.get(theme, position)  # a column lists the answer under its first priority
            ranks[theme] = position
            cells[position_of[theme]] = position
            column.count += 1
            if position == 1:
                column.first_choice += 1
            ranked[theme].append((first, answer.structure_key, answer))
            if departement:
                column.departements[departement] = column.departements.get(departement, 0) + 1
        rows.append((answer, ranks))
        rank_lists.append(cells)
        if len(ranks) > 1:
            multi.append(answer)
    for theme, column in columns.items():
        column.departements = dict(sorted(column.departements.items()))
        column.structures = [answer for _p, _k, answer in sorted(ranked[theme], key=lambda t: (t[0], t[1]))]
        column.formed_id = formed.get(theme)
    ordered = list(columns.values())
    groups = sorted((c for c in ordered if c.count >= call.min_group_size), key=lambda c: (-c.count, c.theme))
    below = [c for c in ordered if c.count < call.min_group_size]
    return Matrix(call, ordered, rows, multi, groups, below, len(answers), rank_lists)


def results_csv(session: Session, call: CallForInterest) -> bytes:
    view = matrix(session, call)
    header = [_("Structure"), _("SIAE type"), _("Département"), _("Contact"), _("E-mail"),
              *[_("{theme} (priority)", theme=t.theme) for t in view.themes],
              _("Can bring"), _("Needs"), _("Comment"), _("Source"), _("Updated")]
    rows = []
    for answer, ranks in view.rows:
        rows.append([answer.structure_name, answer.siae_type or "", answer.departement or "", answer.contact_name,
                     answer.contact_email, *[ranks.get(t.theme, "") for t in view.themes], answer.can_bring,
                     answer.needs, answer.comment, answer.source, answer.updated_at.date().isoformat()])
    return to_csv(header, rows)


# --- forming a consortium from a theme ----------------------------------------------------

@dataclass
class FormOutcome:
    consortium: Consortium
    created: bool
    members: list[str]                             # @usernames added or already there
    without_account: list[CallResponse]            # contacts to invite to Mattermost


def _organisation_for(session: Session, network: Network, answer: CallResponse) -> Organisation:
    key = consortia.slugify(answer.structure_name)
    organisation = session.scalar(select(Organisation).where(Organisation.network_id == network.id,
                                                             Organisation.search_key == key).limit(1))
    if organisation is not None:
        return organisation
    short, n = key[:60] or "structure", 2
    base = short
    while session.scalar(select(Organisation.id).where(Organisation.network_id == network.id,
                                                       Organisation.short_name == short)) is not None:
        short, n = f"{base[:57]}-{n}", n + 1
    organisation = Organisation(network_id=network.id, name=answer.structure_name, short_name=short,
                                search_key=key, kind="siae",
                                siae_type=answer.siae_type if answer.siae_type != "autre" else None,
                                departement=answer.departement)
    session.add(organisation)
    session.flush()
    return organisation


def form_consortium(session: Session, network: Network, actor: Actor, call: CallForInterest, theme: str, *,
                    directory: Directory, caldav_enabled: bool,
                    lookup_email: Callable[[str], UserInfo | None] | None = None) -> FormOutcome:
    """Provision (or complete) the consortium of one theme with its structures' people."""
    access.require_admin(actor)
    wanted = fold_key(theme)
    column_theme = next((t for t in call.themes if fold_key(t) == wanted), None)
    if column_theme is None:
        raise NotFound(_("“{theme}” is not one of the call's themes: {themes}.", theme=theme[:80],
                         themes=", ".join(call.themes)))
    interested = [a for a in responses(session, call) if column_theme in (a.themes or [])]
    if not interested:
        raise Invalid(_("No structure chose the theme “{theme}” yet.", theme=column_theme))
    emails = sorted({a.email_key for a in interested})
    known = {p.email.lower(): p for p in session.scalars(
        select(Person).where(Person.network_id == network.id, Person.email.in_(emails),
                             Person.erased_at.is_(None), Person.mattermost_user_id.is_not(None)))}
    members: dict[str, Person] = {}
    without: list[CallResponse] = []
    for answer in interested:
        person = known.get(answer.email_key)
        if person is None and lookup_email is not None:
            try:
                info = lookup_email(answer.email_key)
            except Exception:  # Mattermost unreachable: list them as to invite, form anyway
                info = None
            if info is not None and not info.is_bot:
                person = upsert_person(session, network.id, directory, info)
                known[answer.email_key] = person
        if person is None:
            without.append(answer)
            continue
        organisation = _organisation_for(session, network, answer)
        if person.organisation_id is None:
            person.organisation_id = organisation.id
        answer.person_id = answer.person_id or person.id
        members[person.username] = person
    formed = dict(call.formed or {})
    existing = session.get(Consortium, formed[column_theme]) if column_theme in formed else None
    name = existing.name if existing is not None else column_theme
    data = {"name": name, "theme": column_theme, "members": sorted(members),
            "purpose": _("Thematic group “{theme}” formed from the call “{title}”.", theme=column_theme,
                         title=call.title)}
    outcome = consortia.provision(session, network, actor, data, directory=directory, caldav_enabled=caldav_enabled,
                                  reuse_existing=True)
    # People known by e-mail but added to the consortium with their organisation.
    for membership in outcome.consortium.memberships:
        if membership.organisation_id is None and membership.person_id in {p.id for p in members.values()}:
            membership.organisation_id = next(p.organisation_id for p in members.values()
                                              if p.id == membership.person_id)
    formed[column_theme] = outcome.consortium.id
    call.formed = formed
    audit(session, actor, "ami.form", consortium_id=outcome.consortium.id, target_type="call", target_id=call.id,
          after={"theme": column_theme, "members": sorted(members), "to_invite": [a.email_key for a in without]})
    return FormOutcome(outcome.consortium, outcome.created, sorted(members), without)


# --- dashboard ----------------------------------------------------------------------------

@dataclass
class DashboardRow:
    consortium: Consortium
    member_count: int = 0
    checklist_done: int = 0
    checklist_total: int = 0
    commitments: int = 0
    commitments_money: float = 0.0
    commitments_days: float = 0.0
    next_session: datetime | None = None
    open_dialogues: int = 0
    failed_steps: int = 0


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    total: int
    page: int
    per_page: int
    themes: list[str]
    stage_counts: dict[str, int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def dashboard(session: Session, network: Network, *, theme: str = "", stage: str = "", page: int = 1,
              per_page: int = 50, now: datetime | None = None) -> Dashboard:
    """One page of consortiums with their figures: a fixed number of indexed queries."""
    now = now or utcnow()
    condition = [Consortium.network_id == network.id, Consortium.archived_at.is_(None)]
    if theme:
        condition.append(Consortium.theme == theme)
    if stage in STAGES:
        condition.append(Consortium.stage == stage)
    total = session.scalar(select(func.count()).select_from(Consortium).where(*condition)) or 0
    page = max(1, page)
    found = list(session.scalars(select(Consortium).where(*condition)
                                 .order_by(Consortium.last_activity_at.desc(), Consortium.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    rows = {c.id: DashboardRow(c) for c in found}
    ids = list(rows)
    if ids:
        for cid, n in session.execute(select(Membership.consortium_id, func.count())
                                      .where(Membership.consortium_id.in_(ids), Membership.left_at.is_(None))
                                      .group_by(Membership.consortium_id)):
            rows[cid].member_count = n
        for cid, done, count in session.execute(
                select(ChecklistItem.consortium_id, func.count().filter(ChecklistItem.done.is_(True)), func.count())
                .where(ChecklistItem.consortium_id.in_(ids), ChecklistItem.deleted_at.is_(None))
                .group_by(ChecklistItem.consortium_id)):
            rows[cid].checklist_done, rows[cid].checklist_total = done, count
        for cid, unit, n, amount in session.execute(
                select(Commitment.consortium_id, Commitment.unit, func.count(), func.sum(Commitment.amount))
                .where(Commitment.consortium_id.in_(ids), Commitment.deleted_at.is_(None),
                       Commitment.status != "abandonne")
                .group_by(Commitment.consortium_id, Commitment.unit)):
            row = rows[cid]
            row.commitments += n
            if amount is not None and unit in ("€", "eur", "euros", "EUR"):
                row.commitments_money += float(amount)
            elif amount is not None and unit in ("jours", "j", "days", "jour", "day"):
                row.commitments_days += float(amount)
        for cid, starts in session.execute(
                select(WorkingSession.consortium_id, func.min(WorkingSession.starts_at))
                .where(WorkingSession.consortium_id.in_(ids), WorkingSession.status == "confirmed",
                       WorkingSession.starts_at >= now)
                .group_by(WorkingSession.consortium_id)):
            rows[cid].next_session = aware(starts)
        for cid, n in session.execute(select(FoundationDialogue.consortium_id, func.count())
                                      .where(FoundationDialogue.consortium_id.in_(ids),
                                             FoundationDialogue.closed_at.is_(None))
                                      .group_by(FoundationDialogue.consortium_id)):
            rows[cid].open_dialogues = n
        for cid, n in session.execute(select(ProvisioningStep.consortium_id, func.count())
                                      .where(ProvisioningStep.consortium_id.in_(ids),
                                             ProvisioningStep.status == "failed")
                                      .group_by(ProvisioningStep.consortium_id)):
            rows[cid].failed_steps = n
    themes = [t for t in session.scalars(select(Consortium.theme).where(Consortium.network_id == network.id,
                                                                        Consortium.archived_at.is_(None),
                                                                        Consortium.theme != "")
                                         .group_by(Consortium.theme).order_by(Consortium.theme).limit(200))]
    stage_counts = dict(session.execute(select(Consortium.stage, func.count())
                                        .where(Consortium.network_id == network.id, Consortium.archived_at.is_(None))
                                        .group_by(Consortium.stage)).all())
    return Dashboard([rows[c.id] for c in found], total, page, per_page, themes, stage_counts)


def stage_chart(session: Session, network: Network, *, months: int = 6, now: datetime | None = None,
                current: dict[str, int] | None = None) -> list[tuple[str, dict[str, int]]]:
    """Consortiums per stage at the end of each of the last ``months`` months.

    Walks back from today's counts through the stage changes of the period (one query).
    """
    now = now or utcnow()
    if current is None:
        current = dict(session.execute(select(Consortium.stage, func.count())
                                       .where(Consortium.network_id == network.id, Consortium.archived_at.is_(None))
                                       .group_by(Consortium.stage)).all())
    ends = []
    year, month = now.year, now.month
    for _i in range(months):
        ends.append((f"{year:04d}-{month:02d}", datetime(year, month, 1, tzinfo=now.tzinfo)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    start = ends[-1][1]
    changes = session.execute(
        select(StageChange.from_stage, StageChange.to_stage, StageChange.at)
        .join(Consortium, Consortium.id == StageChange.consortium_id)
        .where(Consortium.network_id == network.id, Consortium.archived_at.is_(None), StageChange.at >= start)
        .order_by(StageChange.at.desc())
    ).all()
    counts = {s: current.get(s, 0) for s in STAGES}
    series = []
    index = 0
    # ends[0] is "this month so far" (now); each earlier label is the state at the end of that month.
    boundaries = [now] + [b for _label, b in ends[:-1]]
    for (label, _month_start), boundary in zip(ends, boundaries):
        while index < len(changes) and aware(changes[index][2]) > boundary:
            from_stage, to_stage, _at = changes[index]
            counts[to_stage] = counts.get(to_stage, 0) - 1
            if from_stage:
                counts[from_stage] = counts.get(from_stage, 0) + 1
            index += 1
        series.append((label, {s: max(0, counts.get(s, 0)) for s in STAGES}))
    series.reverse()
    return series


# --- consortium page and public profile ---------------------------------------------------

@dataclass
class ConsortiumPage:
    overview: consortia.Overview
    checklist: list[ChecklistItem]
    assignees: dict[int, str]
    commitments: list[tuple[Commitment, str]]
    sessions: list[WorkingSession]
    dialogues: list[tuple[FoundationDialogue, str]]
    steps: list[ProvisioningStep]
    organisations: list[tuple[str, int]]


def consortium_page(session: Session, consortium: Consortium, *, now: datetime | None = None,
                    private: bool = True) -> ConsortiumPage:
    now = now or utcnow()
    view = consortia.overview(session, consortium, now=now)
    items = list(session.scalars(select(ChecklistItem).where(ChecklistItem.consortium_id == consortium.id,
                                                             ChecklistItem.deleted_at.is_(None))
                                 .order_by(ChecklistItem.position, ChecklistItem.number))) if private else []
    assignee_ids = {i.assignee_id for i in items if i.assignee_id}
    assignees = dict(session.execute(select(Person.id, Person.username).where(Person.id.in_(assignee_ids)))
                     .all()) if assignee_ids else {}
    commitments = []
    if private:
        commitments = [(c, " / ".join(x for x in (o, f"@{u}" if u else None) if x)) for c, o, u in session.execute(
            select(Commitment, Organisation.short_name, Person.username)
            .outerjoin(Organisation, Organisation.id == Commitment.organisation_id)
            .outerjoin(Person, Person.id == Commitment.person_id)
            .where(Commitment.consortium_id == consortium.id, Commitment.deleted_at.is_(None))
            .order_by(Commitment.number))]
    sessions = list(session.scalars(select(WorkingSession).where(WorkingSession.consortium_id == consortium.id,
                                                                 WorkingSession.status == "confirmed",
                                                                 WorkingSession.starts_at >= (now - timedelta(days=90) if private else now))
                                    .order_by(WorkingSession.starts_at).limit(20)))
    dialogues = []
    if private:
        dialogues = [(d, name) for d, name in session.execute(
            select(FoundationDialogue, Organisation.name).join(Organisation, Organisation.id == FoundationDialogue.foundation_id)
            .where(FoundationDialogue.consortium_id == consortium.id).order_by(FoundationDialogue.number))]
    steps = sorted(consortium.steps, key=lambda s: s.id) if private else []
    orgs = Tally(o.name for _p, o in view.members if o is not None)
    return ConsortiumPage(view, items, assignees, commitments, sessions, dialogues, steps,
                          sorted(orgs.items()))


def retry_provisioning(session: Session, network: Network, actor: Actor, consortium: Consortium, *,
                       directory: Directory, caldav_enabled: bool) -> Result:
    access.require_admin(actor)
    access.require_active(consortium)
    failed = [s.step for s in consortium.steps if s.status in ("failed", "pending")]
    consortia.provision(session, network, actor, {"name": consortium.name}, directory=directory,
                        caldav_enabled=caldav_enabled, reuse_existing=True)
    if not failed:
        return Result(_("Nothing to retry: every step is done."))
    return Result(_("Set-up relaunched for: {steps}.", steps=", ".join(failed)))


def regenerate_profile_token(session: Session, actor: Actor, consortium: Consortium) -> Result:
    access.require_admin(actor)
    consortium.profile_token = new_token()
    audit(session, actor, "consortium.profile_link", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    return Result(_("A new public profile link was created; the previous one no longer works."))


def consortium_by_profile_token(session: Session, slug: str, token: str) -> Consortium | None:
    import hmac

    if not token or len(token) > 64:
        return None
    consortium = consortium_by_slug(session, slug[:64])
    if consortium is None or not consortium.profile_token:
        return None
    if not hmac.compare_digest(consortium.profile_token.encode(), token.encode()):
        return None
    return consortium
