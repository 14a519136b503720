"""An in-process emulator of the part of the Mattermost REST API v4 that Consortia uses.

It is a real HTTP server on a loopback port (werkzeug, threaded), so the project's real
client talks HTTP to it. When the official OpenAPI document is available, every
``/api/v4`` request is first checked against it and anything the document rejects is
answered like the real server would (404 unknown route, 405 wrong method, 400 bad
parameters/body), always with an ``AppError`` JSON body.

Besides the REST API it acts as Mattermost *toward* an integration: it runs slash
commands (:meth:`MattermostEmulator.execute_command`), clicks message buttons
(:meth:`~MattermostEmulator.click`) and submits interactive dialogs
(:meth:`~MattermostEmulator.submit_dialog`), applying the integration's answers the way
Mattermost does.

Typical use::

    with MattermostEmulator() as mm:
        team = mm.create_team("acme")
        bot = mm.create_user("consortia-bot", is_bot=True, team="acme")
        token = mm.create_token(bot["id"])
        ...  # point the client at mm.url with token
"""

from __future__ import annotations

import base64
import copy
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import requests
from werkzeug.datastructures import FileStorage
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .openapi import OpenAPISpec, PathMatcher, find_spec_path

__all__ = ["MattermostEmulator", "EmulatorAppError", "new_id"]

API = "/api/v4"
MAX_POST_MESSAGE = 16383
MAX_POST_FILES = 5
SERVER_VERSION = "9.5.0.9.5.0.emulator.false"
RATE_LIMIT_PER_SECOND = 10
RATE_LIMIT_BURST = 100

_MM_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"
_B32_TRANS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _MM_ALPHABET)
_ID_RE = re.compile(r"^[a-z0-9]{26}$")
_CHANNEL_NAME_RE = re.compile(r"^[a-z0-9]+([a-z0-9\-_]*[a-z0-9]+)?$")
_USERNAME_RE = re.compile(r"^[a-z][a-z0-9.\-_]{0,63}$")
_TRIGGER_RE = re.compile(r"^[^\s/][^\s]{0,127}$")
_BOOL_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_RETAINED_PROPS = ("from_webhook", "override_username", "override_icon_url", "from_bot", "from_plugin")
_BUILTIN_TRIGGERS = (
    "away", "code", "collapse", "dnd", "echo", "expand", "groupmsg", "header", "help",
    "invite", "invite_people", "join", "kick", "leave", "logout", "me", "msg", "mute",
    "offline", "online", "open", "purpose", "remove", "rename", "search", "settings",
    "shortcuts", "shrug", "status",
)


def new_id() -> str:
    """A Mattermost-style id: 26 lowercase alphanumeric characters."""
    return base64.b32encode(uuid.uuid4().bytes).decode("ascii").rstrip("=").translate(_B32_TRANS)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _qbool(value: Any) -> bool:
    return str(value) in _BOOL_TRUE


class EmulatorAppError(Exception):
    """Raised inside handlers; rendered as a Mattermost ``AppError`` response."""

    def __init__(self, status: int, id: str, message: str, detailed_error: str = ""):
        super().__init__(message)
        self.status = status
        self.id = id
        self.message = message
        self.detailed_error = detailed_error


def _bad(id: str, message: str, detail: str = "") -> EmulatorAppError:
    return EmulatorAppError(400, id, message, detail)


def _forbidden(detail: str = "") -> EmulatorAppError:
    return EmulatorAppError(
        403, "api.context.permissions.app_error",
        "You do not have the appropriate permissions.", detail,
    )


def _not_found(what: str, detail: str = "") -> EmulatorAppError:
    return EmulatorAppError(404, f"app.{what}.get.app_error", f"Unable to find the {what}.", detail)


@dataclass
class _FailRule:
    status: int
    count: int
    path_contains: str | None
    method: str | None
    headers: dict[str, str]
    body: Any


@dataclass
class _Fault:
    """A request served normally, then answered late (``delay`` seconds) or not at all (``drop``)."""

    delay: float
    drop: bool
    count: int
    skip: int
    path_contains: str | None
    method: str | None


@dataclass
class _Ctx:
    request: Request
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    user: dict | None
    request_id: str
    extra_headers: dict[str, str] = field(default_factory=dict)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        pass

    def log_error(self, *args: Any) -> None:  # noqa: D102
        pass


def _route(method: str, template: str):
    def deco(fn):
        fn._mm_route = (method, template)
        return fn

    return deco


class MattermostEmulator:
    """A fake Mattermost server. See the module docstring."""

    def __init__(self, spec_path: Path | None | str = "auto", host: str = "127.0.0.1", port: int = 0,
                 *, trigger_ttl: float = 30.0, http_timeout: float = 5.0, pending_post_ttl: float = 30.0):
        if spec_path == "auto":
            spec_path = find_spec_path()
        self.spec: OpenAPISpec | None = OpenAPISpec.load(spec_path) if spec_path else None
        self.host = host
        self.port = port
        self.trigger_ttl = trigger_ttl
        self.http_timeout = http_timeout
        self._lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._last_ts = 0
        # state
        self._users: dict[str, dict] = {}
        self._tokens: dict[str, str] = {}  # token -> user_id
        self._access_tokens: dict[str, dict] = {}
        self._teams: dict[str, dict] = {}
        self._team_members: dict[tuple[str, str], dict] = {}
        self._channels: dict[str, dict] = {}
        self._channel_members: dict[str, dict[str, dict]] = {}
        self._posts: dict[str, dict] = {}
        self._ephemerals: list[dict] = []
        self._files: dict[str, dict] = {}
        self._commands: dict[str, dict] = {}
        self._bots: dict[str, dict] = {}
        self._triggers: dict[str, dict] = {}
        self._dialogs: list[dict] = []
        self._response_hooks: dict[str, dict] = {}
        self._requests_log: list[tuple[str, str, int]] = []
        self._log_changed = threading.Condition(self._lock)
        self._fail_rules: list[_FailRule] = []
        self._faults: list[_Fault] = []
        self._release = threading.Event()
        # Mattermost's dedupe of POST /posts by pending_post_id: an in-memory cache of each server
        # process, 30 s (app/post.go, pendingPostIDsCacheTTL). pending_post_id -> (post id, expiry).
        self.pending_post_ttl = pending_post_ttl
        self._pending_posts: dict[str, tuple[str, float]] = {}
        self._rate: dict[str, tuple[int, int]] = {}
        # routing
        self._handlers: dict[tuple[str, str], Callable[[_Ctx], Any]] = {}
        self._matcher = PathMatcher()
        for name in dir(type(self)):
            fn = getattr(type(self), name)
            route = getattr(fn, "_mm_route", None)
            if route:
                self._handlers[route] = getattr(self, name)
                self._matcher.add(route[1])

    # ================================================================ server lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "MattermostEmulator":
        if self._server is None:
            self._serve()
        return self

    def stop(self) -> None:
        self._shutdown()

    def __enter__(self) -> "MattermostEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def go_down(self) -> None:
        """Stop accepting connections (clients get *connection refused*); keep state."""
        self._shutdown()

    def come_up(self) -> None:
        """Listen again on the same port, with the same state."""
        if self._server is None:
            self._serve()

    def _serve(self) -> None:
        server = make_server(self.host, self.port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        original_get_request = server.get_request

        def get_request():
            conn, addr = original_get_request()
            with self._conns_lock:
                self._conns.add(conn)
            return conn, addr

        original_shutdown_request = server.shutdown_request

        def shutdown_request(request):
            with self._conns_lock:
                self._conns.discard(request)
            original_shutdown_request(request)

        server.get_request = get_request  # type: ignore[method-assign]
        server.shutdown_request = shutdown_request  # type: ignore[method-assign]
        self.port = server.socket.getsockname()[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"mattermost-emulator-{self.port}", daemon=True,
        )
        self._thread.start()

    def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:  # drop keep-alive connections too: the server is *down*
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # ================================================================ fault injection / log

    def fail_next(self, status: int, *, count: int = 1, path_contains: str | None = None,
                  method: str | None = None, headers: dict[str, str] | None = None, body: Any = None) -> None:
        """Answer the next ``count`` matching API requests with ``status`` (AppError body
        unless ``body`` is given; a str or bytes body is sent as is)."""
        with self._lock:
            self._fail_rules.append(_FailRule(status, count, path_contains, method.upper() if method else None,
                                              dict(headers or {}), body))

    def delay_next(self, seconds: float, *, count: int = 1, skip: int = 0, path_contains: str | None = None,
                   method: str | None = None) -> None:
        """Serve the next ``count`` matching requests (after letting ``skip`` through), then hold
        their answer ``seconds``: the effect is committed and logged, the client waits (a slow
        server; a lost answer when the client gives up or dies first). :meth:`release_delayed`
        sends held answers at once."""
        with self._lock:
            self._faults.append(_Fault(seconds, False, count, skip, path_contains, method.upper() if method else None))

    def drop_after_commit(self, *, count: int = 1, skip: int = 0, path_contains: str | None = None,
                          method: str | None = None) -> None:
        """Serve the next ``count`` matching requests (after letting ``skip`` through), then close
        the connection without an answer: the effect is committed and logged, the client sees
        the connection dropped."""
        with self._lock:
            self._faults.append(_Fault(0.0, True, count, skip, path_contains, method.upper() if method else None))

    def release_delayed(self) -> None:
        with self._lock:
            released, self._release = self._release, threading.Event()
        released.set()

    def clear_failures(self) -> None:
        with self._lock:
            self._fail_rules.clear()
            self._faults.clear()
        self.release_delayed()

    def forget_pending_posts(self) -> None:
        """Empty the ``pending_post_id`` cache, as a server restart (or another cluster node) does."""
        with self._lock:
            self._pending_posts.clear()

    @property
    def requests_log(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request served, oldest first."""
        with self._lock:
            return list(self._requests_log)

    def wait_for_requests(self, predicate: Callable[[list[tuple[str, str, int]]], bool], timeout: float = 30.0) -> bool:
        """Block until ``predicate(requests_log)`` holds (checked on each logged request); False on timeout."""
        with self._log_changed:
            return self._log_changed.wait_for(lambda: predicate(list(self._requests_log)), timeout)

    def clear_requests_log(self) -> None:
        with self._lock:
            self._requests_log.clear()

    # ================================================================ seeding

    def _ts(self) -> int:
        with self._lock:
            ts = max(_now_ms(), self._last_ts + 1)
            self._last_ts = ts
            return ts

    def create_team(self, name: str, display_name: str | None = None, *, type: str = "O") -> dict:
        with self._lock:
            if any(t["name"] == name for t in self._teams.values()):
                raise ValueError(f"team {name!r} exists")
            ts = self._ts()
            team = {
                "id": new_id(), "create_at": ts, "update_at": ts, "delete_at": 0,
                "display_name": display_name or name, "name": name, "description": "",
                "email": "", "type": type, "company_name": "", "allowed_domains": "",
                "invite_id": new_id(), "allow_open_invite": type == "O", "scheme_id": None,
                "group_constrained": None, "policy_id": None,
            }
            self._teams[team["id"]] = team
            for cname, cdisplay in (("town-square", "Town Square"), ("off-topic", "Off-Topic")):
                self._new_channel(team["id"], cname, cdisplay, "O", creator_id="")
            return copy.deepcopy(team)

    def create_user(self, username: str, email: str | None = None, *, roles: str = "system_user",
                    first_name: str = "", last_name: str = "", locale: str = "fr", is_bot: bool = False,
                    guest: bool = False, team: str | None = None) -> dict:
        with self._lock:
            username = username.lower()
            if self._user_by_name(username):
                raise ValueError(f"user {username!r} exists")
            if guest:
                roles = "system_guest"
            ts = self._ts()
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
            self._users[user["id"]] = user
            if is_bot:
                self._bots[user["id"]] = {
                    "user_id": user["id"], "username": username, "display_name": first_name or username,
                    "description": "", "owner_id": "", "create_at": ts, "update_at": ts, "delete_at": 0,
                }
            if team:
                t = self._team_by_name(team)
                if t is None:
                    raise ValueError(f"no team {team!r}")
                self._add_team_member(t["id"], user["id"])
            return copy.deepcopy(user)

    def rename_user(self, user_id: str, username: str) -> dict:
        """Change an account's username, as a system admin does in the System Console."""
        with self._lock:
            username = username.lower()
            user = self._users.get(user_id)
            if user is None:
                raise ValueError(f"no user {user_id!r}")
            other = self._user_by_name(username)
            if other is not None and other["id"] != user_id:
                raise ValueError(f"user {username!r} exists")
            user["username"] = username
            user["update_at"] = self._ts()
            if user_id in self._bots:
                self._bots[user_id]["username"] = username
            return copy.deepcopy(user)

    def set_roles(self, user_id: str, roles: str) -> dict:
        """Change an account's system roles (``"system_user"``, ``"system_admin system_user"``)."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                raise ValueError(f"no user {user_id!r}")
            user["roles"] = roles
            user["update_at"] = self._ts()
            return copy.deepcopy(user)

    def create_token(self, user_id: str) -> str:
        with self._lock:
            if user_id not in self._users:
                raise ValueError(f"no user {user_id!r}")
            token = new_id()
            self._tokens[token] = user_id
            return token

    def add_to_team(self, team_id: str, user_id: str) -> dict:
        with self._lock:
            if team_id not in self._teams or user_id not in self._users:
                raise ValueError("unknown team or user")
            return copy.deepcopy(self._add_team_member(team_id, user_id))

    def create_channel(self, team_id: str, name: str, display_name: str | None = None, type: str = "O",
                       members: Iterable[str] = ()) -> dict:
        with self._lock:
            if team_id not in self._teams:
                raise ValueError(f"no team {team_id!r}")
            if self._channel_by_name(team_id, name):
                raise ValueError(f"channel {name!r} exists")
            ch = self._new_channel(team_id, name, display_name or name, type, creator_id="")
            for m in members:
                uid = m if m in self._users else (self._user_by_name(m) or {}).get("id")
                if uid is None:
                    raise ValueError(f"no user {m!r}")
                if (team_id, uid) not in self._team_members:
                    raise ValueError(f"user {m!r} is not in the team")
                self._add_channel_member(ch["id"], uid)
            return copy.deepcopy(ch)

    def add_to_channel(self, channel_id: str, user_id: str) -> dict:
        with self._lock:
            if channel_id not in self._channels or user_id not in self._users:
                raise ValueError("unknown channel or user")
            return copy.deepcopy(self._add_channel_member(channel_id, user_id))

    def register_command(self, team_id: str, trigger: str, url: str, *, token: str | None = None,
                         creator: str | None = None, method: str = "P", **fields: Any) -> dict:
        """Register a custom slash command (same store as ``POST /commands``).
        ``creator`` is a user id or username."""
        with self._lock:
            creator_id = ""
            if creator:
                creator_id = creator if creator in self._users else (self._user_by_name(creator) or {}).get("id", "")
            cmd = self._new_command(team_id, trigger.lstrip("/"), url, method, creator_id, fields)
            if token:
                cmd["token"] = token
            return copy.deepcopy(cmd)

    # ================================================================ introspection

    def user(self, username: str) -> dict | None:
        with self._lock:
            u = self._user_by_name(username.lower())
            return copy.deepcopy(u) if u else None

    def user_by_id(self, user_id: str) -> dict | None:
        with self._lock:
            u = self._users.get(user_id)
            return copy.deepcopy(u) if u else None

    def team(self, name: str) -> dict | None:
        with self._lock:
            t = self._team_by_name(name)
            return copy.deepcopy(t) if t else None

    def channel(self, team_name: str, channel_name: str) -> dict | None:
        with self._lock:
            t = self._team_by_name(team_name)
            c = self._channel_by_name(t["id"], channel_name) if t else None
            return copy.deepcopy(c) if c else None

    def channel_by_id(self, channel_id: str) -> dict | None:
        with self._lock:
            c = self._channels.get(channel_id)
            return copy.deepcopy(c) if c else None

    def post(self, post_id: str) -> dict | None:
        with self._lock:
            p = self._posts.get(post_id)
            return copy.deepcopy(p) if p else None

    def posts(self, channel_id: str) -> list[dict]:
        """Posts of a channel, oldest first, excluding deleted ones."""
        with self._lock:
            out = [p for p in self._posts.values() if p["channel_id"] == channel_id and not p["delete_at"]]
            return copy.deepcopy(sorted(out, key=lambda p: p["create_at"]))

    def pinned(self, channel_id: str) -> list[dict]:
        return [p for p in self.posts(channel_id) if p["is_pinned"]]

    def members(self, channel_id: str) -> set[str]:
        with self._lock:
            return set(self._channel_members.get(channel_id, {}))

    def team_members(self, team_id: str) -> set[str]:
        with self._lock:
            return {uid for (tid, uid), m in self._team_members.items() if tid == team_id and not m["delete_at"]}

    def ephemerals(self, user_id: str | None = None, channel_id: str | None = None) -> list[dict]:
        with self._lock:
            return copy.deepcopy([
                e for e in self._ephemerals
                if (user_id is None or e["user_id"] == user_id) and (channel_id is None or e["channel_id"] == channel_id)
            ])

    def dialogs(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._dialogs)

    @property
    def files(self) -> dict[str, dict]:
        """file_id -> {"info": FileInfo, "data": bytes}."""
        with self._lock:
            return {fid: {"info": copy.deepcopy(f["info"]), "data": f["data"]} for fid, f in self._files.items()}

    def commands(self, team_id: str | None = None) -> list[dict]:
        with self._lock:
            return copy.deepcopy([c for c in self._commands.values()
                                  if not c["delete_at"] and (team_id is None or c["team_id"] == team_id)])

    def bots(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(list(self._bots.values()))

    # ================================================================ internal state helpers

    def _user_by_name(self, username: str) -> dict | None:
        for u in self._users.values():
            if u["username"] == username:
                return u
        return None

    def _team_by_name(self, name: str) -> dict | None:
        for t in self._teams.values():
            if t["name"] == name:
                return t
        return None

    def _channel_by_name(self, team_id: str, name: str) -> dict | None:
        for c in self._channels.values():
            if c["team_id"] == team_id and c["name"] == name:
                return c
        return None

    def _new_channel(self, team_id: str, name: str, display_name: str, type: str, creator_id: str,
                     purpose: str = "", header: str = "") -> dict:
        ts = self._ts()
        ch = {
            "id": new_id(), "create_at": ts, "update_at": ts, "delete_at": 0, "team_id": team_id,
            "type": type, "display_name": display_name, "name": name, "header": header, "purpose": purpose,
            "last_post_at": ts, "total_msg_count": 0, "extra_update_at": 0, "creator_id": creator_id,
            "scheme_id": None, "props": None, "group_constrained": None, "shared": None,
            "total_msg_count_root": 0, "policy_id": None, "last_root_post_at": ts,
        }
        self._channels[ch["id"]] = ch
        self._channel_members[ch["id"]] = {}
        return ch

    def _add_team_member(self, team_id: str, user_id: str) -> dict:
        key = (team_id, user_id)
        member = self._team_members.get(key)
        if member is not None and not member["delete_at"]:
            return member
        member = {
            "team_id": team_id, "user_id": user_id, "roles": "team_user", "delete_at": 0,
            "scheme_user": True, "scheme_admin": False, "scheme_guest": False, "explicit_roles": "",
        }
        user = self._users[user_id]
        if "system_guest" in user["roles"].split():
            member.update(roles="team_guest", scheme_user=False, scheme_guest=True)
        self._team_members[key] = member
        if "system_guest" not in user["roles"].split():
            for cname in ("town-square", "off-topic"):
                ch = self._channel_by_name(team_id, cname)
                if ch:
                    self._add_channel_member(ch["id"], user_id)
        return member

    def _add_channel_member(self, channel_id: str, user_id: str, admin: bool = False) -> dict:
        members = self._channel_members.setdefault(channel_id, {})
        if user_id in members:
            return members[user_id]
        ts = self._ts()
        guest = "system_guest" in self._users[user_id]["roles"].split()
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

    def _new_command(self, team_id: str, trigger: str, url: str, method: str, creator_id: str,
                     fields: dict) -> dict:
        if team_id not in self._teams:
            raise _bad("model.command.is_valid.team_id.app_error", "Invalid team ID.")
        trigger = (trigger or "").lower()
        if not _TRIGGER_RE.match(trigger):
            raise _bad("model.command.is_valid.trigger.app_error", "Invalid trigger.")
        if method not in ("P", "G"):
            raise _bad("model.command.is_valid.method.app_error", "Invalid Method.")
        if not re.match(r"^https?://", url or ""):
            raise _bad("model.command.is_valid.url_http.app_error",
                       "Invalid URL. Must be a valid URL and start with http:// or https://.")
        if trigger in _BUILTIN_TRIGGERS or any(
            c["team_id"] == team_id and c["trigger"] == trigger and not c["delete_at"] for c in self._commands.values()
        ):
            raise _bad("api.command.duplicate_trigger.app_error", "This trigger word is already in use. Please choose another word.")
        ts = self._ts()
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
        self._commands[cmd["id"]] = cmd
        return cmd

    def _validate_message(self, message: Any) -> None:
        if not isinstance(message, str):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing message in request body.")
        if len(message) > MAX_POST_MESSAGE:
            raise _bad("model.post.is_valid.message_length.app_error",
                       f"Message property length is greater than the maximum allowed ({MAX_POST_MESSAGE}).",
                       f"length={len(message)}")

    @staticmethod
    def _generate_action_ids(props: dict) -> None:
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

    def _create_post(self, user_id: str, channel_id: str, message: str, *, props: dict | None = None,
                     root_id: str = "", file_ids: list[str] | None = None, type: str = "") -> dict:
        self._validate_message(message)
        ch = self._channels[channel_id]
        if ch["delete_at"]:
            raise _bad("api.post.create_post.can_not_post_to_deleted.error", "Can not post to deleted channel.")
        if root_id:
            root = self._posts.get(root_id)
            if root is None or root["channel_id"] != channel_id or root["delete_at"]:
                raise _bad("api.post.create_post.root_id.app_error", "Invalid RootId parameter.")
            if root["root_id"]:
                root_id = root["root_id"]
        file_ids = list(file_ids or [])
        if len(file_ids) > MAX_POST_FILES:
            raise _bad("model.post.is_valid.file_ids.app_error", "Invalid file ids.")
        for fid in file_ids:
            f = self._files.get(fid)
            if f is None or f["info"]["channel_id"] != channel_id or f["info"]["post_id"]:
                raise _bad("api.post.create_post.file_ids.app_error", "Invalid file ids.", fid)
        props = copy.deepcopy(props) if props else {}
        self._generate_action_ids(props)
        ts = self._ts()
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
                self._files[fid]["info"]["post_id"] = post["id"]
                post["metadata"]["files"].append(copy.deepcopy(self._files[fid]["info"]))
        self._posts[post["id"]] = post
        if root_id:
            root = self._posts[root_id]
            root["reply_count"] += 1
            root["last_reply_at"] = ts
            for p in self._posts.values():
                if p["id"] == root_id or p["root_id"] == root_id:
                    p["reply_count"] = root["reply_count"]
        ch["last_post_at"] = ts
        ch["total_msg_count"] += 1
        if not root_id:
            ch["last_root_post_at"] = ts
            ch["total_msg_count_root"] += 1
        return post

    def _add_ephemeral(self, user_id: str, channel_id: str, message: str, *, props: dict | None = None,
                       root_id: str = "", sender_id: str = "", source: str = "api") -> dict:
        ts = self._ts()
        eph = {
            "id": new_id(), "create_at": ts, "update_at": ts, "edit_at": 0, "delete_at": 0,
            "user_id": user_id, "channel_id": channel_id, "root_id": root_id, "message": message,
            "type": "system_ephemeral" if source != "api" else "", "props": copy.deepcopy(props) if props else {},
            "sender_id": sender_id, "source": source,
        }
        self._ephemerals.append(eph)
        return eph

    def issue_trigger(self, user_id: str, channel_id: str = "", team_id: str = "") -> str:
        """A fresh trigger id, valid ``trigger_ttl`` seconds for opening a dialog."""
        with self._lock:
            trigger_id = new_id()
            self._triggers[trigger_id] = {"at": time.monotonic(), "user_id": user_id,
                                          "channel_id": channel_id, "team_id": team_id}
            return trigger_id

    # -- permissions

    @staticmethod
    def _is_admin(user: dict) -> bool:
        return "system_admin" in user["roles"].split()

    def _in_team(self, user_id: str, team_id: str) -> bool:
        m = self._team_members.get((team_id, user_id))
        return m is not None and not m["delete_at"]

    def _is_team_admin(self, user: dict, team_id: str) -> bool:
        m = self._team_members.get((team_id, user["id"]))
        return m is not None and not m["delete_at"] and "team_admin" in m["roles"].split()

    def _can_manage_team(self, user: dict, team_id: str) -> bool:
        """System admins, team admins and bots that are members of the team."""
        return (self._is_admin(user) or self._is_team_admin(user, team_id)
                or (user.get("is_bot", False) and self._in_team(user["id"], team_id)))

    def _is_member(self, user_id: str, channel_id: str) -> bool:
        return user_id in self._channel_members.get(channel_id, {})

    def _can_read_channel(self, user: dict, ch: dict) -> bool:
        if self._is_admin(user) or self._is_member(user["id"], ch["id"]):
            return True
        return ch["type"] == "O" and self._in_team(user["id"], ch["team_id"]) \
            and "system_guest" not in user["roles"].split()

    def _can_post(self, user: dict, ch: dict) -> bool:
        if self._is_admin(user) or self._is_member(user["id"], ch["id"]):
            return True
        return ch["type"] == "O" and user.get("is_bot", False) and self._in_team(user["id"], ch["team_id"])

    def _can_manage_channel(self, user: dict, ch: dict) -> bool:
        if self._is_admin(user):
            return True
        if ch["type"] in ("D", "G"):
            return self._is_member(user["id"], ch["id"])
        if "system_guest" in user["roles"].split():
            return False
        if self._is_member(user["id"], ch["id"]):
            return True
        return ch["type"] == "O" and self._can_manage_team(user, ch["team_id"])

    # -- lookups raising AppErrors

    def _get_user(self, ctx: _Ctx, user_id: str) -> dict:
        if user_id == "me":
            return ctx.user
        u = self._users.get(user_id)
        if u is None:
            raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.", f"user_id={user_id}")
        return u

    def _get_team(self, team_id: str) -> dict:
        t = self._teams.get(team_id)
        if t is None or t["delete_at"]:
            raise EmulatorAppError(404, "app.team.get.find.app_error", "Unable to find the existing team.", f"id={team_id}")
        return t

    def _get_channel(self, channel_id: str) -> dict:
        c = self._channels.get(channel_id)
        if c is None:
            raise EmulatorAppError(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.",
                                   f"id={channel_id}")
        return c

    def _get_post(self, post_id: str, include_deleted: bool = False) -> dict:
        p = self._posts.get(post_id)
        if p is None or (p["delete_at"] and not include_deleted):
            raise EmulatorAppError(404, "app.post.get.app_error", "Unable to get the post.", f"id={post_id}")
        return p

    def _get_command(self, command_id: str) -> dict:
        c = self._commands.get(command_id)
        if c is None or c["delete_at"]:
            raise EmulatorAppError(404, "api.command.cmd_not_found.app_error", "Command not found.", f"id={command_id}")
        return c

    def _post_list(self, posts: list[dict]) -> dict:
        posts = sorted(posts, key=lambda p: p["create_at"], reverse=True)
        return {"order": [p["id"] for p in posts], "posts": {p["id"]: p for p in posts},
                "next_post_id": "", "prev_post_id": "", "has_next": False}

    # ================================================================ WSGI

    def _wsgi(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        req = Request(environ)
        try:
            resp = self._dispatch(req)
        except Exception as exc:  # pragma: no cover - emulator bug, report it as Mattermost would
            resp = self._error_response(EmulatorAppError(500, "api.emulator.internal_error", "Internal error.",
                                                         repr(exc)), new_id())
        token_key = (req.headers.get("Authorization") or req.remote_addr or "")
        for k, v in self._rate_headers(token_key).items():
            resp.headers.setdefault(k, v)
        resp.headers.setdefault("X-Version-Id", SERVER_VERSION)
        with self._lock:
            self._requests_log.append((req.method, req.path, resp.status_code))
            self._log_changed.notify_all()
            fault, release = self._take_fault(req.method.upper(), req.path), self._release
        if fault is not None and fault.drop:
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("emulator: connection dropped after commit")
        if fault is not None and fault.delay:
            release.wait(fault.delay)
        return resp(environ, start_response)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if (fault.method and fault.method != method) or (fault.path_contains and fault.path_contains not in path):
                continue
            if fault.skip > 0:
                fault.skip -= 1
                continue
            fault.count -= 1
            if fault.count <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def _rate_headers(self, key: str) -> dict[str, str]:
        now = int(time.time())
        with self._lock:
            window, used = self._rate.get(key, (now, 0))
            if window != now:
                window, used = now, 0
            used += 1
            self._rate[key] = (window, used)
        return {"X-Ratelimit-Limit": str(RATE_LIMIT_BURST + 1),
                "X-Ratelimit-Remaining": str(max(0, RATE_LIMIT_BURST - used)),
                "X-Ratelimit-Reset": "1"}

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict | None = None) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)

    def _error_response(self, err: EmulatorAppError, request_id: str, headers: dict | None = None) -> Response:
        return self._json({"id": err.id, "message": err.message, "detailed_error": err.detailed_error,
                           "request_id": request_id, "status_code": err.status, "is_oauth": False},
                          err.status, headers)

    def _take_failure(self, method: str, path: str) -> _FailRule | None:
        with self._lock:
            for rule in self._fail_rules:
                if rule.method and rule.method != method:
                    continue
                if rule.path_contains and rule.path_contains not in path:
                    continue
                rule.count -= 1
                if rule.count <= 0:
                    self._fail_rules.remove(rule)
                return rule
        return None

    def _authenticate(self, req: Request) -> dict | None:
        auth = req.headers.get("Authorization", "")
        token = ""
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in ("bearer", "token"):
            token = parts[1].strip()
        if not token:
            token = req.args.get("access_token", "") or req.cookies.get("MMAUTHTOKEN", "")
        if not token:
            return None
        with self._lock:
            uid = self._tokens.get(token)
            user = self._users.get(uid) if uid else None
            if user is None or user["delete_at"]:
                return None
            return user

    def _dispatch(self, req: Request) -> Response:
        path = req.path
        method = req.method.upper()
        request_id = new_id()
        if path.startswith("/hooks/commands/"):
            return self._command_response_hook(req, path.rsplit("/", 1)[-1], request_id)
        if not (path == API or path.startswith(API + "/")):
            return self._error_response(EmulatorAppError(404, "api.context.404.app_error",
                                                         "Sorry, we could not find the page."), request_id)
        rule = self._take_failure(method, path)
        if rule is not None:
            headers = dict(rule.headers)
            if rule.status == 429:
                # As Mattermost 11.4's rate limiter answers: plain text, Retry-After for the next request,
                # X-Ratelimit-Reset for the whole bucket (about burst ÷ rate seconds).
                headers.setdefault("X-Ratelimit-Limit", str(RATE_LIMIT_BURST + 1))
                headers.setdefault("X-Ratelimit-Remaining", "0")
                headers.setdefault("X-Ratelimit-Reset", str(RATE_LIMIT_BURST // RATE_LIMIT_PER_SECOND + 1))
                headers.setdefault("Retry-After", "1")
                if rule.body is None:
                    return Response("limit exceeded\n", status=429, headers=headers,
                                    content_type="text/plain; charset=utf-8")
            if rule.body is None:
                return self._error_response(EmulatorAppError(rule.status, "api.emulator.injected_failure",
                                                             "Injected failure."), request_id, headers)
            if isinstance(rule.body, (str, bytes)):
                return Response(rule.body, status=rule.status, headers=headers)
            return self._json(rule.body, rule.status, headers)

        # 1. route (404 / 405), as the real router does before anything else
        match = self._matcher.match(path)
        handler = self._handlers.get((method, match.template)) if match else None
        spec_template = None
        if self.spec is not None:
            sm = self.spec.match(path)
            if sm is None:
                return self._error_response(EmulatorAppError(404, "api.context.404.app_error",
                                                             "Sorry, we could not find the page.",
                                                             f"no route for {path} in the API specification"), request_id)
            if method not in self.spec.methods(sm.template):
                return self._error_response(EmulatorAppError(405, "api.context.405.app_error",
                                                             "Method not allowed.",
                                                             f"{method} {sm.template}"), request_id)
            spec_template = sm.template
            if match is not None and match.template != sm.template:
                handler = None
        elif handler is None:
            if match is None:
                return self._error_response(EmulatorAppError(404, "api.context.404.app_error",
                                                             "Sorry, we could not find the page."), request_id)
            return self._error_response(EmulatorAppError(405, "api.context.405.app_error", "Method not allowed."),
                                        request_id)

        # 2. session
        user = None
        if (method, spec_template or (match.template if match else "")) != ("GET", API + "/system/ping"):
            user = self._authenticate(req)
            if user is None:
                return self._error_response(EmulatorAppError(
                    401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.",
                    "token missing or invalid"), request_id)

        # 3. body and spec validation
        ctype = (req.mimetype or "").lower()
        body: Any = None
        has_body = False
        op = self.spec.operation(method, spec_template) if (self.spec and spec_template) else None
        wants_json = ctype != "multipart/form-data" and method in ("POST", "PUT", "PATCH") and (
            op is None or op.json_schema is not None)
        if wants_json:
            raw = req.get_data(cache=True)
            if raw.strip():
                has_body = True
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    return self._error_response(_bad("api.context.invalid_body_param.app_error",
                                                     "Invalid or missing body in request body.", str(exc)), request_id)
        if self.spec is not None and spec_template:
            form_fields: list[str] = []
            if ctype == "multipart/form-data":
                form_fields = list(req.form.keys()) + list(req.files.keys())
            check = self.spec.check(method, path, dict(req.args.items()), body, content_type=ctype,
                                    form_fields=form_fields, has_body=has_body)
            if check.errors:
                return self._error_response(EmulatorAppError(
                    check.status or 400, "api.context.invalid_body_param.app_error"
                    if check.status in (0, 400) else f"api.context.{check.status}.app_error",
                    "Invalid or missing parameters in request: " + check.errors[0], "; ".join(check.errors)),
                    request_id)
        if handler is None:
            return self._error_response(EmulatorAppError(501, "api.context.not_implemented.app_error",
                                                         "Not implemented by the Mattermost emulator.",
                                                         f"{method} {spec_template}"), request_id)

        # 4. URL parameters of the form *_id must look like ids
        for name, value in match.params.items():
            if name.endswith("_id") and not (_ID_RE.match(value) or (name == "user_id" and value == "me")):
                return self._error_response(_bad("api.context.invalid_url_param.app_error",
                                                 f"Invalid or missing {name} parameter in request URL."), request_id)
        ctx = _Ctx(req, method, path, dict(match.params), dict(req.args.items()), body, user, request_id)
        try:
            with self._lock:
                result = handler(ctx)
        except EmulatorAppError as err:
            return self._error_response(err, request_id)
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (200, result)
        resp = self._json(payload, status, ctx.extra_headers or None)
        return resp

    @staticmethod
    def _require_object(ctx: _Ctx) -> dict:
        if not isinstance(ctx.body, dict):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing body in request body.")
        return ctx.body

    @staticmethod
    def _require_str(body: dict, name: str, where: str = "") -> str:
        v = body.get(name)
        if not isinstance(v, str) or not v:
            raise _bad("api.context.invalid_body_param.app_error",
                       f"Invalid or missing {name} in request body.", where)
        return v

    # ================================================================ users

    @_route("GET", API + "/users/{user_id}")
    def _api_get_user(self, ctx: _Ctx):
        return self._get_user(ctx, ctx.params["user_id"])

    @_route("GET", API + "/users/username/{username}")
    def _api_get_user_by_username(self, ctx: _Ctx):
        u = self._user_by_name(ctx.params["username"].lower())
        if u is None:
            raise EmulatorAppError(404, "app.user.get_by_username.app_error", "Unable to find an existing account matching your username for this team. This team may require an invite from the team owner to join.")
        return u

    @_route("GET", API + "/users/email/{email}")
    def _api_get_user_by_email(self, ctx: _Ctx):
        email = ctx.params["email"].lower()
        for u in self._users.values():
            if u["email"].lower() == email:
                return u
        raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")

    @_route("POST", API + "/users/usernames")
    def _api_users_by_usernames(self, ctx: _Ctx):
        if not isinstance(ctx.body, list):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing usernames in request body.")
        names = {str(n).lower() for n in ctx.body}
        return [u for u in self._users.values() if u["username"] in names]

    @_route("POST", API + "/users/ids")
    def _api_users_by_ids(self, ctx: _Ctx):
        if not isinstance(ctx.body, list) or not ctx.body:
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.")
        return [self._users[i] for i in dict.fromkeys(ctx.body) if i in self._users]

    @_route("POST", API + "/users/{user_id}/tokens")
    def _api_create_access_token(self, ctx: _Ctx):
        body = self._require_object(ctx)
        target = self._get_user(ctx, ctx.params["user_id"])
        if not self._is_admin(ctx.user):
            raise _forbidden("create_user_access_token")
        description = self._require_str(body, "description")
        token = new_id()
        self._tokens[token] = target["id"]
        at = {"id": new_id(), "token": token, "user_id": target["id"], "description": description, "is_active": True}
        self._access_tokens[at["id"]] = at
        return 201, at

    # ================================================================ teams

    @_route("GET", API + "/teams/{team_id}")
    def _api_get_team(self, ctx: _Ctx):
        t = self._get_team(ctx.params["team_id"])
        if not (self._is_admin(ctx.user) or self._in_team(ctx.user["id"], t["id"]) or t["allow_open_invite"]):
            raise _forbidden("view_team")
        return t

    @_route("GET", API + "/teams/name/{name}")
    def _api_get_team_by_name(self, ctx: _Ctx):
        t = self._team_by_name(ctx.params["name"])
        if t is None or t["delete_at"]:
            raise EmulatorAppError(404, "app.team.get_by_name.missing.app_error", "Unable to find the existing team.")
        if not (self._is_admin(ctx.user) or self._in_team(ctx.user["id"], t["id"]) or t["allow_open_invite"]):
            raise _forbidden("view_team")
        return t

    @_route("POST", API + "/teams/{team_id}/members")
    def _api_add_team_member(self, ctx: _Ctx):
        body = self._require_object(ctx)
        team = self._get_team(ctx.params["team_id"])
        if body.get("team_id") and body["team_id"] != team["id"]:
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing team_id in request body.")
        user_id = self._require_str(body, "user_id")
        user = self._users.get(user_id)
        if user is None:
            raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")
        if not (self._can_manage_team(ctx.user, team["id"]) or (
                self._in_team(ctx.user["id"], team["id"]) and "system_guest" not in ctx.user["roles"].split()
                and "system_guest" not in user["roles"].split())):
            raise _forbidden("add_user_to_team")
        return 201, self._add_team_member(team["id"], user_id)

    @_route("DELETE", API + "/teams/{team_id}/members/{user_id}")
    def _api_remove_team_member(self, ctx: _Ctx):
        team = self._get_team(ctx.params["team_id"])
        uid = ctx.user["id"] if ctx.params["user_id"] == "me" else ctx.params["user_id"]
        if uid != ctx.user["id"] and not self._can_manage_team(ctx.user, team["id"]):
            raise _forbidden("remove_user_from_team")
        member = self._team_members.get((team["id"], uid))
        if member is None or member["delete_at"]:
            raise EmulatorAppError(404, "app.team.get_member.missing.app_error",
                                   "No team member found for that user ID and team ID.")
        member["delete_at"] = self._ts()
        # As Mattermost does: leaving a team leaves every channel of it (coming back restores none).
        for ch in self._channels.values():
            if ch["team_id"] == team["id"]:
                self._channel_members.get(ch["id"], {}).pop(uid, None)
        return {"status": "OK"}

    @_route("GET", API + "/users/{user_id}/teams")
    def _api_user_teams(self, ctx: _Ctx):
        user = self._get_user(ctx, ctx.params["user_id"])
        if user["id"] != ctx.user["id"] and not self._is_admin(ctx.user):
            raise _forbidden("read_other_users_teams")
        return [self._teams[tid] for (tid, uid), m in self._team_members.items()
                if uid == user["id"] and not m["delete_at"] and not self._teams[tid]["delete_at"]]

    # ================================================================ channels

    @_route("POST", API + "/channels")
    def _api_create_channel(self, ctx: _Ctx):
        body = self._require_object(ctx)
        team = self._get_team(self._require_str(body, "team_id"))
        name = body.get("name") or ""
        ctype = body.get("type") or ""
        display_name = body.get("display_name") or ""
        if ctype not in ("O", "P"):
            raise _bad("model.channel.is_valid.type.app_error", "Invalid type.")
        if not isinstance(name, str) or not (1 < len(name) <= 64) or not _CHANNEL_NAME_RE.match(name) \
                or len(name) == 26 and "__" in name:
            raise _bad("model.channel.is_valid.2_or_more.app_error",
                       "Name must be 2 or more lowercase alphanumeric characters.", f"name={name!r}")
        if not isinstance(display_name, str) or not display_name.strip() or len(display_name) > 64:
            raise _bad("model.channel.is_valid.display_name.app_error", "Invalid display name.")
        for k in ("purpose", "header"):
            if k in body and not isinstance(body[k], str):
                raise _bad("api.context.invalid_body_param.app_error", f"Invalid {k}.")
        if len(body.get("purpose") or "") > 250:
            raise _bad("model.channel.is_valid.purpose.app_error", "Invalid purpose.")
        if len(body.get("header") or "") > 1024:
            raise _bad("model.channel.is_valid.header.app_error", "Invalid header.")
        u = ctx.user
        if not (self._is_admin(u) or (self._in_team(u["id"], team["id"]) and "system_guest" not in u["roles"].split())):
            raise _forbidden(f"create_{'public' if ctype == 'O' else 'private'}_channel")
        if self._channel_by_name(team["id"], name):
            raise _bad("store.sql_channel.save_channel.exists.app_error",
                       "A channel with that name already exists on the same team.")
        ch = self._new_channel(team["id"], name, display_name, ctype, u["id"],
                               purpose=body.get("purpose") or "", header=body.get("header") or "")
        self._add_channel_member(ch["id"], u["id"], admin=True)
        return 201, ch

    @_route("GET", API + "/channels/{channel_id}")
    def _api_get_channel(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if not self._can_read_channel(ctx.user, ch):
            raise _forbidden("read_channel")
        return ch

    def _channel_by_name_for(self, ctx: _Ctx, team: dict, name: str) -> dict:
        ch = self._channel_by_name(team["id"], name)
        missing = EmulatorAppError(404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.",
                                   f"teamId={team['id']}, name={name}")
        if ch is None or (ch["delete_at"] and not _qbool(ctx.query.get("include_deleted", "false"))):
            raise missing
        if ch["type"] == "O":
            if not (self._is_admin(ctx.user) or self._in_team(ctx.user["id"], team["id"])):
                raise _forbidden("read_public_channel")
        elif not self._can_read_channel(ctx.user, ch):
            raise missing
        return ch

    @_route("GET", API + "/teams/{team_id}/channels/name/{channel_name}")
    def _api_channel_by_name(self, ctx: _Ctx):
        team = self._get_team(ctx.params["team_id"])
        return self._channel_by_name_for(ctx, team, ctx.params["channel_name"])

    @_route("GET", API + "/teams/name/{team_name}/channels/name/{channel_name}")
    def _api_channel_by_team_and_name(self, ctx: _Ctx):
        team = self._team_by_name(ctx.params["team_name"])
        if team is None:
            raise EmulatorAppError(404, "app.team.get_by_name.missing.app_error", "Unable to find the existing team.")
        return self._channel_by_name_for(ctx, team, ctx.params["channel_name"])

    @_route("PUT", API + "/channels/{channel_id}/patch")
    def _api_patch_channel(self, ctx: _Ctx):
        body = self._require_object(ctx)
        ch = self._get_channel(ctx.params["channel_id"])
        if not self._can_manage_channel(ctx.user, ch):
            raise _forbidden("manage_channel_properties")
        if ch["delete_at"]:
            raise _bad("api.channel.patch_update_channel.restricted_dm.app_error", "Cannot update an archived channel.")
        if "name" in body:
            name = body["name"]
            if ch["type"] in ("D", "G"):
                raise _bad("api.channel.update_channel.tried.app_error", "Cannot rename a direct or group channel.")
            if not _CHANNEL_NAME_RE.match(name or "") or len(name) > 64 or len(name) < 2:
                raise _bad("model.channel.is_valid.2_or_more.app_error",
                           "Name must be 2 or more lowercase alphanumeric characters.")
            other = self._channel_by_name(ch["team_id"], name)
            if other is not None and other["id"] != ch["id"]:
                raise _bad("store.sql_channel.update.exists.app_error", "A channel with that handle already exists.")
        if "display_name" in body and (not str(body["display_name"]).strip() or len(body["display_name"]) > 64):
            raise _bad("model.channel.is_valid.display_name.app_error", "Invalid display name.")
        if len(body.get("purpose") or "") > 250:
            raise _bad("model.channel.is_valid.purpose.app_error", "Invalid purpose.")
        if len(body.get("header") or "") > 1024:
            raise _bad("model.channel.is_valid.header.app_error", "Invalid header.")
        for k in ("name", "display_name", "purpose", "header"):
            if k in body and body[k] is not None:
                ch[k] = body[k]
        ch["update_at"] = self._ts()
        return ch

    @_route("DELETE", API + "/channels/{channel_id}")
    def _api_delete_channel(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if ch["type"] in ("D", "G"):
            raise _bad("api.channel.delete_channel.type.invalid", "Could not delete channel")
        if not self._can_manage_channel(ctx.user, ch):
            raise _forbidden("delete_channel")
        if ch["name"] == "town-square":
            raise _bad("api.channel.delete_channel.cannot.app_error", "Unable to delete the default channel town-square.")
        if ch["delete_at"]:
            raise _bad("api.channel.delete_channel.deleted.app_error",
                       "The channel has been archived or deleted.")
        ch["delete_at"] = ch["update_at"] = self._ts()
        return {"status": "OK"}

    @_route("POST", API + "/channels/{channel_id}/restore")
    def _api_restore_channel(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if not (ch["team_id"] and self._can_manage_team(ctx.user, ch["team_id"])) and not self._is_admin(ctx.user):
            raise _forbidden("manage_team")
        if not ch["delete_at"]:
            raise _bad("api.channel.restore_channel.restored.app_error", "Unable to unarchive channel. The channel is not archived.")
        ch["delete_at"] = 0
        ch["update_at"] = self._ts()
        return ch

    @_route("POST", API + "/channels/{channel_id}/members")
    def _api_add_channel_member(self, ctx: _Ctx):
        body = self._require_object(ctx)
        ch = self._get_channel(ctx.params["channel_id"])
        user_id = self._require_str(body, "user_id")
        target = self._users.get(user_id)
        if target is None:
            raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")
        if ch["type"] in ("D", "G"):
            raise _bad("api.channel.add_user_to_channel.type.app_error", "Can not add user to this channel type.")
        me = ctx.user
        if user_id == me["id"] and ch["type"] == "O":
            allowed = self._is_admin(me) or (self._in_team(me["id"], ch["team_id"]) and "system_guest" not in me["roles"].split())
        else:
            allowed = self._can_manage_channel(me, ch)
        if not allowed:
            raise _forbidden("manage_channel_members")
        if ch["delete_at"]:
            raise _bad("api.channel.add_user.to.channel.failed.deleted.app_error",
                       "Failed to add user to channel because the channel has been archived.")
        if not self._in_team(user_id, ch["team_id"]):
            raise EmulatorAppError(403, "api.channel.add_members.user_denied",
                                   "Channel membership denied to the following users because they are not members of the team.",
                                   f"user_id={user_id}")
        return 201, self._add_channel_member(ch["id"], user_id)

    @_route("GET", API + "/channels/{channel_id}/members")
    def _api_channel_members(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if not self._can_read_channel(ctx.user, ch):
            raise _forbidden("read_channel")
        page = int(ctx.query.get("page", 0) or 0)
        per_page = min(int(ctx.query.get("per_page", 60) or 60), 200)
        members = list(self._channel_members.get(ch["id"], {}).values())
        return members[page * per_page:(page + 1) * per_page]

    @_route("GET", API + "/channels/{channel_id}/members/{user_id}")
    def _api_channel_member(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if not self._can_read_channel(ctx.user, ch):
            raise _forbidden("read_channel")
        uid = ctx.user["id"] if ctx.params["user_id"] == "me" else ctx.params["user_id"]
        m = self._channel_members.get(ch["id"], {}).get(uid)
        if m is None:
            raise EmulatorAppError(404, "app.channel.get_member.missing.app_error",
                                   "No channel member found for that user ID and channel ID.")
        return m

    @_route("DELETE", API + "/channels/{channel_id}/members/{user_id}")
    def _api_remove_channel_member(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        uid = ctx.user["id"] if ctx.params["user_id"] == "me" else ctx.params["user_id"]
        if ch["type"] in ("D",):
            raise _bad("api.channel.remove_user_from_channel.direct.app_error", "Cannot remove user from a direct message channel.")
        if uid != ctx.user["id"] and not self._can_manage_channel(ctx.user, ch):
            raise _forbidden("manage_channel_members")
        if ch["name"] == "town-square":
            raise _bad("api.channel.remove.default.app_error", "Unable to remove user from the default channel town-square.")
        if uid not in self._channel_members.get(ch["id"], {}):
            raise EmulatorAppError(404, "app.channel.get_member.missing.app_error",
                                   "No channel member found for that user ID and channel ID.")
        del self._channel_members[ch["id"]][uid]
        return {"status": "OK"}

    @_route("POST", API + "/channels/direct")
    def _api_direct_channel(self, ctx: _Ctx):
        ids = ctx.body
        if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, str) for i in ids):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.")
        for i in ids:
            if i not in self._users:
                raise _bad("api.channel.create_direct_channel.invalid_user.app_error", "Invalid user ID for direct channel creation.", i)
        if ctx.user["id"] not in ids and not self._is_admin(ctx.user):
            raise _forbidden("manage_system")
        name = "__".join(sorted(ids))
        ch = self._channel_by_name("", name)
        if ch is None:
            ch = self._new_channel("", name, "", "D", ctx.user["id"])
            for i in set(ids):
                self._add_channel_member(ch["id"], i)
        return 201, ch

    @_route("GET", API + "/users/{user_id}/teams/{team_id}/channels")
    def _api_user_team_channels(self, ctx: _Ctx):
        user = self._get_user(ctx, ctx.params["user_id"])
        team = self._get_team(ctx.params["team_id"])
        if user["id"] != ctx.user["id"] and not self._is_admin(ctx.user):
            raise _forbidden("edit_other_users")
        if not self._in_team(user["id"], team["id"]):
            raise _forbidden("view_team")
        include_deleted = _qbool(ctx.query.get("include_deleted", "false"))
        return [c for c in self._channels.values()
                if c["team_id"] in (team["id"], "") and user["id"] in self._channel_members.get(c["id"], {})
                and (include_deleted or not c["delete_at"])]

    # ================================================================ posts

    @_route("POST", API + "/posts")
    def _api_create_post(self, ctx: _Ctx):
        body = self._require_object(ctx)
        channel_id = self._require_str(body, "channel_id")
        if "message" not in body or not isinstance(body["message"], str):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing message in request body.")
        ch = self._get_channel(channel_id)
        if not self._can_post(ctx.user, ch):
            raise _forbidden("create_post")
        props = body.get("props") or {}
        if not isinstance(props, dict):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid props.")
        file_ids = body.get("file_ids") or []
        if not body["message"] and not file_ids and not props.get("attachments"):
            raise _bad("api.post.create_post.empty.app_error", "Message, file or attachment is required.")
        pending = body.get("pending_post_id") or ""
        if not isinstance(pending, str):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid pending_post_id.")
        seen = self._pending_posts.get(pending) if pending else None
        if seen is not None and seen[1] > time.monotonic() and seen[0] in self._posts:
            first = self._posts[seen[0]]
            if self._can_read_channel(ctx.user, self._channels[first["channel_id"]]):
                return 201, dict(first, pending_post_id=pending)  # the post made the first time
        post = self._create_post(ctx.user["id"], ch["id"], body["message"], props=props,
                                 root_id=body.get("root_id") or "", file_ids=file_ids)
        if pending and self.pending_post_ttl > 0:
            if len(self._pending_posts) >= 25000:  # the server's cache size (PendingPostIDsCacheSize)
                self._pending_posts.pop(next(iter(self._pending_posts)))
            self._pending_posts[pending] = (post["id"], time.monotonic() + self.pending_post_ttl)
        return 201, dict(post, pending_post_id=pending)

    def _check_post_read(self, ctx: _Ctx, post: dict) -> dict:
        if not self._can_read_channel(ctx.user, self._channels[post["channel_id"]]):
            raise _forbidden("read_channel")
        return post

    def _check_post_edit(self, ctx: _Ctx, post: dict) -> None:
        ch = self._channels[post["channel_id"]]
        if ch["delete_at"]:
            raise _bad("api.post.update_post.can_not_update_post_in_deleted.error",
                       "Can not update a post in a deleted channel.")
        if post["user_id"] != ctx.user["id"] and not self._is_admin(ctx.user):
            raise _forbidden("edit_others_posts")
        if post["user_id"] == ctx.user["id"] and not (self._is_member(ctx.user["id"], ch["id"]) or self._can_post(ctx.user, ch)):
            raise _forbidden("edit_post")

    @_route("GET", API + "/posts/{post_id}")
    def _api_get_post(self, ctx: _Ctx):
        include_deleted = _qbool(ctx.query.get("include_deleted", "false"))
        if include_deleted and not self._is_admin(ctx.user):
            raise _forbidden("read_deleted_posts")
        return self._check_post_read(ctx, self._get_post(ctx.params["post_id"], include_deleted))

    def _apply_post_update(self, post: dict, body: dict, full: bool) -> dict:
        if "message" in body or full:
            message = body.get("message", "")
            self._validate_message(message)
            if message != post["message"]:
                post["message"] = message
                post["edit_at"] = self._ts()
        if "props" in body or full:
            props = body.get("props") or {}
            if not isinstance(props, dict):
                raise _bad("api.context.invalid_body_param.app_error", "Invalid props.")
            props = copy.deepcopy(props)
            for k in _RETAINED_PROPS:
                if k in post["props"]:
                    props[k] = post["props"][k]
            self._generate_action_ids(props)
            post["props"] = props
        if "is_pinned" in body and isinstance(body["is_pinned"], bool):
            post["is_pinned"] = body["is_pinned"]
        if "file_ids" in body and isinstance(body["file_ids"], list):
            post["file_ids"] = list(body["file_ids"])
        post["update_at"] = self._ts()
        return post

    @_route("PUT", API + "/posts/{post_id}/patch")
    def _api_patch_post(self, ctx: _Ctx):
        body = self._require_object(ctx)
        post = self._get_post(ctx.params["post_id"])
        self._check_post_edit(ctx, post)
        return self._apply_post_update(post, body, full=False)

    @_route("PUT", API + "/posts/{post_id}")
    def _api_update_post(self, ctx: _Ctx):
        body = self._require_object(ctx)
        if body.get("id") != ctx.params["post_id"]:
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing id in request body.")
        post = self._get_post(ctx.params["post_id"])
        self._check_post_edit(ctx, post)
        return self._apply_post_update(post, body, full=True)

    @_route("DELETE", API + "/posts/{post_id}")
    def _api_delete_post(self, ctx: _Ctx):
        post = self._get_post(ctx.params["post_id"])
        if post["user_id"] != ctx.user["id"] and not self._is_admin(ctx.user):
            raise _forbidden("delete_others_posts")
        ts = self._ts()
        for p in self._posts.values():
            if p["id"] == post["id"] or p["root_id"] == post["id"]:
                p["delete_at"] = p["update_at"] = ts
        return {"status": "OK"}

    def _pin(self, ctx: _Ctx, value: bool):
        post = self._get_post(ctx.params["post_id"])
        ch = self._channels[post["channel_id"]]
        if not (self._is_admin(ctx.user) or self._is_member(ctx.user["id"], ch["id"])):
            raise _forbidden("read_channel")
        if ch["delete_at"]:
            raise _bad("api.post.update_post.can_not_update_post_in_deleted.error", "Can not update a post in a deleted channel.")
        post["is_pinned"] = value
        post["update_at"] = self._ts()
        return {"status": "OK"}

    @_route("POST", API + "/posts/{post_id}/pin")
    def _api_pin(self, ctx: _Ctx):
        return self._pin(ctx, True)

    @_route("POST", API + "/posts/{post_id}/unpin")
    def _api_unpin(self, ctx: _Ctx):
        return self._pin(ctx, False)

    @_route("GET", API + "/channels/{channel_id}/posts")
    def _api_channel_posts(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if not self._can_read_channel(ctx.user, ch):
            raise _forbidden("read_channel")
        include_deleted = _qbool(ctx.query.get("include_deleted", "false"))
        posts = [p for p in self._posts.values() if p["channel_id"] == ch["id"]]
        if "since" in ctx.query:
            since = int(ctx.query["since"])
            return self._post_list([p for p in posts if p["update_at"] >= since])
        posts = [p for p in posts if include_deleted or not p["delete_at"]]
        posts.sort(key=lambda p: p["create_at"], reverse=True)
        if ctx.query.get("before"):
            ids = [p["id"] for p in posts]
            posts = posts[ids.index(ctx.query["before"]) + 1:] if ctx.query["before"] in ids else []
        if ctx.query.get("after"):
            ids = [p["id"] for p in posts]
            posts = posts[:ids.index(ctx.query["after"])] if ctx.query["after"] in ids else []
        page = int(ctx.query.get("page", 0) or 0)
        per_page = min(int(ctx.query.get("per_page", 60) or 60), 200)
        chunk = posts[page * per_page:(page + 1) * per_page]
        result = self._post_list(chunk)
        if len(posts) > (page + 1) * per_page:
            result["prev_post_id"] = posts[(page + 1) * per_page]["id"]
        return result

    @_route("GET", API + "/channels/{channel_id}/pinned")
    def _api_channel_pinned(self, ctx: _Ctx):
        ch = self._get_channel(ctx.params["channel_id"])
        if not self._can_read_channel(ctx.user, ch):
            raise _forbidden("read_channel")
        return self._post_list([p for p in self._posts.values()
                                if p["channel_id"] == ch["id"] and p["is_pinned"] and not p["delete_at"]])

    @_route("GET", API + "/posts/{post_id}/thread")
    def _api_thread(self, ctx: _Ctx):
        post = self._check_post_read(ctx, self._get_post(ctx.params["post_id"]))
        root_id = post["root_id"] or post["id"]
        return self._post_list([p for p in self._posts.values()
                                if (p["id"] == root_id or p["root_id"] == root_id) and not p["delete_at"]])

    @_route("POST", API + "/posts/ephemeral")
    def _api_ephemeral(self, ctx: _Ctx):
        body = self._require_object(ctx)
        user_id = self._require_str(body, "user_id")
        post = body.get("post")
        if not isinstance(post, dict):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
        channel_id = self._require_str(post, "channel_id")
        message = post.get("message")
        self._validate_message(message)
        # create_post_ephemeral belongs to system admins only (no other built-in role has it, bots neither).
        if not self._is_admin(ctx.user):
            raise _forbidden("create_post_ephemeral")
        if user_id not in self._users:
            raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")
        ch = self._get_channel(channel_id)
        props = post.get("props") or {}
        if not isinstance(props, dict):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid props.")
        eph = self._add_ephemeral(user_id, ch["id"], message, props=props, root_id=post.get("root_id") or "",
                                  sender_id=ctx.user["id"], source="api")
        out = {k: v for k, v in eph.items() if k not in ("sender_id", "source")}
        out["user_id"] = ctx.user["id"]
        return 201, out

    # ================================================================ files

    @_route("POST", API + "/files")
    def _api_upload(self, ctx: _Ctx):
        req = ctx.request
        channel_id = req.form.get("channel_id") or ctx.query.get("channel_id") or ""
        if not channel_id:
            raise _bad("api.file.upload_file.missing_channel_id.app_error", "Invalid or missing channel_id in request.")
        if not _ID_RE.match(channel_id):
            raise _bad("api.context.invalid_param.app_error", "Invalid channel_id.")
        ch = self._get_channel(channel_id)
        if not self._can_post(ctx.user, ch):
            raise _forbidden("upload_file")
        uploads: list[FileStorage] = req.files.getlist("files")
        if not uploads and ctx.query.get("filename"):
            uploads = [FileStorage(stream=None, filename=ctx.query["filename"])]
            data_override = req.get_data()
        else:
            data_override = None
        if not uploads:
            raise _bad("api.file.upload_file.read_request.app_error", "Unable to upload file(s). No file in request.")
        infos = []
        for up in uploads:
            data = data_override if data_override is not None else up.read()
            name = up.filename or "file"
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            ts = self._ts()
            info = {
                "id": new_id(), "user_id": ctx.user["id"], "channel_id": ch["id"], "post_id": "",
                "create_at": ts, "update_at": ts, "delete_at": 0, "name": name, "extension": ext,
                "size": len(data), "mime_type": up.mimetype or "application/octet-stream",
                "width": 0, "height": 0, "has_preview_image": False, "mini_preview": None,
            }
            self._files[info["id"]] = {"info": info, "data": data}
            infos.append(info)
        return 201, {"file_infos": infos, "client_ids": req.form.getlist("client_ids")}

    @_route("GET", API + "/files/{file_id}")
    def _api_get_file(self, ctx: _Ctx):
        f = self._files.get(ctx.params["file_id"])
        if f is None:
            raise EmulatorAppError(404, "app.file_info.get.app_error", "Unable to get the file info.")
        ch = self._channels.get(f["info"]["channel_id"])
        if ch is not None and not self._can_read_channel(ctx.user, ch):
            raise _forbidden("read_channel")
        return Response(f["data"], status=200, mimetype=f["info"]["mime_type"],
                        headers={"Content-Disposition": f'attachment;filename="{f["info"]["name"]}"'})

    # ================================================================ dialogs

    @_route("POST", API + "/actions/dialogs/open")
    def _api_open_dialog(self, ctx: _Ctx):
        body = self._require_object(ctx)
        trigger_id = self._require_str(body, "trigger_id")
        url = self._require_str(body, "url")
        dialog = body.get("dialog")
        if not isinstance(dialog, dict) or not isinstance(dialog.get("elements", []), list):
            raise _bad("api.context.invalid_body_param.app_error", "Invalid or missing dialog in request body.")
        trig = self._triggers.get(trigger_id)
        if trig is None:
            # Mattermost 11.4 answers a trigger id it did not issue (ours are not base64) with this id.
            raise _bad("interactive_message.decode_trigger_id.base64_decode_failed",
                       "Failed to decode base64 for trigger ID for interactive dialog.")
        if time.monotonic() - trig["at"] > self.trigger_ttl:
            raise _bad("interactive_message.decode_trigger_id.expired",
                       f"Trigger ID for interactive dialog is expired. Maximum time is {self.trigger_ttl:g} seconds.")
        for el in dialog.get("elements") or []:
            if not isinstance(el, dict) or not el.get("name") or el.get("type") not in (
                    "text", "textarea", "select", "bool", "radio"):
                raise _bad("interactive_message.dialog.invalid_element", "Invalid dialog element.", json.dumps(el)[:200])
        self._dialogs.append({
            "url": url, "trigger_id": trigger_id, "dialog": copy.deepcopy(dialog),
            "user_id": trig["user_id"], "channel_id": trig["channel_id"], "team_id": trig["team_id"],
            "opened_by": ctx.user["id"],
        })
        return {"status": "OK"}

    # ================================================================ commands

    @_route("POST", API + "/commands")
    def _api_create_command(self, ctx: _Ctx):
        body = self._require_object(ctx)
        team_id = self._require_str(body, "team_id")
        self._get_team(team_id)
        if not self._can_manage_team(ctx.user, team_id):
            raise _forbidden("manage_slash_commands")
        cmd = self._new_command(team_id, self._require_str(body, "trigger"), self._require_str(body, "url"),
                                body.get("method") or "", ctx.user["id"], body)
        return 201, cmd

    @_route("GET", API + "/commands")
    def _api_list_commands(self, ctx: _Ctx):
        team_id = ctx.query.get("team_id", "")
        if not team_id:
            raise _bad("api.context.invalid_param.app_error", "Invalid team_id parameter.")
        self._get_team(team_id)
        custom_only = _qbool(ctx.query.get("custom_only", "false"))
        if custom_only and not self._can_manage_team(ctx.user, team_id):
            raise _forbidden("manage_slash_commands")
        if not self._is_admin(ctx.user) and not self._in_team(ctx.user["id"], team_id):
            raise _forbidden("view_team")
        out: list[dict] = []
        if not custom_only:
            out += [{"trigger": t, "display_name": t, "auto_complete": True, "auto_complete_desc": "",
                     "auto_complete_hint": ""} for t in _BUILTIN_TRIGGERS]
        out += [c for c in self._commands.values() if c["team_id"] == team_id and not c["delete_at"]]
        return out

    @_route("PUT", API + "/commands/{command_id}")
    def _api_update_command(self, ctx: _Ctx):
        body = self._require_object(ctx)
        cmd = self._get_command(ctx.params["command_id"])
        if body.get("id") and body["id"] != cmd["id"]:
            raise _bad("api.context.invalid_body_param.app_error", "Invalid id in request body.")
        if body.get("team_id") and body["team_id"] != cmd["team_id"]:
            raise _bad("api.command.team_mismatch.app_error", "Unable to update commands across teams.")
        if not self._can_manage_team(ctx.user, cmd["team_id"]):
            raise _forbidden("manage_slash_commands")
        trigger = (body.get("trigger") or cmd["trigger"]).lower()
        if not _TRIGGER_RE.match(trigger):
            raise _bad("model.command.is_valid.trigger.app_error", "Invalid trigger.")
        if trigger != cmd["trigger"] and (trigger in _BUILTIN_TRIGGERS or any(
                c["team_id"] == cmd["team_id"] and c["trigger"] == trigger and not c["delete_at"]
                for c in self._commands.values())):
            raise _bad("api.command.duplicate_trigger.app_error", "This trigger word is already in use. Please choose another word.")
        method = body.get("method") or cmd["method"]
        if method not in ("P", "G"):
            raise _bad("model.command.is_valid.method.app_error", "Invalid Method.")
        url = body.get("url") or cmd["url"]
        if not re.match(r"^https?://", url):
            raise _bad("model.command.is_valid.url_http.app_error", "Invalid URL.")
        cmd.update(trigger=trigger, method=method, url=url)
        for k in ("username", "icon_url", "auto_complete", "auto_complete_desc", "auto_complete_hint",
                  "display_name", "description"):
            if k in body and body[k] is not None:
                cmd[k] = body[k]
        cmd["update_at"] = self._ts()
        return cmd

    @_route("DELETE", API + "/commands/{command_id}")
    def _api_delete_command(self, ctx: _Ctx):
        cmd = self._get_command(ctx.params["command_id"])
        if not self._can_manage_team(ctx.user, cmd["team_id"]):
            raise _forbidden("manage_slash_commands")
        cmd["delete_at"] = cmd["update_at"] = self._ts()
        return {"status": "OK"}

    @_route("PUT", API + "/commands/{command_id}/regen_token")
    def _api_regen_token(self, ctx: _Ctx):
        cmd = self._get_command(ctx.params["command_id"])
        if not self._can_manage_team(ctx.user, cmd["team_id"]):
            raise _forbidden("manage_slash_commands")
        cmd["token"] = new_id()
        cmd["update_at"] = self._ts()
        return {"token": cmd["token"]}

    # ================================================================ bots

    @_route("POST", API + "/bots")
    def _api_create_bot(self, ctx: _Ctx):
        body = self._require_object(ctx)
        if not self._is_admin(ctx.user):
            raise _forbidden("create_bot")
        username = self._require_str(body, "username").lower()
        if not _USERNAME_RE.match(username):
            raise _bad("model.user.is_valid.username.app_error", "Invalid username.")
        if self._user_by_name(username):
            raise _bad("app.user.save.username_exists.app_error", "An account with that username already exists.")
        user = self.create_user(username, f"{username}@localhost", is_bot=True,
                                first_name=body.get("display_name") or "")
        bot = self._bots[user["id"]]
        bot.update(display_name=body.get("display_name") or "", description=body.get("description") or "",
                   owner_id=ctx.user["id"])
        self._users[user["id"]]["bot_description"] = bot["description"]
        return 201, bot

    @_route("GET", API + "/bots")
    def _api_list_bots(self, ctx: _Ctx):
        if not self._is_admin(ctx.user):
            raise _forbidden("read_bots")
        include_deleted = _qbool(ctx.query.get("include_deleted", "false"))
        page = int(ctx.query.get("page", 0) or 0)
        per_page = min(int(ctx.query.get("per_page", 60) or 60), 200)
        bots = [b for b in self._bots.values() if include_deleted or not b["delete_at"]]
        return bots[page * per_page:(page + 1) * per_page]

    @_route("GET", API + "/bots/{bot_user_id}")
    def _api_get_bot(self, ctx: _Ctx):
        bot = self._bots.get(ctx.params["bot_user_id"])
        if bot is None or (bot["delete_at"] and not _qbool(ctx.query.get("include_deleted", "false"))):
            raise EmulatorAppError(404, "store.sql_bot.get.missing.app_error", "Bot does not exist.")
        if not (self._is_admin(ctx.user) or bot["user_id"] == ctx.user["id"] or bot["owner_id"] == ctx.user["id"]):
            raise _forbidden("read_bots")
        return bot

    # ================================================================ system

    @_route("GET", API + "/system/ping")
    def _api_ping(self, ctx: _Ctx):
        return {"status": "OK", "ActiveSearchBackend": "database", "AndroidLatestVersion": "",
                "AndroidMinVersion": "", "IosLatestVersion": "", "IosMinVersion": ""}

    # ================================================================ Mattermost -> integration

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
                post = self._create_post(user_id, target_channel, text, props=props, root_id=root_id)
                out["posts"].append(copy.deepcopy(post))
            else:
                eph = self._add_ephemeral(user_id, target_channel, text, props=props, root_id=root_id,
                                          source="command")
                out["ephemerals"].append(copy.deepcopy(eph))

    def execute_command(self, username: str, channel_id: str, text_with_trigger: str, *,
                        root_id: str = "") -> dict:
        """Run a custom slash command as ``username`` in ``channel_id`` and apply the answer.

        Returns ``{"status", "response", "post", "ephemeral", "posts", "ephemerals",
        "trigger_id", "error"}``."""
        out: dict[str, Any] = {"status": 0, "response": None, "post": None, "ephemeral": None,
                               "posts": [], "ephemerals": [], "trigger_id": None, "error": None}
        word, _, rest = text_with_trigger.strip().partition(" ")
        trigger = word.lstrip("/").lower()
        with self._lock:
            user = self._user_by_name(username.lower())
            if user is None:
                raise ValueError(f"no user {username!r}")
            ch = self._channels.get(channel_id)
            if ch is None:
                raise ValueError(f"no channel {channel_id!r}")
            team_id = ch["team_id"] or next((tid for (tid, uid) in self._team_members if uid == user["id"]), "")
            team = self._teams.get(team_id, {})
            cmd = next((c for c in self._commands.values()
                        if c["team_id"] == team_id and c["trigger"] == trigger and not c["delete_at"]), None)
            if cmd is None:
                out["status"] = 404
                out["error"] = f"Command with a trigger of '/{trigger}' not found."
                return out
            if not self._can_read_channel(user, ch):
                out["status"] = 403
                out["error"] = "You do not have the appropriate permissions."
                return out
            trigger_id = self.issue_trigger(user["id"], ch["id"], team_id)
            hook_id = new_id()
            self._response_hooks[hook_id] = {"user_id": user["id"], "channel_id": ch["id"], "root_id": root_id}
            form = {
                "channel_id": ch["id"], "channel_name": ch["name"], "command": "/" + cmd["trigger"],
                "response_url": f"{self.url}/hooks/commands/{hook_id}", "team_domain": team.get("name", ""),
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
            with self._lock:
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
                 if (u := self._user_by_name(name.rstrip("."))) and self._in_team(u["id"], team_id)]
        channels = [c for name in dict.fromkeys(re.findall(r"~([a-z0-9\-_]+)", text.lower()))
                    if (c := self._channel_by_name(team_id, name)) and c["type"] == "O"]
        fields: dict[str, list[str]] = {}
        if users:
            fields.update(user_mentions=[u["username"] for u in users], user_mentions_ids=[u["id"] for u in users])
        if channels:
            fields.update(channel_mentions=[c["name"] for c in channels],
                          channel_mentions_ids=[c["id"] for c in channels])
        return fields

    def _command_response_hook(self, req: Request, hook_id: str, request_id: str) -> Response:
        if req.method != "POST":
            return self._error_response(EmulatorAppError(405, "api.context.405.app_error", "Method not allowed."), request_id)
        with self._lock:
            hook = self._response_hooks.get(hook_id)
        if hook is None:
            return self._error_response(EmulatorAppError(404, "web.command_webhook.invalid.app_error",
                                                         "Invalid webhook."), request_id)
        try:
            body = json.loads(req.get_data() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._error_response(_bad("web.command_webhook.parse.app_error", "Unable to parse incoming data."), request_id)
        out: dict = {"posts": [], "ephemerals": []}
        with self._lock:
            try:
                self._apply_command_response(body, user_id=hook["user_id"], channel_id=hook["channel_id"],
                                             root_id=hook["root_id"], out=out)
            except EmulatorAppError as err:
                return self._error_response(err, request_id)
        return Response("ok", status=200, content_type="text/plain")

    def click(self, post_id: str, action_id: str, username: str, *, selected_option: str | None = None) -> dict:
        """Click a button (or pick ``selected_option`` in a menu) of a post's attachment
        as ``username``; apply ``update`` / ``ephemeral_text`` like Mattermost.

        Returns ``{"status", "response", "post", "ephemeral", "trigger_id", "error"}``."""
        with self._lock:
            user = self._user_by_name(username.lower())
            if user is None:
                raise ValueError(f"no user {username!r}")
            post = self._posts.get(post_id)
            ephemeral_post = None
            if post is None:
                # Buttons of an ephemeral post (a slash command's private answer) work too (the web
                # client sends the action's cookie), but an "update" answer fails (see below).
                ephemeral_post = next((e for e in self._ephemerals if e["id"] == post_id
                                       and e["user_id"] == (self._user_by_name(username.lower()) or {}).get("id")),
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
            ch = self._channels[post["channel_id"]]
            team = self._teams.get(ch["team_id"], {})
            integration = action.get("integration") or {}
            url = integration.get("url")
            if not url:
                raise ValueError(f"action {action_id!r} has no integration url")
            context = copy.deepcopy(integration.get("context") or {})
            if selected_option is not None:
                context["selected_option"] = selected_option
            trigger_id = self.issue_trigger(user["id"], ch["id"], ch["team_id"])
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
            with self._lock:
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
                        p = self._posts.get(post_id)
                        if p is not None and not p["delete_at"]:
                            # Mattermost replaces the post's message and props with the update
                            # (a missing "message" empties it); pinning is kept as it was
                            self._apply_post_update(p, {k: update[k] for k in ("message", "props")
                                                        if k in update}, full=True)
                    if parsed.get("ephemeral_text"):
                        eph = self._add_ephemeral(user["id"], ch["id"], parsed["ephemeral_text"],
                                                  root_id=post["root_id"], source="action")
                        out["ephemeral"] = copy.deepcopy(eph)
                except EmulatorAppError as err:
                    out["error"] = err.message
                p = self._posts.get(post_id) or ephemeral_post
                out["post"] = copy.deepcopy(p) if p else None
        return out

    def submit_dialog(self, dialog_index_or_obj: int | dict, username: str, submission: dict, *,
                      cancelled: bool = False, state: str | None = None) -> dict:
        """Submit (or cancel) an opened dialog as ``username``. ``dialog_index_or_obj``
        is an index into :meth:`dialogs` (``-1`` = last opened) or one of its entries.
        A cancel is only sent when the dialog set ``notify_on_cancel`` (like Mattermost);
        otherwise ``{"status": None, "response": None}`` is returned."""
        with self._lock:
            entry = self._dialogs[dialog_index_or_obj] if isinstance(dialog_index_or_obj, int) else dialog_index_or_obj
            user = self._user_by_name(username.lower())
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
