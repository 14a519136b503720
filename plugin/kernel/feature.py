"""What a feature package declares, in one place (``plugin/features/<feature>/__init__.py``).

The front door's registry (``plugin/frontdoor/registry.py``) collects every feature's declaration:
nothing registers itself on import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from plugin.kernel.events import Publisher
from plugin.kernel.interactive import Action, Dialog
from plugin.kernel.usecase import UseCase

Renderer = Callable[[Any, Any], Any]   # (outcome, View) -> an answer for one medium


@dataclass(frozen=True)
class Feature:
    name: str
    triggers: tuple = ()                                  # plugin.commands.grammar.Trigger
    use_cases: tuple[UseCase, ...] = ()
    actions: tuple[Action, ...] = ()                      # kinds of buttons
    dialogs: tuple[Dialog, ...] = ()                      # kinds of forms
    events: Mapping[type, Publisher] = field(default_factory=dict)   # event type -> where it goes
    # How outcomes are answered, per medium: "chat" (slash reply, button line: a Reply), "cli" (text),
    # "json" (an API body and status), "page" (a Flask response). Keyed by the outcome's type.
    renderers: Mapping[str, Mapping[type, Renderer]] = field(default_factory=dict)
    deliverers: Mapping[str, Callable] = field(default_factory=dict)  # outbox kind -> deliverer
    jobs: tuple = ()                                      # plugin.delivery.PeriodicJob
    cli: tuple = ()                                       # plugin.kernel.commandline.CliCommand
