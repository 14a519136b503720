"""What the privacy use cases return: data, never text."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CopyQueued:
    """`/consortium mes-donnees`: the copy goes by direct message."""


@dataclass(frozen=True)
class Exported:
    data: dict


@dataclass(frozen=True)
class Erased:
    changes: dict
