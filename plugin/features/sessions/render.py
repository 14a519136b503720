"""Everything the sessions say, in the reader's language: replies to /session, the card and its
buttons' answers, the planning form, the invitation e-mails, the reminder, and the iCalendar data
(the CalDAV events, the iMIP attachments, the feeds).

Called by the front door (replies) and by the deliverers and the feed route with the language of
whoever reads: the asker, the channel, the person an e-mail is for, the feed's owner.
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from integrations.calendar.ics import Attendee, EventData, build_calendar
from integrations.mattermost import messages
from integrations.mattermost.messages import escape_markdown, escape_markdown_block
from models import Consortium, Person, WorkingSession
from plugin.dates import format_date, format_short, format_time
from plugin.i18n import _, ngettext
from plugin.rendering.reply import ButtonAnswer, Form, Reply
from plugin.rendering.view import View

from plugin.features.sessions import outcomes as out
from plugin.features.sessions.buttons import PLAN, PLAN_AGAIN, RSVP
from plugin.features.sessions.feeds import attendee_uri, feed_url, personal_feed_url
from plugin.features.sessions.records import ends, starts

ANSWER_ICONS = {"accepted": "✅", "declined": "❌", "tentative": "🤔", "needs-action": "⏳"}
PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
            "needs-action": "NEEDS-ACTION"}


def webcal(url: str) -> str:
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme):]
    return url


def answer_label(answer: str) -> str:
    return {"accepted": _("Coming"), "declined": _("Not coming"), "tentative": _("Maybe"),
            "needs-action": _("No answer yet")}[answer]


def when(ws: WorkingSession) -> str:
    tz = ZoneInfo(ws.timezone)
    end = ends(ws).astimezone(tz)
    start = starts(ws).astimezone(tz)
    end_text = format_date(end, with_time=True) if end.date() != start.date() else format_time(end)
    return _("{start} until {end}", start=format_date(start, with_time=True), end=end_text)


def _counts_line(view: out.SessionView) -> str:
    return " · ".join(_("{icon} {label}: {n}", icon=ANSWER_ICONS[key], label=answer_label(key),
                          n=view.counts.get(key, 0))
                      for key in ("accepted", "declined", "tentative", "needs-action"))


# --- the card ---------------------------------------------------------------------------------

def card(runtime, view: out.SessionView, consortium: Consortium) -> tuple[str, dict]:
    """The invitation card: message and props (attachment with the answer buttons)."""
    ws = view.working_session
    title = escape_markdown(ws.title)
    if ws.status == "cancelled":
        message = _("❌ ~~Session {n}: {title}~~ — cancelled.", n=ws.number, title=title)
        text = _("This session ({when}) will not take place.", when=when(ws))
        return message, {"attachments": [messages.attachment(text=text, color="#999999")]}
    message = _("📅 **Session {n}: {title}**", n=ws.number, title=title)
    lines = [f"🕑 {when(ws)}"]
    if ws.location:
        lines.append(f"📍 {escape_markdown(ws.location)}")
    if ws.video_url:
        lines.append(_("🎥 Video link: {url}", url=ws.video_url))
    if ws.agenda:
        lines.append(_("**Agenda:**") + "\n" + escape_markdown_block(ws.agenda))
    lines.append(_counts_line(view))
    lines.append(_("📆 Your own link to the consortium's calendar: `/session subscribe`"))
    actions = [
        RSVP.button(runtime, id="sessionyes", label=_("I'm coming"), data={"s": ws.id, "r": "accepted"},
                    actor=None, consortium=consortium, style="good"),
        RSVP.button(runtime, id="sessionno", label=_("I'm not coming"), data={"s": ws.id, "r": "declined"},
                    actor=None, consortium=consortium, style="danger"),
        RSVP.button(runtime, id="sessionmaybe", label=_("Maybe"), data={"s": ws.id, "r": "tentative"},
                    actor=None, consortium=consortium),
    ]
    att = messages.attachment(text="\n".join(lines), color="#1e88e5", actions=actions,
                              fallback=f"{ws.title} — {when(ws)}")
    return message, {"attachments": [att]}


def answered(outcome: out.Answered, view: View) -> ButtonAnswer:
    """An answer button: the card updated (in the channel's language), and a private line for the member."""
    from plugin.i18n import use_locale
    from plugin.kernel.languages import channel_locale

    with use_locale(channel_locale(view.runtime.settings, outcome.consortium)):
        message, props = card(view.runtime, outcome.view, outcome.consortium)
    return ButtonAnswer(update_message=message, update_props=props,
                        ephemeral_text=_("Your answer for “{title}”: {answer}.",
                                         title=escape_markdown(outcome.view.working_session.title),
                                         answer=answer_label(outcome.answer)))


# --- replies ----------------------------------------------------------------------------------

def invitations_note(smtp: bool, invited: int, without_email: list[str], *, cancel: bool = False,
                     operator: bool = False) -> list[str]:
    if not smtp:
        # How the service is set up is the operators' business: members are not told.
        return [_("E-mail is not configured: members see the session in the channel and in the calendar.")] \
            if operator else []
    lines = []
    if invited:
        if cancel:
            lines.append(ngettext("Cancellation e-mailed to {n} member.", "Cancellation e-mailed to {n} members.",
                                  invited))
        else:
            lines.append(ngettext("Calendar invitation e-mailed to {n} member.",
                                  "Calendar invitations e-mailed to {n} members.", invited))
    if without_email:
        names = ", ".join(f"@{name}" for name in without_email)
        lines.append(_("No e-mail address for {names}: no invitation sent to them (they see the card in the "
                       "channel).", names=names))
    return lines


def _note(outcome: out.Changed, view: View, *, cancel: bool = False) -> list[str]:
    operator = view.actor is not None and view.actor.is_admin
    return invitations_note(outcome.smtp, len(outcome.invited), [p.username for p in outcome.without_email],
                            cancel=cancel, operator=operator)


def planned_lines(ws: WorkingSession, note: list[str]) -> list[str]:
    return [_("✅ Session {n} planned: **{title}**, {when}.", n=ws.number, title=escape_markdown(ws.title),
              when=when(ws)),
            _("The invitation card is posted in the channel with the answer buttons."), *note]


def planned(outcome: out.Planned, view: View) -> Reply:
    return Reply("\n".join(planned_lines(outcome.working_session, _note(outcome, view))))


def plan_form(outcome: out.PlanForm, view: View) -> Reply:
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
    form = Form(dialog=PLAN, title=_("Plan a session"), elements=elements, submit_label=_("Plan"),
                state={"c": outcome.consortium.id},
                introduction=_("Consortium: {name}", name=escape_markdown(outcome.consortium.name)))
    return Reply(_("The planning form is open."), form=form)


def already_planned(outcome: out.AlreadyPlanned, view: View) -> Reply:
    """A look-alike of the session just planned: nothing is planned until the person confirms."""
    twin = outcome.twin
    text = _("⚠️ Session {n} **{title}** was just planned at that time ({when}): nothing was planned twice. "
             "To plan another one all the same, use the button or add `--confirm` to the command.",
             n=twin.number, title=escape_markdown(twin.title), when=when(twin))
    data = {"title": outcome.title, "s": outcome.starts_at.isoformat(), "e": outcome.ends_at.isoformat()}
    data.update({key: value for key, value in (("place", outcome.place), ("video", outcome.video),
                                               ("agenda", outcome.agenda)) if value})
    again = PLAN_AGAIN.button(view.runtime, id="sessionagain", label=_("Plan it again"), data=data,
                              actor=view.actor, consortium=view.consortium)
    return Reply(text, attachments=[messages.attachment(text="", actions=[again])])


def moved(outcome: out.Moved, view: View) -> Reply:
    ws = outcome.working_session
    lines = [_("📅 Session {n} **{title}** is moved to {when}. Please answer again on the card.",
               n=ws.number, title=escape_markdown(ws.title), when=when(ws)), *_note(outcome, view)]
    return Reply("\n".join(lines), in_channel=True)


def cancelled(outcome: out.Cancelled, view: View) -> Reply:
    ws = outcome.working_session
    lines = [_("❌ Session {n} **{title}** ({when}) is cancelled.", n=ws.number, title=escape_markdown(ws.title),
               when=when(ws)), *_note(outcome, view, cancel=True)]
    return Reply("\n".join(lines), in_channel=True)


def minutes(outcome: out.MinutesRecorded, view: View) -> Reply:
    ws = outcome.working_session
    text = _("📝 **Minutes of session {n}: {title}** ({when})", n=ws.number, title=escape_markdown(ws.title),
             when=format_date(starts(ws), tz=ZoneInfo(ws.timezone), with_time=True))
    text += "\n" + escape_markdown_block(ws.minutes)
    text += "\n" + _("_Added to the event in the shared calendar._")
    return Reply(text, in_channel=True)


def _people(people: list[Person]) -> str:
    return ", ".join(f"@{p.username}" for p in people) or "—"


def listing(outcome: out.Listing, view: View) -> Reply:
    consortium = outcome.consortium
    calendar = _("Calendar: {url}", url=webcal(feed_url(consortium, outcome.feed_token, view.runtime.base_url)))
    if not outcome.views:
        return Reply(_("No session planned. Plan one with `/session plan \"Title\" 10/12 2pm`.") + "\n" + calendar)
    lines = [ngettext("#### {n} upcoming session — {name}", "#### {n} upcoming sessions — {name}", outcome.total,
                      name=escape_markdown(consortium.name))]
    tz = ZoneInfo(consortium.timezone)
    for item in outcome.views:
        ws = item.working_session
        head = f"**{ws.number}.** {format_short(starts(ws), tz=tz)} — **{escape_markdown(ws.title)}**"
        if ws.location:
            head += f" · 📍 {escape_markdown(ws.location)}"
        lines.append(head)
        counts = " ".join(f"{ANSWER_ICONS[k]} {item.counts.get(k, 0)}"
                          for k in ("accepted", "declined", "tentative", "needs-action"))
        lines.append(f"  {counts}")
        for key in ("accepted", "declined", "tentative"):
            if item.by_answer.get(key):
                lines.append("  " + _("{icon} {label}: {n}", icon=ANSWER_ICONS[key], label=answer_label(key),
                                      n=_people(item.by_answer[key])))
    if outcome.total > len(outcome.views):
        lines.append(_("… and {n} more.", n=outcome.total - len(outcome.views)))
    lines.append(calendar)
    return Reply("\n".join(lines))


def personal_link(outcome: out.PersonalLink, view: View) -> Reply:
    url = personal_feed_url(outcome.token, view.runtime.base_url)
    lines = []
    if outcome.renewed:
        lines.append(_("🔒 New link created: the previous link of your personal calendar no longer works."))
    lines += [
        _("Your personal calendar (the sessions of all your consortiums): {url}", url=webcal(url)),
        _("The same link as a web address, for Google Calendar or Outlook: {url}", url=url),
        _("Keep this link to yourself: anyone who has it can read your sessions. Revoke it with "
          "`/session subscribe --new-link`."),
    ]
    return Reply("\n".join(lines))


def feed_link(outcome: out.FeedLink, view: View) -> Reply:
    consortium = outcome.consortium
    url = feed_url(consortium, outcome.feed_token, view.runtime.base_url)
    return Reply("\n".join([
        _("Shared calendar of the consortium {name}: {url}", name=escape_markdown(consortium.name), url=webcal(url)),
        _("The same link as a web address, for Google Calendar or Outlook: {url}", url=url),
        _("Add it as a subscription in Nextcloud, Thunderbird, Outlook, Apple or Google calendars. "
          "Your own calendar across all your consortiums: `/session subscribe --mine`."),
        _("This link is yours: keep it to yourself. It stops working if you leave the consortium."),
    ]))


# --- e-mails and the reminder -----------------------------------------------------------------

def invitation_text(ws: WorkingSession, consortium: Consortium, method: str, channel_url: str) -> tuple[str, str]:
    tz = ZoneInfo(ws.timezone)
    moment = format_date(starts(ws), tz=tz, with_time=True)
    if method == "CANCEL":
        subject = _("Cancelled: {title} ({when})", title=ws.title, when=moment)
        intro = _("The working session “{title}” of the consortium {name}, planned on {when}, is cancelled.",
                  title=ws.title, name=consortium.name, when=moment)
    elif ws.sequence > 0:
        subject = _("Updated invitation: {title} ({when})", title=ws.title, when=moment)
        intro = _("The working session “{title}” of the consortium {name} has changed: it now takes place on "
                  "{when}.", title=ws.title, name=consortium.name, when=moment)
    else:
        subject = _("Invitation: {title} ({when})", title=ws.title, when=moment)
        intro = _("You are invited to the working session “{title}” of the consortium {name}, on {when}.",
                  title=ws.title, name=consortium.name, when=moment)
    lines = [intro, ""]
    if method != "CANCEL":
        end = ends(ws).astimezone(tz)
        lines.append(_("Until: {time}", time=format_time(end)))
        if ws.location:
            lines.append(_("Place: {place}", place=ws.location))
        if ws.video_url:
            lines.append(_("Video link: {url}", url=ws.video_url))
        if ws.agenda:
            lines += ["", _("Agenda:"), ws.agenda]
        lines += ["", _("Answer with the buttons of the invitation in the consortium's channel, or with your "
                        "calendar. The attached .ics file adds the session to any calendar.")]
    if channel_url:
        lines += ["", _("Consortium channel: {url}", url=channel_url)]
    lines += ["", "— Consortia"]
    return subject, "\n".join(lines)


def reminder(ws: WorkingSession) -> str:
    moment = format_date(starts(ws), tz=ZoneInfo(ws.timezone), with_time=True)
    text = _("⏰ Reminder: **{title}** (session {n}) is tomorrow, {when}.",
             title=escape_markdown(ws.title), n=ws.number, when=moment)
    if ws.location:
        text += "\n" + _("Place: {place}", place=escape_markdown(ws.location))
    if ws.video_url:
        text += "\n" + _("Video link: {url}", url=ws.video_url)
    return text


# --- iCalendar --------------------------------------------------------------------------------

def event_for(ws, consortium: Consortium, *, attendees: list[Attendee], organizer_email: str,
              channel_url: str = "") -> EventData:
    """One session as an event (``ws``: a row or a ``WorkingSession``)."""
    from plugin.kernel.text import aware

    tz = ZoneInfo(ws.timezone)
    parts = []
    if ws.agenda:
        parts.append(_("Agenda:") + "\n" + ws.agenda)
    if ws.video_url:
        parts.append(_("Video link: {url}", url=ws.video_url))
    if ws.minutes:
        parts.append(_("Minutes:") + "\n" + ws.minutes)
    if channel_url:
        parts.append(_("Consortium channel: {url}", url=channel_url))
    return EventData(
        uid=ws.uid, summary=ws.title,
        start=aware(ws.starts_at).astimezone(tz), end=aware(ws.ends_at).astimezone(tz),
        tzid=ws.timezone, description="\n\n".join(parts), location=ws.location,
        url=ws.video_url, sequence=ws.sequence,
        status="CANCELLED" if ws.status == "cancelled" else "CONFIRMED",
        organizer_email=organizer_email, organizer_name="Consortia", attendees=attendees,
        alarm_text=_("Tomorrow: {title}", title=ws.title),
        alarm_before=None if ws.status == "cancelled" else timedelta(days=1),
        created=aware(ws.created_at), last_modified=aware(ws.updated_at),
        dtstamp=aware(ws.updated_at), categories=[consortium.name],
    )


def session_calendar(ws: WorkingSession, consortium: Consortium, attendees: list[Attendee], *,
                     organizer_email: str, channel_url: str = "", method: str | None = None) -> bytes:
    """One session as a VCALENDAR: the CalDAV object (no METHOD) or an iTIP message."""
    event = event_for(ws, consortium, attendees=attendees, organizer_email=organizer_email, channel_url=channel_url)
    return build_calendar([event], name=consortium.name, method=method, tzid=ws.timezone)


def _feed_attendees(people: list[Person], answers: dict[int, str]) -> list[Attendee]:
    """Attendees as a subscribable feed shows them: names and answers, no e-mail address.

    A feed link can be forwarded or pasted anywhere, and nobody has accepted to publish their
    address there (Consortia has no such setting): invitations (iMIP) and the CalDAV events,
    which reach the members only, keep the addresses; feeds never carry any.
    """
    return [Attendee(email="", uri=attendee_uri(p.id), name=p.display_name or p.username, rsvp=False,
                     partstat=PARTSTAT.get(answers.get(p.id, "needs-action"), "NEEDS-ACTION")) for p in people]


def feed_events(consortia: dict[int, Consortium], rows, answers, members, channel_urls: dict[int, str]) -> list:
    """The events of a feed: no ORGANIZER (the sender address of invitations is nobody's to publish)."""
    return [event_for(row, consortia[row.consortium_id],
                      attendees=_feed_attendees(members[row.consortium_id], answers.get(row.id, {})),
                      organizer_email="", channel_url=channel_urls.get(row.consortium_id, "")) for row in rows]


def consortium_feed(consortium: Consortium, events: list) -> bytes:
    return build_calendar(events, name=consortium.name,
                          description=_("Working sessions of the consortium {name}", name=consortium.name),
                          tzid=consortium.timezone, refresh_interval=timedelta(hours=1))


def personal_feed(events: list, tzid: str) -> bytes:
    return build_calendar(events, name=_("My consortium sessions"),
                          description=_("Working sessions of all my consortiums"),
                          tzid=tzid, refresh_interval=timedelta(hours=1))


CHAT = {out.Planned: planned, out.PlanForm: plan_form, out.AlreadyPlanned: already_planned, out.Moved: moved, out.Cancelled: cancelled,
        out.MinutesRecorded: minutes, out.Listing: listing, out.PersonalLink: personal_link,
        out.FeedLink: feed_link}
BUTTON = {out.Answered: answered}
