"""The tables of the whole application, built once from the feature packages' declarations.

This module imports every feature (it sits above them) and nothing below imports it: the app, the
CLI and the outbox worker receive what they need from ``registry()``. Every deliverer and job
comes from a feature's declaration, but for the generic Mattermost deliverers
(``plugin/delivery/mattermost.py``), which any feature's rows may name.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from plugin.commands.grammar import Trigger
from plugin.delivery import PeriodicJob
from plugin.delivery import mattermost as generic
from plugin.features import ami, checklist, consortium, decisions, dialogues, ideas, pages, privacy, registers, sessions
from plugin.kernel.events import Publisher
from plugin.kernel.feature import Feature
from plugin.kernel.interactive import Action, Dialog
from plugin.kernel.usecase import UseCase

# The ported features, each declared in plugin/features/<name>/__init__.py.
FEATURES: tuple[Feature, ...] = (checklist.FEATURE, consortium.FEATURE, privacy.FEATURE, registers.FEATURE,
                                 dialogues.FEATURE, ami.FEATURE, pages.FEATURE, sessions.FEATURE, decisions.FEATURE,
                                 ideas.FEATURE)


def _trigger_order(features: tuple[Feature, ...]) -> tuple[Trigger, ...]:
    """Every trigger, in the order of manifest.json and docs/commands.md."""
    ported = {t.name: t for f in features for t in f.triggers}
    order = ("consortium", "checklist", "role", "engagement", "session", "dialogue", "ami", "decision", "idee")
    return tuple(ported[name] for name in order)


@dataclass(frozen=True)
class Registry:
    triggers: tuple[Trigger, ...]
    use_cases: dict[str, UseCase]
    actions: dict[str, Action]
    dialogs: dict[str, Dialog]
    publishers: dict[type, Publisher]
    renderers: dict[str, dict[type, Callable]]
    deliverers: dict[str, Callable]
    jobs: dict[str, PeriodicJob]
    cli: tuple

    def find_trigger(self, command: str) -> Trigger | None:
        word = (command or "").lstrip("/").strip().lower()
        for trigger in self.triggers:
            if word in trigger.words():
                return trigger
        return None

    def publisher(self, event) -> Publisher:
        try:
            return self.publishers[type(event)]
        except KeyError:
            raise LookupError(f"no feature declares where {type(event).__name__} goes") from None

    def renderer(self, medium: str, outcome: Any) -> Callable | None:
        table = self.renderers.get(medium, {})
        for kind in type(outcome).__mro__:
            if kind in table:
                return table[kind]
        return None


def _bind(trigger: Trigger, use_cases: dict[str, UseCase]) -> Trigger:
    """A ported sub-command takes where it acts and whether it writes from its use case."""
    subs = []
    for sub in trigger.subcommands:
        if sub.use_case is not None:
            uc = use_cases[sub.use_case]
            sub = dataclasses.replace(sub, needs_consortium=uc.consortium != "none", read_only=uc.read_only)
        subs.append(sub)
    return dataclasses.replace(trigger, subcommands=tuple(subs))


def _unique(pairs, what: str) -> dict:
    table: dict = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"{what} {key!r} is declared twice")
        table[key] = value
    return table


def build(features: tuple[Feature, ...] = FEATURES) -> Registry:
    use_cases = _unique(((uc.name, uc) for f in features for uc in f.use_cases), "use case")
    triggers = tuple(_bind(t, use_cases) for t in _trigger_order(features))
    for trigger in triggers:
        for sub in trigger.subcommands:
            if sub.use_case is None:
                raise ValueError(f"/{trigger.name} {sub.key} names no use case")
            if sub.use_case not in use_cases:
                raise ValueError(f"/{trigger.name} {sub.key} names an unknown use case {sub.use_case!r}")
    actions = _unique(((a.name, a) for f in features for a in f.actions), "button")
    dialogs = _unique(((d.name, d) for f in features for d in f.dialogs), "form")
    for spec in (*actions.values(), *dialogs.values()):
        if spec.use_case not in use_cases:
            raise ValueError(f"{spec.name} names an unknown use case {spec.use_case!r}")
    renderers: dict[str, dict[type, Callable]] = {}
    for feature in features:
        for medium, table in feature.renderers.items():
            renderers.setdefault(medium, {}).update(table)
    return Registry(
        triggers=triggers,
        use_cases=use_cases,
        actions=actions,
        dialogs=dialogs,
        publishers=_unique(((kind, p) for f in features for kind, p in f.events.items()), "event"),
        renderers=renderers,
        deliverers=_unique([*generic.DELIVERERS.items(), *((k, d) for f in features for k, d in f.deliverers.items())],
                           "deliverer of"),
        jobs=_unique(((j.name, j) for f in features for j in f.jobs), "periodic job"),
        cli=tuple(c for f in features for c in f.cli),
    )


@lru_cache(maxsize=1)
def registry() -> Registry:
    return build()
