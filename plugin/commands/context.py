"""What a command handler receives: who, where, in which language, and the tools."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Consortium, Network, utcnow
from plugin.kernel.actor import Actor


@dataclass(frozen=True)
class CommandRequest:
    """The fields Mattermost sends with a slash command (already token-checked)."""

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


@dataclass
class Reply:
    """A command's answer, before it becomes a Mattermost JSON response."""

    text: str
    in_channel: bool = False
    attachments: list | None = None
    props: dict | None = None
    extra: list[dict] = field(default_factory=list)


@dataclass
class CommandContext:
    session: Session
    request: CommandRequest
    actor: Actor
    services: "object"            # plugin.app.Services: settings, signer, directory, base_url
    consortium: Consortium | None = None
    network: Network | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def locale(self) -> str:
        return self.actor.locale

    @property
    def settings(self):
        return self.services.settings

    @property
    def tz(self) -> ZoneInfo:
        if self.consortium is not None:
            return ZoneInfo(self.consortium.timezone)
        return self.services.settings.tz

    def require_consortium(self) -> Consortium:
        assert self.consortium is not None, "sub-command declared needs_consortium"
        return self.consortium
