"""Everything the dialogues say, in the reader's language: replies to `/dialogue` and
`/consortium fondation`, the thread's root card and news, the reminders, the admins' notices, the
dialogue channel's texts, the API's bodies and the CLI's lines.

Called by the front door (replies) and by the deliverers (the channel's language, or the person a
direct message is for).
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from integrations.mattermost.messages import escape_markdown
from plugin.dates import format_date, format_short
from plugin.i18n import _, ngettext, render
from plugin.kernel.text import aware
from plugin.rendering.reply import Reply
from plugin.rendering.view import View

from plugin.features.dialogues import events as ev
from plugin.features.dialogues import outcomes as out
from plugin.features.dialogues.schemas import DialogueOutSchema, FoundationOutSchema
from plugin.features.dialogues.threads import days_since, next_step_of, stage_label as _stage_label

STAGE_ICONS = {"premier-contact": "👋", "exploration": "🔎", "candidature": "📝", "instruction": "⏳",
               "accorde": "🎉", "decline": "✋", "clos": "🔒"}
STAGE_ORDER = ("premier-contact", "exploration", "candidature", "instruction", "accorde", "decline", "clos")


def stage_label(stage: str | None) -> str:
    return render(_stage_label(stage))


def count_label(n: int) -> str:
    return ngettext("{n} dialogue", "{n} dialogues", n)


def _next_step_text(dialogue) -> str:
    if dialogue.next_step_date is None:
        return _("none yet")
    return f"{format_date(dialogue.next_step_date)} — {escape_markdown(dialogue.next_step_action)}"


# --- replies ----------------------------------------------------------------------------------

def opened(outcome: out.Opened, view: View) -> Reply:
    lines = [_("✅ Dialogue no. {n} opened with **{foundation}**: “{subject}”. Its thread is in ~{channel}.",
               n=outcome.number, foundation=escape_markdown(outcome.foundation),
               subject=escape_markdown(outcome.subject), channel=outcome.channel)]
    if outcome.representatives:
        lines.append(_("Invited: {people}.", people=", ".join(f"@{u}" for u in outcome.representatives)))
    else:
        lines.append(_("⚠️ {foundation} has no representative yet: the network's admins have been told. They add "
                       "one with `/consortium foundation representative {short} @user`.",
                       foundation=escape_markdown(outcome.foundation), short=outcome.short_name))
    return Reply("\n".join(lines))


def stage_set(outcome: out.StageSet, view: View) -> Reply:
    if outcome.stage == "clos":
        return Reply(_("Dialogue no. {n} is closed. Its history stays available with `/dialogue summary {n}`.",
                       n=outcome.number))
    return Reply(_("Dialogue no. {n}: stage changed to “{stage}”; posted in its thread.", n=outcome.number,
                   stage=stage_label(outcome.stage)))


def next_step_recorded(outcome: out.NextStepRecorded, view: View) -> Reply:
    return Reply(_("Dialogue no. {n}: next step on {date} recorded; the people concerned get a reminder the day "
                   "before.", n=outcome.number, date=format_date(outcome.date)))


def _history_line(event, username: str | None, tz: ZoneInfo) -> str:
    when = format_date(aware(event.at).astimezone(tz).date())
    by = f" (@{username})" if username else ""
    if event.kind == "opened":
        return _("- {when} — opened, stage “{stage}”{by}", when=when, stage=stage_label(event.to_stage), by=by)
    if event.kind in ("stage", "closed"):
        return _("- {when} — stage “{before}” → “{after}”{by}", when=when,
                 before=stage_label(event.from_stage), after=stage_label(event.to_stage), by=by)
    if event.kind == "next-step":
        step_date, action = next_step_of(event)
        return _("- {when} — next step set for {date}: {action}{by}", when=when,
                 date=format_date(step_date) if step_date else "?", action=escape_markdown(action), by=by)
    return f"- {when} — {escape_markdown(event.text)}{by}"


def summary(outcome: out.Summary, view: View) -> Reply:
    dialogue, consortium = outcome.dialogue, outcome.consortium
    tz = ZoneInfo(consortium.timezone)
    lines = [_("#### Dialogue no. {n} — {foundation}: “{subject}”", n=dialogue.number,
               foundation=escape_markdown(outcome.foundation.name), subject=escape_markdown(dialogue.subject)),
             _("Consortium: {name} · stage: **{stage}** · next step: {next}",
               name=escape_markdown(consortium.name), stage=stage_label(dialogue.stage),
               next=_next_step_text(dialogue)),
             "", _("**History**")]
    lines += [_history_line(event, username, tz) for event, username in outcome.events]
    lines.append("")
    if outcome.replies is None:
        lines.append(_("Replies in the thread: not available right now (Mattermost did not answer)."))
    else:
        count, last = outcome.replies
        text = ngettext("{n} reply in the thread", "{n} replies in the thread", count)
        if last is not None:
            text += " " + _("(last one on {date})", date=format_date(last.astimezone(tz), with_time=True))
        lines.append(text + ".")
    opened_days = days_since(dialogue.opened_at, view.now)
    idle = days_since(dialogue.last_activity_at, view.now)
    lines.append(_("{opened}; {activity}",
                   opened=ngettext("Open for {n} day", "Open for {n} days", opened_days) if opened_days
                   else _("Opened today"),
                   activity=ngettext("last activity {n} day ago.", "last activity {n} days ago.", idle) if idle
                   else _("last activity today.")))
    return Reply("\n".join(lines))


def _table(rows: list[out.DialogueRow], view: View, *, with_consortium: bool) -> list[str]:
    head = (_("| No. | Consortium | Foundation | Subject | Stage | Next step | Idle |") if with_consortium
            else _("| No. | Foundation | Subject | Stage | Next step | Idle |"))
    lines = [head, "|---" * (7 if with_consortium else 6) + "|"]
    # Labels computed once per table, not once per row: the stage column, the idle days,
    # the short dates and the consortium and foundation cells repeat across rows.
    stages: dict[str | None, str] = {}
    idle_labels: dict[int, str] = {}
    short_dates: dict = {}
    names: dict[int, str] = {}
    consortium_cells: dict[int, str] = {}
    for row in rows:
        d = row.dialogue
        nxt = "—"
        if d.next_step_date is not None:
            day = short_dates.get(d.next_step_date)
            if day is None:
                day = short_dates[d.next_step_date] = format_short(d.next_step_date)
            nxt = f"{day} {escape_markdown(d.next_step_action)[:60]}"
        days = days_since(d.last_activity_at, view.now)
        idle = idle_labels.get(days)
        if idle is None:
            idle = idle_labels[days] = ngettext("{n} day", "{n} days", days)
        stage = stages.get(d.stage)
        if stage is None:
            stage = stages[d.stage] = f"{STAGE_ICONS.get(d.stage, '')} {stage_label(d.stage)}"
        cells = [str(d.number)]
        if with_consortium:
            consortium = row.consortium
            cell = consortium_cells.get(consortium.id)
            if cell is None:
                cell = consortium_cells[consortium.id] = f"{escape_markdown(consortium.name)} (`{consortium.slug}`)"
            cells.append(cell)
        foundation = names.get(row.foundation.id)
        if foundation is None:
            foundation = names[row.foundation.id] = escape_markdown(row.foundation.short_name)
        cells += [foundation, escape_markdown(d.subject)[:80], stage, nxt, idle]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def consortium_dialogues(outcome: out.ConsortiumDialogues, view: View) -> Reply:
    if not outcome.rows:
        return Reply(_("No dialogue with a foundation yet. Open one with `/dialogue open <foundation> "
                       "\"<subject>\"`."))
    title = _("**Dialogues of {name}** ({count})", name=escape_markdown(outcome.consortium.name),
              count=count_label(len(outcome.rows)))
    return Reply("\n".join([title, "", *_table(outcome.rows[:50], view, with_consortium=False)]))


def foundation_dialogues(outcome: out.FoundationDialogues, view: View) -> Reply:
    name = escape_markdown(outcome.foundation.name)
    if not outcome.rows:
        return Reply(_("{foundation} has no dialogue with a consortium yet.", foundation=name))
    title = _("**Dialogues of {foundation}**", foundation=name)
    return Reply("\n".join([title, "", *_table(outcome.rows, view, with_consortium=True)]))


def admin_hint(outcome: out.AdminHint, view: View) -> Reply:
    return Reply(_("This is not a consortium's channel. Use `/dialogue list --all` for every dialogue of "
                   "the network, or add `--consortium <slug>`."))


def network_dialogues(outcome: out.NetworkDialogues, view: View) -> Reply:
    page = outcome.page
    if not page.total:
        return Reply(_("No dialogue with a foundation in the network yet."))
    stages = " · ".join(f"{page.per_stage[s]} {stage_label(s)}" for s in STAGE_ORDER if page.per_stage.get(s))
    lines = [_("**Foundation dialogues of the network**: {count} — {stages}",
               count=count_label(page.total), stages=stages), "",
             *_table(page.rows, view, with_consortium=True)]
    if page.total > len(page.rows):
        lines.append(_("… and {n} more, most recently active first: see `GET /api/v1/dialogues`.",
                       n=page.total - len(page.rows)))
    return Reply("\n".join(lines))


# --- foundations ------------------------------------------------------------------------------

def foundations_text(outcome: out.Foundations) -> str:
    rows = outcome.rows
    if not rows:
        return _("No foundation recorded yet. Add one with `/consortium foundation add FoundationX "
                 "\"Foundation X\"`.")
    lines = [ngettext("**{n} foundation**", "**{n} foundations**", len(rows)), "",
             _("| Short name | Name | Kind | Themes | Representatives | Open dialogues |"),
             "|---|---|---|---|---|---|"]
    for row in rows:
        f = row.foundation
        kind = _("fund") if f.kind == "fund" else _("foundation")
        reps = ", ".join(f"@{p.username}" + (" " + _("(guest)") if p.is_guest else "") for p in row.representatives)
        # A short name is one word without backticks: shown as typed inside code (no escaping there).
        lines.append(f"| `{f.short_name}` | {escape_markdown(f.name)} | {kind} | "
                     f"{escape_markdown(', '.join(f.themes or [])) or '—'} | {reps or '—'} | {row.open_dialogues} |")
    return "\n".join(lines)


def foundation_added_text(outcome: out.FoundationAdded) -> str:
    foundation = outcome.foundation
    return _("✅ Foundation **{name}** recorded (short name `{short}`). Add its representatives with "
             "`/consortium foundation representative {short} @user`.", name=escape_markdown(foundation.name),
             short=foundation.short_name)


def representatives_text(outcome: out.RepresentativesChanged) -> str:
    short = escape_markdown(outcome.short_name)
    names = ", ".join(f"@{u}" for u in outcome.changed) or "—"
    if outcome.removed:
        message = _("{names}: no longer representatives of {short}.", names=names, short=short)
        skipped = [_("@{user} does not represent {short}", user=u, short=short) for u in outcome.skipped]
    else:
        message = _("{names}: now representatives of {short}. They join the dialogue channels of the consortiums "
                    "{short} talks with, and only those.", names=names, short=short)
        skipped = [_("@{user} already represents {short}", user=u, short=short) for u in outcome.skipped]
    if skipped:
        message += "\n" + "; ".join(skipped) + "."
    return message


FOUNDATION_TEXTS = {out.Foundations: foundations_text, out.FoundationAdded: foundation_added_text,
                    out.RepresentativesChanged: representatives_text}


def foundation_text(outcome) -> str:
    """The answer to `/consortium fondation ...` (a foundation outcome), in the current language."""
    return FOUNDATION_TEXTS[type(outcome)](outcome)


def _foundation_reply(outcome, view: View) -> Reply:
    return Reply(foundation_text(outcome))


# --- the thread's root card and news (in the channel's language) ------------------------------

def card(dialogue, consortium, foundation, reps: list[str], opener: str | None) -> str:
    """The thread's root post: foundation, subject, stage, next step, people."""
    people = ", ".join(f"@{u}" for u in reps) or _("no representative yet")
    lines = [
        _("#### 🤝 Dialogue no. {n} — {foundation}", n=dialogue.number,
          foundation=escape_markdown(foundation.name)),
        _("**Subject:** {subject}", subject=escape_markdown(dialogue.subject)),
        _("**Consortium:** {name}", name=escape_markdown(consortium.name)),
        _("**Stage:** {icon} {stage}", icon=STAGE_ICONS.get(dialogue.stage, ""), stage=stage_label(dialogue.stage)),
        _("**Next step:** {next}", next=_next_step_text(dialogue)),
        _("**Foundation's representatives:** {people}", people=people),
    ]
    if opener is not None:
        lines.append(_("Opened by @{user} on {date}.", user=opener,
                       date=format_date(aware(dialogue.opened_at).astimezone(ZoneInfo(consortium.timezone)).date())))
    if dialogue.closed_at is None:
        lines.append(_("_In this thread: `/dialogue stage <stage>`, `/dialogue next <date> "
                       "\"<action>\"`, `/dialogue summary`._"))
    else:
        lines.append(_("_This dialogue is closed._"))
    return "\n".join(lines)


def news(event) -> str:
    if isinstance(event, ev.StageChanged) and event.after == "clos":
        return _("🔒 Dialogue closed by @{user} (it was at the stage “{before}”).", user=event.actor,
                 before=stage_label(event.before))
    if isinstance(event, ev.StageChanged):
        return _("{icon} Stage: “{before}” → **{after}** (@{user}).", icon=STAGE_ICONS.get(event.after, ""),
                 before=stage_label(event.before), after=stage_label(event.after), user=event.actor)
    return _("📌 Next step, {date}: {action} (@{user}). A reminder comes the day before.",
             date=format_date(date.fromisoformat(event.date)), action=escape_markdown(event.action), user=event.actor)


def no_representative(event: ev.DialogueOpened, consortium, foundation) -> str:
    return _("⚠️ @{user} opened dialogue no. {n} of the consortium “{name}” with {foundation}, which has no "
             "representative yet. Add one with `/consortium foundation representative {short} @user`.",
             user=event.actor, n=event.number, name=escape_markdown(consortium.name),
             foundation=escape_markdown(foundation.name), short=foundation.short_name)


def reminder(dialogue, consortium, foundation) -> str:
    return _("⏰ Reminder — dialogue no. {n} of the consortium “{name}” with {foundation} "
             "(“{subject}”): next step {when}: {action}.", n=dialogue.number,
             name=escape_markdown(consortium.name), foundation=escape_markdown(foundation.name),
             subject=escape_markdown(dialogue.subject), when=format_date(dialogue.next_step_date),
             action=escape_markdown(dialogue.next_step_action))


def thread_reminder(dialogue, usernames: list[str]) -> str:
    mentions = " ".join(f"@{u}" for u in usernames)
    return _("⏰ Reminder: next step {when}: {action}. {people}", when=format_date(dialogue.next_step_date),
             action=escape_markdown(dialogue.next_step_action), people=mentions).strip()


# --- the dialogue channel -----------------------------------------------------------------------

def channel_texts(consortium) -> tuple[str, str, str]:
    display = _("{name} · foundations", name=consortium.name)[:64]
    purpose = _("Dialogue threads between the consortium “{name}” and foundations (Consortia).",
                name=consortium.name)[:250]
    header = _("One thread per dialogue · `/dialogue list` · `/dialogue help`")
    return display, purpose, header


def refused(consortium_name: str, refused_people: list[tuple[str, str]]) -> tuple[str, str]:
    """(the line in the dialogue channel, the admins' notice) when Mattermost refused to add people."""
    names = ", ".join(f"@{u}" for u, _reason in refused_people)
    reasons = "; ".join(f"@{u}: {reason[:200]}" for u, reason in refused_people)
    message = _("⚠️ Mattermost refused to add {names} to this channel ({reasons}). Everything else is done. A "
                "guest account must first be invited to the team by a system admin; then "
                "`/consortium foundation representative <foundation> @user` adds them here.",
                names=names, reasons=reasons)
    notice = _("⚠️ Consortium “{name}”: Mattermost refused to add {names} to its dialogue channel ({reasons}).",
               name=consortium_name, names=names, reasons=reasons)
    return message, notice


# --- the JSON API and the CLI -------------------------------------------------------------------

def dialogue_json(row: out.DialogueRow) -> dict:
    d = row.dialogue
    return DialogueOutSchema().dump({
        "id": d.id, "number": d.number, "consortium": row.consortium.slug, "foundation": row.foundation.short_name,
        "foundation_name": row.foundation.name, "subject": d.subject, "stage": d.stage,
        "next_step_date": d.next_step_date, "next_step_action": d.next_step_action,
        "opened_at": aware(d.opened_at), "last_activity_at": aware(d.last_activity_at),
        "closed_at": aware(d.closed_at) if d.closed_at else None, "thread_post_id": d.root_post_id,
    })


def foundation_json(row: out.FoundationRow) -> dict:
    f = row.foundation
    return FoundationOutSchema().dump({
        "short_name": f.short_name, "name": f.name, "kind": f.kind, "description": f.description,
        "themes": list(f.themes or []), "representatives": [p.username for p in row.representatives],
        "open_dialogues": row.open_dialogues,
    })


def dialogue_page_json(outcome: out.DialoguePage, view: View) -> dict:
    page = outcome.page
    return {"total": page.total, "limit": outcome.limit, "offset": outcome.offset, "per_stage": page.per_stage,
            "items": [dialogue_json(row) for row in page.rows]}


def foundations_json(outcome: out.Foundations, view: View) -> dict:
    return {"items": [foundation_json(row) for row in outcome.rows]}


def foundation_saved_json(outcome: out.FoundationSaved, view: View):
    return foundation_json(outcome.row), 201 if outcome.created else 200


def foundation_found_json(outcome: out.FoundationFound, view: View):
    if outcome.row is None:
        return {"error": "not_found"}, 404
    return foundation_json(outcome.row)


def imported_cli(outcome: out.Imported, view: View) -> tuple[str, int]:
    """The summary and each refused row; exit code 1 when a row was refused (the others are recorded)."""
    lines = [f"{outcome.created} created, {outcome.updated} updated, "
             f"{outcome.representatives} representatives added, {len(outcome.errors)} errors."]
    lines += [f"  {where}: {render(message)}" for where, message in outcome.errors]
    return "\n".join(lines), 1 if outcome.errors else 0


CHAT = {
    out.Opened: opened, out.StageSet: stage_set, out.NextStepRecorded: next_step_recorded, out.Summary: summary,
    out.ConsortiumDialogues: consortium_dialogues, out.FoundationDialogues: foundation_dialogues,
    out.AdminHint: admin_hint, out.NetworkDialogues: network_dialogues,
    **{kind: _foundation_reply for kind in FOUNDATION_TEXTS},
}
JSON = {out.DialoguePage: dialogue_page_json, out.Foundations: foundations_json,
        out.FoundationSaved: foundation_saved_json, out.FoundationFound: foundation_found_json}
CLI = {out.Imported: imported_cli}
