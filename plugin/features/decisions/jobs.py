"""The decisions' scheduled jobs, by the runtime's clock: closing the votes whose deadline has come,
and reminding the members whose organisation has not voted, the day before the deadline."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Decision, DecisionBallot
from plugin.delivery import PeriodicJob
from plugin.kernel.outbox import queue

from plugin.features.decisions.ballots import close_decision
from plugin.features.decisions.delivery import PUBLISHERS
from plugin.features.decisions.events import DecisionClosed
from plugin.features.decisions.voters import electorate

REMIND_BEFORE = timedelta(days=1)
BATCH = 200


def close_due(services, now=None) -> int:
    """Close every open vote whose deadline has passed (one transaction per decision)."""
    now = now or services.clock.now()
    with services.db.reader() as session:
        ids = list(session.scalars(select(Decision.id).where(Decision.status == "open", Decision.deadline <= now)
                                   .order_by(Decision.deadline).limit(BATCH)))
    closed = 0
    for decision_id in ids:
        with services.db.transaction() as session:
            query = select(Decision).where(Decision.id == decision_id, Decision.status == "open")
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            decision = session.scalar(query)
            if decision is None:        # closed by hand a moment ago
                continue
            close_decision(session, decision, now, None)
            event = DecisionClosed(decision.consortium_id, decision.id, decision.number, None)
            PUBLISHERS[DecisionClosed](session, event, now)
            closed += 1
    return closed


def remind(services, now=None) -> int:
    """Queue a direct message to each member of a voting unit that has not voted, once per decision."""
    now = now or services.clock.now()
    queued = 0
    with services.db.transaction() as session:
        decisions = list(session.scalars(select(Decision).where(
            Decision.status == "open", Decision.deadline > now, Decision.deadline <= now + REMIND_BEFORE)))
        for decision in decisions:
            voted = set(session.scalars(select(DecisionBallot.voter_key)
                                        .where(DecisionBallot.decision_id == decision.id)))
            units = electorate(session, decision.consortium_id, per_person=bool(decision.rule.get("per_person")))
            for key, unit in units.items():
                if key in voted:
                    continue
                for person_id in unit.people:
                    queue(session, "decision.reminder",
                          {"decision_id": decision.id, "person_id": person_id, "key": key, "unit": unit.label},
                          consortium_id=decision.consortium_id,
                          dedupe_key=f"decision-reminder:{decision.id}:{person_id}", now=now)
                    queued += 1
    return queued


def _both(services, now=None) -> int:
    return close_due(services, now) + remind(services, now)


JOBS = (PeriodicJob("decisions.deadlines", timedelta(minutes=5), _both),)
