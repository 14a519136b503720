"""/ami: the call for expressions of interest — thin handlers around plugin.services.ami."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from integrations.mattermost import messages
from integrations.mattermost.messages import escape_markdown
from models import SIAE_TYPES
from plugin.commands.legacy import (
    CommandContext, DialogResult, InteractionContext, dialog, handles, open_dialog, usage as _usage,
)
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.dates import DateError, format_date, parse_date
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.ami import CallOpenSchema, FormThemeSchema, ResponseSchema, split_themes
from plugin.schemas.fields import error_text
from plugin.kernel import access
from plugin.services import ami as service
from plugin.kernel.errors import Invalid, NotFound

T = "ami"
MAX_RANKED_IN_DIALOG = 3



def form_url(services, call) -> str:
    return f"{services.base_url}/ami/{call.form_token}"


def end_of_day(day, tz) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)


@handles(T, "open")
def open_(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    raw_until = cmd.get("until")
    if not raw_until:
        raise Invalid(_("Give the deadline with --jusqu-au <date>."), usage=_usage(cmd))
    try:
        day = parse_date(raw_until, now=ctx.now, tz=ctx.tz)
    except DateError as error:
        raise Invalid(error.message, usage=_usage(cmd)) from None
    themes = cmd.get("themes")
    if cmd.get("from_ideas"):   # the retained ideas of the network become the call's themes
        from plugin.features.ideas.api import retained_titles

        ideas = retained_titles(ctx.session, ctx.network.id)
        if not ideas:
            raise Invalid(_("No idea is retained yet: retain some with `/idea retain <n>`."), usage=_usage(cmd))
        themes = ", ".join([*([themes] if themes else []), *(i.replace(",", " ") for i in ideas)])
    if themes is None:
        raise Invalid(_("Give the themes with --themes \"<a>, <b>, ...\"."), usage=_usage(cmd))
    data = load_or_raise(CallOpenSchema(), {"title": cmd.get("title"), "themes": themes,
                                            "deadline": end_of_day(day, ctx.tz)}, usage=_usage(cmd))
    result = service.open_call(ctx.session, ctx.network, ctx.actor, data, now=ctx.now)
    call = result.data["call"]
    lines = [
        _("✅ Call **{title}** opened until {date}.", title=escape_markdown(call.title),
          date=format_date(day)),
        _("Themes: {themes}", themes=", ".join(escape_markdown(t) for t in call.themes)),
        _("Members answer with `/ami respond`; structures without a chat account use the public form: {url}",
          url=form_url(ctx.services, call)),
        _("Follow the answers with `/ami results`."),
    ]
    return Reply("\n".join(lines))


def _open_or_explain(ctx) -> object:
    call = service.open_call_of(ctx.session, ctx.network)
    if call is None:
        raise NotFound(_("There is no open call for expressions of interest at the moment."))
    return call


@handles(T, "respond")
def respond(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    call = _open_or_explain(ctx)
    if not service.is_accepting(call, ctx.now):
        raise Invalid(_("The deadline of the call “{title}” has passed: answers are no longer accepted.",
                        title=call.title))
    previous = service.response_of(ctx.session, call, ctx.actor.person)
    person = ctx.actor.person
    theme_options = [(t, t) for t in call.themes]
    ranked = list(previous.themes) if previous else []
    elements = [
        messages.text_element("structure_name", _("Structure"), max_length=150,
                              default=previous.structure_name[:150] if previous else None,
                              placeholder=_("e.g. ACI Les Jardins du Rhône")),
        messages.select_element("siae_type", _("SIAE type"), [(t, t) for t in SIAE_TYPES] + [(_("other"), "autre")],
                                optional=True, default=previous.siae_type if previous and previous.siae_type else None),
        messages.text_element("departement", _("Département"), max_length=3, optional=True,
                              default=previous.departement if previous else None, placeholder="69"),
        messages.text_element("contact_name", _("Contact person"), max_length=150,
                              default=(previous.contact_name if previous else person.display_name or person.username)[:150]),
        messages.text_element("contact_email", _("Contact e-mail"), max_length=150, subtype="email",
                              default=(previous.contact_email if previous else person.email or "")[:150] or None),
    ]
    for index in range(min(MAX_RANKED_IN_DIALOG, len(call.themes))):
        elements.append(messages.select_element(
            f"theme_{index + 1}", _("Theme, priority {n}", n=index + 1), theme_options, optional=index > 0,
            default=ranked[index] if index < len(ranked) and ranked[index] in call.themes else None))
    elements += [
        messages.textarea_element("can_bring", _("What the structure can bring"), optional=True, max_length=3000,
                                  default=previous.can_bring if previous else None),
        messages.textarea_element("needs", _("What the structure needs"), optional=True, max_length=3000,
                                  default=previous.needs if previous else None),
        messages.textarea_element("comment", _("Comment"), optional=True, max_length=3000,
                                  default=previous.comment if previous else None),
    ]
    open_dialog(ctx.services, ctx.request.trigger_id, callback="ami.respond", title=_("Answer the call"),
                elements=elements, state={"call": call.id}, submit_label=_("Send"), actor=ctx.actor,
                network=ctx.network,
                introduction=_("Call: {title}. Deadline: {date}.", title=call.title,
                               date=format_date(service.aware(call.deadline), tz=ctx.tz, with_time=False)))
    return Reply(_("The form is open: fill it in and send it."))


@dialog("ami.respond", max_age=timedelta(hours=6))
def respond_submitted(ctx: InteractionContext) -> DialogResult:
    submission = ctx.data.get("submission") or {}
    call = service.call_by_id(ctx.session, ctx.network, int(ctx.data.get("call") or 0))
    themes = [submission.get(f"theme_{i}") for i in range(1, MAX_RANKED_IN_DIALOG + 1)]
    raw = {key: submission.get(key) for key in ("structure_name", "contact_name", "contact_email")}
    raw["themes"] = [t for t in themes if t]
    for key in ("siae_type", "departement", "can_bring", "needs", "comment"):
        if submission.get(key) not in (None, ""):
            raw[key] = submission[key]
    schema = ResponseSchema()
    errors = schema.validate(raw)
    if errors:
        fields = {key: error_text(value) for key, value in errors.items()}
        if "themes" in fields:
            fields["theme_1"] = fields.pop("themes")
        return DialogResult(errors=fields)
    data = schema.load(raw)
    try:
        answer, created = service.respond(ctx.session, call, data, person=ctx.actor.person, source="chat")
    except service.EditLinkNeeded as needed:
        text = _edit_link_text(ctx, needed.existing)
    else:
        text = _recorded_text(answer, call, created)
    if ctx.channel_id and ctx.actor.person.mattermost_user_id:
        from plugin.kernel.outbox import queue

        queue(ctx.session, "mattermost.ephemeral", {"channel_id": ctx.channel_id,
                                                     "user_id": ctx.actor.person.mattermost_user_id,
                                                     "message": text})
    return DialogResult()


def _edit_link_text(ctx: InteractionContext, existing) -> str:
    """Another contact's answer: it changes only through the link sent to that contact's address."""
    name = escape_markdown(existing.structure_name)
    if not ctx.services.settings.smtp_configured:
        return _("⚠️ **{name}** has already answered with another contact address: its answer is unchanged. "
                 "Ask the network's facilitators to change it.", name=name)
    masked = service.send_edit_link(ctx.session, existing, locale=ctx.locale)
    return _("⚠️ **{name}** has already answered with another contact address, so only that contact can change "
             "the answer: a link to change it has been sent to {email}. Nothing has changed yet.",
             name=name, email=escape_markdown(masked))


def _recorded_text(answer, call, created: bool) -> str:
    return (_("✅ Thank you: the answer of **{name}** to “{title}” is recorded.", name=escape_markdown(answer.structure_name),
              title=escape_markdown(call.title)) if created else
            _("✅ The answer of **{name}** to “{title}” is updated.", name=escape_markdown(answer.structure_name),
              title=escape_markdown(call.title)))


def _call_for_results(ctx: CommandContext):
    call = service.latest_call(ctx.session, ctx.network)
    if call is None:
        raise NotFound(_("No call for expressions of interest yet. Open one with `/ami open`."))
    return call


@handles(T, "results")
def results(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    call = _call_for_results(ctx)
    view = service.matrix(ctx.session, call)
    state = _("open") if call.status == "open" else _("closed")
    lines = [f"#### {escape_markdown(call.title)} ({state})",
             ngettext("**{n} answer**", "**{n} answers**", view.total)]
    if not view.total:
        lines.append(_("No answer yet. Public form: {url}", url=form_url(ctx.services, call)))
        return Reply("\n".join(lines))
    lines += ["", "| " + _("Theme") + " | " + _("Structures") + " | " + _("First choice") + " | "
              + _("Départements") + " |", "|---|---:|---:|---|"]
    for column in view.themes:
        departements = ", ".join(f"{d} ({n})" for d, n in column.departements.items()) or "—"
        lines.append(f"| {escape_markdown(column.theme)} | {column.count} | {column.first_choice} | {departements} |")
    lines.append("")
    lines.append(_("Structures and their priorities:"))
    for answer, ranks in view.rows[:60]:
        ordered = " > ".join(escape_markdown(t) for t in sorted(ranks, key=ranks.get))
        who = f"**{escape_markdown(answer.structure_name)}**" + (
            f" ({escape_markdown(answer.departement)})" if answer.departement else "")
        lines.append(_("- {structure}: {themes}", structure=who, themes=ordered))
    if len(view.rows) > 60:
        lines.append(_("… and {n} more: see the web page (`/consortium admin`) or the CSV export.",
                       n=len(view.rows) - 60))
    if view.multi:
        lines.append(_("Interested in several themes: {names}.",
                       names=", ".join(escape_markdown(a.structure_name) for a in view.multi[:30])))
    lines.append("")
    if view.groups:
        lines.append(ngettext("Suggested grouping (at least {n} structure per theme):",
                              "Suggested grouping (at least {n} structures per theme):", call.min_group_size))
        for column in view.groups:
            formed = _(" — formed") if column.formed_id else ""
            lines.append(_("- **{theme}** ({n}){formed}: `/ami form \"{command_theme}\"`",
                           theme=escape_markdown(column.theme), n=column.count, formed=formed,
                           command_theme=column.theme.replace("`", "")))
    else:
        lines.append(ngettext("No theme has {n} structure yet.", "No theme has {n} structures yet.",
                              call.min_group_size))
    return Reply("\n".join(lines))


@handles(T, "form")
def form(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    data = load_or_raise(FormThemeSchema(), {"theme": cmd.get("theme")}, usage=_usage(cmd))
    call = _call_for_results(ctx)
    client = ctx.services.mattermost(interactive=True)
    lookup = _email_lookup(client) if client is not None else None
    outcome = service.form_consortium(ctx.session, ctx.network, ctx.actor, call, data["theme"],
                                      directory=ctx.services.directory,
                                      caldav_enabled=ctx.settings.caldav_configured, lookup_email=lookup)
    return Reply(render_form_outcome(outcome))


def render_form_outcome(outcome: service.FormOutcome) -> str:
    consortium = outcome.consortium
    lines = [(_("✅ Consortium **{name}** formed (slug `{slug}`).") if outcome.created else
              _("✅ Consortium **{name}** completed (slug `{slug}`).")).format(
        name=escape_markdown(consortium.name), slug=consortium.slug)]
    lines.append(_("Members: {members}.", members=", ".join(f"@{u}" for u in outcome.members) or _("nobody yet")))
    if outcome.without_account:
        lines.append(ngettext("{n} contact has no chat account yet; invite them, then run the command again:",
                              "{n} contacts have no chat account yet; invite them, then run the command again:",
                              len(outcome.without_account)))
        for answer in outcome.without_account:
            lines.append(f"- {escape_markdown(answer.contact_name)} ({escape_markdown(answer.structure_name)}) — "
                         f"{escape_markdown(answer.contact_email)}")
    return "\n".join(lines)


def _email_lookup(client):
    from plugin.kernel.people import UserInfo

    def lookup(email: str):
        user = client.get_user_by_email(email)
        if not user or user.get("delete_at"):
            return None
        return UserInfo(id=user["id"], username=user["username"], email=user.get("email") or email,
                        display_name=" ".join(x for x in (user.get("first_name"), user.get("last_name")) if x),
                        locale=user.get("locale"), is_system_admin="system_admin" in (user.get("roles") or ""),
                        is_guest="system_guest" in (user.get("roles") or ""), is_bot=bool(user.get("is_bot")))

    return lookup


@handles(T, "close")
def close(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    result = service.close_call(ctx.session, ctx.actor, service.open_call_of(ctx.session, ctx.network))
    return Reply(result.message + "\n" + _("Results stay available with `/ami results`."))


__all__ = ["form_url", "render_form_outcome", "split_themes"]
