"""What the pages' use cases return: read models and the rows changed."""
from __future__ import annotations

from dataclasses import dataclass

from models import Consortium

from plugin.features.pages.readmodels import ConsortiumPage, Dashboard


@dataclass(frozen=True)
class ShownCall:
    """What the dashboard shows of the latest call for expressions of interest."""

    id: int
    title: str


@dataclass(frozen=True)
class Board:
    board: Dashboard
    chart: list                          # [(YYYY-MM, {stage: count})], oldest first
    call: ShownCall | None               # the latest call for expressions of interest
    ideas: list                          # [(number, title, status, supports)] of the ideas not merged
    # What this board was computed from, unique to that computation (``pages/board.py``): the web page
    # keeps its HTML under it. None: kept for no one.
    key: tuple | None = None


@dataclass(frozen=True)
class ConsortiumView:
    consortium: Consortium
    page: ConsortiumPage


@dataclass(frozen=True)
class Profile:
    consortium: Consortium
    page: ConsortiumPage
    decisions: list                      # [(number, title, outcome)] of the decisions taken


@dataclass(frozen=True)
class ProfileNotFound:
    """No consortium has this profile link (never had, or withdrawn)."""


@dataclass(frozen=True)
class Relaunched:
    consortium: Consortium
    steps: list[str]                     # the steps relaunched (failed or pending); none: nothing to retry


@dataclass(frozen=True)
class ProfileLinkRenewed:
    consortium: Consortium
