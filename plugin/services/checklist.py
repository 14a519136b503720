"""The consortium's checklist: one function per user action (PRODUCT.md §4 `/checklist`).

Every change is audited (who, what, when, before/after). News for the group (an item
ticked, added, assigned) is not posted on the spot: it joins the consortium's *news
group* of the current minute (see :func:`queue_news`), so five ticks in a row make
one post, not five.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from integrations.mattermost.messages import escape_markdown
from models import (
    AuditEvent, ChecklistItem, ChecklistNote, ChecklistTemplate, Consortium, Network, OutboxMessage, Person,
    TemplateItem, utcnow,
)
from plugin.kernel.text import fold
from plugin.dates import DateError, format_date, parse_date, validate_future
from plugin.i18n import _, ngettext, use_locale
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound
from plugin.kernel.numbers import next_number
from plugin.kernel.outbox import queue
from plugin.services.base import Result
from plugin.kernel.people import Directory, resolve_usernames
from plugin.services.templates import apply_template, ensure_builtin_templates

KIND = "checklist"
TARGET = "checklist_item"
NEWS_WINDOW = timedelta(minutes=1)
DEFAULT_SECTION = ("Autres points", "Other items")
MAX_RETRIES = 4


# --- reading ------------------------------------------------------------------------------

def item_text(item, locale: str) -> str:
    return (item.text_en or item.text) if locale == "en" else item.text


def section_of(item, locale: str) -> str:
    return (item.section_en or item.section) if locale == "en" else item.section


LIST_COLUMNS = (ChecklistItem.id, ChecklistItem.number, ChecklistItem.position, ChecklistItem.section,
                ChecklistItem.section_en, ChecklistItem.text, ChecklistItem.text_en, ChecklistItem.assignee_id,
                ChecklistItem.due_date, ChecklistItem.done, ChecklistItem.done_at)


@dataclass
class ItemRow:
    """One item as lists show it, with what the list needs already joined in."""

    item: ChecklistItem          # or a row with the same attributes (LIST_COLUMNS)
    assignee: str | None
    notes: int


@dataclass
class ListView:
    rows: list[ItemRow]                 # the items shown (filters applied), in order
    sections: list[tuple[str, int, int]]  # (section label, done, total) over ALL live items
    done: int
    total: int


def list_items(session: Session, actor: Actor, consortium: Consortium, *, open_only: bool = False,
               mine: bool = False, section: str | None = None) -> ListView:
    """Every live item in two queries, whatever their number (no N+1)."""
    access.require_member(session, actor, consortium)
    notes = (select(ChecklistNote.item_id, func.count().label("n")).group_by(ChecklistNote.item_id)
             .join(ChecklistItem, ChecklistItem.id == ChecklistNote.item_id)
             .where(ChecklistItem.consortium_id == consortium.id).subquery())
    # Plain Core rows, not ORM objects: a list of 500 items is read, not edited.
    rows = session.connection().execute(
        select(*LIST_COLUMNS, Person.username.label("assignee_name"), func.coalesce(notes.c.n, 0).label("notes_count"))
        .outerjoin(Person, Person.id == ChecklistItem.assignee_id)
        .outerjoin(notes, notes.c.item_id == ChecklistItem.id)
        .where(ChecklistItem.consortium_id == consortium.id, ChecklistItem.deleted_at.is_(None))
        .order_by(ChecklistItem.position, ChecklistItem.number)
    ).all()
    locale = actor.locale
    order: dict[str, list[int]] = {}
    rows = [(row, row.assignee_name, row.notes_count) for row in rows]
    for item, _username, _n in rows:
        counts = order.setdefault(section_of(item, locale), [0, 0])
        counts[1] += 1
        counts[0] += 1 if item.done else 0
    sections = [(label, d, t) for label, (d, t) in order.items()]
    wanted = fold(section).strip() if section else None
    shown = []
    for item, username, n in rows:
        if open_only and item.done:
            continue
        if mine and item.assignee_id != actor.id:
            continue
        if wanted and wanted not in fold(item.section) and wanted not in fold(item.section_en or ""):
            continue
        shown.append(ItemRow(item, username, int(n)))
    done = sum(d for _l, d, _t in sections)
    total = sum(t for _l, _d, t in sections)
    return ListView(shown, sections, done, total)


def find_item(session: Session, consortium: Consortium, number: int, *, for_update: bool = False) -> ChecklistItem:
    query = select(ChecklistItem).where(ChecklistItem.consortium_id == consortium.id,
                                        ChecklistItem.number == number)
    item = session.scalar(query)
    if item is None:
        raise NotFound(_("There is no item {n} in this consortium's checklist. "
                         "`/checklist list` shows the numbers.", n=number))
    if item.deleted_at is not None:
        raise NotFound(_("Item {n} was deleted; `/checklist history {n}` still shows its history.", n=number))
    return item


def _require_change(session: Session, actor: Actor, consortium: Consortium) -> None:
    access.require_member(session, actor, consortium)
    access.require_active(consortium)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _state(item: ChecklistItem) -> dict:
    return {"done": item.done, "assignee_id": item.assignee_id,
            "due_date": item.due_date.isoformat() if item.due_date else None}


# --- news for the group, grouped per minute ---------------------------------------------------

def news_key(consortium_id: int, moment: datetime) -> str:
    window = int(moment.timestamp() // NEWS_WINDOW.total_seconds())
    return f"checklist-news:{consortium_id}:{window}"


def queue_news(session: Session, consortium: Consortium, line: str, *, now: datetime | None = None) -> None:
    """Add one line to the consortium's news post of the current minute.

    The first line of a minute queues a ``checklist.news`` post (delivered at once);
    later lines of the same minute are appended to that outbox row, and a
    ``checklist.news_refresh`` edits the already-delivered post to show them all. So a
    burst of ticks becomes one post that grows, and nothing waits a minute to appear.
    """
    now = now or utcnow()
    key = news_key(consortium.id, now)
    query = select(OutboxMessage).where(OutboxMessage.dedupe_key == key)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        try:
            with session.begin_nested():
                session.add(OutboxMessage(kind="checklist.news", dedupe_key=key, consortium_id=consortium.id,
                                          payload={"consortium_id": consortium.id, "lines": [line]},
                                          available_at=utcnow()))
            session.info["outbox_dirty"] = True
            return
        except IntegrityError:  # another command opened the same minute a moment ago
            row = session.scalar(query)
    payload = dict(row.payload or {})
    payload["lines"] = list(payload.get("lines", [])) + [line]
    row.payload = payload
    queue(session, "checklist.news_refresh", {"key": key}, consortium_id=consortium.id,
          dedupe_key=f"{key}:{len(payload['lines'])}")


def _group_text(item: ChecklistItem, group_locale: str) -> str:
    return escape_markdown(_short(item_text(item, group_locale)))


# --- changes ------------------------------------------------------------------------------

@dataclass
class Outcome:
    """Per-item results of a multi-item command, for the actor's reply."""

    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _with_retry(session: Session, item: ChecklistItem, change) -> bool:
    """Apply ``change(item) -> bool`` and flush under optimistic concurrency.

    Another command may have changed the row since we read it (``version_id_col``): the
    flush then raises ``StaleDataError``; we re-read the row and decide again, so
    nobody's update is lost and the decision is taken on the current state.
    """
    for _attempt in range(MAX_RETRIES):
        try:
            with session.begin_nested():
                changed = change(item)
                session.flush()
            return changed
        except StaleDataError:
            session.expire(item)
            session.refresh(item)
    raise Conflict(_("Someone else is changing this item right now; please try again."))


def set_done(session: Session, actor: Actor, consortium: Consortium, numbers: list[int], done: bool, *,
             group_locale: str = "fr", now: datetime | None = None) -> Outcome:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    items = [find_item(session, consortium, n) for n in numbers]  # all or nothing: unknown numbers fail first
    outcome = Outcome()
    for item in items:
        before = _state(item)

        def change(row: ChecklistItem) -> bool:
            if row.done == done:
                return False
            row.done = done
            row.done_at = now if done else None
            row.done_by_id = actor.id if done else None
            return True

        if _with_retry(session, item, change):
            outcome.changed.append(item.number)
            audit(session, actor, "checklist.check" if done else "checklist.uncheck", consortium_id=consortium.id,
                  target_type=TARGET, target_id=item.id, before={"done": before["done"]}, after={"done": done})
            with use_locale(group_locale):
                line = (_("☑ @{actor} ticked **{n}** {text}", actor=actor.username, n=item.number,
                          text=_group_text(item, group_locale)) if done else
                        _("☐ @{actor} reopened **{n}** {text}", actor=actor.username, n=item.number,
                          text=_group_text(item, group_locale)))
            queue_news(session, consortium, line, now=now)
        else:
            outcome.unchanged.append(item.number)
    _touch(consortium, now)
    return outcome


def _match_section(session: Session, consortium: Consortium, wanted: str | None) -> tuple[str, str]:
    if not wanted:
        return DEFAULT_SECTION
    key = fold(wanted)
    for fr, en in session.execute(
        select(ChecklistItem.section, ChecklistItem.section_en).where(ChecklistItem.consortium_id == consortium.id)
        .distinct()
    ):
        if key in (fold(fr), fold(en or "")):
            return fr, en or fr
    return wanted, wanted


def parse_due(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[date, str | None]:
    """A due date and, when it is already past, a warning (accepted all the same)."""
    try:
        when = parse_date(text, now=now, tz=tz)
        validate_future(when, now=now, allow_past=True, tz=tz)
    except DateError as error:
        raise Invalid(error.message) from None
    today = now.astimezone(tz).date()
    if when < today:
        return when, _("Note: {when} is already past; the item shows as overdue.", when=format_date(when))
    return when, None


def add_item(session: Session, network: Network, actor: Actor, consortium: Consortium, data: dict, *,
             directory: Directory, tz: ZoneInfo, group_locale: str = "fr", now: datetime | None = None) -> Result:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    warning = None
    due = None
    if data.get("due"):
        due, warning = parse_due(data["due"], now=now, tz=tz)
    assignee = None
    if data.get("assignee"):
        assignee = resolve_usernames(session, network, directory, [data["assignee"]])[data["assignee"]]
        _require_assignable(session, consortium, assignee)
    section, section_en = _match_section(session, consortium, data.get("section"))
    position = (session.scalar(select(func.max(ChecklistItem.position))
                               .where(ChecklistItem.consortium_id == consortium.id,
                                      ChecklistItem.section == section)) or
                session.scalar(select(func.max(ChecklistItem.position))
                               .where(ChecklistItem.consortium_id == consortium.id)) or 0)
    # Items after the insertion point move down by one, keeping their section order.
    number = next_number(session, consortium.id, KIND)
    item = ChecklistItem(consortium_id=consortium.id, number=number, position=position, section=section,
                         section_en=section_en, text=data["text"], text_en="", assignee_id=assignee.id if assignee else None,
                         due_date=due, created_by_id=actor.id, created_at=now)
    _shift_after(session, consortium, position)
    item.position = position + 1
    session.add(item)
    session.flush()
    audit(session, actor, "checklist.add", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          after={"number": number, "text": item.text, "section": section, **_state(item)})
    with use_locale(group_locale):
        line = _("➕ @{actor} added **{n}** {text}", actor=actor.username, n=number, text=_group_text(item, group_locale))
        if assignee is not None:
            line += " " + _("(for @{user})", user=assignee.username)
    queue_news(session, consortium, line, now=now)
    _touch(consortium, now)
    message = _("Item **{n}** added: {text}", n=number, text=escape_markdown(item.text))
    if warning:
        message += "\n" + warning
    return Result(message, data={"number": number})


def _shift_after(session: Session, consortium: Consortium, position: int) -> None:
    from sqlalchemy import update

    session.execute(update(ChecklistItem)
                    .where(ChecklistItem.consortium_id == consortium.id, ChecklistItem.position > position)
                    .values(position=ChecklistItem.position + 1)
                    .execution_options(synchronize_session=False))


def _require_assignable(session: Session, consortium: Consortium, person: Person) -> None:
    if not access.is_member(session, consortium, person):
        raise Invalid(_("@{user} is not a member of this consortium; add them first with "
                        "`/consortium add @{user}`.", user=person.username))


def assign(session: Session, network: Network, actor: Actor, consortium: Consortium, number: int, username: str, *,
           directory: Directory, group_locale: str = "fr", now: datetime | None = None) -> Result:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    item = find_item(session, consortium, number)
    person = resolve_usernames(session, network, directory, [username])[username]
    _require_assignable(session, consortium, person)
    before = _state(item)

    def change(row: ChecklistItem) -> bool:
        if row.assignee_id == person.id:
            return False
        row.assignee_id = person.id
        return True

    if not _with_retry(session, item, change):
        return Result(_("Item {n} is already assigned to @{user}.", n=number, user=person.username))
    audit(session, actor, "checklist.assign", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          before={"assignee_id": before["assignee_id"]}, after={"assignee_id": person.id, "username": person.username})
    with use_locale(group_locale):
        queue_news(session, consortium, _("👤 @{actor} assigned **{n}** {text} to @{user}", actor=actor.username,
                                          n=number, text=_group_text(item, group_locale), user=person.username),
                   now=now)
    _touch(consortium, now)
    return Result(_("Item {n} is now assigned to @{user}.", n=number, user=person.username))


def set_due(session: Session, actor: Actor, consortium: Consortium, number: int, text: str, *, tz: ZoneInfo,
            now: datetime | None = None) -> Result:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    item = find_item(session, consortium, number)
    due, warning = parse_due(text, now=now, tz=tz)
    before = _state(item)

    def change(row: ChecklistItem) -> bool:
        if row.due_date == due:
            return False
        row.due_date = due
        return True

    if _with_retry(session, item, change):
        audit(session, actor, "checklist.due", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
              before={"due_date": before["due_date"]}, after={"due_date": due.isoformat()})
        _touch(consortium, now)
    message = _("Item {n} is due on {when}.", n=number, when=format_date(due))
    return Result(message + ("\n" + warning if warning else ""))


def add_note(session: Session, actor: Actor, consortium: Consortium, number: int, text: str, *,
             now: datetime | None = None) -> Result:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    item = find_item(session, consortium, number)
    note = ChecklistNote(item_id=item.id, author_id=actor.id, text=text, created_at=now)
    session.add(note)
    session.flush()
    audit(session, actor, "checklist.note", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          after={"note_id": note.id, "text": text})
    _touch(consortium, now)
    return Result(_("Note recorded on item {n}: {text}", n=number, text=escape_markdown(_short(text, 200))))


def remove_item(session: Session, actor: Actor, consortium: Consortium, number: int, *,
                now: datetime | None = None) -> Result:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    item = find_item(session, consortium, number)

    def change(row: ChecklistItem) -> bool:
        row.deleted_at = now
        return True

    _with_retry(session, item, change)
    audit(session, actor, "checklist.remove", consortium_id=consortium.id, target_type=TARGET, target_id=item.id,
          before={"text": item.text, **_state(item)}, after={"deleted": True})
    _touch(consortium, now)
    return Result(_("Item {n} removed. Its history is kept: `/checklist history {n}`.", n=number))


def set_reminders(session: Session, actor: Actor, consortium: Consortium, enabled: bool) -> Result:
    _require_change(session, actor, consortium)
    before = consortium.reminders_enabled
    consortium.reminders_enabled = enabled
    if before != enabled:
        audit(session, actor, "checklist.reminders", consortium_id=consortium.id, target_type="consortium",
              target_id=consortium.id, before={"reminders": before}, after={"reminders": enabled})
    if enabled:
        return Result(_("Reminders are on: a weekly digest in the channel and a direct message to each assignee "
                        "whose items are due soon."))
    return Result(_("Reminders are off for this consortium."))


def _touch(consortium: Consortium, now: datetime) -> None:
    consortium.last_activity_at = now


# --- history ------------------------------------------------------------------------------

@dataclass
class HistoryView:
    item: ChecklistItem
    events: list[AuditEvent]
    notes: list[tuple[ChecklistNote, str | None]]
    people: dict[int, str]


def history(session: Session, actor: Actor, consortium: Consortium, number: int) -> HistoryView:
    access.require_member(session, actor, consortium)
    item = session.scalar(select(ChecklistItem).where(ChecklistItem.consortium_id == consortium.id,
                                                      ChecklistItem.number == number))
    if item is None:
        raise NotFound(_("There is no item {n} in this consortium's checklist. "
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
    return HistoryView(item, events, [(n, u) for n, u in notes], people)


# --- templates ----------------------------------------------------------------------------

@dataclass
class TemplateRow:
    template: ChecklistTemplate
    items: int
    present: int


def templates(session: Session, actor: Actor, consortium: Consortium) -> list[TemplateRow]:
    access.require_member(session, actor, consortium)
    ensure_builtin_templates(session)
    counts = dict(session.execute(select(TemplateItem.template_id, func.count())
                                  .group_by(TemplateItem.template_id)).all())
    present: dict[str, int] = {}
    for key in session.scalars(select(ChecklistItem.template_key).where(
            ChecklistItem.consortium_id == consortium.id, ChecklistItem.template_key.is_not(None))):
        name = key.split(":", 1)[0]
        present[name] = present.get(name, 0) + 1
    rows = session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name))
    return [TemplateRow(t, counts.get(t.id, 0), present.get(t.name, 0)) for t in rows]


def apply_named_template(session: Session, actor: Actor, consortium: Consortium, name: str, *,
                         group_locale: str = "fr", now: datetime | None = None) -> Result:
    _require_change(session, actor, consortium)
    now = now or utcnow()
    name = name.lower()
    try:
        added = apply_template(session, consortium, name, created_by_id=actor.id)
    except LookupError:
        names = ", ".join(f"`{n}`" for n in session.scalars(select(ChecklistTemplate.name)
                                                            .order_by(ChecklistTemplate.name)))
        raise NotFound(_("There is no template “{name}”. Templates: {names}.", name=name[:64], names=names)) from None
    if not added:
        return Result(_("Every item of the template “{name}” is already in the checklist: nothing added.", name=name))
    audit(session, actor, "checklist.template", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id, after={"template": name, "added": added})
    with use_locale(group_locale):
        queue_news(session, consortium, ngettext("📋 @{actor} added {n} item from the template “{name}”",
                                                 "📋 @{actor} added {n} items from the template “{name}”", added,
                                                 actor=actor.username, name=name), now=now)
    _touch(consortium, now)
    return Result(ngettext("{n} item added from the template “{name}”.", "{n} items added from the template “{name}”.",
                           added, name=name))


# --- export -------------------------------------------------------------------------------

def export(session: Session, actor: Actor, consortium: Consortium, *, tz: ZoneInfo,
           now: datetime | None = None) -> Result:
    """The checklist with its notes as Markdown and CSV, attached in the channel."""
    import base64

    from plugin.exports import to_csv

    view = list_items(session, actor, consortium)
    locale = actor.locale
    now = now or utcnow()
    ids = [row.item.id for row in view.rows]
    notes: dict[int, list[tuple[ChecklistNote, str | None]]] = {}
    if ids:
        for note, username in session.execute(
            select(ChecklistNote, Person.username).outerjoin(Person, Person.id == ChecklistNote.author_id)
            .join(ChecklistItem, ChecklistItem.id == ChecklistNote.item_id)
            .where(ChecklistItem.consortium_id == consortium.id)
            .order_by(ChecklistNote.created_at, ChecklistNote.id)
        ):
            notes.setdefault(note.item_id, []).append((note, username))
    title = _("Checklist of the consortium {name}", name=consortium.name)
    md = [f"# {escape_markdown(title)}", "",
          _("Exported on {when} by @{actor}: {done} of {total} items settled.",
            when=format_date(now, tz=tz, with_time=True), actor=actor.username, done=view.done, total=view.total), ""]
    current = None
    rows_csv = []
    for row in view.rows:
        item = row.item
        section = section_of(item, locale)
        if section != current:
            md += ["", f"## {escape_markdown(section)}", ""]
            current = section
        details = []
        if row.assignee:
            details.append(_("assignee: @{user}", user=row.assignee))
        if item.due_date:
            details.append(_("due: {when}", when=item.due_date.isoformat()))
        md.append(f"- [{'x' if item.done else ' '}] **{item.number}**. {escape_markdown(item_text(item, locale))}"
                  + (f" ({', '.join(details)})" if details else ""))
        item_notes = notes.get(item.id, [])
        for note, username in item_notes:
            md.append(f"    - {escape_markdown(note.text)} — @{username or '?'}, "
                      f"{format_date(note.created_at, tz=tz, with_time=True)}")
        rows_csv.append([item.number, section, item_text(item, locale), _("done") if item.done else _("open"),
                         row.assignee or "", item.due_date.isoformat() if item.due_date else "",
                         item.done_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if item.done_at else "",
                         "\n".join(f"{n.text} (@{u or '?'}, {n.created_at.astimezone(tz):%Y-%m-%d %H:%M})"
                                   for n, u in item_notes)])
    header = [_("Number"), _("Section"), _("Question"), _("Status"), _("Assignee"), _("Due date"), _("Done at"),
              _("Notes")]
    csv_bytes = to_csv(header, rows_csv, semicolon=locale == "fr")
    stamp = now.astimezone(tz).strftime("%Y-%m-%d")
    base = f"checklist-{consortium.slug}-{stamp}"
    files = [{"name": f"{base}.md", "content": base64.b64encode("\n".join(md).encode("utf-8") + b"\n").decode()},
             {"name": f"{base}.csv", "content": base64.b64encode(csv_bytes).decode()}]
    queue(session, "mattermost.upload", {
        "consortium_id": consortium.id, "files": files,
        "message": _("📎 Checklist export requested by @{actor} (Markdown and CSV).", actor=actor.username),
    }, consortium_id=consortium.id)
    audit(session, actor, "checklist.export", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id, after={"items": len(view.rows)})
    return Result(_("The export (Markdown and CSV) is being attached in the consortium's channel."),
                  data={"markdown": "\n".join(md), "csv": csv_bytes})


# --- reminders: digest and direct messages -------------------------------------------------

@dataclass
class DigestItem:
    item: ChecklistItem
    assignee_id: int | None
    assignee: str | None


def due_items(session: Session, consortium_ids: list[int], *, until: date) -> dict[int, list[DigestItem]]:
    """Open items that are overdue, due by ``until``, or unassigned, per consortium, in one query."""
    from sqlalchemy import or_

    out: dict[int, list[DigestItem]] = {}
    if not consortium_ids:
        return out
    rows = session.execute(
        select(ChecklistItem, Person.username).outerjoin(Person, Person.id == ChecklistItem.assignee_id)
        .where(ChecklistItem.consortium_id.in_(consortium_ids), ChecklistItem.deleted_at.is_(None),
               ChecklistItem.done.is_(False),
               or_(ChecklistItem.assignee_id.is_(None), ChecklistItem.due_date <= until))
        .order_by(ChecklistItem.consortium_id, ChecklistItem.due_date, ChecklistItem.position)
    )
    for item, username in rows:
        out.setdefault(item.consortium_id, []).append(DigestItem(item, item.assignee_id, username))
    return out


