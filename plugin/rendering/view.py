"""What a renderer knows about its reader: language, time zone, the moment, who and where."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from models import Consortium
from plugin.kernel.actor import Actor


@dataclass(frozen=True)
class View:
    locale: str
    tz: ZoneInfo
    now: datetime
    runtime: object                   # signer and base URL, for buttons and links
    actor: Actor | None = None
    consortium: Consortium | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()
