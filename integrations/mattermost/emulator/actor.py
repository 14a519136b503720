"""The emulator acting as Mattermost toward an integration: a person runs a slash command,
clicks a message button or submits an interactive dialog; the integration is called as
Mattermost calls it and its answer is applied as Mattermost applies it (posts, ephemeral
posts, post updates, delayed responses through the command's ``response_url``)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Callable

import requests
from werkzeug.wrappers import Request, Response

from .base import EmulatorAppError, bad, error_response, new_id
from .state import State


class Actor:
    """Mattermost's outgoing side. Calls to the integration are never made holding the state lock."""

    def __init__(self, state: State, base_url: Callable[[], str], *, http_timeout: float) -> None:
        self.state = state
        self.base_url = base_url
        self.http_timeout = http_timeout

    def _post_out(self, url: str, *, json_body: Any = None, form: dict | None = None,
                  headers: dict | None = None, method: str = "POST") -> tuple[int, Any, requests.Response | None]:
        """Outbound call to the integration (never made while holding the state lock)."""
        h = {"User-Agent": "Mattermost-Bot/1.1", "Accept": "application/json"}
        h.update(headers or {})
        try:
            if method == "GET":
                resp = requests.get(url, params=form, headers=h, timeout=self.http_timeout)
            elif form is not None:
                resp = requests.post(url, data=form, headers=h, timeout=self.http_timeout)
            else:
                resp = requests.post(url, json=json_body, headers=h, timeout=self.http_timeout)
        except requests.RequestException as exc:
            return 0, {"error": f"request to integration failed: {exc}"}, None
        parsed: Any = None
        if resp.content:
            try:
                parsed = resp.json()
            except ValueError:
                parsed = None
        return resp.status_code, parsed, resp

    def _apply_command_response(self, resp: dict, *, user_id: str, channel_id: str, root_id: str,
                                out: dict) -> None:
        """Apply a slash command response (and its extra_responses) like Mattermost."""
        responses = [resp] + [r for r in (resp.get("extra_responses") or []) if isinstance(r, dict)]
        for r in responses:
            text = r.get("text") or ""
            props = dict(r.get("props") or {}) if isinstance(r.get("props"), dict) else {}
            if r.get("attachments"):
                props["attachments"] = r["attachments"]
            if r.get("username"):
                props["override_username"] = r["username"]
            if r.get("icon_url"):
                props["override_icon_url"] = r["icon_url"]
            if not text and not props.get("attachments"):
                continue
            target_channel = r.get("channel_id") or channel_id
            if (r.get("response_type") or "ephemeral") == "in_channel":
                post = self.state.create_post(user_id, target_channel, text, props=props, root_id=root_id)
                out["posts"].append(copy.deepcopy(post))
            else:
                eph = self.state.add_ephemeral(user_id, target_channel, text, props=props, root_id=root_id,
                                               source="command")
                out["ephemerals"].append(copy.deepcopy(eph))

    def execute_command(self, username: str, channel_id: str, text_with_trigger: str, *,
                        root_id: str = "") -> dict:
        """Run a custom slash command as ``username`` (``MattermostEmulator.execute_command``)."""
        out: dict[str, Any] = {"status": 0, "response": None, "post": None, "ephemeral": None,
                               "posts": [], "ephemerals": [], "trigger_id": None, "error": None}
        word, _, rest = text_with_trigger.strip().partition(" ")
        trigger = word.lstrip("/").lower()
        with self.state.lock:
            user = self.state.user_by_name(username.lower())
            if user is None:
                raise ValueError(f"no user {username!r}")
            ch = self.state.channels.get(channel_id)
            if ch is None:
                raise ValueError(f"no channel {channel_id!r}")
            team_id = ch["team_id"] or next((tid for (tid, uid) in self.state.team_members if uid == user["id"]), "")
            team = self.state.teams.get(team_id, {})
            cmd = next((c for c in self.state.commands.values()
                        if c["team_id"] == team_id and c["trigger"] == trigger and not c["delete_at"]), None)
            if cmd is None:
                out["status"] = 404
                out["error"] = f"Command with a trigger of '/{trigger}' not found."
                return out
            if not self.state.can_read_channel(user, ch):
                out["status"] = 403
                out["error"] = "You do not have the appropriate permissions."
                return out
            trigger_id = self.state.issue_trigger(user["id"], ch["id"], team_id)
            hook_id = new_id()
            self.state.response_hooks[hook_id] = {"user_id": user["id"], "channel_id": ch["id"], "root_id": root_id}
            form = {
                "channel_id": ch["id"], "channel_name": ch["name"], "command": "/" + cmd["trigger"],
                "response_url": f"{self.base_url()}/hooks/commands/{hook_id}", "team_domain": team.get("name", ""),
                "team_id": team_id, "text": rest.strip(), "token": cmd["token"], "trigger_id": trigger_id,
                "user_id": user["id"], "user_name": user["username"],
            }
            form["root_id"] = root_id  # always sent, empty outside a thread
            form.update(self._mentions(rest, team_id))
            url, token, method = cmd["url"], cmd["token"], cmd["method"]
        out["trigger_id"] = trigger_id
        status, parsed, resp = self._post_out(url, form=form, headers={"Authorization": f"Token {token}"},
                                              method="GET" if method == "G" else "POST")
        out["status"] = status
        out["response"] = parsed
        if resp is None:
            out["error"] = (parsed or {}).get("error")
            return out
        if not 200 <= status < 300:
            # Mattermost 11.4 answers the user 500 api.command.execute_command.failed_resp.app_error.
            out["error"] = f"Command with a trigger of '{trigger}' returned response {status} {resp.reason}."
            return out
        if parsed is None and resp.text.strip() and "json" not in resp.headers.get("Content-Type", ""):
            parsed = {"response_type": "ephemeral", "text": resp.text}
        if isinstance(parsed, dict):
            with self.state.lock:
                try:
                    self._apply_command_response(parsed, user_id=user["id"], channel_id=ch["id"],
                                                 root_id=root_id, out=out)
                except EmulatorAppError as err:
                    out["error"] = err.message
        out["post"] = out["posts"][0] if out["posts"] else None
        out["ephemeral"] = out["ephemerals"][0] if out["ephemerals"] else None
        return out

    def _mentions(self, text: str, team_id: str) -> dict[str, list[str]]:
        """The mention fields Mattermost 11.4 adds to a command's form: @team members and ~public channels,
        each as repeated keys (names, then ids in the same order)."""
        users = [u for name in dict.fromkeys(re.findall(r"@([a-z0-9.\-_]+)", text.lower()))
                 if (u := self.state.user_by_name(name.rstrip("."))) and self.state.in_team(u["id"], team_id)]
        channels = [c for name in dict.fromkeys(re.findall(r"~([a-z0-9\-_]+)", text.lower()))
                    if (c := self.state.channel_by_name(team_id, name)) and c["type"] == "O"]
        fields: dict[str, list[str]] = {}
        if users:
            fields.update(user_mentions=[u["username"] for u in users], user_mentions_ids=[u["id"] for u in users])
        if channels:
            fields.update(channel_mentions=[c["name"] for c in channels],
                          channel_mentions_ids=[c["id"] for c in channels])
        return fields

    def command_response_hook(self, req: Request, hook_id: str, request_id: str) -> Response:
        if req.method != "POST":
            return error_response(EmulatorAppError(405, "api.context.405.app_error", "Method not allowed."), request_id)
        with self.state.lock:
            hook = self.state.response_hooks.get(hook_id)
        if hook is None:
            return error_response(EmulatorAppError(404, "web.command_webhook.invalid.app_error",
                                                   "Invalid webhook."), request_id)
        try:
            body = json.loads(req.get_data() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return error_response(bad("web.command_webhook.parse.app_error", "Unable to parse incoming data."),
                                  request_id)
        out: dict = {"posts": [], "ephemerals": []}
        with self.state.lock:
            try:
                self._apply_command_response(body, user_id=hook["user_id"], channel_id=hook["channel_id"],
                                             root_id=hook["root_id"], out=out)
            except EmulatorAppError as err:
                return error_response(err, request_id)
        return Response("ok", status=200, content_type="text/plain")

    def click(self, post_id: str, action_id: str, username: str, *, selected_option: str | None = None) -> dict:
        """Click a button or pick a menu option as ``username`` (``MattermostEmulator.click``)."""
        with self.state.lock:
            user = self.state.user_by_name(username.lower())
            if user is None:
                raise ValueError(f"no user {username!r}")
            post = self.state.posts.get(post_id)
            ephemeral_post = None
            if post is None:
                # Buttons of an ephemeral post (a slash command's private answer) work too (the web
                # client sends the action's cookie), but an "update" answer fails (see below).
                ephemeral_post = next((e for e in self.state.ephemerals if e["id"] == post_id
                                       and e["user_id"] == (self.state.user_by_name(username.lower()) or {}).get("id")),
                                      None)
                post = ephemeral_post
            if post is None or post["delete_at"]:
                raise ValueError(f"no post {post_id!r}")
            action = None
            for att in (post["props"].get("attachments") or []):
                for a in (att.get("actions") or []) if isinstance(att, dict) else []:
                    if isinstance(a, dict) and a.get("id") == action_id:
                        action = a
                        break
                if action:
                    break
            if action is None:
                raise ValueError(f"no action {action_id!r} in post {post_id!r}")
            ch = self.state.channels[post["channel_id"]]
            team = self.state.teams.get(ch["team_id"], {})
            integration = action.get("integration") or {}
            url = integration.get("url")
            if not url:
                raise ValueError(f"action {action_id!r} has no integration url")
            context = copy.deepcopy(integration.get("context") or {})
            if selected_option is not None:
                context["selected_option"] = selected_option
            trigger_id = self.state.issue_trigger(user["id"], ch["id"], ch["team_id"])
            payload = {
                "user_id": user["id"], "user_name": user["username"], "channel_id": ch["id"],
                "channel_name": ch["name"], "team_id": ch["team_id"], "team_domain": team.get("name", ""),
                "post_id": post_id, "trigger_id": trigger_id, "type": action.get("type") or "button",
                "data_source": action.get("data_source") or "", "context": context,
            }
        out: dict[str, Any] = {"status": 0, "response": None, "post": None, "ephemeral": None,
                               "trigger_id": trigger_id, "error": None}
        status, parsed, resp = self._post_out(url, json_body=payload)
        out["status"], out["response"] = status, parsed
        if resp is None or not 200 <= status < 300:
            out["error"] = "Action integration error." if resp is not None else (parsed or {}).get("error")
            return out
        if isinstance(parsed, dict):
            with self.state.lock:
                try:
                    update = parsed.get("update")
                    if isinstance(update, dict) and ephemeral_post is not None:
                        # Mattermost applies an update with UpdatePost, which finds no stored post for an
                        # ephemeral one: the click fails with 404 and the ephemeral_text is not sent either.
                        out["status"] = 404
                        out["error"] = "Unable to get the post."
                        out["post"] = copy.deepcopy(ephemeral_post)
                        return out
                    if isinstance(update, dict):
                        p = self.state.posts.get(post_id)
                        if p is not None and not p["delete_at"]:
                            # Mattermost replaces the post's message and props with the update
                            # (a missing "message" empties it); pinning is kept as it was
                            self.state.apply_post_update(p, {k: update[k] for k in ("message", "props")
                                                             if k in update}, full=True)
                    if parsed.get("ephemeral_text"):
                        eph = self.state.add_ephemeral(user["id"], ch["id"], parsed["ephemeral_text"],
                                                       root_id=post["root_id"], source="action")
                        out["ephemeral"] = copy.deepcopy(eph)
                except EmulatorAppError as err:
                    out["error"] = err.message
                p = self.state.posts.get(post_id) or ephemeral_post
                out["post"] = copy.deepcopy(p) if p else None
        return out

    def submit_dialog(self, dialog_index_or_obj: int | dict, username: str, submission: dict, *,
                      cancelled: bool = False, state: str | None = None) -> dict:
        """Submit or cancel an opened dialog as ``username`` (``MattermostEmulator.submit_dialog``)."""
        with self.state.lock:
            entry = (self.state.dialogs[dialog_index_or_obj] if isinstance(dialog_index_or_obj, int)
                     else dialog_index_or_obj)
            user = self.state.user_by_name(username.lower())
            if user is None:
                raise ValueError(f"no user {username!r}")
            dialog = entry["dialog"]
            payload = {
                "type": "dialog_submission", "callback_id": dialog.get("callback_id", ""),
                "state": dialog.get("state", "") if state is None else state,
                "user_id": user["id"], "channel_id": entry.get("channel_id", ""),
                "team_id": entry.get("team_id", ""), "submission": {} if cancelled else dict(submission),
                "cancelled": cancelled,
            }
            url = entry["url"]
        if cancelled and not dialog.get("notify_on_cancel"):
            return {"status": None, "response": None}
        status, parsed, _resp = self._post_out(url, json_body=payload)
        return {"status": status, "response": parsed}
