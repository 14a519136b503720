"""The checklist's use cases: one per user action. Each returns an outcome (``outcomes.py``),
records what the group should hear of (``events.py``), and refuses with a ``Refusal``.

Every change is audited (who, what, when, before/after).
"""
from __future__ import annotations

from sqlalchemy import func, select

from models import AuditEvent, ChecklistItem, ChecklistNote, ChecklistTemplate, Person, TemplateItem
from plugin.i18n import _l
from plugin.kernel.audit import audit, audit_many
from plugin.kernel.errors import NotFound
from plugin.kernel.numbers import next_number
from plugin.kernel.people import resolve_usernames
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.checklist import schemas
from plugin.features.checklist.events import (
    ChecklistExported, ItemAdded, ItemAssigned, ItemReopened, ItemTicked, TemplateApplied,
)
from plugin.features.checklist.items import (
    TARGET, find_item, listing, match_section, parse_due, require_assignable, require_change, require_member,
    set_done, shift_after, state, touch, touch_once_a_minute, with_retry,
)
from plugin.features.checklist.outcomes import (
    Added, Assigned, DueSet, ExportQueued, History, Listing, Noted, Reminders, Removed, TemplateAdded,
    TemplateCatalog, TemplateImported, TemplateRow, Templates, Ticked,
)
from plugin.features.checklist.templates import KIND, apply_template, ensure_builtin_templates, import_template


# --- reading --------------------------------------------------------------------------------

def _listing(ctx: Ctx, data: dict) -> Listing:
    require_member(ctx)
    view = listing(ctx.session, ctx.consortium.id, open_only=bool(data.get("open")),
                   mine_of=ctx.actor.id if data.get("mine") else None, section=data.get("section") or None)
    view.page = data.get("page") or 1
    return view


@use_case("checklist.list", schema=schemas.ListSchema, read_only=True)
def list_items(ctx: Ctx, data: dict) -> Listing:
    return _listing(ctx, data)


@use_case("checklist.page", schema=schemas.PageSchema, read_only=True)
def turn_page(ctx: Ctx, data: dict) -> Listing:
    """A page of the list, from one of its buttons (with the list's filters)."""
    return _listing(ctx, data)


@use_case("checklist.history", schema=schemas.NumberSchema, read_only=True)
def history(ctx: Ctx, data: dict) -> History:
    require_member(ctx)
    session, number = ctx.session, data["number"]
    item = session.scalar(select(ChecklistItem).where(ChecklistItem.consortium_id == ctx.consortium.id,
                                                      ChecklistItem.number == number))
    if item is None:
        raise NotFound(_l("There is no item {n} in this consortium's checklist. "
                          "`/checklist list` shows the numbers.", n=number))
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.target_type == TARGET,
                                                           AuditEvent.target_id == item.id)
                                  .order_by(AuditEvent.at, AuditEvent.id)))
    notes = list(session.execute(select(ChecklistNote, Person.username)
                                 .outerjoin(Person, Person.id == ChecklistNote.author_id)
                                 .where(ChecklistNote.item_id == item.id)
                                 .order_by(ChecklistNote.created_at, ChecklistNote.id)).all())
    ids = {e.after.get("assignee_id") for e in events if e.after} | {e.before.get("assignee_id") for e in events
                                                                         if e.before}
    ids.discard(None)
    people = dict(session.execute(select(Person.id, Person.username).where(Person.id.in_(ids))).all()) if ids else {}
    return History(item, events, [(n, u) for n, u in notes], people)


# --- ticking --------------------------------------------------------------------------------

def _set_done(ctx: Ctx, numbers: list[int], done: bool) -> Ticked:
    require_change(ctx)
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    changed = set_done(session, consortium.id, numbers, done, actor_id=actor.id, now=ctx.now)
    outcome, audited = Ticked(done), []
    news = ItemTicked if done else ItemReopened
    for number in numbers:
        row = changed.pop(number, None)   # a number given twice changes once
        if row is None:
            outcome.unchanged.append(number)
            continue
        outcome.changed.append(number)
        audited.append((row.id, {"done": not done}, {"done": done}))
        ctx.record(news(consortium.id, actor.username, number, row.text, row.text_en or ""))
    audit_many(session, actor, "checklist.check" if done else "checklist.uncheck", audited,
               consortium_id=consortium.id, target_type=TARGET)
    if outcome.changed:   # nothing changed, no activity: no write
        touch_once_a_minute(consortium, ctx.now)
    return outcome


@use_case("checklist.check", schema=schemas.NumbersSchema)
def check(ctx: Ctx, data: dict) -> Ticked:
    return _set_done(ctx, data["numbers"], True)


@use_case("checklist.uncheck", schema=schemas.NumbersSchema)
def uncheck(ctx: Ctx, data: dict) -> Ticked:
    return _set_done(ctx, data["numbers"], False)


@use_case("checklist.toggle", schema=schemas.ToggleSchema)
def toggle(ctx: Ctx, data: dict) -> Ticked:
    """A tick button of the list: ticks or reopens one item."""
    return _set_done(ctx, [data["number"]], data["done"])


# --- changing items -------------------------------------------------------------------------

@use_case("checklist.add", schema=schemas.AddSchema)
def add(ctx: Ctx, data: dict) -> Added:
    require_change(ctx)
    session, consortium, actor, now = ctx.session, ctx.consortium, ctx.actor, ctx.now
    due, overdue = parse_due(data["due"], now=now, tz=ctx.tz) if data.get("due") else (None, False)
    assignee = None
    if data.get("assignee"):
        assignee = resolve_usernames(session, ctx.network, ctx.directory, [data["assignee"]])[data["assignee"]]
        require_assignable(session, consortium, assignee)
    section, section_en = match_section(session, consortium, data.get("section"))
    position = (session.scalar(select(func.max(ChecklistItem.position))
                               .where(ChecklistItem.consortium_id == consortium.id,
                                      ChecklistItem.section == section)) or
                session.scalar(select(func.max(ChecklistItem.position))
                               .where(ChecklistItem.consortium_id == consortium.id)) or 0)
    number = next_number(session, consortium.id, KIND)
    item = ChecklistItem(consortium_id=consortium.id, number=number, position=position, section=section,
                         section_en=section_en, text=data["text"], text_en="",
                         assignee_id=assignee.id if assignee else None, due_date=due, created_by_id=actor.id,
                         created_at=now)
    shift_after(session, consortium, position)
    item.position = position + 1
    session.add(item)
    session.flush()
    audit(session, actor, "checklist.add", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          after={"number": number, "text": item.text, "section": section, **state(item)})
    ctx.record(ItemAdded(consortium.id, actor.username, number, item.text, "",
                         assignee.username if assignee is not None else None))
    touch(consortium, now)
    return Added(number, item.text, due, overdue)


@use_case("checklist.assign", schema=schemas.AssignSchema)
def assign(ctx: Ctx, data: dict) -> Assigned:
    require_change(ctx)
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    number, username = data["number"], data["user"]
    item = find_item(session, consortium, number)
    person = resolve_usernames(session, ctx.network, ctx.directory, [username])[username]
    require_assignable(session, consortium, person)
    before = state(item)

    def change(row: ChecklistItem) -> bool:
        if row.assignee_id == person.id:
            return False
        row.assignee_id = person.id
        return True

    if not with_retry(session, item, change):
        return Assigned(number, person.username, already=True)
    audit(session, actor, "checklist.assign", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          before={"assignee_id": before["assignee_id"]}, after={"assignee_id": person.id, "username": person.username})
    ctx.record(ItemAssigned(consortium.id, actor.username, number, item.text, item.text_en or "", person.username))
    touch(consortium, ctx.now)
    return Assigned(number, person.username, already=False)


@use_case("checklist.due", schema=schemas.DueSchema)
def set_due(ctx: Ctx, data: dict) -> DueSet:
    require_change(ctx)
    session, consortium = ctx.session, ctx.consortium
    item = find_item(session, consortium, data["number"])
    due, overdue = parse_due(data["date"], now=ctx.now, tz=ctx.tz)
    before = state(item)

    def change(row: ChecklistItem) -> bool:
        if row.due_date == due:
            return False
        row.due_date = due
        return True

    if with_retry(session, item, change):
        audit(session, ctx.actor, "checklist.due", consortium_id=consortium.id, target_type=TARGET,
              target_id=item.id, before={"due_date": before["due_date"]}, after={"due_date": due.isoformat()})
        touch(consortium, ctx.now)
    return DueSet(data["number"], due, overdue)


@use_case("checklist.note", schema=schemas.NoteSchema)
def add_note(ctx: Ctx, data: dict) -> Noted:
    require_change(ctx)
    session, consortium = ctx.session, ctx.consortium
    item = find_item(session, consortium, data["number"])
    note = ChecklistNote(item_id=item.id, author_id=ctx.actor.id, text=data["text"], created_at=ctx.now)
    session.add(note)
    session.flush()
    audit(session, ctx.actor, "checklist.note", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          after={"note_id": note.id, "text": data["text"]})
    touch(consortium, ctx.now)
    return Noted(data["number"], data["text"])


@use_case("checklist.remove", schema=schemas.NumberSchema)
def remove(ctx: Ctx, data: dict) -> Removed:
    require_change(ctx)
    session, consortium, now = ctx.session, ctx.consortium, ctx.now
    item = find_item(session, consortium, data["number"])

    def change(row: ChecklistItem) -> bool:
        row.deleted_at = now
        return True

    with_retry(session, item, change)
    audit(session, ctx.actor, "checklist.remove", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          before={"text": item.text, **state(item)}, after={"deleted": True})
    touch(consortium, now)
    return Removed(data["number"])


@use_case("checklist.reminders", schema=schemas.RemindersSchema)
def set_reminders(ctx: Ctx, data: dict) -> Reminders:
    require_change(ctx)
    consortium, enabled = ctx.consortium, data["state"] in ("on", "oui")
    before = consortium.reminders_enabled
    consortium.reminders_enabled = enabled
    if before != enabled:
        audit(ctx.session, ctx.actor, "checklist.reminders", consortium_id=consortium.id, target_type="consortium",
              target_id=consortium.id, before={"reminders": before}, after={"reminders": enabled})
    return Reminders(enabled)


# --- templates ------------------------------------------------------------------------------

@use_case("checklist.template", schema=schemas.TemplateSchema)
def template(ctx: Ctx, data: dict) -> Templates | TemplateAdded:
    """Without a name, the templates and how much of each the checklist has; with one, its missing items."""
    if data.get("name"):
        return _apply_template(ctx, data["name"].lower())
    require_member(ctx)
    session = ctx.session
    ensure_builtin_templates(session)
    counts = dict(session.execute(select(TemplateItem.template_id, func.count())
                                  .group_by(TemplateItem.template_id)).all())
    present: dict[str, int] = {}
    for key in session.scalars(select(ChecklistItem.template_key).where(
            ChecklistItem.consortium_id == ctx.consortium.id, ChecklistItem.template_key.is_not(None))):
        name = key.split(":", 1)[0]
        present[name] = present.get(name, 0) + 1
    rows = session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name))
    return Templates([TemplateRow(t, counts.get(t.id, 0), present.get(t.name, 0)) for t in rows])


def _apply_template(ctx: Ctx, name: str) -> TemplateAdded:
    require_change(ctx)
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    try:
        added = apply_template(session, consortium, name, created_by_id=actor.id)
    except LookupError:
        names = ", ".join(f"`{n}`" for n in session.scalars(select(ChecklistTemplate.name)
                                                            .order_by(ChecklistTemplate.name)))
        raise NotFound(_l("There is no template “{name}”. Templates: {names}.", name=name[:64], names=names)) from None
    if not added:
        return TemplateAdded(name, 0)
    audit(session, actor, "checklist.template", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id, after={"template": name, "added": added})
    ctx.record(TemplateApplied(consortium.id, actor.username, name, added))
    touch(consortium, ctx.now)
    return TemplateAdded(name, added)


@use_case("checklist.import_template", schema=schemas.TemplateFileSchema, consortium="none")
def import_template_file(ctx: Ctx, data: dict) -> TemplateImported:
    """An operator's template file (`consortia templates import`): created, or updated by item key."""
    ensure_builtin_templates(ctx.session)
    imported = import_template(ctx.session, data)
    return TemplateImported(imported.name, len(imported.items))


@use_case("checklist.template_catalog", consortium="none")
def template_catalog(ctx: Ctx, data: dict) -> TemplateCatalog:
    ensure_builtin_templates(ctx.session)   # the built-in template is stored the first time it is asked for
    return TemplateCatalog([tuple(row) for row in ctx.session.execute(
        select(ChecklistTemplate.name, ChecklistTemplate.title, func.count(TemplateItem.id))
        .outerjoin(TemplateItem, TemplateItem.template_id == ChecklistTemplate.id)
        .group_by(ChecklistTemplate.id).order_by(ChecklistTemplate.name)).all()])


# --- export ---------------------------------------------------------------------------------

@use_case("checklist.export")
def export(ctx: Ctx, data: dict) -> ExportQueued:
    """The checklist with its notes, as Markdown and CSV attached in the channel (made when delivered)."""
    require_member(ctx)
    consortium, actor = ctx.consortium, ctx.actor
    items = ctx.session.scalar(select(func.count()).select_from(ChecklistItem).where(
        ChecklistItem.consortium_id == consortium.id, ChecklistItem.deleted_at.is_(None)))
    ctx.record(ChecklistExported(consortium.id, actor.username, actor.locale, ctx.now.isoformat()))
    audit(ctx.session, actor, "checklist.export", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id, after={"items": items})
    return ExportQueued(items)
