"""Consortiums: creation and provisioning, members, stage, language, archive, the admin's link to the
web dashboard, and the admins' foundations sub-command.

Where things are: ``grammar.py`` (the `/consortium` command), ``schemas.py`` (valid input, and the
API's shape), ``usecases.py`` and ``foundations.py`` (what each action does; ``records.py`` what they
share: provisioning, members, overview), ``outcomes.py`` and ``events.py`` (what they return and
record), ``render.py`` (every text: replies, channel header and welcome post, the API's JSON),
``delivery.py`` (provisioning step by step, the goodbye of an archived consortium), ``api.py``
(what other features may use). `consortia provision` stays in ``plugin/cli/ops.py`` (it
orchestrates a file, then the worker) and runs ``consortium.provision`` per entry.
"""
from plugin.kernel.events import to
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.consortium import delivery, events, foundations, render, usecases
from plugin.features.consortium.grammar import CONSORTIUM

FEATURE = Feature(
    name="consortium",
    triggers=(CONSORTIUM,),
    use_cases=tuple(value for module in (usecases, foundations) for value in vars(module).values()
                    if isinstance(value, UseCase)),
    events={events.ConsortiumArchived: to("consortium.archived")},
    renderers={"chat": render.CHAT, "json": render.JSON},
    deliverers=delivery.DELIVERERS,
)
