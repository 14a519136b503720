"""Who is acting, and what the network lets them do."""
from __future__ import annotations

from dataclasses import dataclass

from models import Person


@dataclass
class Actor:
    person: Person
    is_admin: bool = False
    locale: str = "fr"

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def username(self) -> str:
        return self.person.username
