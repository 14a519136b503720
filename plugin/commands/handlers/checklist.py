"""/checklist: thin handlers (validate, one service call, render) and the list's buttons."""
from __future__ import annotations

import secrets
from functools import lru_cache
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from integrations.mattermost.messages import attachment, escape_markdown, progress_bar
from models import Consortium, UsedNonce, utcnow
from plugin.commands.legacy import ActionResult, CommandContext, InteractionContext, action, handles, usage as _usage
from plugin.rendering.reply import Reply
from plugin.kernel.interactive import Audience, button
from plugin.commands.parser import ParsedCommand
from plugin.dates import format_date, format_short
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.checklist import (
    AddSchema, AssignSchema, DueSchema, ListSchema, NoteSchema, NumberSchema, NumbersSchema, RemindersSchema,
    TemplateSchema,
)
from plugin.services import checklist
from plugin.kernel.actor import Actor
from plugin.kernel.errors import NotFound, Refusal

T = "checklist"
TEXT_BUDGET = 12_000      # characters of list text per post: well under Mattermost's 16,383
ITEMS_PER_PAGE = 40       # and a reasonable number of buttons
TOGGLE_MAX_AGE = timedelta(days=2)



def _group_locale(ctx) -> str:
    return ctx.services.settings.locale


# --- rendering ----------------------------------------------------------------------------

@lru_cache(maxsize=20_000)
def _escaped(text: str) -> str:
    """Item texts rarely change: escape each once per process."""
    return escape_markdown(text)


def _item_line(row: checklist.ItemRow, locale: str, today: date) -> str:
    item = row.item
    parts = [f"{'☑' if item.done else '☐'} **{item.number}** {_escaped(checklist.item_text(item, locale))}"]
    meta = []
    if row.assignee:
        meta.append(f"@{row.assignee}")
    if item.due_date:
        shown = f"📅 {format_short(item.due_date, locale=locale)}"
        if not item.done and item.due_date < today:
            shown = "**" + _("{date} (overdue)", date=shown) + "**"
        meta.append(shown)
    if row.notes:
        meta.append(f"💬 {row.notes}")
    if meta:
        parts.append(" — " + " · ".join(meta))
    return "".join(parts)


def _pages(view: checklist.ListView, locale: str, today: date) -> list[list[tuple[str, list]]]:
    """Split the shown items into pages that fit a post: [(section, [(row, line)...])...] per page."""
    pages: list[list[tuple[str, list]]] = [[]]
    size = count = 0
    for row in view.rows:
        line = _item_line(row, locale, today)
        section = checklist.section_of(row.item, locale)
        if pages[-1] and (size + len(line) + 200 > TEXT_BUDGET or count >= ITEMS_PER_PAGE):
            pages.append([])
            size = count = 0
        page = pages[-1]
        if not page or page[-1][0] != section:
            page.append((section, []))
            size += len(section) + 40
        page[-1][1].append((row, line))
        size += len(line) + 1
        count += 1
    return pages


def _shown_date(value) -> str:
    """A date kept as ISO text in the history, shown the way the user reads dates."""
    try:
        return format_date(date.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return str(value or "—")


def render_list(services, actor: Actor, consortium: Consortium, view: checklist.ListView, *, filters: dict,
                page: int, tz: ZoneInfo, now: datetime) -> tuple[str, list[dict]]:
    locale = actor.locale
    today = now.astimezone(tz).date()
    pages = _pages(view, locale, today)
    page = min(max(1, page), len(pages))
    lines = [_("#### 📋 Checklist — {name}", name=escape_markdown(consortium.name)),
             progress_bar(view.done, view.total)]
    active = []
    if filters.get("open"):
        active.append(_("open items"))
    if filters.get("mine"):
        active.append(_("assigned to me"))
    if filters.get("section"):
        active.append(_("section “{section}”", section=escape_markdown(filters["section"])))
    if active:
        lines.append(_("Filter: {filters}", filters=", ".join(active)))
    if len(pages) > 1:
        lines.append(_("Page {page} of {pages}", page=page, pages=len(pages)))
    if not view.rows:
        lines.append("")
        lines.append(_("No item matches.") if active else
                     _("The checklist is empty. Add an item with `/checklist add \"<text>\"`."))
        return "\n".join(lines), []
    per_section = {label: (d, t) for label, d, t in view.sections}
    attachments = []
    base = {"c": consortium.id, "p": page, "o": int(bool(filters.get("open"))), "m": int(bool(filters.get("mine"))),
            "s": filters.get("section") or ""}
    # The list is a private answer: its buttons are for the person who asked, no one else.
    mine = {"audience": Audience.person(actor), "consortium": consortium}
    for section, rows in pages[page - 1]:
        done, total = per_section.get(section, (0, 0))
        lines += ["", f"**{escape_markdown(section)}** — {done}/{total}"]
        lines += [line for _row, line in rows]
        actions = []
        for row, _line in rows:
            item = row.item
            actions.append(button(services, id=f"{'un' if item.done else 'ck'}{item.number}",
                                  label=f"{'☑' if item.done else '☐'} {item.number}", action_name="checklist.toggle",
                                  data={**base, "n": item.number, "d": 0 if item.done else 1,
                                        "k": secrets.token_urlsafe(12)},
                                  style="default" if item.done else "primary", **mine))
        attachments.append(attachment(text=_("Tick or untick ({section}):", section=escape_markdown(section)),
                                      actions=actions))
    nav = []
    if page > 1:
        nav.append(button(services, id="prev", label=_("◀ Previous page"), action_name="checklist.page",
                          data={**base, "p": page - 1}, **mine))
    if page < len(pages):
        nav.append(button(services, id="next", label=_("Next page ▶"), action_name="checklist.page",
                          data={**base, "p": page + 1}, **mine))
    nav.append(button(services, id="refresh", label=_("Refresh"), action_name="checklist.page", data=base, **mine))
    attachments.append(attachment(actions=nav))
    return "\n".join(lines), attachments


def _list_reply(ctx, actor: Actor, consortium: Consortium, filters: dict, page: int, tz: ZoneInfo,
                now: datetime) -> tuple[str, list[dict]]:
    view = checklist.list_items(ctx.session, actor, consortium, open_only=bool(filters.get("open")),
                                mine=bool(filters.get("mine")), section=filters.get("section") or None)
    return render_list(ctx.services, actor, consortium, view, filters=filters, page=page, tz=tz, now=now)


def _numbers_text(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


# --- commands -----------------------------------------------------------------------------

@handles(T, "list")
def list_items(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(ListSchema(), {"open": bool(cmd.get("open")), "mine": bool(cmd.get("mine")),
                                        "section": cmd.get("section")}, usage=_usage(cmd))
    text, attachments = _list_reply(ctx, ctx.actor, ctx.require_consortium(), data, 1, ctx.tz, ctx.now)
    return Reply(text, attachments=attachments or None)


@handles(T, "add")
def add(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(AddSchema(), {k: cmd.get(k) for k in ("text", "assignee", "due", "section")},
                         usage=_usage(cmd))
    result = checklist.add_item(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(), data,
                                directory=ctx.services.directory, tz=ctx.tz, group_locale=_group_locale(ctx),
                                now=ctx.now)
    return Reply("✅ " + result.message)


def _set_done(ctx: CommandContext, cmd: ParsedCommand, done: bool) -> Reply:
    data = load_or_raise(NumbersSchema(), {"numbers": cmd.get("numbers")}, usage=_usage(cmd))
    outcome = checklist.set_done(ctx.session, ctx.actor, ctx.require_consortium(), data["numbers"], done,
                                 group_locale=_group_locale(ctx), now=ctx.now)
    return Reply(_done_text(outcome, done))


def _done_text(outcome, done: bool) -> str:
    lines = []
    if outcome.changed:
        lines.append(ngettext("☑ Item {list} ticked.", "☑ Items {list} ticked.", len(outcome.changed),
                              list=_numbers_text(outcome.changed)) if done else
                     ngettext("☐ Item {list} reopened.", "☐ Items {list} reopened.", len(outcome.changed),
                              list=_numbers_text(outcome.changed)))
    if outcome.unchanged:
        lines.append(ngettext("Item {list} was already ticked.", "Items {list} were already ticked.",
                              len(outcome.unchanged), list=_numbers_text(outcome.unchanged)) if done else
                     ngettext("Item {list} was not ticked.", "Items {list} were not ticked.",
                              len(outcome.unchanged), list=_numbers_text(outcome.unchanged)))
    return "\n".join(lines)


@handles(T, "check")
def check(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    return _set_done(ctx, cmd, True)


@handles(T, "uncheck")
def uncheck(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    return _set_done(ctx, cmd, False)


@handles(T, "assign")
def assign(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(AssignSchema(), {"number": cmd.get("number"), "user": cmd.get("user")}, usage=_usage(cmd))
    result = checklist.assign(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(), data["number"],
                              data["user"], directory=ctx.services.directory, group_locale=_group_locale(ctx),
                              now=ctx.now)
    return Reply(result.message)


@handles(T, "due")
def due(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(DueSchema(), {"number": cmd.get("number"), "date": cmd.get("date")}, usage=_usage(cmd))
    return Reply(checklist.set_due(ctx.session, ctx.actor, ctx.require_consortium(), data["number"], data["date"],
                                   tz=ctx.tz, now=ctx.now).message)


@handles(T, "note")
def note(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NoteSchema(), {"number": cmd.get("number"), "text": cmd.get("text")}, usage=_usage(cmd))
    return Reply(checklist.add_note(ctx.session, ctx.actor, ctx.require_consortium(), data["number"], data["text"],
                                    now=ctx.now).message)


@handles(T, "remove")
def remove(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NumberSchema(), {"number": cmd.get("number")}, usage=_usage(cmd))
    return Reply(checklist.remove_item(ctx.session, ctx.actor, ctx.require_consortium(), data["number"],
                                       now=ctx.now).message)


def _event_line(event, view: checklist.HistoryView, tz: ZoneInfo) -> str:
    when = format_short(event.at, tz=tz)
    who = f"@{event.actor_label}" if event.actor_label else "—"
    after, before = event.after or {}, event.before or {}
    if event.action == "checklist.add":
        what = _("added")
    elif event.action == "checklist.check":
        what = _("ticked")
    elif event.action == "checklist.uncheck":
        what = _("reopened")
    elif event.action == "checklist.assign":
        old = view.people.get(before.get("assignee_id"))
        what = _("assigned to @{user}", user=after.get("username") or view.people.get(after.get("assignee_id"), "?"))
        if old:
            what += " " + _("(was @{user})", user=old)
    elif event.action == "checklist.due":
        what = _("due date set to {when}", when=_shown_date(after.get("due_date")))
        if before.get("due_date"):
            what += " " + _("(was {when})", when=_shown_date(before["due_date"]))
    elif event.action == "checklist.note":
        what = _("note: {text}", text=escape_markdown(checklist._short(after.get("text") or "", 120)))
    elif event.action == "checklist.remove":
        what = _("removed")
    else:
        what = escape_markdown(event.action)
    return f"- {when} — {who} — {what}"


@handles(T, "history")
def history(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NumberSchema(), {"number": cmd.get("number")}, usage=_usage(cmd))
    view = checklist.history(ctx.session, ctx.actor, ctx.require_consortium(), data["number"])
    item = view.item
    lines = [_("#### History of item {n}", n=item.number),
             escape_markdown(checklist.item_text(item, ctx.locale))]
    if item.deleted_at:
        lines.append(_("_Removed on {when}._", when=format_date(item.deleted_at, tz=ctx.tz, with_time=False)))
    lines.append("")
    lines += [_event_line(e, view, ctx.tz) for e in view.events] or [_("No change recorded yet.")]
    if view.notes:
        lines += ["", _("**Notes**")]
        for note_row, username in view.notes:
            lines.append(f"- {escape_markdown(note_row.text)} — @{username or '?'}, "
                         f"{format_short(note_row.created_at, tz=ctx.tz)}")
    return Reply("\n".join(lines))


@handles(T, "template")
def template(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(TemplateSchema(), {"name": cmd.get("name")}, usage=_usage(cmd))
    consortium = ctx.require_consortium()
    if data["name"]:
        result = checklist.apply_named_template(ctx.session, ctx.actor, consortium, data["name"],
                                                group_locale=_group_locale(ctx), now=ctx.now)
        return Reply(result.message)
    rows = checklist.templates(ctx.session, ctx.actor, consortium)
    lines = [_("**Checklist templates**")]
    for row in rows:
        title = (row.template.title_en or row.template.title) if ctx.locale == "en" else row.template.title
        lines.append("- " + _("`{name}` — {title}: {present}/{items} items in this checklist", name=row.template.name,
                              title=escape_markdown(title), present=row.present, items=row.items))
    lines.append(_("Add a template's missing items with `/checklist template <name>`."))
    return Reply("\n".join(lines))


@handles(T, "export")
def export(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    return Reply(checklist.export(ctx.session, ctx.actor, ctx.require_consortium(), tz=ctx.tz, now=ctx.now).message)


@handles(T, "reminders")
def reminders(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(RemindersSchema(), {"state": cmd.get("state")}, usage=_usage(cmd))
    return Reply(checklist.set_reminders(ctx.session, ctx.actor, ctx.require_consortium(),
                                         data["state"] in ("on", "oui")).message)


# --- buttons ------------------------------------------------------------------------------

def _consortium_of(ictx: InteractionContext) -> Consortium:
    consortium = ictx.session.get(Consortium, ictx.data.get("c"))
    if consortium is None:
        raise NotFound(_("This consortium no longer exists."))
    ictx.consortium = consortium
    return consortium


def _filters(data: dict) -> dict:
    return {"open": bool(data.get("o")), "mine": bool(data.get("m")), "section": data.get("s") or None}


def _burn(ictx: InteractionContext) -> None:
    """Tick buttons are single-use: a replayed context is refused."""
    nonce = str(ictx.data.get("k") or "")
    if not nonce:
        raise Refusal(_("This action could not be verified and was ignored."))
    try:
        with ictx.session.begin_nested():
            ictx.session.add(UsedNonce(nonce=f"ck:{nonce}"[:64], expires_at=utcnow() + TOGGLE_MAX_AGE))
    except IntegrityError:
        raise Refusal(_("This button has already been used; the list has changed since. "
                             "Use the refreshed list.")) from None


@action("checklist.toggle", max_age=TOGGLE_MAX_AGE)
def toggle(ictx: InteractionContext) -> ActionResult:
    # The list is an ephemeral post: Mattermost updates only stored posts from a button's answer (an
    # ``update`` of an ephemeral one fails with 404), so the click is confirmed in a new ephemeral line.
    consortium = _consortium_of(ictx)
    _burn(ictx)
    number, done = int(ictx.data.get("n")), bool(ictx.data.get("d"))
    outcome = checklist.set_done(ictx.session, ictx.actor, consortium, [number], done,
                                 group_locale=ictx.services.settings.locale, now=utcnow())
    return ActionResult(ephemeral_text=_done_text(outcome, done))


@action("checklist.page", max_age=timedelta(days=14))
def turn_page(ictx: InteractionContext) -> ActionResult:
    consortium = _consortium_of(ictx)
    now = utcnow()
    text, _attachments = _list_reply(ictx, ictx.actor, consortium, _filters(ictx.data), int(ictx.data.get("p") or 1),
                                     ZoneInfo(consortium.timezone), now)
    # Ephemeral like the list (see ``toggle``): the page comes as a new ephemeral post.
    return ActionResult(ephemeral_text=text)
