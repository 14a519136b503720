"""Delivery of outbox messages: the only code that calls Mattermost, CalDAV and SMTP after a command."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable


class Retry(Exception):
    """Try again later (the remote side is down, busy, or a prerequisite is not ready yet)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(Exception):
    """Retrying would not help (refused, unknown): the message goes to the dead letters."""


@dataclass
class DeliveryContext:
    services: object
    message_id: int
    consortium_id: int | None
    attempts: int


Deliverer = Callable[[DeliveryContext, dict], None]
DELIVERERS: dict[str, Deliverer] = {}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[object], int]  # takes Services, returns how many messages it queued


PERIODIC: dict[str, PeriodicJob] = {}


def delivers(kind: str):
    def register(function: Deliverer) -> Deliverer:
        DELIVERERS[kind] = function
        return function

    return register


def periodic(name: str, every: timedelta):
    """Register a scheduled job (digests, reminders); it must be idempotent (dedupe keys)."""

    def register(function):
        PERIODIC[name] = PeriodicJob(name, every, function)
        return function

    return register


def load_deliverers() -> None:
    import importlib
    import pkgutil

    import plugin.delivery as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "worker":
            importlib.import_module(f"{package.__name__}.{module.name}")
