"""The consortium's checklist: the right questions to settle together, item by item.

Where things are: ``grammar.py`` (the `/checklist` command), ``schemas.py`` (valid input),
``usecases.py`` (what each action does; ``items.py`` what they share), ``outcomes.py`` and
``events.py`` (what they return and record), ``render.py`` (every text, in its reader's language),
``buttons.py`` (the list's buttons), ``delivery.py`` (news, export, digest, reminders),
``jobs.py`` (the weekly digest), ``templates.py`` (checklist templates), ``cli.py``
(`consortia templates`), ``api.py`` (what other features may use).
"""
from plugin.kernel.feature import Feature
from plugin.kernel.events import to

from plugin.features.checklist import buttons, cli, delivery, events, jobs, render, usecases
from plugin.features.checklist.grammar import CHECKLIST
from plugin.kernel.usecase import UseCase

FEATURE = Feature(
    name="checklist",
    triggers=(CHECKLIST,),
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    actions=buttons.ACTIONS,
    events={**{kind: delivery.publish_news for kind in events.NEWS},
            events.ChecklistExported: to("checklist.export")},
    renderers={"chat": render.CHAT, "cli": render.CLI},
    deliverers=delivery.DELIVERERS,
    jobs=jobs.JOBS,
    cli=cli.COMMANDS,
)
