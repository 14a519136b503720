"""The read models of the network's web pages: the dashboard (with its stage chart), a consortium's
page and its public profile. Batched queries: a fixed number per page whatever the number of
consortiums."""
from __future__ import annotations

import hmac
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    STAGES, ChecklistItem, Commitment, Consortium, FoundationDialogue, Membership, Network, Organisation, Person,
    ProvisioningStep, StageChange, WorkingSession,
)
from plugin.features.consortium import api as consortia
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.text import aware


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
              per_page: int = 50, now: datetime) -> Dashboard:
    """One page of consortiums with their figures: a fixed number of indexed queries."""
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


def stage_chart(session: Session, network: Network, *, months: int = 6, now: datetime,
                current: dict[str, int] | None = None) -> list[tuple[str, dict[str, int]]]:
    """Consortiums per stage at the end of each of the last ``months`` months.

    Walks back from today's counts through the stage changes of the period (one query).
    """
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
