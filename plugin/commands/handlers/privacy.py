"""/consortium mes-donnees: anyone can get a copy of what Consortia holds about them."""
from __future__ import annotations

import base64
import json

from plugin.commands.legacy import CommandContext, handles
from plugin.rendering.reply import Reply
from plugin.commands.parser import ParsedCommand
from plugin.i18n import _
from plugin.services import privacy
from plugin.kernel.outbox import queue


@handles("consortium", "my_data")
def my_data(ctx: CommandContext, cmd: ParsedCommand) -> Reply:
    person = ctx.actor.person
    data = privacy.export_person(ctx.session, person)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    queue(ctx.session, "mattermost.upload", {
        "direct_to": ctx.request.user_id,
        "message": _("Here is everything Consortia holds about you (JSON). To have it erased, ask the "
                     "network's facilitators."),
        "files": [{"name": f"consortia-{person.username}.json", "content": base64.b64encode(content).decode()}],
    })
    return Reply(_("You will receive a copy of your personal data by direct message in a moment."))
