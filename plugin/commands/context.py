"""What Mattermost sends with a slash command (already token-checked)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandRequest:
    command: str
    text: str
    user_id: str
    user_name: str
    channel_id: str
    channel_name: str = ""
    team_id: str = ""
    team_domain: str = ""
    trigger_id: str = ""
    root_id: str = ""
    response_url: str = ""
