"""/consortium admin: a signed, single-use, short-lived link to the web dashboard (ephemeral)."""
from __future__ import annotations

from datetime import timedelta

from plugin.commands.legacy import CommandContext, handles
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.i18n import _
from plugin.kernel import access

MAGIC_LINK_MAX_AGE = timedelta(minutes=10)


def magic_link(services, actor, network) -> str:
    token = services.signer.sign("magic", {"p": actor.id, "n": network.id, "l": actor.locale}, single_use=True)
    return f"{services.base_url}/web/login?token={token}"


@handles("consortium", "admin")
def admin(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    access.require_admin(ctx.actor)
    url = magic_link(ctx.services, ctx.actor, ctx.network)
    minutes = int(MAGIC_LINK_MAX_AGE.total_seconds() // 60)
    return Reply(_("🔐 Your link to the web dashboard (personal, single use, valid {minutes} minutes — do not "
                   "share it): {url}", minutes=minutes, url=url))
