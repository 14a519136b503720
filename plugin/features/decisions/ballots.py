"""What the decisions' use cases and jobs share: the rule in force, finding a decision, its card,
and closing it under its rule."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from models import Decision, DecisionBallot, DecisionRule, DecisionTally, Person
from plugin.i18n import _l
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, NotFound

from plugin.features.decisions.outcomes import Ballot, Card
from plugin.features.decisions.rules import DEFAULT_RULE, apply_rule
from plugin.features.decisions.voters import electorate

TARGET = "decision"
# A decision proposed without --options: the classic motion, shown in each reader's language.
DEFAULT_OPTIONS = ("Pour", "Contre", "Abstention")


def rule_of(session: Session, consortium_id: int) -> dict:
    row = session.get(DecisionRule, consortium_id)
    if row is None:
        return dict(DEFAULT_RULE)
    casting = session.scalar(select(Person.username).where(Person.id == row.casting_person_id)) \
        if row.casting_person_id else None
    return _rule(row.kind, row.numerator, row.denominator, row.quorum_percent, row.casting_person_id, casting,
                 row.per_person)


_RULES = DecisionRule.__table__
_CASTING = Person.__table__.alias("rule_casting")
_RULE_COLUMNS = (_RULES.c.kind, _RULES.c.numerator, _RULES.c.denominator, _RULES.c.quorum_percent,
                 _RULES.c.casting_person_id, _CASTING.c.username, _RULES.c.per_person)


def with_rule(query: Select, consortium_id) -> Select:
    """``query`` (a Core select with the consortium in its FROM) with the rule of the consortium whose id is
    the column ``consortium_id``, outer-joined: the rule comes with the row, no statement of its own.
    ``rule_from`` reads it back."""
    return (query.add_columns(*(column.label(f"rule_{i}") for i, column in enumerate(_RULE_COLUMNS)))
            .outerjoin(_RULES, _RULES.c.consortium_id == consortium_id)
            .outerjoin(_CASTING, _CASTING.c.id == _RULES.c.casting_person_id))


def rule_from(row: Row) -> dict:
    """The rule a row of ``with_rule`` carries (none recorded: the default rule)."""
    values = [row._mapping[f"rule_{i}"] for i in range(len(_RULE_COLUMNS))]
    if values[0] is None:
        return dict(DEFAULT_RULE)
    return _rule(*values)


def _rule(kind: str, numerator: int, denominator: int, quorum: int, casting: int | None,
          casting_name: str | None, per_person: bool) -> dict:
    return {"kind": kind, "numerator": numerator, "denominator": denominator, "quorum": quorum,
            "casting": casting, "casting_name": casting_name, "per_person": per_person}


def labels(decision: Decision) -> list[str]:
    """The options as stored (the default motion's French words, which the rules recognise)."""
    return list(decision.options) or list(DEFAULT_OPTIONS)


def _locked(session: Session, query):
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def find_decision(session: Session, consortium_id: int, number: int, *, lock: bool = False) -> Decision:
    query = select(Decision).where(Decision.consortium_id == consortium_id, Decision.number == number)
    decision = _locked(session, query) if lock else session.scalar(query)
    if decision is None:
        raise NotFound(_l("There is no decision {n} in this consortium. `/decision list` shows the numbers.",
                          n=number))
    return decision


def require_open(decision: Decision, now: datetime) -> None:
    if decision.status == "cancelled":
        raise Conflict(_l("Decision {n} was cancelled: nothing was done.", n=decision.number))
    if decision.status == "closed" or decision.deadline <= now:
        raise Conflict(_l("The vote on decision {n} is closed: nothing was changed. `/decision history` shows "
                          "its outcome.", n=decision.number))


def counts_of(session: Session, decision: Decision) -> list[int]:
    counts = [0] * len(labels(decision))
    if decision.secret:
        for choice, votes in session.execute(select(DecisionTally.choice, DecisionTally.votes)
                                             .where(DecisionTally.decision_id == decision.id)):
            counts[choice] += votes
    else:
        for choice in session.scalars(select(DecisionBallot.choice).where(DecisionBallot.decision_id == decision.id)):
            counts[choice] += 1
    return counts


def card_of(session: Session, decision: Decision) -> Card:
    """The card's data: who has voted (and what, on an open ballot), who is missing."""
    units = electorate(session, decision.consortium_id, per_person=bool(decision.rule.get("per_person")))
    rows = session.execute(select(DecisionBallot, Person.username)
                           .outerjoin(Person, Person.id == DecisionBallot.person_id)
                           .where(DecisionBallot.decision_id == decision.id).order_by(DecisionBallot.id)).all()
    ballots = []
    for ballot, username in rows:
        unit = units.get(ballot.voter_key)
        label = unit.label if unit is not None else (f"@{username}" if username else "?")
        ballots.append(Ballot(label, username, None if decision.secret else ballot.choice))
    voted = {ballot.voter_key for ballot, _name in rows}
    missing = [unit.label for key, unit in units.items() if key not in voted]
    counts = None if decision.secret and decision.status == "open" else counts_of(session, decision)
    return Card(decision, ballots, missing, counts)


def close_decision(session: Session, decision: Decision, now: datetime, actor) -> dict:
    """Apply the rule the decision was proposed under; returns the result kept with it."""
    rule = decision.rule or dict(DEFAULT_RULE)
    units = electorate(session, decision.consortium_id, per_person=bool(rule.get("per_person")))
    ballots = list(session.scalars(select(DecisionBallot).where(DecisionBallot.decision_id == decision.id)))
    voted = {ballot.voter_key for ballot in ballots}
    casting_choice = None
    if rule.get("casting") and not decision.secret:
        for ballot in ballots:
            unit = units.get(ballot.voter_key)
            if ballot.person_id == rule["casting"] or (unit is not None and rule["casting"] in unit.people):
                casting_choice = ballot.choice
    counts = counts_of(session, decision)
    verdict = apply_rule(rule, labels(decision), counts, len(voted), len(set(units) | voted), casting_choice)
    result = verdict.as_dict(counts)
    decision.status, decision.outcome, decision.result = "closed", verdict.outcome, result
    decision.closed_at, decision.closed_by_id = now, actor.id if actor is not None else None
    audit(session, actor, "decision.close", consortium_id=decision.consortium_id, target_type=TARGET,
          target_id=decision.id, before={"status": "open"}, after={"outcome": verdict.outcome, "counts": counts,
                                                                    "voters": verdict.voters})
    return result
