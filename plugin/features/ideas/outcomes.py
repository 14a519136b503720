"""What the ideas' use cases return: plain data, never text (``render.py``)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    number: int
    title: str
    description: str
    status: str                  # open | retained
    supports: int
    mine: bool                   # the reader supports it


@dataclass
class Listing:
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Proposed:
    number: int
    title: str
    description: str
    author: str


@dataclass(frozen=True)
class Supported:
    number: int
    title: str
    supporting: bool             # True: support given; False: withdrawn
    supports: int


@dataclass(frozen=True)
class Merged:
    source: int
    target: int
    title: str
    supports: int


@dataclass(frozen=True)
class Retained:
    number: int
    title: str
    already: bool = False
