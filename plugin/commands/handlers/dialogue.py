"""/dialogue: structured dialogue threads between a consortium and foundations (thin handlers)."""
from __future__ import annotations

from integrations.mattermost.messages import escape_markdown
from plugin.commands.legacy import CommandContext, handles, usage as _usage
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.dates import DateError, format_date, format_short, parse_date, validate_future
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.dialogues import NextStepSchema, NumberSchema, OpenDialogueSchema, StageChangeSchema
from plugin.kernel import access
from plugin.features.consortium import api as consortia
from plugin.services import dialogues as service
from plugin.kernel.errors import Invalid, NotFound
from plugin.services.foundations import foundation_of

T = "dialogue"
MAX_ROWS = 50



def _channel_locale(ctx: CommandContext) -> str:
    return ctx.settings.locale


def _link_base(ctx: CommandContext) -> str | None:
    settings = ctx.settings
    if not settings.mattermost_url:
        return None
    team = (ctx.request.team_domain or settings.mattermost_team or "").strip()
    return f"{settings.mattermost_url.rstrip('/')}/{team}" if team else None


def _number(ctx: CommandContext, cmd: ParsedCommand) -> dict:
    raw = cmd.get("number")
    return load_or_raise(NumberSchema(), {"number": raw} if raw is not None else {}, usage=_usage(cmd))


def _target(ctx: CommandContext, cmd: ParsedCommand, number: int | None):
    consortium = ctx.require_consortium()
    scope = service.require_scope(ctx.session, ctx.actor, consortium)
    return consortium, scope, service.resolve(ctx.session, scope, consortium, number, ctx.request.root_id or None)


@handles(T, "open")
def open_(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(OpenDialogueSchema(), {"foundation": cmd.get("foundation"), "subject": cmd.get("subject")},
                         usage=_usage(cmd))
    result = service.open_dialogue(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(), data,
                                   channel_locale=_channel_locale(ctx), link_base=_link_base(ctx))
    return Reply(result.message)


@handles(T, "stage")
def stage(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(StageChangeSchema(), {k: v for k, v in (("number", cmd.get("number")),
                                                                ("stage", cmd.get("stage"))) if v is not None},
                         usage=_usage(cmd))
    consortium = ctx.require_consortium()
    service.require_full(ctx.session, ctx.actor, consortium, what=_("change a dialogue's stage"))
    consortium, _scope, dialogue = _target(ctx, cmd, data["number"])
    return Reply(service.change_stage(ctx.session, ctx.actor, consortium, dialogue, data["stage"],
                                      channel_locale=_channel_locale(ctx)).message)


@handles(T, "close")
def close(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = _number(ctx, cmd)
    consortium = ctx.require_consortium()
    service.require_full(ctx.session, ctx.actor, consortium, what=_("close a dialogue"))
    consortium, _scope, dialogue = _target(ctx, cmd, data["number"])
    return Reply(service.change_stage(ctx.session, ctx.actor, consortium, dialogue, "clos",
                                      channel_locale=_channel_locale(ctx)).message)


@handles(T, "next")
def next_step(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(NextStepSchema(), {k: v for k, v in (("number", cmd.get("number")), ("date", cmd.get("date")),
                                                             ("action", cmd.get("action"))) if v is not None},
                         usage=_usage(cmd))
    consortium, _scope, dialogue = _target(ctx, cmd, data["number"])
    try:
        when = parse_date(data["date"], now=ctx.now, tz=ctx.tz)
        validate_future(when, now=ctx.now, tz=ctx.tz)
    except DateError as error:
        raise Invalid(error.message, usage=_usage(cmd)) from None
    return Reply(service.set_next_step(ctx.session, ctx.actor, consortium, dialogue, when, data["action"],
                                       channel_locale=_channel_locale(ctx)).message)


@handles(T, "summary")
def summary(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = _number(ctx, cmd)
    consortium, _scope, dialogue = _target(ctx, cmd, data["number"])
    view = service.summary(ctx.session, dialogue)
    tz = ctx.tz
    lines = [_("#### Dialogue no. {n} — {foundation}: “{subject}”", n=dialogue.number,
               foundation=escape_markdown(view.foundation.name), subject=escape_markdown(dialogue.subject)),
             _("Consortium: {name} · stage: **{stage}** · next step: {next}",
               name=escape_markdown(consortium.name), stage=service.stage_label(dialogue.stage),
               next=service._next_step_text(dialogue)),
             "", _("**History**")]
    steps = 0
    for event, username in view.events:
        when = format_date(service.aware(event.at).astimezone(tz).date())
        by = f" (@{username})" if username else ""
        if event.kind == "opened":
            lines.append(_("- {when} — opened, stage “{stage}”{by}", when=when,
                           stage=service.stage_label(event.to_stage), by=by))
        elif event.kind in ("stage", "closed"):
            lines.append(_("- {when} — stage “{before}” → “{after}”{by}", when=when,
                           before=service.stage_label(event.from_stage), after=service.stage_label(event.to_stage),
                           by=by))
        elif event.kind == "next-step":
            steps += 1
            step_date, action = service.next_step_of(event)
            lines.append(_("- {when} — next step set for {date}: {action}{by}", when=when,
                           date=format_date(step_date) if step_date else "?", action=escape_markdown(action), by=by))
        else:
            lines.append(f"- {when} — {escape_markdown(event.text)}{by}")
    lines.append("")
    replies = _thread_replies(ctx, dialogue.root_post_id)
    if replies is None:
        lines.append(_("Replies in the thread: not available right now (Mattermost did not answer)."))
    else:
        count, last = replies
        text = ngettext("{n} reply in the thread", "{n} replies in the thread", count)
        if last is not None:
            text += " " + _("(last one on {date})", date=format_date(last.astimezone(tz), with_time=True))
        lines.append(text + ".")
    opened = service.days_since(dialogue.opened_at, ctx.now)
    idle = service.days_since(dialogue.last_activity_at, ctx.now)
    lines.append(_("{opened}; {activity}",
                   opened=ngettext("Open for {n} day", "Open for {n} days", opened) if opened else _("Opened today"),
                   activity=ngettext("last activity {n} day ago.", "last activity {n} days ago.", idle) if idle
                   else _("last activity today.")))
    return Reply("\n".join(lines))


def _thread_replies(ctx: CommandContext, root_post_id: str | None):
    """(number of replies, time of the last one) from Mattermost, or None when it cannot say.

    The only outbound call of /dialogue on the request path: the thread's people talk in
    Mattermost, not through Consortia; short timeout, no retry.
    """
    if not root_post_id:
        return 0, None
    client = ctx.services.mattermost(interactive=True)
    if client is None or not hasattr(client, "get_thread"):
        return None
    try:
        thread = client.get_thread(root_post_id)
    except Exception:
        return None
    from datetime import datetime, timezone

    posts = [p for pid, p in (thread.get("posts") or {}).items() if pid != root_post_id and not p.get("delete_at")]
    if not posts:
        return 0, None
    last = max(p.get("create_at", 0) for p in posts)
    return len(posts), datetime.fromtimestamp(last / 1000, tz=timezone.utc)


# --- liste ----------------------------------------------------------------------------------------

def _table(ctx: CommandContext, rows: list[service.DialogueRow], *, with_consortium: bool) -> list[str]:
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
        days = service.days_since(d.last_activity_at, ctx.now)
        idle = idle_labels.get(days)
        if idle is None:
            idle = idle_labels[days] = ngettext("{n} day", "{n} days", days)
        stage = stages.get(d.stage)
        if stage is None:
            stage = stages[d.stage] = f"{service.STAGE_ICONS.get(d.stage, '')} {service.stage_label(d.stage)}"
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


def _consortium_of(ctx: CommandContext, cmd: ParsedCommand):
    slug = cmd.get("consortium")
    if slug:
        consortium = consortia.find_by_slug(ctx.session, slug[:64])
        if consortium is None:
            raise NotFound(_("There is no consortium “{slug}”.", slug=slug[:64]))
        return consortium
    channel = ctx.request.channel_id
    return consortia.find_by_channel(ctx.session, channel) or consortia.find_by_dialogue_channel(ctx.session, channel)


@handles(T, "list")
def list_(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    if cmd.get("all"):
        return _network_view(ctx)
    consortium = _consortium_of(ctx, cmd)
    if consortium is None:
        return _outside_consortium(ctx)
    ctx.consortium = consortium
    scope = service.require_scope(ctx.session, ctx.actor, consortium)
    rows = service.list_for_consortium(ctx.session, consortium, scope)
    if not rows:
        return Reply(_("No dialogue with a foundation yet. Open one with `/dialogue open <foundation> "
                       "\"<subject>\"`."))
    title = _("**Dialogues of {name}** ({count})", name=escape_markdown(consortium.name),
              count=service.count_label(len(rows)))
    return Reply("\n".join([title, "", *_table(ctx, rows[:MAX_ROWS], with_consortium=False)]))


def _outside_consortium(ctx: CommandContext) -> Reply:
    """Outside a consortium's channels: a representative sees their foundation's dialogues everywhere."""
    foundation = foundation_of(ctx.session, ctx.actor.person)
    if foundation is not None:
        rows = service.list_for_foundation(ctx.session, foundation.id, limit=MAX_ROWS)
        if not rows:
            return Reply(_("{foundation} has no dialogue with a consortium yet.",
                           foundation=escape_markdown(foundation.name)))
        title = _("**Dialogues of {foundation}**", foundation=escape_markdown(foundation.name))
        return Reply("\n".join([title, "", *_table(ctx, rows, with_consortium=True)]))
    mine = consortia.consortia_of(ctx.session, ctx.actor.person)
    if not mine:
        if ctx.actor.is_admin:
            return Reply(_("This is not a consortium's channel. Use `/dialogue list --all` for every dialogue of "
                           "the network, or add `--consortium <slug>`."))
        raise access.Forbidden(_("This channel is not a consortium's channel, and you do not take part in any "
                                 "consortium's dialogues."))
    listing = ", ".join(f"`{c.slug}`" for c in mine[:20])
    raise Invalid(_("This channel is not a consortium's channel. Use the command in your consortium's channel or "
                    "its dialogue channel, or add `--consortium <slug>`. Your consortiums: {listing}.",
                    listing=listing), usage=_("For example: `/dialogue list --consortium {slug}`", slug=mine[0].slug))


def _network_view(ctx: CommandContext) -> Reply:
    access.require_admin(ctx.actor)
    page = service.network_list(ctx.session, ctx.network, limit=MAX_ROWS)
    if not page.total:
        return Reply(_("No dialogue with a foundation in the network yet."))
    stages = " · ".join(f"{page.per_stage[s]} {service.stage_label(s)}"
                        for s in ("premier-contact", "exploration", "candidature", "instruction", "accorde",
                                  "decline", "clos") if page.per_stage.get(s))
    lines = [_("**Foundation dialogues of the network**: {count} — {stages}",
               count=service.count_label(page.total), stages=stages), "",
             *_table(ctx, page.rows, with_consortium=True)]
    if page.total > len(page.rows):
        lines.append(_("… and {n} more, most recently active first: see `GET /api/v1/dialogues`.",
                       n=page.total - len(page.rows)))
    return Reply("\n".join(lines))
