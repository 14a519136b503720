"""The registers: the roles (who does what), the commitments (what each member brings) and the
network's organisations.

Where things are: ``grammar.py`` (the `/role` and `/engagement` commands), ``schemas.py`` (valid
input and the API's output), ``usecases.py`` (roles, organisations) and ``usecases_commitments.py``
(what each action does; ``roles.py``, ``commitments.py``, ``organisations.py`` what they share),
``outcomes.py`` and ``events.py`` (what they return and record), ``labels.py`` (statuses and kinds),
``render.py`` (every text, in its reader's language), ``buttons.py`` (the commitment form),
``delivery.py`` (form news, exports, reminders), ``jobs.py`` (due-date reminders), ``api.py`` (what
other features may use).
"""
from plugin.kernel.events import to
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.registers import buttons, delivery, events, jobs, render, usecases, usecases_commitments
from plugin.features.registers.grammar import ENGAGEMENT, ROLE_TRIGGER

FEATURE = Feature(
    name="registers",
    triggers=(ROLE_TRIGGER, ENGAGEMENT),
    use_cases=tuple(value for module in (usecases, usecases_commitments) for value in vars(module).values()
                    if isinstance(value, UseCase)),
    dialogs=buttons.DIALOGS,
    events={events.CommitmentRecorded: to("registers.news"), events.RegisterExported: to("registers.export")},
    renderers={"chat": render.CHAT, "json": render.JSON},
    deliverers=delivery.DELIVERERS,
    jobs=jobs.JOBS,
)
