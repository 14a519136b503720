"""Checklist deliveries: grouped news posts, the weekly digest and the assignees' reminders.

News grouping (see ``plugin.services.checklist.queue_news``): the first news line of a
minute becomes a ``checklist.news`` post, delivered at once; the lines that follow in
the same minute are appended to that outbox row and a ``checklist.news_refresh`` edits
the post to show them all. Both deliverers read the lines from the database at
delivery time, so a line appended while the post was on its way is never lost: the
refresh that follows it brings the post up to date (an edit is idempotent).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from integrations.mattermost.messages import MAX_POST_TEXT, escape_markdown, progress_bar
from models import ChecklistItem, Consortium, OutboxMessage, Person, utcnow
from plugin.dates import format_short
from plugin.delivery import DeliveryContext, Permanent, Waiting, delivers, periodic
from plugin.delivery.mattermost import channel_of, client_of, post_once
from plugin.i18n import _, ngettext, normalize_locale, use_locale
from plugin.kernel.outbox import queue
from plugin.services.checklist import due_items, item_text

log = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0        # Monday
DIGEST_HOUR = 9           # from 9:00, consortium time
SOON = timedelta(days=7)
CHUNK = 500
MAX_LINES = 15


def _news_text(lines: list[str]) -> str:
    text = "\n".join(lines)
    if len(text) > MAX_POST_TEXT - 100:  # keep the latest lines: a minute of news never breaks the post
        kept: list[str] = []
        size = 0
        for line in reversed(lines):
            size += len(line) + 1
            if size > MAX_POST_TEXT - 100:
                break
            kept.insert(0, line)
        text = "…\n" + "\n".join(kept)
    return text


def _locked_row(session, query):
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalar(query)


@delivers("checklist.news")
def news(ctx: DeliveryContext, payload: dict) -> None:
    with ctx.services.db.reader() as session:
        row = session.get(OutboxMessage, ctx.message_id)
        current = dict(row.payload or {}) if row is not None else payload
    if current.get("post_id"):  # a retry after the post was made: bring it up to date instead
        client_of(ctx).update_post(current["post_id"], message=_news_text(current.get("lines", [])))
        return
    post_id = post_once(ctx, "post", channel_of(ctx, current), _news_text(current.get("lines", [])))
    with ctx.services.db.transaction() as session:
        row = _locked_row(session, select(OutboxMessage).where(OutboxMessage.id == ctx.message_id))
        if row is not None:
            row.payload = {**(row.payload or {}), "post_id": post_id}


@delivers("checklist.news_refresh")
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
    client_of(ctx).update_post(current["post_id"], message=_news_text(current.get("lines", [])))


# --- reminders ----------------------------------------------------------------------------

def _week(local: datetime) -> str:
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


def _due_consortia(session, now: datetime) -> list[tuple[Consortium, datetime]]:
    """Consortiums whose local time is the digest time (Monday from 9:00), reminders on."""
    out = []
    zones = session.scalars(select(Consortium.timezone).distinct())
    for zone in list(zones):
        try:
            local = now.astimezone(ZoneInfo(zone))
        except Exception:
            continue
        if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
            continue
        for consortium in session.scalars(
            select(Consortium).where(Consortium.timezone == zone, Consortium.reminders_enabled.is_(True),
                                     Consortium.archived_at.is_(None), Consortium.channel_id.is_not(None))
            .order_by(Consortium.id)
        ):
            out.append((consortium, local))
    return out


def _line(entry, locale: str, *, with_assignee: bool = True) -> str:
    item = entry.item
    text = escape_markdown(item_text(item, locale))
    if len(text) > 120:
        text = text[:119] + "…"
    meta = []
    if with_assignee and entry.assignee:
        meta.append(f"@{entry.assignee}")
    if item.due_date:
        meta.append(f"📅 {format_short(item.due_date, locale=locale)}")
    return f"- **{item.number}** {text}" + (f" — {' · '.join(meta)}" if meta else "")


def _section(title: str, entries: list, locale: str, *, with_assignee: bool = True) -> list[str]:
    if not entries:
        return []
    lines = ["", f"**{title}** ({len(entries)})"]
    lines += [_line(e, locale, with_assignee=with_assignee) for e in entries[:MAX_LINES]]
    if len(entries) > MAX_LINES:
        lines.append(_("… and {n} more.", n=len(entries) - MAX_LINES))
    return lines


def digest_text(consortium: Consortium, entries: list, today, done: int, total: int, locale: str,
                commitment_lines: list[str] | None = None) -> str | None:
    overdue = [e for e in entries if e.item.due_date and e.item.due_date < today]
    soon = [e for e in entries if e.item.due_date and today <= e.item.due_date <= today + SOON]
    unassigned = [e for e in entries if e.assignee_id is None]
    commitment_lines = commitment_lines or []
    if not (overdue or soon or unassigned or commitment_lines):
        return None
    lines = [_("#### 🗓️ Checklist of the week — {name}", name=escape_markdown(consortium.name)),
             progress_bar(done, total)]
    lines += _section(_("⚠️ Overdue"), overdue, locale)
    lines += _section(_("📅 Due within 7 days"), soon, locale)
    lines += _section(_("🙋 Nobody in charge yet"), unassigned, locale, with_assignee=False)
    if commitment_lines:  # the commitments register's due dates belong in the same weekly look
        lines += ["", f"**{_('🤝 Commitments due soon')}** ({len(commitment_lines)})"]
        lines += [f"- {line}" for line in commitment_lines[:MAX_LINES]]
    lines += ["", _("`/checklist list --open` shows every open item; `/checklist reminders off` stops this digest.")]
    return "\n".join(lines)


def dm_text(consortium: Consortium, entries: list, today, locale: str) -> str:
    lines = [ngettext("You have {n} checklist item due soon in the consortium {name}:",
                      "You have {n} checklist items due soon in the consortium {name}:", len(entries),
                      name=escape_markdown(consortium.name))]
    for entry in entries[:MAX_LINES * 2]:
        line = _line(entry, locale, with_assignee=False)
        if entry.item.due_date < today:
            line += " " + _("**(overdue)**")
        lines.append(line)
    lines.append(_("Tick an item with `/checklist check <n>` in the consortium's channel."))
    return "\n".join(lines)


@periodic("checklist.reminders", every=timedelta(minutes=30))
def weekly_reminders(services, now: datetime | None = None) -> int:
    """The weekly digest in each channel and a DM to each assignee, once per week (dedupe keys)."""
    now = now or utcnow()
    group_locale = services.settings.locale
    queued = 0
    with services.db.transaction() as session:
        due = _due_consortia(session, now)
        for start in range(0, len(due), CHUNK):
            chunk = due[start:start + CHUNK]
            keys = {c.id: f"checklist-digest:{c.id}:{_week(local)}" for c, local in chunk}
            done_keys = set(session.scalars(select(OutboxMessage.dedupe_key)
                                            .where(OutboxMessage.dedupe_key.in_(list(keys.values())))))
            todo = [(c, local) for c, local in chunk if keys[c.id] not in done_keys]
            if not todo:
                continue
            ids = [c.id for c, _local in todo]
            latest = max(local.date() for _c, local in todo) + SOON
            entries = due_items(session, ids, until=latest)
            progress = {cid: (d, t) for cid, d, t in session.execute(
                select(ChecklistItem.consortium_id, func.count().filter(ChecklistItem.done.is_(True)), func.count())
                .where(ChecklistItem.consortium_id.in_(ids), ChecklistItem.deleted_at.is_(None))
                .group_by(ChecklistItem.consortium_id))}
            assignee_ids = {e.assignee_id for items in entries.values() for e in items if e.assignee_id}
            people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(assignee_ids)))} \
                if assignee_ids else {}
            for consortium, local in todo:
                today = local.date()
                items = entries.get(consortium.id, [])
                with use_locale(group_locale):
                    from plugin.services.commitments import digest_lines

                    text = digest_text(consortium, items, today, *progress.get(consortium.id, (0, 0)), group_locale,
                                       commitment_lines=digest_lines(session, consortium, today))
                if text:
                    queue(session, "mattermost.post", {"consortium_id": consortium.id, "message": text},
                          consortium_id=consortium.id, dedupe_key=keys[consortium.id])
                    queued += 1
                else:  # nothing to say this week: remember that we looked
                    queue(session, "checklist.noop", {}, consortium_id=consortium.id, dedupe_key=keys[consortium.id])
                per_person = defaultdict(list)
                for entry in items:
                    if entry.assignee_id and entry.item.due_date and entry.item.due_date <= today + SOON:
                        per_person[entry.assignee_id].append(entry)
                for person_id, mine in per_person.items():
                    person = people.get(person_id)
                    if person is None or not person.mattermost_user_id or person.erased_at is not None:
                        continue
                    locale = normalize_locale(person.locale or group_locale)
                    with use_locale(locale):
                        message = dm_text(consortium, mine, today, locale)
                    queue(session, "mattermost.dm", {"user_id": person.mattermost_user_id, "message": message},
                          consortium_id=consortium.id,
                          dedupe_key=f"checklist-dm:{consortium.id}:{person_id}:{_week(local)}")
                    queued += 1
    return queued


@delivers("checklist.noop")
def noop(ctx: DeliveryContext, payload: dict) -> None:
    """A marker: this week's digest was considered and there was nothing to say."""
