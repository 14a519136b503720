"""The audit trail: who changed what, when, with the state before and after."""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import AuditEvent
from plugin.kernel.actor import Actor

_INSERT = insert(AuditEvent.__table__)   # built once: the rows of one action are one statement


def audit(session: Session, actor: Actor | None, action: str, *, consortium_id: int | None = None,
          target_type: str = "", target_id: int | None = None, before: dict | None = None,
          after: dict | None = None) -> None:
    session.add(AuditEvent(**_row(actor, action, consortium_id, target_type, target_id, before, after)))


def audit_many(session: Session, actor: Actor | None, action: str, changes: list[tuple[int, dict, dict]], *,
               consortium_id: int | None = None, target_type: str = "") -> None:
    """One row per ``(target_id, before, after)``, written at once without ORM objects (nothing reads them
    back in the unit of work)."""
    if changes:
        session.connection().execute(_INSERT, [_row(actor, action, consortium_id, target_type, target_id, before,
                                                    after) for target_id, before, after in changes])


def _row(actor: Actor | None, action: str, consortium_id: int | None, target_type: str, target_id: int | None,
         before: dict | None, after: dict | None) -> dict:
    return {"actor_id": actor.id if actor else None, "actor_label": actor.username if actor else "system",
            "consortium_id": consortium_id, "action": action, "target_type": target_type, "target_id": target_id,
            "before": before, "after": after}
