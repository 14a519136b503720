"""/consortium fondation ajouter|liste|representant — admins manage foundations and their representatives
(the dialogues feature's use cases, through its ``api.py``)."""
from __future__ import annotations

from plugin.commands.legacy import CommandContext, handles
from plugin.features.dialogues import api as dialogues
from plugin.rendering.reply import Reply
from plugin.kernel.text import fold
from plugin.kernel.usecase import Ctx
from plugin.commands.parser import ParsedCommand
from plugin.i18n import _
from plugin.schemas import load_or_raise
from plugin.kernel import access
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
        return _run(ctx, dialogues.foundations, {})
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
        data = load_or_raise(dialogues.FoundationSchema(), raw, usage=_syntax())
        return _run(ctx, dialogues.add_foundation, data)
    # representative
    if not cmd.get("foundation") or not cmd.get("users"):
        raise Invalid(_("Name the foundation and its representatives: `representant FondationX @user`."),
                      usage=_syntax())
    if cmd.get("name"):
        raise Invalid(_("Unexpected text: “{extra}”. Representatives are written @username.",
                        extra=cmd.get("name")[:60]), usage=_syntax())
    data = load_or_raise(dialogues.RepresentativeSchema(), {"foundation": cmd.get("foundation"),
                                                             "users": cmd.get("users"),
                                                             "remove": bool(cmd.get("remove"))}, usage=_syntax())
    return _run(ctx, dialogues.change_representatives, data)


def _run(ctx: CommandContext, use_case, data: dict) -> Reply:
    """One of the dialogues feature's foundation use cases, its events published as the runner would."""
    context = Ctx(ctx.session, ctx.actor, ctx.network, ctx.now, ctx.services)
    outcome = use_case(context, data)
    for event in context.events:
        ctx.services.registry.publisher(event)(ctx.session, event, ctx.now)
    return Reply(dialogues.foundation_text(outcome))
