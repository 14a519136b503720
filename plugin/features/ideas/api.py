"""What other features may use of ideas: the retained ones (a call's themes), the counts (dashboard)."""
from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from models import Idea, IdeaSupport


def retained_titles(session: Session, network_id: int) -> list[str]:
    return list(session.scalars(select(Idea.title).where(Idea.network_id == network_id, Idea.status == "retained")
                                .order_by(Idea.number)))


def _ideas_statement():
    counts = select(IdeaSupport.idea_id, func.count().label("n")).group_by(IdeaSupport.idea_id).subquery()
    supports = func.coalesce(counts.c.n, 0)
    return (select(Idea.number, Idea.title, Idea.status, supports).outerjoin(counts, counts.c.idea_id == Idea.id)
            .where(Idea.network_id == bindparam("network"), Idea.status != "merged")
            .order_by(supports.desc(), Idea.number))


_IDEAS = _ideas_statement()   # built once: the dashboard reads it on every request


def ideas_with_supports(session: Session, network_id: int) -> list[tuple[int, str, str, int]]:
    """(number, title, status, supports) of the ideas not merged, most supported first."""
    return [tuple(row) for row in session.execute(_IDEAS, {"network": network_id})]


__all__ = ["ideas_with_supports", "retained_titles"]
