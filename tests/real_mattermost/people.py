"""People of a real Mattermost server, driving it through its API the way its web client does.

A :class:`Person` runs slash commands (``POST /commands/execute``), clicks buttons
(``POST /posts/{id}/actions/{action}``), submits dialogs (``POST /actions/dialogs/submit``)
and listens to its WebSocket, where Mattermost delivers what only that person sees:
ephemeral posts and the ``open_dialog`` event.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import requests
from websockets.sync.client import connect

WAIT = 20.0  # seconds: generous for a loaded 2-core machine; the waits end as soon as the event comes


class MattermostRefused(AssertionError):
    def __init__(self, response: requests.Response):
        self.status = response.status_code
        try:
            self.body = response.json()
        except ValueError:
            self.body = {"message": response.text[:300]}
        self.error_id = self.body.get("id", "") if isinstance(self.body, dict) else ""
        super().__init__(f"{response.request.method} {response.request.path_url} -> {self.status}: {self.body}")


def wait_until(predicate: Callable[[], Any], *, timeout: float = WAIT, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy (and return it), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.05)


class EventStream:
    """The person's WebSocket events, collected by a thread."""

    def __init__(self, url: str, token: str):
        ws_url = url.replace("http://", "ws://").replace("https://", "wss://") + "/api/v4/websocket"
        self._socket = connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10)
        self._socket.__enter__()  # closed by close()
        self.events: list[dict] = []
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        self.wait_for(lambda e: e.get("event") == "hello", what="the WebSocket hello")

    def _read(self) -> None:
        try:
            for raw in self._socket:
                event = json.loads(raw)
                with self._lock:
                    self.events.append(event)
                    self._lock.notify_all()
        except Exception:  # closed at the end of the session
            return

    def mark(self) -> int:
        with self._lock:
            return len(self.events)

    def wait_for(self, predicate: Callable[[dict], bool], *, since: int = 0, timeout: float = WAIT,
                 what: str = "an event") -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self.events[since:]:
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [e.get("event") for e in self.events[since:]]
                    raise AssertionError(f"timed out waiting for {what}; saw {seen}")
                self._lock.wait(remaining)

    def close(self) -> None:
        self._socket.close()


@dataclass
class Reply:
    """What ``commands/execute`` answered: the integration's response as Mattermost relays it."""

    status: int
    body: dict

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def ok(self) -> bool:
        return self.status == 200


class Person:
    """A user of the real server, with a personal access token."""

    def __init__(self, url: str, token: str, *, team_id: str = ""):
        self.url = url.rstrip("/")
        self.token = token
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        me = self.get("/users/me")
        self.id: str = me["id"]
        self.username: str = me["username"]
        self.roles: str = me.get("roles", "")
        self.team_id = team_id
        self._events: EventStream | None = None

    def __repr__(self) -> str:
        return f"<Person @{self.username}>"

    # --- plain API ------------------------------------------------------------------------

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.url}/api/v4{path}", timeout=30, **kwargs)

    def _ok(self, response: requests.Response) -> Any:
        if response.status_code >= 300:
            raise MattermostRefused(response)
        return response.json() if response.content else {}

    def get(self, path: str, **params) -> Any:
        return self._ok(self.call("GET", path, params=params or None))

    def post(self, path: str, body: Any = None) -> Any:
        return self._ok(self.call("POST", path, json=body))

    def put(self, path: str, body: Any = None) -> Any:
        return self._ok(self.call("PUT", path, json=body))

    def delete(self, path: str) -> Any:
        return self._ok(self.call("DELETE", path))

    # --- what a person sees ---------------------------------------------------------------

    @property
    def events(self) -> EventStream:
        if self._events is None:
            self._events = EventStream(self.url, self.token)
        return self._events

    def channel(self, name: str) -> dict:
        return self.get(f"/teams/{self.team_id}/channels/name/{name}", include_deleted="true")

    def posts(self, channel_id: str) -> list[dict]:
        """The channel's posts, oldest first."""
        body = self.get(f"/channels/{channel_id}/posts", per_page=200)
        return [body["posts"][pid] for pid in reversed(body["order"])]

    def pinned(self, channel_id: str) -> list[dict]:
        body = self.get(f"/channels/{channel_id}/pinned")
        return [body["posts"][pid] for pid in body["order"]]

    def member_ids(self, channel_id: str) -> set[str]:
        return {m["user_id"] for m in self.get(f"/channels/{channel_id}/members", per_page=200)}

    # --- driving Consortia through Mattermost --------------------------------------------

    def run(self, channel_id: str, command: str, *, root_id: str = "") -> Reply:
        """Type a slash command in a channel: Mattermost calls the command's URL and relays the answer."""
        body = {"channel_id": channel_id, "team_id": self.team_id, "command": command}
        if root_id:
            body["root_id"] = root_id
        response = self.call("POST", "/commands/execute", json=body)
        return Reply(response.status_code, response.json() if response.content else {})

    def say(self, channel_id: str, command: str, **kwargs) -> str:
        """Run a command that must succeed; its text (ephemeral or in channel)."""
        reply = self.run(channel_id, command, **kwargs)
        assert reply.ok, f"{command!r} -> {reply.status} {reply.body}"
        return reply.text

    def ephemeral_after(self, mark: int, *, channel_id: str | None = None, what: str = "an ephemeral post") -> dict:
        """The next ephemeral post Mattermost pushed to this person after ``mark``."""
        event = self.events.wait_for(
            lambda e: e.get("event") == "ephemeral_message"
            and (channel_id is None or json.loads(e["data"]["post"]).get("channel_id") == channel_id),
            since=mark, what=what)
        return json.loads(event["data"]["post"])

    def click(self, post: dict, action: dict, *, selected_option: str = "") -> requests.Response:
        """Click a button; an ephemeral post's button carries the cookie Mattermost gave it, as the web client sends."""
        body = {}
        if selected_option:
            body["selected_option"] = selected_option
        if action.get("cookie"):
            body["cookie"] = action["cookie"]
        return self.call("POST", f"/posts/{post['id']}/actions/{action['id']}", json=body or None)

    def dialog_after(self, mark: int) -> dict:
        """The dialog Mattermost asked this person's client to open (``open_dialog`` event)."""
        event = self.events.wait_for(lambda e: e.get("event") == "open_dialog", since=mark,
                                     what="an open_dialog event")
        return json.loads(event["data"]["dialog"])

    def submit(self, opened: dict, submission: dict, *, channel_id: str, cancelled: bool = False) -> requests.Response:
        """Submit a dialog as the web client does, with the URL, callback and state it was opened with."""
        dialog = opened["dialog"]
        return self.call("POST", "/actions/dialogs/submit", json={
            "url": opened["url"], "callback_id": dialog.get("callback_id", ""), "state": dialog.get("state", ""),
            "channel_id": channel_id, "team_id": self.team_id, "submission": submission, "cancelled": cancelled})

    def close(self) -> None:
        if self._events is not None:
            self._events.close()
        self.http.close()


def find_action(post: dict, label_part: str) -> dict:
    """The button of a post's attachments whose label contains ``label_part``."""
    for attachment in post.get("props", {}).get("attachments") or []:
        for action in attachment.get("actions") or []:
            if label_part.lower() in str(action.get("name", "")).lower():
                return action
    names = [a.get("name") for att in post.get("props", {}).get("attachments") or [] for a in att.get("actions") or []]
    raise AssertionError(f"no button containing {label_part!r} in {names}")
