"""Everything the consortium says, in its reader's language: the replies to `/consortium`, the texts
the service posts on its own (channel header and purpose, welcome post, the goodbye of an archived
consortium), and the JSON API's consortiums."""
from __future__ import annotations

from integrations.mattermost.messages import attachment, escape_markdown, progress_bar
from models import Consortium
from plugin.dates import format_date
from plugin.i18n import _, _l, ngettext, render as render_text, use_locale
from plugin.rendering.reply import Reply
from plugin.rendering.view import View
from plugin.features.decisions.api import rule_text
from plugin.features.dialogues import api as dialogues
from plugin.features.registers.api import overview_text, summary_text
from plugin.features.sessions.api import feed_url

from plugin.features.consortium import outcomes as out
from plugin.features.consortium.buttons import ARCHIVE
from plugin.features.consortium.grammar import GROUP_HELP
from plugin.features.consortium.schemas import ConsortiumOutSchema


_STAGES = {
    "emergence": _l("emergence"), "structuration": _l("structuring"), "formalise": _l("formalised"),
    "finance": _l("funded"), "clos": _l("closed"),
}


def stage_label(stage: str | None) -> str:
    label = _STAGES.get(stage or "")   # only the stage shown is translated
    return str(label) if label is not None else stage or ""


# --- what the service posts on its own ----------------------------------------------------

def channel_purpose(consortium: Consortium) -> str:
    text = _("Consortium {name}", name=consortium.name)
    if consortium.theme:
        text += f" — {consortium.theme}"
    return text[:250]


def channel_header(consortium: Consortium, base_url: str) -> str:
    # Everyone in the channel reads the header, including people who leave later: it names the
    # command that gives each member their own link to the calendar, never a link itself.
    return _("📅 Shared calendar: `/session subscribe` · 📋 `/checklist` · ℹ️ `/consortium info`")[:1024]


def welcome_message(consortium: Consortium, base_url: str) -> str:
    lines = [
        _("### Welcome to the consortium {name}!", name=escape_markdown(consortium.name)),
        _("This channel is the consortium's workspace. What you can do here:"),
        _("- `/consortium info`: stage, members, roles, progress and next session"),
        _("- `/checklist`: the right questions to settle together, item by item"),
        _("- `/role` and `/engagement`: who does what, who commits what"),
        _("- `/session plan`: plan a working session that lands in everyone's calendar"),
        _("- `/dialogue`: structured dialogue with foundations"),
        _("Each command answers `aide` (or `help`). The shared calendar: `/session subscribe` gives you "
          "your own link to it."),
    ]
    return "\n".join(lines)


def archived_notice(actor: str) -> str:
    return _("🗄️ This consortium has been archived by @{actor}. Its data is kept and can still be consulted.",
             actor=actor)


# --- replies ------------------------------------------------------------------------------

def created(outcome: out.Provisioned, view: View) -> Reply:
    consortium = outcome.consortium
    members = ", ".join(f"@{name}" for name in outcome.added_members) or _("nobody yet")
    lines = [
        _("✅ Consortium **{name}** recorded (slug `{slug}`).", name=escape_markdown(consortium.name),
          slug=consortium.slug),
        _("Members: {members}.", members=members),
        _("The private channel ~{channel}, the shared calendar and the checklist are being set up; "
          "follow it with `/consortium info --consortium {slug}`.", channel=consortium.slug, slug=consortium.slug),
    ]
    if not view.runtime.settings.mattermost_configured:
        lines.append(_("Mattermost is not connected: the channel will be created once it is."))
    return Reply("\n".join(lines))


def _step_label(step: str, status: str) -> str:
    labels = {"channel": _("channel"), "members": _("members"), "caldav": _("CalDAV calendar"),
              "welcome": _("welcome post"), "calendar": _("calendar feed"), "checklist": _("checklist")}
    label = labels.get(step, step)
    return f"{label} ⚠️" if status == "failed" else label


def info(outcome: out.Info, view: View) -> Reply:
    overview = outcome.overview
    consortium = overview.consortium
    lines = [f"#### {escape_markdown(consortium.name)}"]
    if consortium.theme:
        lines.append(_("Theme: {theme}", theme=escape_markdown(consortium.theme)))
    lines.append(_("Stage: **{stage}**", stage=stage_label(consortium.stage)))
    if consortium.archived_at:
        lines.append(_("🗄️ Archived."))
    member_labels = [f"@{p.username}" + (f" ({escape_markdown(o.short_name)})" if o else "")
                     for p, o in overview.members]
    lines.append(ngettext("**{n} member**: {list}", "**{n} members**: {list}", len(member_labels),
                          list=", ".join(member_labels) or "—"))
    if overview.roles:
        lines.append(_("Roles: {roles}", roles=summary_text(overview.roles)))
    lines.append(_("Checklist: {bar}", bar=progress_bar(overview.checklist_done, overview.checklist_total)))
    if not outcome.full:  # a foundation's public profile ends here
        return Reply("\n".join(lines))
    if outcome.decision_rule:
        lines.append(_("Decisions: {rule}", rule=rule_text(outcome.decision_rule)))
    if overview.commitments:
        lines.append(_("Commitments: {totals}", totals=overview_text(overview.commitments)))
    if overview.next_session:
        lines.append(_("Next session: {title}, {when}", title=escape_markdown(overview.next_session.title),
                       when=format_date(overview.next_session.starts_at.astimezone(view.tz), with_time=True)))
    if overview.open_dialogues:
        lines.append(ngettext("{n} open foundation dialogue", "{n} open foundation dialogues",
                              overview.open_dialogues))
    pending = [step for step, status in overview.steps.items() if status in ("pending", "failed")]
    if pending:
        lines.append(_("Set-up in progress: {steps}.",
                       steps=", ".join(_step_label(s, overview.steps[s]) for s in pending)))
    lines.append(_("Calendar: {url}", url=feed_url(consortium, outcome.feed_token or "", view.runtime.base_url)))
    return Reply("\n".join(lines))


def members(outcome: out.Members, view: View) -> Reply:
    if not outcome.rows:
        return Reply(_("No members yet. Add one with `/consortium add @user`."))
    lines = [ngettext("**{n} member** of {name}:", "**{n} members** of {name}:", len(outcome.rows),
                      name=escape_markdown(outcome.consortium.name))]
    for membership in outcome.rows:
        org = membership.organisation
        lines.append(f"- @{membership.person.username}"
                     + (f" — {escape_markdown(org.name)} ({escape_markdown(org.short_name)})" if org else ""))
    return Reply("\n".join(lines))


def member_joined(outcome: out.MemberJoined, view: View) -> Reply:
    return Reply(_("👋 @{user} joins the consortium, added by @{actor}.", user=outcome.username,
                   actor=outcome.actor), in_channel=True)


def representative_changed(outcome: out.RepresentativeChanged, view: View) -> Reply:
    return Reply(_("@{user} now represents {org} in the consortium.", user=outcome.username,
                   org=escape_markdown(outcome.organisation)))


def member_left(outcome: out.MemberLeft, view: View) -> Reply:
    return Reply(_("@{user} has left the consortium (removed by @{actor}).", user=outcome.username,
                   actor=outcome.actor), in_channel=True)


def stage_history(outcome: out.StageHistory, view: View) -> Reply:
    lines = [_("Stage: **{stage}**. History:", stage=stage_label(outcome.consortium.stage))]
    for change, username in outcome.changes:
        lines.append(f"- {format_date(change.at.astimezone(view.tz), with_time=False)} — "
                     f"{stage_label(change.to_stage)}" + (f" (@{username})" if username else ""))
    return Reply("\n".join(lines))


def stage_changed(outcome: out.StageChanged, view: View) -> Reply:
    return Reply(_("📈 The consortium moves from “{before}” to “{after}” (@{actor}).",
                   before=stage_label(outcome.before), after=stage_label(outcome.after), actor=outcome.actor),
                 in_channel=True)


def network_list(outcome: out.NetworkList, view: View) -> Reply:
    if not outcome.rows:
        return Reply(_("No consortium yet. Create one with `/consortium create \"<name>\"`."))
    lines = [ngettext("**{n} consortium**", "**{n} consortiums**", outcome.total),
             "", _("| Consortium | Stage | Members | Checklist | Last activity |"), "|---|---|---|---|---|"]
    for row in outcome.rows:
        c = row.consortium
        lines.append(f"| {escape_markdown(c.name)} (`{c.slug}`) | {stage_label(c.stage)} | "
                     f"{row.member_count} | {row.checklist_done}/{row.checklist_total} | "
                     f"{format_date(c.last_activity_at.astimezone(view.tz), with_time=False)} |")
    if outcome.total > len(outcome.rows):
        lines.append(_("… and {n} more: see the web dashboard (`/consortium admin`).",
                       n=outcome.total - len(outcome.rows)))
    return Reply("\n".join(lines))


def language_set(outcome: out.LanguageSet, view: View) -> Reply:
    with use_locale(outcome.language):  # said in the language just chosen
        return Reply(_("From now on, Consortia speaks English to you."))


def archive_to_confirm(outcome: out.ArchiveToConfirm, view: View) -> Reply:
    consortium = outcome.consortium
    confirm = ARCHIVE.button(view.runtime, id="archive", label=_("Archive"), data={}, actor=view.actor,
                             consortium=consortium, style="danger")
    text = _("Archive the consortium “{name}”? Its channel is closed for everyone and its calendar stops; its "
             "data is kept, and `/consortium unarchive` reopens it. Confirm with the button (or type "
             "`/consortium archive --confirm`).", name=consortium.name)
    return Reply(text, attachments=[attachment(actions=[confirm])])


def unarchived(outcome: out.Unarchived, view: View) -> Reply:
    return Reply(_("The consortium “{name}” is reopened: its channel is back.", name=outcome.consortium.name))


def unarchived_notice(actor: str) -> str:
    return _("📂 This consortium has been reopened by @{actor}.", actor=actor)


def foundations_help(outcome: out.FoundationsHelp, view: View) -> Reply:
    return Reply(render_text(GROUP_HELP))


def archived(outcome: out.Archived, view: View) -> Reply:
    return Reply(_("The consortium “{name}” is archived: channel closed, data kept.", name=outcome.consortium.name))


def admin_link(outcome: out.AdminLink, view: View) -> Reply:
    url = f"{view.runtime.base_url}/web/login?token={outcome.token}"
    return Reply(_("🔐 Your link to the web dashboard (personal, single use, valid {minutes} minutes — do not "
                   "share it): {url}", minutes=outcome.minutes, url=url))


def foundations_answer(outcome: out.FoundationsAnswer, view: View) -> Reply:
    return Reply(dialogues.foundation_text(outcome.answer))


# --- the JSON API ---------------------------------------------------------------------------

def consortium_json(consortium: Consortium, view: View) -> dict:
    schema = ConsortiumOutSchema()
    schema.base_url = view.runtime.base_url
    return schema.dump(consortium)


def provisioned_json(outcome: out.Provisioned, view: View):
    return consortium_json(outcome.consortium, view), 201 if outcome.created else 200


def page_json(outcome: out.NetworkList, view: View) -> dict:
    items = [dict(consortium_json(row.consortium, view), members=row.member_count,
                  checklist={"done": row.checklist_done, "total": row.checklist_total}) for row in outcome.rows]
    return {"total": outcome.total, "limit": outcome.limit, "offset": outcome.offset, "items": items}


def found_json(outcome: out.Found, view: View):
    if outcome.consortium is None:
        return {"error": "not_found"}, 404
    return consortium_json(outcome.consortium, view)


CHAT = {
    out.Provisioned: created, out.Info: info, out.Members: members, out.MemberJoined: member_joined,
    out.RepresentativeChanged: representative_changed, out.MemberLeft: member_left,
    out.StageHistory: stage_history, out.StageChanged: stage_changed, out.NetworkList: network_list,
    out.LanguageSet: language_set, out.Archived: archived, out.AdminLink: admin_link,
    out.FoundationsAnswer: foundations_answer, out.FoundationsHelp: foundations_help,
    out.ArchiveToConfirm: archive_to_confirm, out.Unarchived: unarchived,
}
JSON = {out.Provisioned: provisioned_json, out.NetworkList: page_json, out.Found: found_json}
