"""LEGACY: old-style handlers run through the runner as use cases.

A handler of a feature not yet ported renders its own answer; wrapped here, it still gets its
identity, transaction, consortium, refusals and outbox notification from the runner, and the
adapter passes its answer through (``Legacy``). Porting a feature deletes its handlers; delete
this module when the last one goes.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from plugin.commands.context import CommandRequest
from plugin.commands.grammar import SubCommand, Trigger
from plugin.commands.legacy import CommandContext, InteractionContext, Spec
from plugin.commands.parser import ParsedCommand
from plugin.kernel.errors import Refusal
from plugin.kernel.usecase import Ctx, UseCase


def load_handlers() -> None:
    """Import every legacy handler module so their @handles, @action, @dialog (and the @periodic of the
    services they import) run."""
    import plugin.commands.handlers as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


@dataclass(frozen=True)
class Legacy:
    """An answer a legacy handler rendered itself (a Reply, a Mattermost body, a JSON body...)."""

    answer: Any


class FormErrors(Refusal):
    """A legacy form's errors: like field errors, they roll the submission back."""

    def __init__(self, errors: dict, error: str | None):
        super().__init__(error or "", fields=errors)
        self.errors, self.error = errors, error

    @property
    def undoes_all(self) -> bool:
        return True


def command(trigger: Trigger, sub: SubCommand, handler: Callable, parsed: ParsedCommand,
            request: CommandRequest) -> UseCase:
    def run(ctx: Ctx, _data: dict) -> Legacy:
        context = CommandContext(session=ctx.session, request=request, actor=ctx.actor, services=ctx.runtime,
                                 consortium=ctx.consortium, network=ctx.network, now=ctx.now)
        return Legacy(handler(context, parsed))

    return UseCase(f"legacy:/{trigger.name} {sub.key}", run,
                   consortium="required" if sub.needs_consortium else "none", read_only=sub.read_only)


def interaction(name: str, spec: Spec, data: dict, payload: dict, *, dialog: bool) -> UseCase:
    def run(ctx: Ctx, _data: dict) -> Legacy:
        context = InteractionContext(ctx.session, ctx.actor, ctx.network, ctx.runtime, dict(data),
                                     channel_id=str(payload.get("channel_id") or ""),
                                     post_id="" if dialog else str(payload.get("post_id") or ""),
                                     trigger_id="" if dialog else str(payload.get("trigger_id") or ""))
        result = spec.handler(context)
        if dialog and (result.errors or result.error):
            raise FormErrors(result.errors, result.error)
        return Legacy(result)

    return UseCase(f"legacy:{name}", run, consortium="none")


def body(name: str, function: Callable[[Ctx, dict], Any], *, read_only: bool = False,
         schema=None) -> UseCase:
    """A route (JSON API, web page) whose body still does its own rendering."""
    return UseCase(f"legacy:{name}", lambda ctx, data: Legacy(function(ctx, data)), schema=schema,
                   consortium="none", read_only=read_only)
