"""Side effects queued in the caller's transaction; the outbox worker delivers them after commit."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, utcnow


def queue(session: Session, kind: str, payload: dict, *, consortium_id: int | None = None,
          dedupe_key: str | None = None, delay: timedelta | None = None, now: datetime | None = None) -> None:
    """Queue a delivery of ``kind``; a ``dedupe_key`` already queued is not queued again."""
    moment = now or utcnow()
    available = moment + delay if delay else moment
    message = OutboxMessage(kind=kind, payload=payload, consortium_id=consortium_id,
                            dedupe_key=dedupe_key, available_at=available)
    session.info["outbox_dirty"] = True
    if dedupe_key is None:
        session.add(message)
        return
    exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if exists is None:
        session.add(message)
