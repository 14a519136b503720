"""REST handlers for what integrations register and open: slash commands and dialogs."""

from __future__ import annotations

import copy
import json
import re

from .base import (
    API, BUILTIN_TRIGGERS, TRIGGER_RE, Ctx, bad, forbidden, new_id, qbool, require_object, require_str, route,
)
from .state import State


# ---------------------------------------------------------------- dialogs

@route("POST", API + "/actions/dialogs/open")
def open_dialog(st: State, ctx: Ctx):
    body = require_object(ctx)
    trigger_id = require_str(body, "trigger_id")
    url = require_str(body, "url")
    dialog = body.get("dialog")
    if not isinstance(dialog, dict) or not isinstance(dialog.get("elements", []), list):
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing dialog in request body.")
    trig = st.triggers.get(trigger_id)
    if trig is None:
        # Mattermost 11.4 answers a trigger id it did not issue (ours are not base64) with this id.
        raise bad("interactive_message.decode_trigger_id.base64_decode_failed",
                  "Failed to decode base64 for trigger ID for interactive dialog.")
    if st.clock() - trig["at"] > st.trigger_ttl:
        raise bad("interactive_message.decode_trigger_id.expired",
                  f"Trigger ID for interactive dialog is expired. Maximum time is {st.trigger_ttl:g} seconds.")
    for el in dialog.get("elements") or []:
        if not isinstance(el, dict) or not el.get("name") or el.get("type") not in (
                "text", "textarea", "select", "bool", "radio"):
            raise bad("interactive_message.dialog.invalid_element", "Invalid dialog element.", json.dumps(el)[:200])
    st.dialogs.append({
        "url": url, "trigger_id": trigger_id, "dialog": copy.deepcopy(dialog),
        "user_id": trig["user_id"], "channel_id": trig["channel_id"], "team_id": trig["team_id"],
        "opened_by": ctx.user["id"],
                      })
    return {"status": "OK"}


# ---------------------------------------------------------------- commands

@route("POST", API + "/commands")
def create_command(st: State, ctx: Ctx):
    body = require_object(ctx)
    team_id = require_str(body, "team_id")
    st.get_team(team_id)
    if not st.can_manage_team(ctx.user, team_id):
        raise forbidden("manage_slash_commands")
    cmd = st.new_command(team_id, require_str(body, "trigger"), require_str(body, "url"),
                         body.get("method") or "", ctx.user["id"], body)
    return 201, cmd


@route("GET", API + "/commands")
def list_commands(st: State, ctx: Ctx):
    team_id = ctx.query.get("team_id", "")
    if not team_id:
        raise bad("api.context.invalid_param.app_error", "Invalid team_id parameter.")
    st.get_team(team_id)
    custom_only = qbool(ctx.query.get("custom_only", "false"))
    if custom_only and not st.can_manage_team(ctx.user, team_id):
        raise forbidden("manage_slash_commands")
    if not st.is_admin(ctx.user) and not st.in_team(ctx.user["id"], team_id):
        raise forbidden("view_team")
    out: list[dict] = []
    if not custom_only:
        out += [{"trigger": t, "display_name": t, "auto_complete": True, "auto_complete_desc": "",
                 "auto_complete_hint": ""} for t in BUILTIN_TRIGGERS]
    out += [c for c in st.commands.values() if c["team_id"] == team_id and not c["delete_at"]]
    return out


@route("PUT", API + "/commands/{command_id}")
def update_command(st: State, ctx: Ctx):
    body = require_object(ctx)
    cmd = st.get_command(ctx.params["command_id"])
    if body.get("id") and body["id"] != cmd["id"]:
        raise bad("api.context.invalid_body_param.app_error", "Invalid id in request body.")
    if body.get("team_id") and body["team_id"] != cmd["team_id"]:
        raise bad("api.command.team_mismatch.app_error", "Unable to update commands across teams.")
    if not st.can_manage_team(ctx.user, cmd["team_id"]):
        raise forbidden("manage_slash_commands")
    trigger = (body.get("trigger") or cmd["trigger"]).lower()
    if not TRIGGER_RE.match(trigger):
        raise bad("model.command.is_valid.trigger.app_error", "Invalid trigger.")
    if trigger != cmd["trigger"] and (trigger in BUILTIN_TRIGGERS or any(
            c["team_id"] == cmd["team_id"] and c["trigger"] == trigger and not c["delete_at"]
            for c in st.commands.values())):
        raise bad("api.command.duplicate_trigger.app_error", "This trigger word is already in use. Please choose another word.")
    method = body.get("method") or cmd["method"]
    if method not in ("P", "G"):
        raise bad("model.command.is_valid.method.app_error", "Invalid Method.")
    url = body.get("url") or cmd["url"]
    if not re.match(r"^https?://", url):
        raise bad("model.command.is_valid.url_http.app_error", "Invalid URL.")
    cmd.update(trigger=trigger, method=method, url=url)
    for k in ("username", "icon_url", "auto_complete", "auto_complete_desc", "auto_complete_hint",
              "display_name", "description"):
        if k in body and body[k] is not None:
            cmd[k] = body[k]
    cmd["update_at"] = st.ts()
    return cmd


@route("DELETE", API + "/commands/{command_id}")
def delete_command(st: State, ctx: Ctx):
    cmd = st.get_command(ctx.params["command_id"])
    if not st.can_manage_team(ctx.user, cmd["team_id"]):
        raise forbidden("manage_slash_commands")
    cmd["delete_at"] = cmd["update_at"] = st.ts()
    return {"status": "OK"}


@route("PUT", API + "/commands/{command_id}/regen_token")
def regen_token(st: State, ctx: Ctx):
    cmd = st.get_command(ctx.params["command_id"])
    if not st.can_manage_team(ctx.user, cmd["team_id"]):
        raise forbidden("manage_slash_commands")
    cmd["token"] = new_id()
    cmd["update_at"] = st.ts()
    return {"token": cmd["token"]}
