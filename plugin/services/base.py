"""LEGACY: the text result of a service not yet ported to ``plugin/features/``.

Ported use cases return typed outcomes and record domain events instead (docs/ARCHITECTURE.md).
Delete this module with the last legacy service.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    """A successful outcome: a message for the actor, optionally news for the group."""

    message: str
    news: str | None = None
    data: dict = field(default_factory=dict)
    attachments: list | None = None
