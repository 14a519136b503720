"""``MattermostEmulator``: the public face of the emulator. Tests, the sandbox and the
benchmarks use only what is here: start and stop it, seed it, look into it, break it, and
act in it as a person (the package's docstring has an example)."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from ..openapi import OpenAPISpec, find_spec_path
from .actor import Actor
from .base import new_id
from .faults import Faults, LogEntry
from .server import Server
from .state import State


class MattermostEmulator:
    """A fake Mattermost server. See the package docstring.

    ``clock`` (monotonic seconds) decides when trigger ids and the ``pending_post_id`` cache
    expire; a test may pass its own to move time on without sleeping.
    """

    def __init__(self, spec_path: Path | None | str = "auto", host: str = "127.0.0.1", port: int = 0,
                 *, trigger_ttl: float = 30.0, http_timeout: float = 30.0, pending_post_ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        if spec_path == "auto":
            spec_path = find_spec_path()
        spec = OpenAPISpec.load(spec_path) if spec_path else None
        self._state = State(trigger_ttl=trigger_ttl, pending_post_ttl=pending_post_ttl, clock=clock)
        self._faults = Faults(self._state.lock)
        self._actor = Actor(self._state, lambda: self.url, http_timeout=http_timeout)
        self._server = Server(self._state, self._faults, spec, self._actor.command_response_hook, host, port)

    # ================================================================ settings

    @property
    def spec(self) -> OpenAPISpec | None:
        """The API specification requests are checked against (None: no check)."""
        return self._server.spec

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def trigger_ttl(self) -> float:
        """Seconds a trigger id may open a dialog (Mattermost: the integration timeout, 30 s)."""
        return self._state.trigger_ttl

    @trigger_ttl.setter
    def trigger_ttl(self, seconds: float) -> None:
        self._state.trigger_ttl = seconds

    @property
    def pending_post_ttl(self) -> float:
        """Seconds ``POST /posts`` remembers a ``pending_post_id`` (Mattermost: 30 s; 0 = not at all)."""
        return self._state.pending_post_ttl

    @pending_post_ttl.setter
    def pending_post_ttl(self, seconds: float) -> None:
        self._state.pending_post_ttl = seconds

    @property
    def http_timeout(self) -> float:
        """Seconds Mattermost waits for the integration's answer to a command, a click or a dialog
        (`OutgoingIntegrationRequestsTimeout`, 30 s by default, as for trigger ids)."""
        return self._actor.http_timeout

    @http_timeout.setter
    def http_timeout(self, seconds: float) -> None:
        self._actor.http_timeout = seconds

    @property
    def clock(self) -> Callable[[], float]:
        return self._state.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self._state.clock = clock

    # ================================================================ server lifecycle

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def running(self) -> bool:
        return self._server.running

    def start(self) -> "MattermostEmulator":
        if not self._server.running:
            self._server.serve()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def __enter__(self) -> "MattermostEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def go_down(self) -> None:
        """Stop accepting connections (clients get *connection refused*); keep state."""
        self._server.shutdown()

    def come_up(self) -> None:
        """Listen again on the same port, with the same state."""
        if not self._server.running:
            self._server.serve()

    # ================================================================ fault injection / log

    def fail_next(self, status: int, *, count: int = 1, path_contains: str | None = None,
                  method: str | None = None, headers: dict[str, str] | None = None, body: Any = None) -> None:
        """Answer the next ``count`` matching API requests with ``status`` (AppError body
        unless ``body`` is given; a str or bytes body is sent as is)."""
        self._faults.fail_next(status, count=count, path_contains=path_contains, method=method, headers=headers,
                              body=body)

    def delay_next(self, seconds: float, *, count: int = 1, skip: int = 0, path_contains: str | None = None,
                   method: str | None = None) -> None:
        """Serve the next ``count`` matching requests (after letting ``skip`` through), then hold
        their answer ``seconds``: the effect is committed and logged, the client waits (a slow
        server; a lost answer when the client gives up or dies first). :meth:`release_delayed`
        sends held answers at once."""
        self._faults.add_fault(delay=seconds, drop=False, count=count, skip=skip, path_contains=path_contains,
                              method=method)

    def drop_after_commit(self, *, count: int = 1, skip: int = 0, path_contains: str | None = None,
                          method: str | None = None) -> None:
        """Serve the next ``count`` matching requests (after letting ``skip`` through), then close
        the connection without an answer: the effect is committed and logged, the client sees
        the connection dropped."""
        self._faults.add_fault(delay=0.0, drop=True, count=count, skip=skip, path_contains=path_contains,
                              method=method)

    def release_delayed(self) -> None:
        self._faults.release_delayed()

    def clear_failures(self) -> None:
        self._faults.clear()

    def forget_pending_posts(self) -> None:
        """Empty the ``pending_post_id`` cache, as a server restart (or another cluster node) does."""
        with self._state.lock:
            self._state.pending_posts.clear()

    @property
    def requests_log(self) -> list[LogEntry]:
        """(method, path, status) of every request served, oldest first."""
        return self._faults.entries()

    def wait_for_requests(self, predicate: Callable[[list[LogEntry]], bool], timeout: float = 30.0) -> bool:
        """Block until ``predicate(requests_log)`` holds (checked on each logged request); False on timeout."""
        return self._faults.wait_for(predicate, timeout)

    def clear_requests_log(self) -> None:
        self._faults.clear_log()

    # ================================================================ seeding

    def create_team(self, name: str, display_name: str | None = None, *, type: str = "O") -> dict:
        st = self._state
        with st.lock:
            if st.team_by_name(name):
                raise ValueError(f"team {name!r} exists")
            ts = st.ts()
            team = {
                "id": new_id(), "create_at": ts, "update_at": ts, "delete_at": 0,
                "display_name": display_name or name, "name": name, "description": "",
                "email": "", "type": type, "company_name": "", "allowed_domains": "",
                "invite_id": new_id(), "allow_open_invite": type == "O", "scheme_id": None,
                "group_constrained": None, "policy_id": None,
            }
            st.teams[team["id"]] = team
            for cname, cdisplay in (("town-square", "Town Square"), ("off-topic", "Off-Topic")):
                st.new_channel(team["id"], cname, cdisplay, "O", creator_id="")
            return copy.deepcopy(team)

    def create_user(self, username: str, email: str | None = None, *, roles: str = "system_user",
                    first_name: str = "", last_name: str = "", locale: str = "fr", is_bot: bool = False,
                    guest: bool = False, team: str | None = None) -> dict:
        st = self._state
        with st.lock:
            user = st.new_user(username, email, roles=roles, first_name=first_name, last_name=last_name,
                               locale=locale, is_bot=is_bot, guest=guest)
            if team:
                t = st.team_by_name(team)
                if t is None:
                    raise ValueError(f"no team {team!r}")
                st.add_team_member(t["id"], user["id"])
            return copy.deepcopy(user)

    def rename_user(self, user_id: str, username: str) -> dict:
        """Change an account's username, as a system admin does in the System Console."""
        st = self._state
        with st.lock:
            username = username.lower()
            user = st.users.get(user_id)
            if user is None:
                raise ValueError(f"no user {user_id!r}")
            other = st.user_by_name(username)
            if other is not None and other["id"] != user_id:
                raise ValueError(f"user {username!r} exists")
            user["username"] = username
            user["update_at"] = st.ts()
            if user_id in st.bots:
                st.bots[user_id]["username"] = username
            return copy.deepcopy(user)

    def set_roles(self, user_id: str, roles: str) -> dict:
        """Change an account's system roles (``"system_user"``, ``"system_admin system_user"``)."""
        st = self._state
        with st.lock:
            user = st.users.get(user_id)
            if user is None:
                raise ValueError(f"no user {user_id!r}")
            user["roles"] = roles
            user["update_at"] = st.ts()
            return copy.deepcopy(user)

    def create_token(self, user_id: str) -> str:
        st = self._state
        with st.lock:
            if user_id not in st.users:
                raise ValueError(f"no user {user_id!r}")
            token = new_id()
            st.tokens[token] = user_id
            return token

    def add_to_team(self, team_id: str, user_id: str) -> dict:
        st = self._state
        with st.lock:
            if team_id not in st.teams or user_id not in st.users:
                raise ValueError("unknown team or user")
            return copy.deepcopy(st.add_team_member(team_id, user_id))

    def create_channel(self, team_id: str, name: str, display_name: str | None = None, type: str = "O",
                       members: Iterable[str] = ()) -> dict:
        st = self._state
        with st.lock:
            if team_id not in st.teams:
                raise ValueError(f"no team {team_id!r}")
            if st.channel_by_name(team_id, name):
                raise ValueError(f"channel {name!r} exists")
            ch = st.new_channel(team_id, name, display_name or name, type, creator_id="")
            for m in members:
                uid = m if m in st.users else (st.user_by_name(m) or {}).get("id")
                if uid is None:
                    raise ValueError(f"no user {m!r}")
                if (team_id, uid) not in st.team_members:
                    raise ValueError(f"user {m!r} is not in the team")
                st.add_channel_member(ch["id"], uid)
            return copy.deepcopy(ch)

    def add_to_channel(self, channel_id: str, user_id: str) -> dict:
        st = self._state
        with st.lock:
            if channel_id not in st.channels or user_id not in st.users:
                raise ValueError("unknown channel or user")
            return copy.deepcopy(st.add_channel_member(channel_id, user_id))

    def register_command(self, team_id: str, trigger: str, url: str, *, token: str | None = None,
                         creator: str | None = None, method: str = "P", **fields: Any) -> dict:
        """Register a custom slash command (same store as ``POST /commands``).
        ``creator`` is a user id or username."""
        st = self._state
        with st.lock:
            creator_id = ""
            if creator:
                creator_id = creator if creator in st.users else (st.user_by_name(creator) or {}).get("id", "")
            cmd = st.new_command(team_id, trigger.lstrip("/"), url, method, creator_id, fields)
            if token:
                cmd["token"] = token
            return copy.deepcopy(cmd)

    def issue_trigger(self, user_id: str, channel_id: str = "", team_id: str = "") -> str:
        """A fresh trigger id, valid ``trigger_ttl`` seconds for opening a dialog."""
        return self._state.issue_trigger(user_id, channel_id, team_id)

    # ================================================================ lasting state (the sandbox's restarts)

    def save(self, path: Path | str) -> None:
        """Write the people, teams, channels, posts and files to ``path`` (JSON), atomically."""
        from .persist import save_file

        save_file(self._state, Path(path))

    def load(self, path: Path | str) -> "MattermostEmulator":
        """Take back what :meth:`save` wrote (ids included); slash commands and tokens are made again."""
        from .persist import load_file

        load_file(self._state, Path(path))
        return self

    def move_integration(self, old_base: str, new_base: str) -> int:
        """The integration now answers at ``new_base`` (a sandbox restarted on another port): the buttons
        already posted call it there. Returns how many buttons changed."""
        moved = 0
        with self._state.lock:
            for post in [*self._state.posts.values(), *self._state.ephemerals]:
                for attachment in (post.get("props") or {}).get("attachments") or []:
                    for action in attachment.get("actions") or []:
                        integration = action.get("integration") or {}
                        url = integration.get("url") or ""
                        if url.startswith(old_base.rstrip("/") + "/"):
                            integration["url"] = new_base.rstrip("/") + url[len(old_base.rstrip("/")):]
                            moved += 1
        return moved

    # ================================================================ introspection (copies, never the state)

    def _copy(self, read: Callable[[State], Any]) -> Any:
        with self._state.lock:
            return copy.deepcopy(read(self._state))

    def user(self, username: str) -> dict | None:
        return self._copy(lambda st: st.user_by_name(username.lower()))

    def user_by_id(self, user_id: str) -> dict | None:
        return self._copy(lambda st: st.users.get(user_id))

    def team(self, name: str) -> dict | None:
        return self._copy(lambda st: st.team_by_name(name))

    def channel(self, team_name: str, channel_name: str) -> dict | None:
        def read(st: State) -> dict | None:
            t = st.team_by_name(team_name)
            return st.channel_by_name(t["id"], channel_name) if t else None

        return self._copy(read)

    def channel_by_id(self, channel_id: str) -> dict | None:
        return self._copy(lambda st: st.channels.get(channel_id))

    def channels(self, team_id: str | None = None) -> list[dict]:
        """Every channel (of one team), archived ones included, oldest first."""
        return self._copy(lambda st: [c for c in st.channels.values() if team_id is None or c["team_id"] == team_id])

    def direct_channel(self, user_id: str, other_id: str) -> dict | None:
        """The direct-message channel between two users, if one was opened."""
        return self._copy(lambda st: st.channel_by_name("", "__".join(sorted((user_id, other_id)))))

    def direct_channels(self, user_id: str) -> list[dict]:
        """Every direct-message channel ``user_id`` is in, oldest first."""
        return self._copy(lambda st: [c for c in st.channels.values()
                                      if c["type"] == "D" and user_id in c["name"].split("__")])

    def post(self, post_id: str) -> dict | None:
        return self._copy(lambda st: st.posts.get(post_id))

    def posts(self, channel_id: str) -> list[dict]:
        """Posts of a channel, oldest first, excluding deleted ones."""
        return self._copy(lambda st: sorted(
            (p for p in st.posts.values() if p["channel_id"] == channel_id and not p["delete_at"]),
            key=lambda p: p["create_at"]))

    def pinned(self, channel_id: str) -> list[dict]:
        return [p for p in self.posts(channel_id) if p["is_pinned"]]

    def members(self, channel_id: str) -> set[str]:
        with self._state.lock:
            return set(self._state.channel_members.get(channel_id, {}))

    def team_members(self, team_id: str) -> set[str]:
        with self._state.lock:
            return {uid for (tid, uid), m in self._state.team_members.items() if tid == team_id and not m["delete_at"]}

    def ephemerals(self, user_id: str | None = None, channel_id: str | None = None) -> list[dict]:
        return self._copy(lambda st: [
            e for e in st.ephemerals
            if (user_id is None or e["user_id"] == user_id) and (channel_id is None or e["channel_id"] == channel_id)
        ])

    def dialogs(self) -> list[dict]:
        return self._copy(lambda st: st.dialogs)

    @property
    def files(self) -> dict[str, dict]:
        """file_id -> {"info": FileInfo, "data": bytes}."""
        with self._state.lock:
            return {fid: {"info": copy.deepcopy(f["info"]), "data": f["data"]} for fid, f in self._state.files.items()}

    def commands(self, team_id: str | None = None) -> list[dict]:
        return self._copy(lambda st: [c for c in st.commands.values()
                                      if not c["delete_at"] and (team_id is None or c["team_id"] == team_id)])

    def bots(self) -> list[dict]:
        return self._copy(lambda st: list(st.bots.values()))

    # ================================================================ acting as a person

    def execute_command(self, username: str, channel_id: str, text_with_trigger: str, *,
                        root_id: str = "") -> dict:
        """Run a custom slash command as ``username`` in ``channel_id`` and apply the answer.

        Returns ``{"status", "response", "post", "ephemeral", "posts", "ephemerals",
        "trigger_id", "error"}``."""
        return self._actor.execute_command(username, channel_id, text_with_trigger, root_id=root_id)

    def click(self, post_id: str, action_id: str, username: str, *, selected_option: str | None = None) -> dict:
        """Click a button (or pick ``selected_option`` in a menu) of a post's attachment
        as ``username``; apply ``update`` / ``ephemeral_text`` like Mattermost.

        Returns ``{"status", "response", "post", "ephemeral", "trigger_id", "error"}``."""
        return self._actor.click(post_id, action_id, username, selected_option=selected_option)

    def submit_dialog(self, dialog_index_or_obj: int | dict, username: str, submission: dict, *,
                      cancelled: bool = False, state: str | None = None) -> dict:
        """Submit (or cancel) an opened dialog as ``username``. ``dialog_index_or_obj``
        is an index into :meth:`dialogs` (``-1`` = last opened) or one of its entries.
        A cancel is only sent when the dialog set ``notify_on_cancel`` (like Mattermost);
        otherwise ``{"status": None, "response": None}`` is returned."""
        return self._actor.submit_dialog(dialog_index_or_obj, username, submission, cancelled=cancelled, state=state)

