"""What other features may use of decisions: the rule in force (``/consortium info``, the checklist)
and the decisions taken (exports, public profile: titles and outcomes only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Decision
from plugin.features.decisions.ballots import rule_from, rule_of, with_rule
from plugin.features.decisions.render import rule_text      # how the rule reads (``/consortium info``)


def decisions_taken(session: Session, consortium_id: int) -> list[tuple[int, str, str]]:
    """(number, title, outcome) of the closed decisions, oldest first."""
    return [tuple(row) for row in session.execute(
        select(Decision.number, Decision.title, Decision.outcome)
        .where(Decision.consortium_id == consortium_id, Decision.status == "closed").order_by(Decision.number))]


__all__ = ["decisions_taken", "rule_from", "rule_of", "rule_text", "with_rule"]
