"""The time a request happens at: the runner asks the clock once and hands ``now`` to the use case.

Tests set the clock instead of waiting for the wall clock (``runtime.clock = FixedClock(...)``).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, delta: timedelta) -> datetime:
        self.moment += delta
        return self.moment
