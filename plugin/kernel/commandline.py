"""Command-line commands a feature declares: which use case each runs and how its arguments become
the use case's input. ``plugin/cli`` turns them into ``consortia <group> <name>`` commands."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import click


@dataclass(frozen=True)
class CliCommand:
    group: str                                 # consortia <group> ...
    group_help: str
    name: str                                  # ... <name>
    use_case: str
    help: str
    params: tuple[click.Parameter, ...] = ()
    read: Callable[..., dict] = field(default=lambda **arguments: arguments)   # arguments -> raw input
    subject: Callable[..., str] | None = None  # what a refusal is about, printed before it ("file.yaml: ")
    network: bool = False                      # acts in the network (created when missing)
