"""What the privacy feature says: the replies, the direct message carrying the copy, the API's JSON
and the CLI's lines (the CLI speaks English)."""
from __future__ import annotations

import json

from plugin.i18n import _
from plugin.rendering.reply import Reply
from plugin.rendering.view import View

from plugin.features.privacy import outcomes as out


def copy_queued(outcome: out.CopyQueued, view: View) -> Reply:
    return Reply(_("You will receive a copy of your personal data by direct message in a moment."))


def copy_message() -> str:
    return _("Here is everything Consortia holds about you (JSON). To have it erased, ask the "
             "network's facilitators.")


def copy_file(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def exported_json(outcome: out.Exported, view: View) -> dict:
    return outcome.data


def erased_json(outcome: out.Erased, view: View) -> dict:
    return {"erased": True, **outcome.changes}


def exported_cli(outcome: out.Exported, view: View) -> str:
    return json.dumps(outcome.data, ensure_ascii=False, indent=2)


def erased_cli(outcome: out.Erased, view: View) -> str:
    return f"Erased: {outcome.changes}"


CHAT = {out.CopyQueued: copy_queued}
JSON = {out.Exported: exported_json, out.Erased: erased_json}
CLI = {out.Exported: exported_cli, out.Erased: erased_cli}
