"""/session: working sessions — thin handlers, the invitation card, its RSVP buttons and the form."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from integrations.mattermost import messages
from integrations.mattermost.messages import escape_markdown, escape_markdown_block
from models import Consortium, WorkingSession
from plugin.commands.legacy import (
    ActionResult, CommandContext, DialogResult, action, dialog, handles, open_dialog, usage as _usage,
)
from plugin.rendering.reply import Reply
from plugin.kernel.interactive import Audience, button
from plugin.commands.parser import ParsedCommand
from plugin.dates import format_date, format_short
from plugin.i18n import _, ngettext, use_locale
from plugin.schemas import load_or_raise
from plugin.schemas.sessions import (
    SessionMinutesSchema, SessionMoveSchema, SessionNumberSchema, SessionPlanSchema, SubscribeSchema,
)
from plugin.kernel import access
from plugin.features.consortium import api as consortia_service
from plugin.services import sessions
from plugin.kernel.errors import Invalid, NotFound
from plugin.kernel.outbox import queue

T = "session"
CARD_REF = "session.card_post_id"
ANSWER_ICONS = {"accepted": "✅", "declined": "❌", "tentative": "🤔", "needs-action": "⏳"}



def _integrations(services) -> sessions.Integrations:
    settings = services.settings
    return sessions.Integrations(caldav=settings.caldav_configured, smtp=settings.smtp_configured)


def feed_url(ctx: CommandContext, consortium: Consortium) -> str:
    """The acting person's own link to the consortium's feed (checked as member or admin before)."""
    from plugin.features.sessions.api import feed_url as link
    from plugin.services.calendar_feed import feed_token_for

    token = feed_token_for(ctx.session, consortium, ctx.actor.person, is_admin=ctx.actor.is_admin)
    return link(consortium, token or "", ctx.services.base_url)


def webcal(url: str) -> str:
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme):]
    return url


def _answer_label(answer: str) -> str:
    return {"accepted": _("Coming"), "declined": _("Not coming"), "tentative": _("Maybe"),
            "needs-action": _("No answer yet")}[answer]


def _when(ws: WorkingSession) -> str:
    tz = ZoneInfo(ws.timezone)
    end = sessions.ends(ws).astimezone(tz)
    start = sessions.starts(ws).astimezone(tz)
    end_text = format_date(end, with_time=True) if end.date() != start.date() else format_short(end).split(" ", 2)[-1]
    return _("{start} until {end}", start=format_date(start, with_time=True), end=end_text)


def _counts_line(view: sessions.SessionView) -> str:
    return " · ".join(_("{icon} {label}: {n}", icon=ANSWER_ICONS[key], label=_answer_label(key),
                          n=view.counts.get(key, 0))
                      for key in ("accepted", "declined", "tentative", "needs-action"))


# --------------------------------------------------------------------------- the card


def render_card(services, session, ws: WorkingSession, consortium: Consortium) -> tuple[str, dict]:
    """The invitation card: message and props (attachment with the RSVP buttons)."""
    with use_locale(services.settings.locale):
        view = sessions.view_of(session, ws)
        title = escape_markdown(ws.title)
        if ws.status == "cancelled":
            message = _("❌ ~~Session {n}: {title}~~ — cancelled.", n=ws.number, title=title)
            text = _("This session ({when}) will not take place.", when=_when(ws))
            return message, {"attachments": [messages.attachment(text=text, color="#999999")]}
        message = _("📅 **Session {n}: {title}**", n=ws.number, title=title)
        lines = [f"🕑 {_when(ws)}"]
        if ws.location:
            lines.append(f"📍 {escape_markdown(ws.location)}")
        if ws.video_url:
            lines.append(_("🎥 Video link: {url}", url=ws.video_url))
        if ws.agenda:
            lines.append(_("**Agenda:**") + "\n" + escape_markdown_block(ws.agenda))
        lines.append(_counts_line(view))
        lines.append(_("📆 Your own link to the consortium's calendar: `/session subscribe`"))
        # Posted in the consortium's channel: for its members.
        members = {"audience": Audience.members(consortium), "consortium": consortium}
        actions = [
            button(services, id="sessionyes", label=_("I'm coming"), action_name="session.rsvp",
                   data={"s": ws.id, "r": "accepted"}, style="good", **members),
            button(services, id="sessionno", label=_("I'm not coming"), action_name="session.rsvp",
                   data={"s": ws.id, "r": "declined"}, style="danger", **members),
            button(services, id="sessionmaybe", label=_("Maybe"), action_name="session.rsvp",
                   data={"s": ws.id, "r": "tentative"}, **members),
        ]
        att = messages.attachment(text="\n".join(lines), color="#1e88e5", actions=actions,
                                  fallback=f"{ws.title} — {_when(ws)}")
        return message, {"attachments": [att]}


def post_card(ctx, ws: WorkingSession, consortium: Consortium) -> None:
    message, props = render_card(ctx.services, ctx.session, ws, consortium)
    queue(ctx.session, "mattermost.post",
          {"consortium_id": consortium.id, "message": message, "props": props,
           "store": {"name": CARD_REF, "id": ws.id}},
          consortium_id=consortium.id, dedupe_key=f"session.card:{ws.uid}")


def update_card(ctx, ws: WorkingSession, consortium: Consortium) -> None:
    message, props = render_card(ctx.services, ctx.session, ws, consortium)
    queue(ctx.session, "mattermost.update_post",
          {"ref": {"name": CARD_REF, "id": ws.id}, "message": message, "props": props},
          consortium_id=consortium.id)


def _invitations_note(ctx, outcome: sessions.SessionOutcome, *, cancel: bool = False) -> list[str]:
    lines = []
    if not ctx.services.settings.smtp_configured:
        lines.append(_("E-mail is not configured: members see the session in the channel and in the calendar."))
        return lines
    if outcome.invited:
        if cancel:
            lines.append(ngettext("Cancellation e-mailed to {n} member.", "Cancellation e-mailed to {n} members.",
                                  len(outcome.invited)))
        else:
            lines.append(ngettext("Calendar invitation e-mailed to {n} member.",
                                  "Calendar invitations e-mailed to {n} members.", len(outcome.invited)))
    if outcome.without_email:
        names = ", ".join(f"@{p.username}" for p in outcome.without_email)
        lines.append(_("No e-mail address for {names}: no invitation sent to them (they see the card in the "
                       "channel).", names=names))
    return lines


# --------------------------------------------------------------------------- plan


def _plan_dialog(ctx: CommandContext, consortium: Consortium) -> Reply:
    el = messages
    elements = [
        el.text_element("title", _("Title"), max_length=150, placeholder=_("Shared diagnosis")),
        el.text_element("date", _("Date"), max_length=40, placeholder=_("10/12 or next thursday")),
        el.text_element("time", _("Time"), max_length=20, placeholder="14h30"),
        el.text_element("duration", _("Duration"), optional=True, max_length=20, placeholder="2h"),
        el.text_element("place", _("Place"), optional=True, max_length=150),
        el.text_element("video", _("Video link"), optional=True, max_length=150, subtype="url",
                        placeholder="https://"),
        el.textarea_element("agenda", _("Agenda"), optional=True, max_length=3000),
    ]
    open_dialog(ctx.services, ctx.request.trigger_id, callback="session.plan", title=_("Plan a session"),
                elements=elements, state={"c": consortium.id}, submit_label=_("Plan"), actor=ctx.actor,
                network=ctx.network, consortium=consortium,
                introduction=_("Consortium: {name}", name=escape_markdown(consortium.name)))
    return Reply(_("The planning form is open."))


def _plan(ctx, consortium: Consortium, raw: dict, usage: str | None) -> tuple[sessions.SessionOutcome, list[str]]:
    access.require_member(ctx.session, ctx.actor, consortium)
    schema = SessionPlanSchema(now=ctx.now, tz=ZoneInfo(consortium.timezone))
    data = load_or_raise(schema, raw, usage=usage)
    outcome = sessions.plan(ctx.session, ctx.actor, consortium, data, integrations=_integrations(ctx.services))
    ws = outcome.working_session
    post_card(ctx, ws, consortium)
    lines = [_("✅ Session {n} planned: **{title}**, {when}.", n=ws.number, title=escape_markdown(ws.title),
               when=_when(ws)),
             _("The invitation card is posted in the channel with the answer buttons.")]
    lines += _invitations_note(ctx, outcome)
    return outcome, lines


@handles(T, "plan")
def plan(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    raw = {key: cmd.get(key) for key in ("title", "date", "time") if cmd.get(key) is not None}
    if not raw and not any(cmd.get(k) for k in ("duration", "place", "video", "agenda")):
        access.require_member(ctx.session, ctx.actor, consortium)
        access.require_active(consortium)
        return _plan_dialog(ctx, consortium)
    for key in ("title", "date", "time"):
        if not cmd.get(key):
            raise Invalid(_("Give the title, the date and the time of the session."), usage=_usage(cmd))
    raw.update({key: cmd.get(key) for key in ("duration", "place", "video", "agenda") if cmd.get(key) is not None})
    _outcome, lines = _plan(ctx, consortium, raw, _usage(cmd))
    return Reply("\n".join(lines))


@dialog("session.plan")
def plan_submitted(ctx) -> DialogResult:
    consortium = ctx.session.get(Consortium, ctx.data.get("c"))
    if consortium is None:
        raise NotFound(_("This consortium no longer exists."))
    submission = ctx.data.get("submission") or {}
    raw = {key: submission.get(key) for key in ("title", "date", "time", "duration", "place", "video", "agenda")
           if submission.get(key) not in (None, "")}
    for key in ("title", "date", "time"):
        raw.setdefault(key, "")
    from models import utcnow

    ctx.now = utcnow()
    _outcome, lines = _plan(ctx, consortium, raw, None)
    if ctx.actor.person.mattermost_user_id and (ctx.channel_id or consortium.channel_id):
        queue(ctx.session, "mattermost.ephemeral",
              {"user_id": ctx.actor.person.mattermost_user_id,
               "channel_id": ctx.channel_id or consortium.channel_id, "message": "\n".join(lines)},
              consortium_id=consortium.id)
    return DialogResult()


# --------------------------------------------------------------------------- answers


@action("session.rsvp", max_age=timedelta(days=400))
def rsvp(ctx) -> ActionResult:
    reply = str(ctx.data.get("r") or "")
    session_id = ctx.data.get("s")
    if not isinstance(session_id, int):
        raise NotFound(_("This session no longer exists."))
    ws, consortium = sessions.answer(ctx.session, ctx.actor, session_id, reply,
                                     integrations=_integrations(ctx.services))
    message, props = render_card(ctx.services, ctx.session, ws, consortium)
    return ActionResult(update_message=message, update_props=props,
                        ephemeral_text=_("Your answer for “{title}”: {answer}.", title=escape_markdown(ws.title),
                                         answer=_answer_label(reply)))


# --------------------------------------------------------------------------- list


def _people(people) -> str:
    return ", ".join(f"@{p.username}" for p in people) or "—"


@handles(T, "list")
def list_sessions(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    views = sessions.upcoming(ctx.session, consortium, now=ctx.now)
    if not views:
        return Reply(_("No session planned. Plan one with `/session plan \"Title\" 10/12 2pm`.")
                     + "\n" + _("Calendar: {url}", url=webcal(feed_url(ctx, consortium))))
    total = sessions.count_upcoming(ctx.session, consortium, now=ctx.now)
    lines = [ngettext("#### {n} upcoming session — {name}", "#### {n} upcoming sessions — {name}", total,
                      name=escape_markdown(consortium.name))]
    tz = ZoneInfo(consortium.timezone)
    for view in views:
        ws = view.working_session
        head = f"**{ws.number}.** {format_short(sessions.starts(ws), tz=tz)} — **{escape_markdown(ws.title)}**"
        if ws.location:
            head += f" · 📍 {escape_markdown(ws.location)}"
        lines.append(head)
        counts = " ".join(f"{ANSWER_ICONS[k]} {view.counts.get(k, 0)}"
                          for k in ("accepted", "declined", "tentative", "needs-action"))
        lines.append(f"  {counts}")
        for key in ("accepted", "declined", "tentative"):
            if view.by_answer.get(key):
                lines.append("  " + _("{icon} {label}: {n}", icon=ANSWER_ICONS[key], label=_answer_label(key),
                                      n=_people(view.by_answer[key])))
    if total > len(views):
        lines.append(_("… and {n} more.", n=total - len(views)))
    lines.append(_("Calendar: {url}", url=webcal(feed_url(ctx, consortium))))
    return Reply("\n".join(lines))


# --------------------------------------------------------------------------- move, cancel, minutes


@handles(T, "move")
def move(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    schema = SessionMoveSchema(now=ctx.now, tz=ZoneInfo(consortium.timezone))
    data = load_or_raise(schema, {"number": cmd.get("number"), "date": cmd.get("date"), "time": cmd.get("time")},
                         usage=_usage(cmd))
    outcome = sessions.move(ctx.session, ctx.actor, consortium, data["number"], data["starts_at"],
                            integrations=_integrations(ctx.services))
    ws = outcome.working_session
    update_card(ctx, ws, consortium)
    lines = [_("📅 Session {n} **{title}** is moved to {when}. Please answer again on the card.",
               n=ws.number, title=escape_markdown(ws.title), when=_when(ws))]
    lines += _invitations_note(ctx, outcome)
    return Reply("\n".join(lines), in_channel=True)


@handles(T, "cancel")
def cancel(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    data = load_or_raise(SessionNumberSchema(), {"number": cmd.get("number")}, usage=_usage(cmd))
    outcome = sessions.cancel(ctx.session, ctx.actor, consortium, data["number"],
                              integrations=_integrations(ctx.services))
    ws = outcome.working_session
    update_card(ctx, ws, consortium)
    lines = [_("❌ Session {n} **{title}** ({when}) is cancelled.", n=ws.number, title=escape_markdown(ws.title),
               when=_when(ws))]
    lines += _invitations_note(ctx, outcome, cancel=True)
    return Reply("\n".join(lines), in_channel=True)


@handles(T, "minutes")
def minutes(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    data = load_or_raise(SessionMinutesSchema(), {"number": cmd.get("number"), "text": cmd.get("text")},
                         usage=_usage(cmd))
    ws = sessions.record_minutes(ctx.session, ctx.actor, consortium, data["number"], data["text"],
                                 integrations=_integrations(ctx.services))
    text = _("📝 **Minutes of session {n}: {title}** ({when})", n=ws.number, title=escape_markdown(ws.title),
             when=format_date(sessions.starts(ws), tz=ZoneInfo(ws.timezone), with_time=True))
    text += "\n" + escape_markdown_block(ws.minutes)
    text += "\n" + _("_Added to the event in the shared calendar._")
    return Reply(text, in_channel=True)


# --------------------------------------------------------------------------- feeds


@handles(T, "subscribe")
def subscribe(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(SubscribeSchema(), {"mine": bool(cmd.get("mine")), "new_link": bool(cmd.get("new_link"))},
                         usage=_usage(cmd))
    if data["mine"] or data["new_link"]:
        token = sessions.personal_token(ctx.session, ctx.actor, renew=data["new_link"])
        url = f"{ctx.services.base_url}/calendars/me/{token}.ics"
        lines = []
        if data["new_link"]:
            lines.append(_("🔒 New link created: the previous link of your personal calendar no longer works."))
        lines += [
            _("Your personal calendar (the sessions of all your consortiums): {url}", url=webcal(url)),
            _("The same link as a web address, for Google Calendar or Outlook: {url}", url=url),
            _("Keep this link to yourself: anyone who has it can read your sessions. Revoke it with "
              "`/session subscribe --new-link`."),
        ]
        return Reply("\n".join(lines))
    consortium = ctx.consortium or _consortium_here(ctx, cmd)
    access.require_member(ctx.session, ctx.actor, consortium)
    url = feed_url(ctx, consortium)
    return Reply("\n".join([
        _("Shared calendar of the consortium {name}: {url}", name=escape_markdown(consortium.name), url=webcal(url)),
        _("The same link as a web address, for Google Calendar or Outlook: {url}", url=url),
        _("Add it as a subscription in Nextcloud, Thunderbird, Outlook, Apple or Google calendars. "
          "Your own calendar across all your consortiums: `/session subscribe --mine`."),
        _("This link is yours: keep it to yourself. It stops working if you leave the consortium."),
    ]))


def _consortium_here(ctx: CommandContext, cmd: ParsedCommand) -> Consortium:
    slug = cmd.get("consortium")
    found = consortia_service.find_by_slug(ctx.session, slug) if slug else \
        consortia_service.find_by_channel(ctx.session, ctx.request.channel_id)
    if found is None:
        mine = consortia_service.consortia_of(ctx.session, ctx.actor.person)
        listing = ", ".join(f"`{c.slug}`" for c in mine[:20]) or "—"
        raise NotFound(_("Which consortium? Use this command in its channel or add `--consortium <slug>` "
                         "(yours: {listing}); `/session subscribe --mine` gives your own calendar.", listing=listing))
    return found
