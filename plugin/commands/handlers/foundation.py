"""/consortium fondation ajouter|liste|representant — admins manage foundations and their representatives."""
from __future__ import annotations

from integrations.mattermost.messages import escape_markdown
from plugin.commands.legacy import CommandContext, handles
from plugin.rendering.reply import Reply
from plugin.kernel.text import fold
from plugin.commands.parser import ParsedCommand
from plugin.i18n import _, ngettext
from plugin.schemas import load_or_raise
from plugin.schemas.dialogues import FoundationSchema, RepresentativeSchema
from plugin.kernel import access
from plugin.services import foundations
from plugin.kernel.errors import Invalid

ACTIONS = {
    "ajouter": "add", "add": "add", "creer": "add", "create": "add",
    "liste": "list", "list": "list",
    "representant": "representative", "representants": "representative", "representative": "representative",
    "representatives": "representative", "rep": "representative",
}


def _syntax() -> str:
    return _("Syntax: `/consortium foundation add <short-name> \"<name>\" [--themes \"<a>, <b>\"] "
             "[--description \"<text>\"] [--kind foundation|fund]`, `/consortium foundation list`, "
             "`/consortium foundation representative <short-name> @user ... [--remove]`.")


@handles("consortium", "foundation")
def foundation(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    action = ACTIONS.get(fold(cmd.get("action") or ""))
    if action is None:
        raise Invalid(_("Unknown action “{word}”: add, list or representative.", word=(cmd.get("action") or "")[:40]),
                      usage=_syntax())
    if action == "list":
        return _list(ctx)
    if action == "add":
        if not cmd.get("foundation"):
            raise Invalid(_("Give the foundation's short name (one word) and its name in quotes."), usage=_syntax())
        if cmd.get("users"):
            raise Invalid(_("A foundation is added first; its representatives next, with `representant`."),
                          usage=_syntax())
        raw = {"short_name": cmd.get("foundation"), "name": cmd.get("name") or cmd.get("foundation")}
        for key in ("description", "themes", "kind"):
            if cmd.get(key) is not None:
                raw[key] = cmd.get(key)
        data = load_or_raise(FoundationSchema(), raw, usage=_syntax())
        return Reply(foundations.add_foundation(ctx.session, ctx.network, ctx.actor, data).message)
    # representative
    if not cmd.get("foundation") or not cmd.get("users"):
        raise Invalid(_("Name the foundation and its representatives: `representant FondationX @user`."),
                      usage=_syntax())
    if cmd.get("name"):
        raise Invalid(_("Unexpected text: “{extra}”. Representatives are written @username.",
                        extra=cmd.get("name")[:60]), usage=_syntax())
    data = load_or_raise(RepresentativeSchema(), {"foundation": cmd.get("foundation"), "users": cmd.get("users"),
                                                  "remove": bool(cmd.get("remove"))}, usage=_syntax())
    found = foundations.find_foundation(ctx.session, ctx.network, data["foundation"])
    return Reply(foundations.set_representatives(ctx.session, ctx.network, ctx.actor, found, data["users"],
                                                 directory=ctx.services.directory, remove=data["remove"]).message)


def _list(ctx: CommandContext) -> Reply:
    rows = foundations.list_foundations(ctx.session, ctx.network)
    if not rows:
        return Reply(_("No foundation recorded yet. Add one with `/consortium foundation add FoundationX "
                       "\"Foundation X\"`."))
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
    return Reply("\n".join(lines))
