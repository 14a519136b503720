"""/role: the roles register (and the network's organisations) — validate, one service call, render."""
from __future__ import annotations

from integrations.mattermost.messages import escape_markdown
from plugin.commands.legacy import CommandContext, handles, reply_from as _reply, usage as _usage
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.dates import format_date
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.registers import OrganisationSchema, RoleAssignSchema
from plugin.kernel import access
from plugin.services import organisations, roles

T = "role"




def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


@handles(T, "list")
def list_roles(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    session, actor = ctx.session, ctx.actor
    # Members and admins; a foundation sees the roles in the public profile (`/consortium info`).
    access.require_member(session, actor, consortium)
    holders: dict[str, list[str]] = {}
    for view in roles.assignments(session, consortium):
        holders.setdefault(view.role.key, []).append(roles.holder_label(view.person, view.organisation))
    lines = [_("#### Roles of {name}", name=escape_markdown(consortium.name)), "",
             _("| Role | Held by | What it means |"), "|---|---|---|"]
    for role in roles.catalog(session, consortium):
        label = f"**{_cell(escape_markdown(role.label))}**" + (f" `{role.key}`" if role.key != role.label else "")
        held = ", ".join(holders.get(role.key, [])) or "—"
        description = _cell(escape_markdown(role.description)) or (_("custom role") if role.custom else "")
        lines.append(f"| {label} | {_cell(held)} | {description} |")
    if not holders.get(roles.LEAD):
        lines.append("")
        lines.append(_("No lead partner yet: an admin can name one with `/role assign chef-de-file <organisation>`."))
    return Reply("\n".join(lines))


@handles(T, "assign")
def assign(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(RoleAssignSchema(), {
        "role": cmd.get("role"), "target": cmd.get("target"), "organisation": cmd.get("organisation"),
        "replace": bool(cmd.get("replace")), "new": bool(cmd.get("new")),
    }, usage=_usage(cmd))
    return _reply(roles.assign(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(), data,
                               directory=ctx.services.directory))


@handles(T, "unassign")
def unassign(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    data = load_or_raise(RoleAssignSchema(), {"role": cmd.get("role"), "target": cmd.get("target")},
                         usage=_usage(cmd))
    return _reply(roles.unassign(ctx.session, ctx.network, ctx.actor, ctx.require_consortium(), data,
                                 directory=ctx.services.directory))


@handles(T, "history")
def history(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    consortium = ctx.require_consortium()
    access.require_member(ctx.session, ctx.actor, consortium)
    events = roles.history(ctx.session, consortium)
    if not events:
        return Reply(_("No role has been given yet in “{name}”.", name=escape_markdown(consortium.name)))
    lines = [_("#### Roles history of {name}", name=escape_markdown(consortium.name))]
    for event in events:
        view = event.view
        when = format_date(event.at.astimezone(ctx.tz), with_time=True)
        holder = roles.holder_label(view.person, view.organisation)
        role = escape_markdown(view.role.label)
        by = f"@{event.by}" if event.by else "—"
        if event.kind == "assigned":
            lines.append(_("- {when}: {holder} receives the role “{role}” (by {by})",
                           when=when, holder=holder, role=role, by=by))
        else:
            lines.append(_("- {when}: {holder} leaves the role “{role}” (by {by})",
                           when=when, holder=holder, role=role, by=by))
    return Reply("\n".join(lines))


@handles(T, "export")
def export(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    result = roles.export(ctx.session, ctx.actor, ctx.require_consortium(), semicolon=bool(cmd.get("semicolon")),
                          tz=ctx.tz)
    return Reply(result.message)


@handles(T, "organisation")
def organisation(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    action = (cmd.get("action") or "liste").lower()
    if action in ("ajouter", "add"):
        if not cmd.get("short_name"):
            return Reply("⚠️ " + _("Give the organisation's short name.") + "\n" + _usage(cmd))
        data = load_or_raise(OrganisationSchema(), {
            "short_name": cmd.get("short_name"), "name": cmd.get("name"), "kind": cmd.get("kind") or "siae",
            "siae_type": cmd.get("siae_type"), "departement": cmd.get("departement"),
        }, usage=_usage(cmd))
        return Reply("✅ " + organisations.create(ctx.session, ctx.network, ctx.actor, data).message)
    rows = organisations.list_organisations(ctx.session, ctx.network)
    if not rows:
        return Reply(_("No organisation yet. An admin adds one with "
                       "`/role organisation add ACI-Lyon \"Lyon inclusion workshop\" --siae ACI "
                       "--department 69`."))
    lines = [ngettext("**{n} organisation** in the network:", "**{n} organisations** in the network:", len(rows))]
    for org in rows[:200]:
        lines.append(f"- **{escape_markdown(org.short_name)}** — {escape_markdown(org.name)} "
                     f"· {organisations.kind_label(org)}")
    if len(rows) > 200:
        lines.append(_("… and {n} more.", n=len(rows) - 200))
    return Reply("\n".join(lines))
