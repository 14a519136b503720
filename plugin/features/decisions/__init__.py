"""Decisions inside a consortium, by its own rule (majority, qualified majority, consensus,
unanimity; quorum; casting vote), one vote per member organisation or per person.

Where things are: ``grammar.py`` (`/decision`), ``schemas.py``, ``usecases.py`` (``ballots.py``
what they share, ``voters.py`` who votes, ``rules.py`` the rules applied to a count),
``outcomes.py``, ``events.py``, ``render.py`` (every text), ``buttons.py`` (the card's vote
buttons), ``delivery.py`` (card, outcome, notices, reminders), ``jobs.py`` (deadlines and
reminders), ``api.py`` (what other features may use).
"""
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.decisions import buttons, delivery, jobs, render, usecases
from plugin.features.decisions.grammar import DECISION

FEATURE = Feature(
    name="decisions",
    triggers=(DECISION,),
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    actions=buttons.ACTIONS,
    events=delivery.PUBLISHERS,
    renderers={"chat": render.CHAT, "button": render.BUTTON},
    deliverers=delivery.DELIVERERS,
    jobs=jobs.JOBS,
)
