"""What the checklist's use cases share: finding items, changing them safely, who may change them."""
from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import ChecklistItem, ChecklistNote, Consortium, Person
from plugin.dates import DateError, parse_date, validate_future
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.text import fold
from plugin.kernel.usecase import Ctx

from plugin.features.checklist.outcomes import Line, Listing, SectionCount

TARGET = "checklist_item"      # the audit trail's target type
DEFAULT_SECTION = ("Autres points", "Other items")
MAX_RETRIES = 4


def require_member(ctx: Ctx) -> None:
    """Members (and admins) only; the membership was read with the consortium."""
    if ctx.actor.is_admin or ctx.membership is not None:
        return
    raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=ctx.consortium.name))


def require_change(ctx: Ctx) -> None:
    require_member(ctx)
    access.require_active(ctx.consortium)


def find_item(session: Session, consortium: Consortium, number: int) -> ChecklistItem:
    return find_items(session, consortium, [number])[0]


def find_items(session: Session, consortium: Consortium, numbers: list[int]) -> list[ChecklistItem]:
    """The live items with these numbers, in that order, read in one query; any unknown or deleted
    number refuses them all."""
    found = {item.number: item for item in session.scalars(
        select(ChecklistItem).where(ChecklistItem.consortium_id == consortium.id,
                                    ChecklistItem.number.in_(sorted(set(numbers)))))}
    return [_live(found.get(number), number) for number in numbers]


_ITEMS = ChecklistItem.__table__


@cache
def _tick_statement():
    """Built once: the items that are not already in the wanted state change, and say which they were;
    none does unless every number named is a live item (all or nothing, in the statement itself)."""
    items = _ITEMS.c
    numbers = bindparam("numbers", expanding=True)
    live = (select(func.count()).select_from(_ITEMS)
            .where(items.consortium_id == bindparam("of"), items.number.in_(numbers), items.deleted_at.is_(None))
            .scalar_subquery())
    return (update(_ITEMS)
            .where(items.consortium_id == bindparam("of"), items.number.in_(numbers),
                   items.deleted_at.is_(None), items.done != bindparam("to_done"), live == bindparam("named"))
            .values(done=bindparam("to_done"), done_at=bindparam("at"), done_by_id=bindparam("by"),
                    version=items.version + 1)   # the optimistic writers (``with_retry``) see the change
            .returning(items.id, items.number, items.text, items.text_en))


@cache
def _state_statement():
    items = _ITEMS.c
    return select(items.number, items.deleted_at).where(items.consortium_id == bindparam("of"),
                                                        items.number.in_(bindparam("numbers", expanding=True)))


def set_done(session: Session, consortium_id: int, numbers: list[int], done: bool, *, actor_id: int,
             now: datetime) -> dict:
    """Tick (or reopen) the live items with these numbers in one statement that reads what it changed;
    returns those rows by number. Items already so are left as they are. An unknown or deleted number
    changes none of them and refuses them all: the items' state is read only when some did not change.

    A concurrent tick of the same item waits for this one's row lock (PostgreSQL) or the write lock
    (SQLite) and then finds it already done: one change, one audit row."""
    connection = session.connection()
    named = sorted(set(numbers))
    changed = {row.number: row for row in connection.execute(_tick_statement(), {
        "of": consortium_id, "numbers": named, "named": len(named), "to_done": done,
        "at": now if done else None, "by": actor_id if done else None})}
    others = sorted(set(numbers) - set(changed))
    if others:
        found = dict(connection.execute(_state_statement(), {"of": consortium_id, "numbers": others})
                     .all())
        for number in numbers:
            if number not in changed:
                _refuse_unless_live(number in found, found.get(number), number)
    return changed


def _refuse_unless_live(exists: bool, deleted_at: datetime | None, number: int) -> None:
    if not exists:
        raise NotFound(_l("There is no item {n} in this consortium's checklist. "
                          "`/checklist list` shows the numbers.", n=number))
    if deleted_at is not None:
        raise NotFound(_l("Item {n} was deleted; `/checklist history {n}` still shows its history.", n=number))


def _live(item: ChecklistItem | None, number: int) -> ChecklistItem:
    _refuse_unless_live(item is not None, item.deleted_at if item is not None else None, number)
    return item


def state(item: ChecklistItem) -> dict:
    return {"done": item.done, "assignee_id": item.assignee_id,
            "due_date": item.due_date.isoformat() if item.due_date else None}


def with_retry(session: Session, item: ChecklistItem, change) -> bool:
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
    raise Conflict(_l("Someone else is changing this item right now; please try again."))


def parse_due(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[date, bool]:
    """A due date, and whether it is already past (accepted all the same, shown as overdue)."""
    try:
        when = parse_date(text, now=now, tz=tz)
        validate_future(when, now=now, allow_past=True, tz=tz)
    except DateError as error:
        raise Invalid(error.message) from None
    return when, when < now.astimezone(tz).date()


def require_assignable(session: Session, consortium: Consortium, person: Person) -> None:
    if not access.is_member(session, consortium, person):
        raise Invalid(_l("@{user} is not a member of this consortium; add them first with "
                         "`/consortium add @{user}`.", user=person.username))


def match_section(session: Session, consortium: Consortium, wanted: str | None) -> tuple[str, str]:
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


def shift_after(session: Session, consortium: Consortium, position: int) -> None:
    """Items after the insertion point move down by one, keeping their section order."""
    session.execute(update(ChecklistItem)
                    .where(ChecklistItem.consortium_id == consortium.id, ChecklistItem.position > position)
                    .values(position=ChecklistItem.position + 1)
                    .execution_options(synchronize_session=False))


def touch(consortium: Consortium, now: datetime) -> None:
    consortium.last_activity_at = now


def touch_once_a_minute(consortium: Consortium, now: datetime) -> None:
    """The consortium's last activity, written when it moves to another minute: what is shown of it
    (the dashboard's time, the list's date) has no seconds, and a burst of ticks writes it once."""
    last = consortium.last_activity_at
    if last is None or _minute(last) != _minute(now):
        consortium.last_activity_at = now


def _minute(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


_COLUMNS = (ChecklistItem.id, ChecklistItem.number, ChecklistItem.section, ChecklistItem.section_en,
            ChecklistItem.text, ChecklistItem.text_en, ChecklistItem.assignee_id, ChecklistItem.due_date,
            ChecklistItem.done, ChecklistItem.done_at)


@cache
def _listing_query():
    """Built once: no expression built, no cache key computed, per request."""
    consortium_id = bindparam("consortium_id")
    notes = (select(ChecklistNote.item_id, func.count().label("n")).group_by(ChecklistNote.item_id)
             .join(ChecklistItem, ChecklistItem.id == ChecklistNote.item_id)
             .where(ChecklistItem.consortium_id == consortium_id).subquery())
    return (select(*_COLUMNS, Person.username.label("assignee_name"), func.coalesce(notes.c.n, 0).label("notes_count"))
            .outerjoin(Person, Person.id == ChecklistItem.assignee_id)
            .outerjoin(notes, notes.c.item_id == ChecklistItem.id)
            .where(ChecklistItem.consortium_id == consortium_id, ChecklistItem.deleted_at.is_(None))
            .order_by(ChecklistItem.position, ChecklistItem.number))


def listing(session: Session, consortium_id: int, *, open_only: bool = False, mine_of: int | None = None,
            section: str | None = None) -> Listing:
    """Every live item in one query, whatever their number (no N+1); filters applied to what is shown,
    the progress counted over every live item."""
    # Plain Core rows, not ORM objects: a list of 500 items is read, not edited.
    rows = session.connection().execute(_listing_query(), {"consortium_id": consortium_id}).all()
    counts: dict[tuple[str, str | None], list[int]] = {}
    wanted = fold(section).strip() if section else None
    shown = []
    for row in rows:
        count = counts.setdefault((row.section, row.section_en), [0, 0])
        count[1] += 1
        count[0] += 1 if row.done else 0
        if open_only and row.done:
            continue
        if mine_of is not None and row.assignee_id != mine_of:
            continue
        if wanted and wanted not in fold(row.section) and wanted not in fold(row.section_en or ""):
            continue
        shown.append(Line(row.id, row.number, row.section, row.section_en, row.text, row.text_en, row.assignee_id,
                          row.assignee_name, row.due_date, row.done, row.done_at, int(row.notes_count)))
    sections = [SectionCount(fr, en, d, t) for (fr, en), (d, t) in counts.items()]
    return Listing(shown, sections, sum(s.done for s in sections), sum(s.total for s in sections),
                   open=open_only, mine=mine_of is not None, section=section)


def notes_by_item(session: Session, consortium_id: int) -> dict[int, list[tuple[ChecklistNote, str | None]]]:
    """Every note of the consortium's items with its author's name, oldest first."""
    out: dict[int, list[tuple[ChecklistNote, str | None]]] = {}
    for note, username in session.execute(
        select(ChecklistNote, Person.username).outerjoin(Person, Person.id == ChecklistNote.author_id)
        .join(ChecklistItem, ChecklistItem.id == ChecklistNote.item_id)
        .where(ChecklistItem.consortium_id == consortium_id)
        .order_by(ChecklistNote.created_at, ChecklistNote.id)
    ):
        out.setdefault(note.item_id, []).append((note, username))
    return out
