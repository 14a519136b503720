"""The checklist's deliveries, rendered when delivered in their reader's language: the group's news
(grouped per minute), the export, the weekly digest and the assignees' reminders.

News grouping: the first news event of a minute becomes a ``checklist.news`` row, delivered at
once; the events that follow in the same minute are appended to that row and a
``checklist.news_refresh`` edits the post to show them all. Both deliverers read the events from
the database at delivery time, so an event appended while the post was on its way is never lost:
the refresh that follows it brings the post up to date (an edit is idempotent).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from itertools import groupby
from operator import attrgetter
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from models import Consortium, OutboxMessage, Person
from plugin.delivery import DeliveryContext, Permanent, Waiting
from plugin.delivery.mattermost import attach_once, channel_of, client_of, direct_message_once, post_once
from plugin.i18n import use_locale
from plugin.kernel.events import decode, encode
from plugin.kernel.languages import channel_locale, person_locale

from plugin.features.checklist import events as ev
from plugin.features.checklist import render
from plugin.features.checklist.items import listing, notes_by_item

NEWS_WINDOW = timedelta(minutes=1)


# --- the group's news, grouped per minute -----------------------------------------------------

def news_key(consortium_id: int, moment: datetime) -> str:
    window = int(moment.timestamp() // NEWS_WINDOW.total_seconds())
    return f"checklist-news:{consortium_id}:{window}"


def _locked(session: Session, query):
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


def publish_news(session: Session, event, now: datetime) -> None:
    """Add ``event`` to its consortium's news post of the current minute (in the use case's transaction)."""
    _append_news(session, event.consortium_id, [encode(event)], now)


def _publish_news_together(session: Session, news: list, now: datetime) -> None:
    """The news of one use case (several items ticked at once) added in one go: one outbox write."""
    for consortium_id, group in groupby(news, key=attrgetter("consortium_id")):
        _append_news(session, consortium_id, [encode(event) for event in group], now)


publish_news.many = _publish_news_together  # type: ignore[attr-defined]  (kernel/events.publish_all)

_OUTBOX = OutboxMessage.__table__


@cache
def _news_upsert(dialect: str, appended: int):
    """The minute's news row opened, or its events appended to, in one statement (``ON CONFLICT`` on the
    dedupe key: two commands of one minute never race); it returns how many lines the row now holds.
    Built once per dialect and number of events."""
    payload = _OUTBOX.c.payload
    if dialect == "postgresql":
        statement = postgresql.insert(_OUTBOX)
        old, new = cast(payload, JSONB), cast(statement.excluded.payload, JSONB)
        events = func.coalesce(old["events"], func.jsonb_build_array()).op("||")(new["events"])
        merged = cast(func.jsonb_set(old, literal(["events"], ARRAY(String)), events), payload.type)
        size = func.json_array_length(payload["events"]) + func.coalesce(func.json_array_length(payload["lines"]), 0)
    else:
        statement = sqlite.insert(_OUTBOX)
        pairs = [part for i in range(appended)
                 for part in ("$.events[#]", func.json(func.json_extract(statement.excluded.payload, f"$.events[{i}]")))]
        merged = func.json_insert(payload, *pairs)
        size = (func.json_array_length(payload, "$.events")
                + func.coalesce(func.json_array_length(payload, "$.lines"), 0))
    return (statement.on_conflict_do_update(index_elements=[_OUTBOX.c.dedupe_key], set_={"payload": merged})
            .returning(size))


@cache
def _queue_once(dialect: str):
    """An outbox row, unless its dedupe key is already queued: one statement."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(_OUTBOX).on_conflict_do_nothing(index_elements=[_OUTBOX.c.dedupe_key])


def _append_news(session: Session, consortium_id: int, encoded: list[dict], now: datetime) -> None:
    key = news_key(consortium_id, now)
    connection = session.connection()
    dialect = connection.dialect.name
    values = {"kind": "checklist.news", "dedupe_key": key, "consortium_id": consortium_id,
              "payload": {"consortium_id": consortium_id, "events": encoded}, "available_at": now}
    count = connection.execute(_news_upsert(dialect, len(encoded)), values).scalar_one()
    session.info["outbox_dirty"] = True
    if count > len(encoded):   # the minute's post was already queued: it is edited to show them all
        connection.execute(_queue_once(dialect), {
            "kind": "checklist.news_refresh", "payload": {"key": key}, "consortium_id": consortium_id,
            "dedupe_key": f"{key}:{count}", "available_at": now})


def _news_text(ctx: DeliveryContext, payload: dict) -> str:
    with use_locale(channel_locale(ctx.services.settings)):
        # "lines": news queued before news became events (already written, in the network's language).
        lines = list(payload.get("lines", []))
        lines += [render.news_line(decode(data, ev.NEWS)) for data in payload.get("events", [])]
        return render.news_post(lines)


def news(ctx: DeliveryContext, payload: dict) -> None:
    with ctx.services.db.reader() as session:
        row = session.get(OutboxMessage, ctx.message_id)
        current = dict(row.payload or {}) if row is not None else payload
    if current.get("post_id"):  # a retry after the post was made: bring it up to date instead
        client_of(ctx).update_post(current["post_id"], message=_news_text(ctx, current))
        return
    post_id = post_once(ctx, "post", channel_of(ctx, current), _news_text(ctx, current))
    with ctx.services.db.transaction() as session:
        row = _locked(session, select(OutboxMessage).where(OutboxMessage.id == ctx.message_id))
        if row is not None:
            row.payload = {**(row.payload or {}), "post_id": post_id}


def news_refresh(ctx: DeliveryContext, payload: dict) -> None:
    with ctx.services.db.reader() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == payload["key"]))
        if row is None:
            raise Permanent("the news post to refresh is gone")
        current, status = dict(row.payload or {}), row.status
    if not current.get("post_id"):
        if status == "dead":
            raise Permanent("the news post was never made")
        raise Waiting("the news post is not posted yet")
    client_of(ctx).update_post(current["post_id"], message=_news_text(ctx, current))


# --- the export ---------------------------------------------------------------------------------

def export(ctx: DeliveryContext, payload: dict) -> None:
    """The files in the asker's language, posted in the channel with a line in the channel's."""
    event = decode(payload, (ev.ChecklistExported,))

    def files() -> list[tuple[str, bytes]]:
        with ctx.services.db.reader() as session:
            consortium = session.get(Consortium, event.consortium_id)
            if consortium is None:
                raise Permanent("consortium no longer exists")
            with use_locale(event.locale):
                return render.export_files(consortium, listing(session, consortium.id),
                                           notes_by_item(session, consortium.id), event, ZoneInfo(consortium.timezone))

    with use_locale(channel_locale(ctx.services.settings)):
        message = render.export_post(event)
    attach_once(ctx, channel_of(ctx, {"consortium_id": event.consortium_id}), files, message)


# --- the weekly digest and the assignees' reminders ---------------------------------------------

def digest(ctx: DeliveryContext, payload: dict) -> None:
    """A consortium's weekly digest (``jobs.weekly_reminders`` chose the items), in the channel's language."""
    from plugin.features.registers.api import digest_lines

    today = date.fromisoformat(payload["today"])
    locale = channel_locale(ctx.services.settings)
    with ctx.services.db.reader() as session, use_locale(locale):
        consortium = session.get(Consortium, payload["consortium_id"])
        if consortium is None:
            raise Permanent("consortium no longer exists")
        text = render.digest(consortium.name, payload["entries"], today, payload["done"], payload["total"], locale,
                             digest_lines(session, consortium, today))
    if text:
        post_once(ctx, "post", channel_of(ctx, payload), text)


def reminder(ctx: DeliveryContext, payload: dict) -> None:
    """An assignee's direct message, in their language as it is when delivered."""
    with ctx.services.db.reader() as session:
        person = session.get(Person, payload["person_id"])
        consortium = session.get(Consortium, payload["consortium_id"])
        if person is None or consortium is None or person.erased_at is not None or not person.mattermost_user_id:
            raise Permanent("the person or the consortium is gone")
        locale = person_locale(ctx.services.settings, person)
        with use_locale(locale):
            text = render.reminder(consortium.name, payload["entries"], date.fromisoformat(payload["today"]), locale)
        user_id = person.mattermost_user_id
    direct_message_once(ctx, "dm", user_id, text)


def noop(ctx: DeliveryContext, payload: dict) -> None:
    """A marker: this week's digest was considered and there was nothing to say."""


DELIVERERS = {
    "checklist.news": news,
    "checklist.news_refresh": news_refresh,
    "checklist.export": export,
    "checklist.digest": digest,
    "checklist.reminder": reminder,
    "checklist.noop": noop,
}
