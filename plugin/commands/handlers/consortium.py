"""/consortium: thin handlers — validate, call one service, render the reply."""
from __future__ import annotations

from integrations.mattermost.messages import escape_markdown, progress_bar
from plugin.commands.legacy import CommandContext, handles, reply_from as _reply, usage as _usage
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.dates import format_date
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.consortium import ConsortiumCreateSchema, LanguageSchema, MemberSchema, StageSchema
from plugin.kernel import access
from plugin.services import consortia

T = "consortium"




@handles(T, "create")
def create(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    data = load_or_raise(ConsortiumCreateSchema(), {
        "name": cmd.get("name"), "theme": cmd.get("theme", ""), "members": cmd.get("members", []),
        "public": bool(cmd.get("public")),
    }, usage=_usage(cmd))
    outcome = consortia.provision(ctx.session, ctx.network, ctx.actor, data, directory=ctx.services.directory,
                                  caldav_enabled=ctx.settings.caldav_configured, reuse_existing=False)
    consortium = outcome.consortium
    members = ", ".join(f"@{name}" for name in outcome.added_members) or _("nobody yet")
    lines = [
        _("✅ Consortium **{name}** recorded (slug `{slug}`).", name=escape_markdown(consortium.name),
          slug=consortium.slug),
        _("Members: {members}.", members=members),
        _("The private channel ~{channel}, the shared calendar and the checklist are being set up; "
          "follow it with `/consortium info --consortium {slug}`.", channel=consortium.slug, slug=consortium.slug),
    ]
    if not ctx.settings.mattermost_configured:
        lines.append(_("Mattermost is not connected: the channel will be created once it is."))
    return Reply("\n".join(lines))


def _commitment_totals(overview: consortia.Overview) -> str:
    parts = []
    for kind, entry in sorted(overview.commitments.items()):
        amounts = ", ".join(f"{_format_amount(v)} {unit}" for unit, v in sorted(entry["amounts"].items()))
        parts.append(f"{kind} ×{entry['count']}" + (f" ({amounts})" if amounts else ""))
    return "; ".join(parts)


def _format_amount(value) -> str:
    from babel.numbers import format_decimal

    from plugin.i18n import get_locale

    return format_decimal(value, locale="fr_FR" if get_locale() == "fr" else "en_GB")


@handles(T, "info")
def info(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    session, actor = ctx.session, ctx.actor
    is_member = actor.is_admin or access.is_member(session, consortium, actor.person)
    # A foundation's representative sees the public profile of the consortiums their foundation
    # has a dialogue with (or of a public consortium), and nothing else.
    from plugin.features.dialogues.api import can_see_public_profile

    if not is_member and not can_see_public_profile(session, consortium, actor.person):
        raise access.Forbidden(_("This is reserved for the members of the consortium “{name}”.",
                                 name=consortium.name))
    view = consortia.overview(session, consortium, now=ctx.now)
    lines = [f"#### {escape_markdown(consortium.name)}"]
    if consortium.theme:
        lines.append(_("Theme: {theme}", theme=escape_markdown(consortium.theme)))
    lines.append(_("Stage: **{stage}**", stage=consortia.stage_label(consortium.stage)))
    if consortium.archived_at:
        lines.append(_("🗄️ Archived."))
    member_labels = [f"@{p.username}" + (f" ({escape_markdown(o.short_name)})" if o else "") for p, o in view.members]
    lines.append(ngettext("**{n} member**: {list}", "**{n} members**: {list}", len(member_labels),
                          list=", ".join(member_labels) or "—"))
    if view.roles:
        from plugin.features.registers.api import summary_text

        lines.append(_("Roles: {roles}", roles=summary_text(view.roles)))
    lines.append(_("Checklist: {bar}", bar=progress_bar(view.checklist_done, view.checklist_total)))
    from plugin.features.decisions.api import rule_summary

    lines.append(_("Decisions: {rule}", rule=rule_summary(session, consortium.id)))
    if not is_member:  # a foundation's public profile ends here
        return Reply("\n".join(lines))
    if view.commitments:
        from plugin.features.registers.api import overview_text

        lines.append(_("Commitments: {totals}", totals=overview_text(view.commitments)))
    if view.next_session:
        lines.append(_("Next session: {title}, {when}", title=escape_markdown(view.next_session.title),
                       when=format_date(view.next_session.starts_at.astimezone(ctx.tz), with_time=True)))
    if view.open_dialogues:
        lines.append(ngettext("{n} open foundation dialogue", "{n} open foundation dialogues", view.open_dialogues))
    pending = [step for step, status in view.steps.items() if status in ("pending", "failed")]
    if pending:
        lines.append(_("Set-up in progress: {steps}.", steps=", ".join(_step_label(s, view.steps[s]) for s in pending)))
    from plugin.features.sessions.api import feed_token_for, feed_url

    token = feed_token_for(session, consortium, actor.person, is_admin=actor.is_admin)
    lines.append(_("Calendar: {url}", url=feed_url(consortium, token or "", ctx.services.base_url)))
    return Reply("\n".join(lines))


def _step_label(step: str, status: str) -> str:
    labels = {"channel": _("channel"), "members": _("members"), "caldav": _("CalDAV calendar"),
              "welcome": _("welcome post"), "calendar": _("calendar feed"), "checklist": _("checklist")}
    label = labels.get(step, step)
    return f"{label} ⚠️" if status == "failed" else label


@handles(T, "members")
def members(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    rows = consortia.members(ctx.session, consortium)
    if not rows:
        return Reply(_("No members yet. Add one with `/consortium add @user`."))
    lines = [ngettext("**{n} member** of {name}:", "**{n} members** of {name}:", len(rows),
                      name=escape_markdown(consortium.name))]
    for membership in rows:
        org = membership.organisation
        lines.append(f"- @{membership.person.username}"
                     + (f" — {escape_markdown(org.name)} ({escape_markdown(org.short_name)})" if org else ""))
    return Reply("\n".join(lines))


@handles(T, "add")
def add(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(MemberSchema(), {"user": cmd.get("user"), "organisation": cmd.get("organisation")},
                         usage=_usage(cmd))
    return _reply(consortia.add_member(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(), data,
                                       directory=ctx.services.directory))


@handles(T, "remove")
def remove(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(MemberSchema(), {"user": cmd.get("user")}, usage=_usage(cmd))
    return _reply(consortia.remove_member(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(),
                                          data["user"], directory=ctx.services.directory))


@handles(T, "stage")
def stage(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    data = load_or_raise(StageSchema(), {"stage": cmd.get("stage")} if cmd.get("stage") else {}, usage=_usage(cmd))
    if data["stage"] is None:
        access.require_member(ctx.session, ctx.actor, consortium)
        lines = [_("Stage: **{stage}**. History:", stage=consortia.stage_label(consortium.stage))]
        for change, username in consortia.stage_history(ctx.session, consortium):
            lines.append(f"- {format_date(change.at.astimezone(ctx.tz), with_time=False)} — "
                         f"{consortia.stage_label(change.to_stage)}" + (f" (@{username})" if username else ""))
        return Reply("\n".join(lines))
    return _reply(consortia.change_stage(ctx.session, ctx.actor, consortium, data["stage"]))


@handles(T, "list")
def list_all(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    rows, total = consortia.network_list(ctx.session, ctx.network, limit=50)
    if not rows:
        return Reply(_("No consortium yet. Create one with `/consortium create \"<name>\"`."))
    lines = [ngettext("**{n} consortium**", "**{n} consortiums**", total),
             "", _("| Consortium | Stage | Members | Checklist | Last activity |"), "|---|---|---|---|---|"]
    for row in rows:
        c = row.consortium
        lines.append(f"| {escape_markdown(c.name)} (`{c.slug}`) | {consortia.stage_label(c.stage)} | "
                     f"{row.member_count} | {row.checklist_done}/{row.checklist_total} | "
                     f"{format_date(c.last_activity_at.astimezone(ctx.tz), with_time=False)} |")
    if total > len(rows):
        lines.append(_("… and {n} more: see the web dashboard (`/consortium admin`).", n=total - len(rows)))
    return Reply("\n".join(lines))


@handles(T, "language")
def language(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(LanguageSchema(), {"language": cmd.get("language")}, usage=_usage(cmd))
    result = consortia.set_language(ctx.session, ctx.actor, data["language"])
    return Reply(result.message)


@handles(T, "archive")
def archive(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    return Reply(consortia.archive(ctx.session, ctx.actor, ctx.require_consortium()).message)
