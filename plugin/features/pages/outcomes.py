"""What the pages' use cases return: read models and the rows changed."""
from __future__ import annotations

from dataclasses import dataclass

from models import CallForInterest, Consortium

from plugin.features.pages.readmodels import ConsortiumPage, Dashboard


@dataclass(frozen=True)
class Board:
    board: Dashboard
    chart: list                          # [(YYYY-MM, {stage: count})], oldest first
    call: CallForInterest | None         # the latest call for expressions of interest


@dataclass(frozen=True)
class ConsortiumView:
    consortium: Consortium
    page: ConsortiumPage


@dataclass(frozen=True)
class Profile:
    consortium: Consortium
    page: ConsortiumPage


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
