"""The audit trail: who changed what, when, with the state before and after."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import AuditEvent
from plugin.kernel.actor import Actor


def audit(session: Session, actor: Actor | None, action: str, *, consortium_id: int | None = None,
          target_type: str = "", target_id: int | None = None, before: dict | None = None,
          after: dict | None = None) -> None:
    session.add(AuditEvent(
        actor_id=actor.id if actor else None,
        actor_label=actor.username if actor else "system",
        consortium_id=consortium_id, action=action, target_type=target_type,
        target_id=target_id, before=before, after=after,
    ))
