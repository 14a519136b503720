"""A result's outcome, rendered for one medium by the renderer its feature declared."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from plugin.frontdoor.runner import Result
from plugin.rendering.view import View


def view_of(runtime, result: Result) -> View:
    tz = ZoneInfo(result.consortium.timezone) if result.consortium is not None else runtime.settings.tz
    return View(result.locale, tz, result.now, runtime, result.actor, result.consortium)


def render(runtime, medium: str, result: Result) -> Any:
    """``result.outcome`` as ``medium`` ("chat", "cli", "json", "page") shows it, in the reader's language."""
    renderer = runtime.registry.renderer(medium, result.outcome)
    if renderer is None:
        raise LookupError(f"no {medium} renderer for {type(result.outcome).__name__}")
    return renderer(result.outcome, view_of(runtime, result))
