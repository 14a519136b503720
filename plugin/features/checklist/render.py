"""Everything the checklist says, in the reader's language: replies to its commands and buttons,
the group's news, the weekly digest, the assignees' reminders, the export files, the CLI's lines.

Called by the front door (replies) and by the deliverers (news, digest, reminders, export) with the
language of whoever reads: the asker, the channel, or the person a direct message is for.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from integrations.mattermost.messages import MAX_POST_TEXT, attachment, escape_markdown, progress_bar
from plugin.dates import format_date, format_short
from plugin.exports import to_csv
from plugin.i18n import _, get_locale, ngettext
from plugin.kernel.text import short
from plugin.rendering.reply import Reply
from plugin.rendering.view import View

from plugin.features.checklist import events as ev
from plugin.features.checklist import outcomes as out
from plugin.features.checklist.buttons import PAGE, TOGGLE

TEXT_BUDGET = 12_000      # characters of list text per post: well under Mattermost's 16,383
ITEMS_PER_PAGE = 40       # and a reasonable number of buttons
DIGEST_LINES = 15
SOON_DAYS = 7


def text_in(item, locale: str) -> str:
    """An item's text in ``locale`` (the French text when it has no English one)."""
    return (item.text_en or item.text) if locale == "en" else item.text


def section_in(item, locale: str) -> str:
    return (item.section_en or item.section) if locale == "en" else item.section


@lru_cache(maxsize=20_000)
def _escaped(text: str) -> str:
    """Item texts, section names and consortium names rarely change: escape each once per process."""
    return escape_markdown(text)


def _numbers(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


# --- the list -------------------------------------------------------------------------------

def _item_line(line: out.Line, locale: str, today: date) -> str:
    parts = [f"{'☑' if line.done else '☐'} **{line.number}** {_escaped(text_in(line, locale))}"]
    meta = []
    if line.assignee:
        meta.append(f"@{line.assignee}")
    if line.due_date:
        shown = f"📅 {format_short(line.due_date, locale=locale)}"
        if not line.done and line.due_date < today:
            shown = "**" + _("{date} (overdue)", date=shown) + "**"
        meta.append(shown)
    if line.notes:
        meta.append(f"💬 {line.notes}")
    if meta:
        parts.append(" — " + " · ".join(meta))
    return "".join(parts)


def _pages(listing: out.Listing, locale: str, today: date) -> list[list[tuple[str, list]]]:
    """Split the shown items into pages that fit a post: [(section, [(line, text)...])...] per page."""
    pages: list[list[tuple[str, list]]] = [[]]
    size = count = 0
    for line in listing.lines:
        text = _item_line(line, locale, today)
        section = section_in(line, locale)
        if pages[-1] and (size + len(text) + 200 > TEXT_BUDGET or count >= ITEMS_PER_PAGE):
            pages.append([])
            size = count = 0
        page = pages[-1]
        if not page or page[-1][0] != section:
            page.append((section, []))
            size += len(section) + 40
        page[-1][1].append((line, text))
        size += len(text) + 1
        count += 1
    return pages


def _progress_by_section(listing: out.Listing, locale: str) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {}
    for section in listing.sections:
        count = counts.setdefault(section_in(section, locale), [0, 0])
        count[0] += section.done
        count[1] += section.total
    return {label: (d, t) for label, (d, t) in counts.items()}


def listing(listing: out.Listing, view: View) -> Reply:
    locale, consortium = view.locale, view.consortium
    pages = _pages(listing, locale, view.today)
    page = min(max(1, listing.page), len(pages))
    lines = [_("#### 📋 Checklist — {name}", name=_escaped(consortium.name)),
             progress_bar(listing.done, listing.total)]
    active = []
    if listing.open:
        active.append(_("open items"))
    if listing.mine:
        active.append(_("assigned to me"))
    if listing.section:
        active.append(_("section “{section}”", section=escape_markdown(listing.section)))
    if active:
        lines.append(_("Filter: {filters}", filters=", ".join(active)))
    if len(pages) > 1:
        lines.append(_("Page {page} of {pages}", page=page, pages=len(pages)))
    if not listing.lines:
        lines.append("")
        lines.append(_("No item matches.") if active else
                     _("The checklist is empty. Add an item with `/checklist add \"<text>\"`."))
        return Reply("\n".join(lines))
    per_section = _progress_by_section(listing, locale)
    attachments = []
    base = {"c": consortium.id, "p": page, "o": int(listing.open), "m": int(listing.mine), "s": listing.section or ""}
    who = {"actor": view.actor, "consortium": consortium}
    for section, rows in pages[page - 1]:
        done, total = per_section.get(section, (0, 0))
        shown = _escaped(section)
        lines += ["", f"**{shown}** — {done}/{total}"]
        lines += [text for _line, text in rows]
        actions = [TOGGLE.button(view.runtime, id=f"{'un' if line.done else 'ck'}{line.number}",
                                 label=f"{'☑' if line.done else '☐'} {line.number}",
                                 data={**base, "n": line.number, "d": 0 if line.done else 1},
                                 style="default" if line.done else "primary", **who)
                   for line, _text in rows]
        attachments.append(attachment(text=_("Tick or untick ({section}):", section=shown),
                                      actions=actions))
    nav = []
    if page > 1:
        nav.append(PAGE.button(view.runtime, id="prev", label=_("◀ Previous page"), data={**base, "p": page - 1}, **who))
    if page < len(pages):
        nav.append(PAGE.button(view.runtime, id="next", label=_("Next page ▶"), data={**base, "p": page + 1}, **who))
    nav.append(PAGE.button(view.runtime, id="refresh", label=_("Refresh"), data=base, **who))
    attachments.append(attachment(actions=nav))
    return Reply("\n".join(lines), attachments=attachments)


# --- changes --------------------------------------------------------------------------------

def ticked(outcome: out.Ticked, view: View) -> Reply:
    lines, done = [], outcome.done
    if outcome.changed:
        lines.append(ngettext("☑ Item {list} ticked.", "☑ Items {list} ticked.", len(outcome.changed),
                              list=_numbers(outcome.changed)) if done else
                     ngettext("☐ Item {list} reopened.", "☐ Items {list} reopened.", len(outcome.changed),
                              list=_numbers(outcome.changed)))
    if outcome.unchanged:
        lines.append(ngettext("Item {list} was already ticked.", "Items {list} were already ticked.",
                              len(outcome.unchanged), list=_numbers(outcome.unchanged)) if done else
                     ngettext("Item {list} was not ticked.", "Items {list} were not ticked.",
                              len(outcome.unchanged), list=_numbers(outcome.unchanged)))
    return Reply("\n".join(lines))


def _past_due(when: date) -> str:
    return _("Note: {when} is already past; the item shows as overdue.", when=format_date(when))


def added(outcome: out.Added, view: View) -> Reply:
    text = "✅ " + _("Item **{n}** added: {text}", n=outcome.number, text=escape_markdown(outcome.text))
    if outcome.overdue:
        text += "\n" + _past_due(outcome.due)
    return Reply(text)


def assigned(outcome: out.Assigned, view: View) -> Reply:
    if outcome.already:
        return Reply(_("Item {n} is already assigned to @{user}.", n=outcome.number, user=outcome.user))
    return Reply(_("Item {n} is now assigned to @{user}.", n=outcome.number, user=outcome.user))


def due_set(outcome: out.DueSet, view: View) -> Reply:
    text = _("Item {n} is due on {when}.", n=outcome.number, when=format_date(outcome.due))
    return Reply(text + ("\n" + _past_due(outcome.due) if outcome.overdue else ""))


def noted(outcome: out.Noted, view: View) -> Reply:
    return Reply(_("Note recorded on item {n}: {text}", n=outcome.number, text=escape_markdown(short(outcome.text, 200))))


def removed(outcome: out.Removed, view: View) -> Reply:
    return Reply(_("Item {n} removed. Its history is kept: `/checklist history {n}`.", n=outcome.number))


def reminders(outcome: out.Reminders, view: View) -> Reply:
    if outcome.enabled:
        return Reply(_("Reminders are on: a weekly digest in the channel and a direct message to each assignee "
                       "whose items are due soon."))
    return Reply(_("Reminders are off for this consortium."))


def export_queued(outcome: out.ExportQueued, view: View) -> Reply:
    return Reply(_("The export (Markdown and CSV) is being attached in the consortium's channel."))


# --- history --------------------------------------------------------------------------------

def _shown_date(value) -> str:
    """A date kept as ISO text in the history, shown the way the user reads dates."""
    try:
        return format_date(date.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return str(value or "—")


def _history_line(event, view: out.History, tz: ZoneInfo) -> str:
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
        what = _("note: {text}", text=escape_markdown(short(after.get("text") or "", 120)))
    elif event.action == "checklist.remove":
        what = _("removed")
    else:
        what = escape_markdown(event.action)
    return f"- {when} — {who} — {what}"


def history(outcome: out.History, view: View) -> Reply:
    item, tz = outcome.item, view.tz
    lines = [_("#### History of item {n}", n=item.number), escape_markdown(text_in(item, view.locale))]
    if item.deleted_at:
        lines.append(_("_Removed on {when}._", when=format_date(item.deleted_at, tz=tz, with_time=False)))
    lines.append("")
    lines += [_history_line(e, outcome, tz) for e in outcome.events] or [_("No change recorded yet.")]
    if outcome.notes:
        lines += ["", _("**Notes**")]
        for note, username in outcome.notes:
            lines.append(f"- {escape_markdown(note.text)} — @{username or '?'}, {format_short(note.created_at, tz=tz)}")
    return Reply("\n".join(lines))


# --- templates ------------------------------------------------------------------------------

def templates(outcome: out.Templates, view: View) -> Reply:
    lines = [_("**Checklist templates**")]
    for row in outcome.rows:
        title = (row.template.title_en or row.template.title) if view.locale == "en" else row.template.title
        lines.append("- " + _("`{name}` — {title}: {present}/{items} items in this checklist", name=row.template.name,
                              title=escape_markdown(title), present=row.present, items=row.items))
    lines.append(_("Add a template's missing items with `/checklist template <name>`."))
    return Reply("\n".join(lines))


def template_added(outcome: out.TemplateAdded, view: View) -> Reply:
    if not outcome.added:
        return Reply(_("Every item of the template “{name}” is already in the checklist: nothing added.",
                       name=outcome.name))
    return Reply(ngettext("{n} item added from the template “{name}”.", "{n} items added from the template “{name}”.",
                          outcome.added, name=outcome.name))


# The operator's command line speaks English (its messages are not translated).
def template_imported(outcome: out.TemplateImported, view: View) -> str:
    return (f"Template '{outcome.name}' imported: {outcome.items} items. "
            f"A consortium adds its missing items with `/checklist modele {outcome.name}`.")


def template_catalog(outcome: out.TemplateCatalog, view: View) -> str:
    return "\n".join(f"{name}\t{count} items\t{title}" for name, title, count in outcome.rows)


# --- the group's news (one post per consortium and minute, in the channel's language) ----------

def _news_text(event) -> str:
    return escape_markdown(short(text_in(event, get_locale())))


def news_line(event) -> str:
    """One line of the group's news, in the current language."""
    if isinstance(event, ev.ItemTicked):
        return _("☑ @{actor} ticked **{n}** {text}", actor=event.actor, n=event.number, text=_news_text(event))
    if isinstance(event, ev.ItemReopened):
        return _("☐ @{actor} reopened **{n}** {text}", actor=event.actor, n=event.number, text=_news_text(event))
    if isinstance(event, ev.ItemAdded):
        line = _("➕ @{actor} added **{n}** {text}", actor=event.actor, n=event.number, text=_news_text(event))
        if event.assignee:
            line += " " + _("(for @{user})", user=event.assignee)
        return line
    if isinstance(event, ev.ItemAssigned):
        return _("👤 @{actor} assigned **{n}** {text} to @{user}", actor=event.actor, n=event.number,
                 text=_news_text(event), user=event.assignee)
    if isinstance(event, ev.TemplateApplied):
        return ngettext("📋 @{actor} added {n} item from the template “{name}”",
                        "📋 @{actor} added {n} items from the template “{name}”", event.added,
                        actor=event.actor, name=event.template)
    raise TypeError(f"not news: {event!r}")


def news_post(lines: list[str]) -> str:
    """The lines of a minute as one post; the latest kept when they would not fit."""
    text = "\n".join(lines)
    if len(text) > MAX_POST_TEXT - 100:
        kept: list[str] = []
        size = 0
        for line in reversed(lines):
            size += len(line) + 1
            if size > MAX_POST_TEXT - 100:
                break
            kept.insert(0, line)
        text = "…\n" + "\n".join(kept)
    return text


# --- the weekly digest (the channel) and the assignees' reminders (direct messages) -------------

def _digest_line(entry: dict, locale: str, *, with_assignee: bool = True) -> str:
    text = escape_markdown((entry.get("text_en") or entry["text"]) if locale == "en" else entry["text"])
    if len(text) > 120:
        text = text[:119] + "…"
    meta = []
    if with_assignee and entry.get("assignee"):
        meta.append(f"@{entry['assignee']}")
    if entry.get("due"):
        meta.append(f"📅 {format_short(date.fromisoformat(entry['due']), locale=locale)}")
    return f"- **{entry['number']}** {text}" + (f" — {' · '.join(meta)}" if meta else "")


def _digest_section(title: str, entries: list[dict], locale: str, *, with_assignee: bool = True) -> list[str]:
    if not entries:
        return []
    lines = ["", f"**{title}** ({len(entries)})"]
    lines += [_digest_line(e, locale, with_assignee=with_assignee) for e in entries[:DIGEST_LINES]]
    if len(entries) > DIGEST_LINES:
        lines.append(_("… and {n} more.", n=len(entries) - DIGEST_LINES))
    return lines


def _due(entry: dict) -> date | None:
    return date.fromisoformat(entry["due"]) if entry.get("due") else None


def digest(name: str, entries: list[dict], today: date, done: int, total: int, locale: str,
           commitment_lines: list[str]) -> str | None:
    """The weekly digest of a consortium's channel; None when there is nothing to say."""
    soon_end = today + timedelta(days=SOON_DAYS)
    overdue = [e for e in entries if _due(e) and _due(e) < today]
    soon = [e for e in entries if _due(e) and today <= _due(e) <= soon_end]
    unassigned = [e for e in entries if e.get("assignee_id") is None]
    if not (overdue or soon or unassigned or commitment_lines):
        return None
    lines = [_("#### 🗓️ Checklist of the week — {name}", name=escape_markdown(name)), progress_bar(done, total)]
    lines += _digest_section(_("⚠️ Overdue"), overdue, locale)
    lines += _digest_section(_("📅 Due within 7 days"), soon, locale)
    lines += _digest_section(_("🙋 Nobody in charge yet"), unassigned, locale, with_assignee=False)
    if commitment_lines:  # the commitments register's due dates belong in the same weekly look
        lines += ["", f"**{_('🤝 Commitments due soon')}** ({len(commitment_lines)})"]
        lines += [f"- {line}" for line in commitment_lines[:DIGEST_LINES]]
    lines += ["", _("`/checklist list --open` shows every open item; `/checklist reminders off` stops this digest.")]
    return "\n".join(lines)


def reminder(name: str, entries: list[dict], today: date, locale: str) -> str:
    """An assignee's direct message: their items due soon or overdue."""
    lines = [ngettext("You have {n} checklist item due soon in the consortium {name}:",
                      "You have {n} checklist items due soon in the consortium {name}:", len(entries),
                      name=escape_markdown(name))]
    for entry in entries[:DIGEST_LINES * 2]:
        line = _digest_line(entry, locale, with_assignee=False)
        if _due(entry) < today:
            line += " " + _("**(overdue)**")
        lines.append(line)
    lines.append(_("Tick an item with `/checklist check <n>` in the consortium's channel."))
    return "\n".join(lines)


# --- the export (files in the asker's language, the post in the channel's) ---------------------

def export_files(consortium, listing: out.Listing, notes: dict, event: ev.ChecklistExported,
                 tz: ZoneInfo) -> list[tuple[str, bytes]]:
    """The checklist with its notes as Markdown and CSV, in the current language (the asker's)."""
    locale = event.locale
    at = datetime.fromisoformat(event.at)
    title = _("Checklist of the consortium {name}", name=consortium.name)
    md = [f"# {escape_markdown(title)}", "",
          _("Exported on {when} by @{actor}: {done} of {total} items settled.",
            when=format_date(at, tz=tz, with_time=True), actor=event.actor, done=listing.done,
            total=listing.total), ""]
    current = None
    rows_csv = []
    for line in listing.lines:
        section = section_in(line, locale)
        if section != current:
            md += ["", f"## {escape_markdown(section)}", ""]
            current = section
        details = []
        if line.assignee:
            details.append(_("assignee: @{user}", user=line.assignee))
        if line.due_date:
            details.append(_("due: {when}", when=line.due_date.isoformat()))
        md.append(f"- [{'x' if line.done else ' '}] **{line.number}**. {escape_markdown(text_in(line, locale))}"
                  + (f" ({', '.join(details)})" if details else ""))
        item_notes = notes.get(line.id, [])
        for note, username in item_notes:
            md.append(f"    - {escape_markdown(note.text)} — @{username or '?'}, "
                      f"{format_date(note.created_at, tz=tz, with_time=True)}")
        rows_csv.append([line.number, section, text_in(line, locale), _("done") if line.done else _("open"),
                         line.assignee, line.due_date, line.done_at.astimezone(tz) if line.done_at else None,
                         "\n".join(f"{n.text} (@{u or '?'}, {n.created_at.astimezone(tz):%Y-%m-%d %H:%M})"
                                   for n, u in item_notes)])
    header = [_("Number"), _("Section"), _("Question"), _("Status"), _("Assignee"), _("Due date"), _("Done at"),
              _("Notes")]
    csv_bytes = to_csv(header, rows_csv, locale=locale)
    base = f"checklist-{consortium.slug}-{at.astimezone(tz):%Y-%m-%d}"
    return [(f"{base}.md", "\n".join(md).encode("utf-8") + b"\n"), (f"{base}.csv", csv_bytes)]


def export_post(event: ev.ChecklistExported) -> str:
    return _("📎 Checklist export requested by @{actor} (Markdown and CSV).", actor=event.actor)


CHAT = {
    out.Listing: listing, out.Ticked: ticked, out.Added: added, out.Assigned: assigned, out.DueSet: due_set,
    out.Noted: noted, out.Removed: removed, out.Reminders: reminders, out.ExportQueued: export_queued,
    out.History: history, out.Templates: templates, out.TemplateAdded: template_added,
}
CLI = {out.TemplateImported: template_imported, out.TemplateCatalog: template_catalog}
