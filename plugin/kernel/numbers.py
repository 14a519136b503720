"""Stable item numbers per consortium (checklist items, commitments, sessions...), never reused."""
from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Counter


def next_number(session: Session, consortium_id: int, kind: str) -> int:
    """The next stable item number of ``kind`` in a consortium."""
    return reserve_numbers(session, consortium_id, kind, 1)[0]


def reserve_numbers(session: Session, consortium_id: int, kind: str, count: int) -> range:
    """Reserve ``count`` consecutive item numbers.

    The UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite), so two
    concurrent commands cannot receive the same number.
    """
    stmt = (
        update(Counter)
        .where(Counter.consortium_id == consortium_id, Counter.kind == kind)
        .values(last_value=Counter.last_value + count)
        .returning(Counter.last_value)
    )
    last = session.execute(stmt).scalar()
    if last is None:
        try:
            with session.begin_nested():
                session.execute(insert(Counter).values(consortium_id=consortium_id, kind=kind, last_value=count))
            last = count
        except IntegrityError:
            last = session.execute(stmt).scalar_one()
    return range(last - count + 1, last + 1)
