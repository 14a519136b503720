"""`/consortium fondation ajouter|liste|representant`: admins manage foundations and their
representatives. The foundations themselves belong to the dialogues feature (reached through its
``api.py``); this module reads the sub-command's words and calls it."""
from __future__ import annotations

from marshmallow import ValidationError

from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.errors import Invalid
from plugin.kernel.text import fold
from plugin.kernel.usecase import Ctx, use_case
from plugin.schemas.fields import error_text
from plugin.features.dialogues import api as dialogues

from plugin.features.consortium import schemas
from plugin.features.consortium.outcomes import FoundationsAnswer

ACTIONS = {
    "ajouter": "add", "add": "add", "creer": "add", "create": "add",
    "liste": "list", "list": "list",
    "representant": "representative", "representants": "representative", "representative": "representative",
    "representatives": "representative", "rep": "representative",
}

SYNTAX = _l("Syntax: `/consortium foundation add <short-name> \"<name>\" [--themes \"<a>, <b>\"] "
            "[--description \"<text>\"] [--kind foundation|fund]`, `/consortium foundation list`, "
            "`/consortium foundation representative <short-name> @user ... [--remove]`.")


def _load(schema, raw: dict) -> dict:
    try:
        return schema().load(raw)
    except ValidationError as error:
        raise Invalid(error_text(error.messages), usage=SYNTAX) from None


@use_case("consortium.foundation", schema=schemas.FoundationCommandSchema, consortium="none")
def foundation(ctx: Ctx, data: dict) -> FoundationsAnswer:
    access.require_admin(ctx.actor)
    action = ACTIONS.get(fold(data["action"] or ""))
    if action is None:
        raise Invalid(_l("Unknown action “{word}”: add, list or representative.", word=(data["action"] or "")[:40]),
                      usage=SYNTAX)
    if action == "list":
        return FoundationsAnswer(dialogues.foundations(ctx, {}))
    if action == "add":
        if not data["foundation"]:
            raise Invalid(_l("Give the foundation's short name (one word) and its name in quotes."), usage=SYNTAX)
        if data["users"]:
            raise Invalid(_l("A foundation is added first; its representatives next, with `representant`."),
                          usage=SYNTAX)
        raw = {"short_name": data["foundation"], "name": data["name"] or data["foundation"]}
        for key in ("description", "themes", "kind"):
            if data[key] is not None:
                raw[key] = data[key]
        return FoundationsAnswer(dialogues.add_foundation(ctx, _load(dialogues.FoundationSchema, raw)))
    if not data["foundation"] or not data["users"]:
        raise Invalid(_l("Name the foundation and its representatives: `representant FondationX @user`."),
                      usage=SYNTAX)
    if data["name"]:
        raise Invalid(_l("Unexpected text: “{extra}”. Representatives are written @username.",
                         extra=data["name"][:60]), usage=SYNTAX)
    loaded = _load(dialogues.RepresentativeSchema, {"foundation": data["foundation"], "users": data["users"],
                                                    "remove": data["remove"]})
    return FoundationsAnswer(dialogues.change_representatives(ctx, loaded))
