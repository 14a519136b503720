"""The read models of the network's web pages: the dashboard (with its stage chart), a consortium's
page and its public profile. Batched queries: a fixed number per page whatever the number of
consortiums."""
from __future__ import annotations

import hmac
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Integer, String, bindparam, cast, func, literal, literal_column, null, select
from sqlalchemy.orm import Session, aliased

from models import (
    STAGES, ChecklistItem, Commitment, Consortium, FoundationDialogue, Membership, Network, Organisation, Person,
    ProvisioningStep, StageChange, WorkingSession,
)
from plugin.features.consortium import api as consortia
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.text import aware


# --- dashboard ----------------------------------------------------------------------------
#
# Two statements, built once with bound parameters and read as plain rows (no ORM objects): the
# table (a page of consortiums with every figure as a correlated subquery over the page's ids), and
# the rest in one round trip (``_aside``): the stage counts (an index-only scan, which also gives the
# total unless a theme is chosen), the themes (a walk from one theme to the next along an index), the
# chart's stage changes and, a theme chosen, its total. The indexes are in ``models/consortium.py``.

MONEY_UNITS = ("€", "eur", "euros", "EUR")
DAY_UNITS = ("jours", "j", "days", "jour", "day")


@dataclass(frozen=True)
class DashboardRow:
    """One consortium of the dashboard with its figures."""

    id: int
    slug: str
    name: str
    theme: str
    stage: str
    last_activity_at: datetime | None
    member_count: int
    checklist_done: int
    checklist_total: int
    commitments: int
    commitments_money: float
    commitments_days: float
    next_session: datetime | None
    open_dialogues: int
    failed_steps: int


@dataclass
class Dashboard:
    rows: list[DashboardRow]
    total: int
    page: int
    per_page: int
    themes: list[str]
    stage_counts: dict[str, int]
    changes: list | None = None   # the chart's stage changes, newest first: (from, to, at)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _live() -> list:
    return [Consortium.network_id == bindparam("network"), Consortium.archived_at.is_(None)]


def _filtered(by_theme: bool, by_stage: bool) -> list:
    return _live() + ([Consortium.theme == bindparam("theme")] if by_theme else []) + \
        ([Consortium.stage == bindparam("stage")] if by_stage else [])


def _count_of(model, *condition):
    return select(func.count()).where(model.consortium_id == Consortium.id, *condition) \
        .correlate(Consortium).scalar_subquery()


def _sum_of(units: tuple[str, ...]):
    return select(func.sum(Commitment.amount)).where(
        Commitment.consortium_id == Consortium.id, Commitment.deleted_at.is_(None),
        Commitment.status != "abandonne", Commitment.unit.in_([literal(u) for u in units])   # no expanding IN
    ).correlate(Consortium).scalar_subquery()


@lru_cache(maxsize=4)
def _table(by_theme: bool, by_stage: bool):
    """A page of consortiums (its ids by an index walk, ``LIMIT``/``OFFSET``), then their figures."""
    order = (Consortium.last_activity_at.desc(), Consortium.id.desc())
    page = (select(Consortium.id).where(*_filtered(by_theme, by_stage)).order_by(*order)
            .limit(bindparam("limit")).offset(bindparam("offset")).subquery("page"))
    live_commitment = (Commitment.deleted_at.is_(None), Commitment.status != "abandonne")
    next_session = select(func.min(WorkingSession.starts_at)).where(
        WorkingSession.consortium_id == Consortium.id, WorkingSession.status == "confirmed",
        WorkingSession.starts_at >= bindparam("now")).correlate(Consortium).scalar_subquery()
    return (select(Consortium.id, Consortium.slug, Consortium.name, Consortium.theme, Consortium.stage,
                   Consortium.last_activity_at,
                   _count_of(Membership, Membership.left_at.is_(None)),
                   _count_of(ChecklistItem, ChecklistItem.deleted_at.is_(None), ChecklistItem.done.is_(True)),
                   _count_of(ChecklistItem, ChecklistItem.deleted_at.is_(None)),
                   _count_of(Commitment, *live_commitment), _sum_of(MONEY_UNITS), _sum_of(DAY_UNITS),
                   next_session,
                   _count_of(FoundationDialogue, FoundationDialogue.closed_at.is_(None)),
                   _count_of(ProvisioningStep, ProvisioningStep.status == "failed"))
            .join(page, page.c.id == Consortium.id).order_by(*order))


_STAGE_COUNTS = select(Consortium.stage, func.count()).where(*_live()).group_by(Consortium.stage)
THEMES_SHOWN = 200
_CHANGE_CONDITION = (StageChange.at >= bindparam("start")) & select(Consortium.id).where(
    Consortium.id == StageChange.consortium_id, *_live()).correlate(StageChange).exists()
_CHANGES = select(StageChange.from_stage, StageChange.to_stage, StageChange.at).where(_CHANGE_CONDITION) \
    .order_by(StageChange.at.desc())


def _themes_walk():
    """The distinct themes in order, each found from the previous one by an index seek (a recursive
    walk: as many seeks as themes, not a scan of every consortium), with their rank."""
    first = select(func.min(Consortium.theme).label("theme"), literal_column("1", Integer).label("rank")) \
        .where(*_live(), Consortium.theme > "")
    walk = first.cte("themes", recursive=True)
    other = aliased(Consortium)
    following = select(func.min(other.theme)).where(
        other.network_id == bindparam("network"), other.archived_at.is_(None), other.theme > walk.c.theme)
    return walk.union_all(select(following.scalar_subquery(), walk.c.rank + 1)
                          .where(walk.c.theme.is_not(None), walk.c.rank < THEMES_SHOWN))


_PART_CHANGE, _PART_STAGE, _PART_THEME, _PART_TOTAL = range(4)


@lru_cache(maxsize=4)
def _aside(by_theme: bool, by_stage: bool):
    """Every section of the page but the table, in one statement (one round trip): rows of (part, rank,
    text, text, count, moment), each part's NULLs typed so that PostgreSQL and SQLite agree."""
    def part(number: int):
        return literal_column(str(number), Integer)

    no_text, no_count, no_moment = cast(null(), String), cast(null(), Integer), cast(null(), StageChange.at.type)
    changes = select(part(_PART_CHANGE), no_count, StageChange.from_stage, StageChange.to_stage, no_count,
                     StageChange.at).where(_CHANGE_CONDITION)
    stages = select(part(_PART_STAGE), no_count, Consortium.stage, no_text, func.count(), no_moment) \
        .where(*_live()).group_by(Consortium.stage)
    walk = _themes_walk()
    themes = select(part(_PART_THEME), walk.c.rank, walk.c.theme, no_text, no_count, no_moment) \
        .where(walk.c.theme.is_not(None))
    parts = [changes, stages, themes]
    if by_theme:   # its total counted apart
        parts.append(select(part(_PART_TOTAL), no_count, no_text, no_text, func.count(), no_moment)
                     .select_from(Consortium).where(*_filtered(True, by_stage)))
    return parts[0].union_all(*parts[1:])


def dashboard(session: Session, network: Network, *, theme: str = "", stage: str = "", page: int = 1,
              per_page: int = 50, now: datetime, chart_months: int = 6) -> Dashboard:
    """One page of consortiums with their figures, and the stage changes of the chart's ``chart_months``:
    two statements whatever the number of consortiums."""
    stage = stage if stage in STAGES else ""
    page = max(1, page)
    stage_counts, themes, changes, total = {}, [], [], None
    for part, rank, text, other, count, moment in session.execute(_aside(bool(theme), bool(stage)), {
            "network": network.id, "theme": theme, "stage": stage, "start": _month_ends(now, chart_months)[-1][1]}):
        if part == _PART_STAGE:
            stage_counts[text] = count
        elif part == _PART_THEME:
            themes.append((rank, text))
        elif part == _PART_CHANGE:
            changes.append((text, other, aware(moment)))
        else:
            total = count or 0
    if total is None:
        total = stage_counts.get(stage, 0) if stage else sum(stage_counts.values())
    rows = []
    if total > (page - 1) * per_page:
        for found in session.execute(_table(bool(theme), bool(stage)), {
                "network": network.id, "theme": theme, "stage": stage, "now": now, "limit": per_page,
                "offset": (page - 1) * per_page}):
            (cid, slug, name, theme_of, stage_of, activity, members, done, items, commitments, money, days,
             starts, dialogues, failed) = found
            rows.append(DashboardRow(cid, slug, name, theme_of, stage_of, aware(activity), members, done, items,
                                     commitments, float(money or 0), float(days or 0), aware(starts), dialogues,
                                     failed))
    changes.sort(key=lambda change: change[2], reverse=True)
    return Dashboard(rows, total, page, per_page, [text for _rank, text in sorted(themes)], stage_counts, changes)


def _month_ends(now: datetime, months: int) -> list[tuple[str, datetime]]:
    """("YYYY-MM", its first day) of this month and of the ``months - 1`` before it, newest first."""
    ends = []
    year, month = now.year, now.month
    for _i in range(months):
        ends.append((f"{year:04d}-{month:02d}", datetime(year, month, 1, tzinfo=now.tzinfo)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends


def stage_chart(session: Session, network: Network, *, months: int = 6, now: datetime,
                current: dict[str, int] | None = None, changes: list | None = None) -> list[tuple[str, dict[str, int]]]:
    """Consortiums per stage at the end of each of the last ``months`` months.

    Walks back from today's counts through the stage changes of the period (``changes``, newest first,
    as ``dashboard`` read them; otherwise one query, along the index of their moments).
    """
    if current is None:
        current = dict(session.execute(_STAGE_COUNTS, {"network": network.id}).all())
    ends = _month_ends(now, months)
    if changes is None:
        changes = session.execute(_CHANGES, {"network": network.id, "start": ends[-1][1]}).all()
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


def consortium_page(session: Session, consortium: Consortium, *, now: datetime,
                    private: bool = True) -> ConsortiumPage:
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


def consortium_by_profile_token(session: Session, slug: str, token: str) -> Consortium | None:
    if not token or len(token) > 64:
        return None
    consortium = consortium_by_slug(session, slug[:64])
    if consortium is None or not consortium.profile_token:
        return None
    if not hmac.compare_digest(consortium.profile_token.encode(), token.encode()):
        return None
    return consortium
