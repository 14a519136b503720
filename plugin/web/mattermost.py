"""Endpoints Mattermost calls: slash commands, message actions, dialog submissions."""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request

from integrations.mattermost import messages
from integrations.mattermost.verification import extract_command_token
from plugin.commands.context import CommandRequest
from plugin.frontdoor import callbacks, slash
from plugin.i18n import _

blueprint = Blueprint("mattermost", __name__, url_prefix="/mattermost")

_FIELDS = ("command", "text", "user_id", "user_name", "channel_id", "channel_name", "team_id", "team_domain",
           "trigger_id", "root_id", "response_url")


def _unauthorized() -> Response:
    # Nothing else said: a wrong token learns nothing.
    return Response(status=401)


@blueprint.post("/command")
def command():
    services = current_app.extensions["consortia"]
    sent = request.form
    token = extract_command_token(request.headers, sent)
    # First of all: nothing is read or written for a request without the token of its own trigger.
    if not services.command_token_valid(token, str(sent.get("command") or "")[:64]):
        return _unauthorized()
    form = {name: (sent.get(name) or "")[:10000] for name in _FIELDS}
    if not form["user_id"] or not form["command"] or not _ids_look_like_mattermost(form):
        return jsonify(messages.command_response(_("This request is missing its user or command.")))
    reply = slash.handle(services, CommandRequest(**form))
    body = messages.command_response(reply.text, in_channel=reply.in_channel, attachments=reply.attachments,
                                     props=reply.props, extra_responses=reply.extra or None,
                                     truncated_notice=_("… (truncated)"))
    return jsonify(body)


# Mattermost ids are 26 lowercase letters and digits; the database columns are sized for them.
_ID = re.compile(r"^[A-Za-z0-9]{1,26}$")
_ID_KEYS = ("user_id", "channel_id", "team_id", "post_id", "root_id")


# Names as Mattermost allows them (and as our columns hold them).
_NAMES = {"user_name": re.compile(r"^[A-Za-z0-9._-]{1,64}$"), "team_domain": re.compile(r"^[A-Za-z0-9_-]{1,64}$"),
          "channel_name": re.compile(r"^[A-Za-z0-9_.-]{1,64}$|^[a-z0-9]{26}__[a-z0-9]{26}$")}


def _ids_look_like_mattermost(payload: dict) -> bool:
    if any(payload.get(key) and not pattern.match(payload[key]) for key, pattern in _NAMES.items()):
        return False
    return all(not payload.get(key) or _ID.match(payload[key]) for key in _ID_KEYS)


# What Mattermost always sends as text; anything else is not a request from Mattermost.
_TEXT_KEYS = ("user_id", "user_name", "channel_id", "channel_name", "team_id", "team_domain", "post_id",
              "trigger_id", "callback_id", "state", "type", "data_source")


def _json_payload() -> dict | None:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return None
    if any(payload.get(key) is not None and not isinstance(payload[key], str) for key in _TEXT_KEYS):
        return None
    if any(payload.get(key) is not None and not isinstance(payload[key], dict) for key in ("context", "submission")):
        return None
    # A dialog's fields hold text, numbers, booleans or nothing: never lists nor objects.
    if any(isinstance(value, (list, dict)) for value in (payload.get("submission") or {}).values()):
        return None
    return payload if _ids_look_like_mattermost(payload) else None


@blueprint.post("/action")
def action():
    payload = _json_payload()
    if payload is None or not payload.get("user_id"):
        return jsonify(error="bad request"), 400
    return jsonify(callbacks.action(current_app.extensions["consortia"], payload))


@blueprint.post("/dialog")
def dialog():
    payload = _json_payload()
    if payload is None or not payload.get("user_id"):
        return jsonify(error="bad request"), 400
    return jsonify(callbacks.dialog(current_app.extensions["consortia"], payload))
