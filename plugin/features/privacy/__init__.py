"""Personal data (GDPR): a copy for anyone who asks (`/consortium mes-donnees`), export and erasure
for the network's operators (`consortia privacy`, `/api/v1/people/...`).

Where things are: ``usecases.py`` (the three actions; ``people.py`` finds, exports and erases a
person), ``outcomes.py``, ``events.py``, ``render.py`` (replies, the direct message, JSON, CLI
lines), ``delivery.py`` (the copy, made when delivered), ``cli.py`` (the declared commands that
``plugin/cli/privacy.py`` runs). The sub-command is declared in the consortium's grammar.
"""
from plugin.kernel.events import to
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.privacy import delivery, events, render, usecases

FEATURE = Feature(
    name="privacy",
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    events={events.CopyRequested: to("privacy.copy")},
    renderers={"chat": render.CHAT, "json": render.JSON, "cli": render.CLI},
    deliverers=delivery.DELIVERERS,
)
