"""The emulator's lasting state as a JSON document, so that a sandbox keeps its people, channels, posts
and files across restarts (``MattermostEmulator.save`` / ``load``).

What only lives for a moment is left out: trigger ids, opened dialogs, pending-post ids, command
response hooks; and what each start makes again: the slash commands and the tokens.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from .state import State

FORMAT = 1


def dump(state: State) -> dict[str, Any]:
    with state.lock:
        return {
            "format": FORMAT,
            "users": state.users, "teams": state.teams, "bots": state.bots,
            "team_members": list(state.team_members.values()),
            "channels": state.channels, "channel_members": state.channel_members,
            "posts": state.posts, "ephemerals": state.ephemerals,
            "files": {fid: {"info": f["info"], "data": base64.b64encode(f["data"]).decode("ascii")}
                      for fid, f in state.files.items()},
        }


def load(state: State, document: dict[str, Any]) -> None:
    """Replace ``state``'s lasting parts with ``document``'s (a ``dump``)."""
    if document.get("format") != FORMAT:
        raise ValueError(f"unknown emulator state format {document.get('format')!r}")
    with state.lock:
        state.users = document["users"]
        state.teams = document["teams"]
        state.bots = document["bots"]
        state.team_members = {(m["team_id"], m["user_id"]): m for m in document["team_members"]}
        state.channels = document["channels"]
        state.channel_members = document["channel_members"]
        state.posts = document["posts"]
        state.ephemerals = document["ephemerals"]
        state.files = {fid: {"info": f["info"], "data": base64.b64decode(f["data"])}
                       for fid, f in document["files"].items()}
        stamps = [p.get("update_at", 0) for p in state.posts.values()] + [0]
        state._last_ts = max(state._last_ts, *stamps)


def save_file(state: State, path: Path) -> None:
    """Write atomically: a crash mid-write leaves the previous state."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(dump(state), ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def load_file(state: State, path: Path) -> None:
    load(state, json.loads(path.read_text(encoding="utf-8")))
