"""What other features may use of the checklist (a new consortium starts from the default template;
decisions answer the template's "How do we decide?" question)."""
from __future__ import annotations

from sqlalchemy import select

from models import ChecklistItem, ChecklistNote
from plugin.kernel.audit import audit
from plugin.kernel.usecase import Ctx

from plugin.features.checklist.events import ItemTicked
from plugin.features.checklist.items import TARGET, with_retry
from plugin.features.checklist.templates import DEFAULT_TEMPLATE, apply_template

__all__ = ["DEFAULT_TEMPLATE", "answer_question", "apply_template"]


def answer_question(ctx: Ctx, key: str, answer: str) -> int | None:
    """Record ``answer`` as a note on the template question ``key`` (``governance-decisions``) of the
    consortium's checklist and tick it; the item's number, or None when the checklist lacks it."""
    session, consortium = ctx.session, ctx.consortium
    item = session.scalar(select(ChecklistItem).where(ChecklistItem.consortium_id == consortium.id,
                                                      ChecklistItem.template_key.like(f"%:{key}"),
                                                      ChecklistItem.deleted_at.is_(None)))
    if item is None:
        return None
    session.add(ChecklistNote(item_id=item.id, author_id=ctx.actor.id, text=answer, created_at=ctx.now))

    def tick(row: ChecklistItem) -> bool:
        if row.done:
            return False
        row.done, row.done_at, row.done_by_id = True, ctx.now, ctx.actor.id
        return True

    if with_retry(session, item, tick):
        audit(session, ctx.actor, "checklist.check", consortium_id=consortium.id, target_type=TARGET,
              target_id=item.id, before={"done": False}, after={"done": True})
        ctx.record(ItemTicked(consortium.id, ctx.actor.username, item.number, item.text, item.text_en or ""))
    return item.number
