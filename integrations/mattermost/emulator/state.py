"""The emulator's state: users, teams, channels, posts, files, commands, bots and tokens, in
memory, behind one re-entrant lock, with the rules Mattermost applies to them (who may read,
post or manage what; how a post, a thread or a command is stored)."""

from __future__ import annotations

import copy
import re
import threading
import time
from typing import Any, Callable

from .base import (
    BUILTIN_TRIGGERS, MAX_POST_FILES, MAX_POST_MESSAGE, RETAINED_PROPS, TRIGGER_RE, Ctx, EmulatorAppError, bad,
    new_id,
)


def _now_ms() -> int:
    return int(time.time() * 1000)


class State:
    """Everything the emulated server stores. Callers hold :attr:`lock` while they read or change it."""

    def __init__(self, *, trigger_ttl: float, pending_post_ttl: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        #: monotonic seconds: when a trigger id expires, how long a pending_post_id is remembered
        self.clock = clock
        self.trigger_ttl = trigger_ttl
        self._last_ts = 0
        self.users: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}  # token -> user_id
        self.access_tokens: dict[str, dict] = {}
        self.teams: dict[str, dict] = {}
        self.team_members: dict[tuple[str, str], dict] = {}
        self.channels: dict[str, dict] = {}
        self.channel_members: dict[str, dict[str, dict]] = {}
        self.posts: dict[str, dict] = {}
        self.ephemerals: list[dict] = []
        self.files: dict[str, dict] = {}
        self.commands: dict[str, dict] = {}
        self.bots: dict[str, dict] = {}
        self.triggers: dict[str, dict] = {}
        self.dialogs: list[dict] = []
        self.response_hooks: dict[str, dict] = {}
        # Mattermost's dedupe of POST /posts by pending_post_id: an in-memory cache of each server
        # process, 30 s (app/post.go, pendingPostIDsCacheTTL). pending_post_id -> (post id, expiry).
        self.pending_post_ttl = pending_post_ttl
        self.pending_posts: dict[str, tuple[str, float]] = {}

    def ts(self) -> int:
        """A timestamp in milliseconds, strictly after the previous one (Mattermost orders posts by it)."""
        with self.lock:
            ts = max(_now_ms(), self._last_ts + 1)
            self._last_ts = ts
            return ts

    def new_user(self, username: str, email: str | None = None, *, roles: str = "system_user",
                 first_name: str = "", last_name: str = "", locale: str = "fr", is_bot: bool = False,
                 guest: bool = False) -> dict:
        """Store an account (and its bot record); ``ValueError`` when the username is taken."""
        with self.lock:
            username = username.lower()
            if self.user_by_name(username):
                raise ValueError(f"user {username!r} exists")
            if guest:
                roles = "system_guest"
            ts = self.ts()
            user = {
                "id": new_id(), "create_at": ts, "update_at": ts, "delete_at": 0,
                "username": username, "auth_data": "", "auth_service": "",
                "email": email or f"{username}@example.com", "email_verified": True,
                "nickname": "", "first_name": first_name, "last_name": last_name, "position": "",
                "roles": roles, "locale": locale, "notify_props": {}, "props": {},
                "last_password_update": ts, "last_picture_update": 0, "failed_attempts": 0,
                "mfa_active": False,
                "timezone": {"automaticTimezone": "Europe/Paris", "manualTimezone": "", "useAutomaticTimezone": "true"},
                "disable_welcome_email": False,
            }
            if is_bot:
                user["is_bot"] = True
                user["bot_description"] = ""
            self.users[user["id"]] = user
            if is_bot:
                self.bots[user["id"]] = {
                    "user_id": user["id"], "username": username, "display_name": first_name or username,
                    "description": "", "owner_id": "", "create_at": ts, "update_at": ts, "delete_at": 0,
                }
            return user

    # ---------------------------------------------------------------- lookups and records

    def user_by_name(self, username: str) -> dict | None:
        for u in self.users.values():
            if u["username"] == username:
                return u
        return None

    def team_by_name(self, name: str) -> dict | None:
        for t in self.teams.values():
            if t["name"] == name:
                return t
        return None

    def channel_by_name(self, team_id: str, name: str) -> dict | None:
        for c in self.channels.values():
            if c["team_id"] == team_id and c["name"] == name:
                return c
        return None

    def new_channel(self, team_id: str, name: str, display_name: str, type: str, creator_id: str,
                    purpose: str = "", header: str = "") -> dict:
        ts = self.ts()
        ch = {
            "id": new_id(), "create_at": ts, "update_at": ts, "delete_at": 0, "team_id": team_id,
            "type": type, "display_name": display_name, "name": name, "header": header, "purpose": purpose,
            "last_post_at": ts, "total_msg_count": 0, "extra_update_at": 0, "creator_id": creator_id,
            "scheme_id": None, "props": None, "group_constrained": None, "shared": None,
            "total_msg_count_root": 0, "policy_id": None, "last_root_post_at": ts,
        }
        self.channels[ch["id"]] = ch
        self.channel_members[ch["id"]] = {}
        return ch

    def add_team_member(self, team_id: str, user_id: str) -> dict:
        key = (team_id, user_id)
        member = self.team_members.get(key)
        if member is not None and not member["delete_at"]:
            return member
        member = {
            "team_id": team_id, "user_id": user_id, "roles": "team_user", "delete_at": 0,
            "scheme_user": True, "scheme_admin": False, "scheme_guest": False, "explicit_roles": "",
        }
        user = self.users[user_id]
        if "system_guest" in user["roles"].split():
            member.update(roles="team_guest", scheme_user=False, scheme_guest=True)
        self.team_members[key] = member
        if "system_guest" not in user["roles"].split():
            for cname in ("town-square", "off-topic"):
                ch = self.channel_by_name(team_id, cname)
                if ch:
                    self.add_channel_member(ch["id"], user_id)
        return member

    def add_channel_member(self, channel_id: str, user_id: str, admin: bool = False) -> dict:
        members = self.channel_members.setdefault(channel_id, {})
        if user_id in members:
            return members[user_id]
        ts = self.ts()
        guest = "system_guest" in self.users[user_id]["roles"].split()
        member = {
            "channel_id": channel_id, "user_id": user_id,
            "roles": "channel_guest" if guest else ("channel_user channel_admin" if admin else "channel_user"),
            "last_viewed_at": 0, "msg_count": 0, "mention_count": 0, "mention_count_root": 0,
            "msg_count_root": 0, "urgent_mention_count": 0,
            "notify_props": {"desktop": "default", "email": "default", "ignore_channel_mentions": "default",
                             "mark_unread": "all", "push": "default"},
            "last_update_at": ts, "scheme_guest": guest, "scheme_user": not guest, "scheme_admin": admin,
            "explicit_roles": "",
        }
        members[user_id] = member
        return member

    def new_command(self, team_id: str, trigger: str, url: str, method: str, creator_id: str,
                    fields: dict) -> dict:
        if team_id not in self.teams:
            raise bad("model.command.is_valid.team_id.app_error", "Invalid team ID.")
        trigger = (trigger or "").lower()
        if not TRIGGER_RE.match(trigger):
            raise bad("model.command.is_valid.trigger.app_error", "Invalid trigger.")
        if method not in ("P", "G"):
            raise bad("model.command.is_valid.method.app_error", "Invalid Method.")
        if not re.match(r"^https?://", url or ""):
            raise bad("model.command.is_valid.url_http.app_error",
                      "Invalid URL. Must be a valid URL and start with http:// or https://.")
        if trigger in BUILTIN_TRIGGERS or any(
            c["team_id"] == team_id and c["trigger"] == trigger and not c["delete_at"] for c in self.commands.values()
        ):
            raise bad("api.command.duplicate_trigger.app_error", "This trigger word is already in use. Please choose another word.")
        ts = self.ts()
        cmd = {
            "id": new_id(), "token": new_id(), "create_at": ts, "update_at": ts, "delete_at": 0,
            "creator_id": creator_id, "team_id": team_id, "trigger": trigger, "method": method,
            "username": "", "icon_url": "", "auto_complete": False, "auto_complete_desc": "",
            "auto_complete_hint": "", "display_name": "", "description": "", "url": url,
            "plugin_id": "",
        }
        for k in ("username", "icon_url", "auto_complete", "auto_complete_desc", "auto_complete_hint",
                  "display_name", "description"):
            if k in fields and fields[k] is not None:
                cmd[k] = fields[k]
        self.commands[cmd["id"]] = cmd
        return cmd

    def validate_message(self, message: Any) -> None:
        if not isinstance(message, str):
            raise bad("api.context.invalid_body_param.app_error", "Invalid or missing message in request body.")
        if len(message) > MAX_POST_MESSAGE:
            raise bad("model.post.is_valid.message_length.app_error",
                      f"Message property length is greater than the maximum allowed ({MAX_POST_MESSAGE}).",
                      f"length={len(message)}")

    @staticmethod
    def generate_action_ids(props: dict) -> None:
        attachments = props.get("attachments")
        if not isinstance(attachments, list):
            return
        for att in attachments:
            if not isinstance(att, dict):
                continue
            for action in att.get("actions") or []:
                if isinstance(action, dict):
                    action_id = re.sub(r"[^A-Za-z0-9]", "", str(action.get("id") or ""))
                    action["id"] = action_id or new_id()

    def create_post(self, user_id: str, channel_id: str, message: str, *, props: dict | None = None,
                    root_id: str = "", file_ids: list[str] | None = None, type: str = "") -> dict:
        self.validate_message(message)
        ch = self.channels[channel_id]
        if ch["delete_at"]:
            raise bad("api.post.create_post.can_not_post_to_deleted.error", "Can not post to deleted channel.")
        if root_id:
            root = self.posts.get(root_id)
            if root is None or root["channel_id"] != channel_id or root["delete_at"]:
                raise bad("api.post.create_post.root_id.app_error", "Invalid RootId parameter.")
            if root["root_id"]:
                root_id = root["root_id"]
        file_ids = list(file_ids or [])
        if len(file_ids) > MAX_POST_FILES:
            raise bad("model.post.is_valid.file_ids.app_error", "Invalid file ids.")
        for fid in file_ids:
            f = self.files.get(fid)
            if f is None or f["info"]["channel_id"] != channel_id or f["info"]["post_id"]:
                raise bad("api.post.create_post.file_ids.app_error", "Invalid file ids.", fid)
        props = copy.deepcopy(props) if props else {}
        self.generate_action_ids(props)
        ts = self.ts()
        post = {
            "id": new_id(), "create_at": ts, "update_at": ts, "edit_at": 0, "delete_at": 0,
            "is_pinned": False, "user_id": user_id, "channel_id": channel_id, "root_id": root_id,
            "original_id": "", "message": message, "type": type, "props": props, "hashtags": "",
            "file_ids": file_ids, "pending_post_id": "", "reply_count": 0, "last_reply_at": 0,
            "participants": None, "metadata": {},
        }
        if file_ids:
            post["metadata"]["files"] = []
            for fid in file_ids:
                self.files[fid]["info"]["post_id"] = post["id"]
                post["metadata"]["files"].append(copy.deepcopy(self.files[fid]["info"]))
        self.posts[post["id"]] = post
        if root_id:
            root = self.posts[root_id]
            root["reply_count"] += 1
            root["last_reply_at"] = ts
            for p in self.posts.values():
                if p["id"] == root_id or p["root_id"] == root_id:
                    p["reply_count"] = root["reply_count"]
        ch["last_post_at"] = ts
        ch["total_msg_count"] += 1
        if not root_id:
            ch["last_root_post_at"] = ts
            ch["total_msg_count_root"] += 1
        return post

    def add_ephemeral(self, user_id: str, channel_id: str, message: str, *, props: dict | None = None,
                      root_id: str = "", sender_id: str = "", source: str = "api") -> dict:
        ts = self.ts()
        eph = {
            "id": new_id(), "create_at": ts, "update_at": ts, "edit_at": 0, "delete_at": 0,
            "user_id": user_id, "channel_id": channel_id, "root_id": root_id, "message": message,
            "type": "system_ephemeral" if source != "api" else "", "props": copy.deepcopy(props) if props else {},
            "sender_id": sender_id, "source": source,
        }
        self.ephemerals.append(eph)
        return eph

    def issue_trigger(self, user_id: str, channel_id: str = "", team_id: str = "") -> str:
        """A fresh trigger id, valid ``trigger_ttl`` seconds for opening a dialog."""
        with self.lock:
            trigger_id = new_id()
            self.triggers[trigger_id] = {"at": self.clock(), "user_id": user_id,
                                         "channel_id": channel_id, "team_id": team_id}
            return trigger_id

    # ---------------------------------------------------------------- permissions

    @staticmethod
    def is_admin(user: dict) -> bool:
        return "system_admin" in user["roles"].split()

    def in_team(self, user_id: str, team_id: str) -> bool:
        m = self.team_members.get((team_id, user_id))
        return m is not None and not m["delete_at"]

    def is_team_admin(self, user: dict, team_id: str) -> bool:
        m = self.team_members.get((team_id, user["id"]))
        return m is not None and not m["delete_at"] and "team_admin" in m["roles"].split()

    def can_manage_team(self, user: dict, team_id: str) -> bool:
        """System admins, team admins and bots that are members of the team."""
        return (self.is_admin(user) or self.is_team_admin(user, team_id)
                or (user.get("is_bot", False) and self.in_team(user["id"], team_id)))

    def is_member(self, user_id: str, channel_id: str) -> bool:
        return user_id in self.channel_members.get(channel_id, {})

    def can_read_channel(self, user: dict, ch: dict) -> bool:
        if self.is_admin(user) or self.is_member(user["id"], ch["id"]):
            return True
        return ch["type"] == "O" and self.in_team(user["id"], ch["team_id"]) \
            and "system_guest" not in user["roles"].split()

    def can_post(self, user: dict, ch: dict) -> bool:
        if self.is_admin(user) or self.is_member(user["id"], ch["id"]):
            return True
        return ch["type"] == "O" and user.get("is_bot", False) and self.in_team(user["id"], ch["team_id"])

    def can_manage_channel(self, user: dict, ch: dict) -> bool:
        if self.is_admin(user):
            return True
        if ch["type"] in ("D", "G"):
            return self.is_member(user["id"], ch["id"])
        if "system_guest" in user["roles"].split():
            return False
        if self.is_member(user["id"], ch["id"]):
            return True
        return ch["type"] == "O" and self.can_manage_team(user, ch["team_id"])

    # ---------------------------------------------------------------- lookups raising AppErrors

    def get_user(self, ctx: Ctx, user_id: str) -> dict:
        if user_id == "me":
            return ctx.user
        u = self.users.get(user_id)
        if u is None:
            raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.", f"user_id={user_id}")
        return u

    def get_team(self, team_id: str) -> dict:
        t = self.teams.get(team_id)
        if t is None or t["delete_at"]:
            raise EmulatorAppError(404, "app.team.get.find.app_error", "Unable to find the existing team.", f"id={team_id}")
        return t

    def get_channel(self, channel_id: str) -> dict:
        c = self.channels.get(channel_id)
        if c is None:
            raise EmulatorAppError(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.",
                                   f"id={channel_id}")
        return c

    def get_post(self, post_id: str, include_deleted: bool = False) -> dict:
        p = self.posts.get(post_id)
        if p is None or (p["delete_at"] and not include_deleted):
            raise EmulatorAppError(404, "app.post.get.app_error", "Unable to get the post.", f"id={post_id}")
        return p

    def get_command(self, command_id: str) -> dict:
        c = self.commands.get(command_id)
        if c is None or c["delete_at"]:
            raise EmulatorAppError(404, "api.command.cmd_not_found.app_error", "Command not found.", f"id={command_id}")
        return c

    def post_list(self, posts: list[dict]) -> dict:
        posts = sorted(posts, key=lambda p: p["create_at"], reverse=True)
        return {"order": [p["id"] for p in posts], "posts": {p["id"]: p for p in posts},
                "next_post_id": "", "prev_post_id": "", "has_next": False}

    def apply_post_update(self, post: dict, body: dict, full: bool) -> dict:
        if "message" in body or full:
            message = body.get("message", "")
            self.validate_message(message)
            if message != post["message"]:
                post["message"] = message
                post["edit_at"] = self.ts()
        if "props" in body or full:
            props = body.get("props") or {}
            if not isinstance(props, dict):
                raise bad("api.context.invalid_body_param.app_error", "Invalid props.")
            props = copy.deepcopy(props)
            for k in RETAINED_PROPS:
                if k in post["props"]:
                    props[k] = post["props"][k]
            self.generate_action_ids(props)
            post["props"] = props
        if "is_pinned" in body and isinstance(body["is_pinned"], bool):
            post["is_pinned"] = body["is_pinned"]
        if "file_ids" in body and isinstance(body["file_ids"], list):
            post["file_ids"] = list(body["file_ids"])
        post["update_at"] = self.ts()
        return post
