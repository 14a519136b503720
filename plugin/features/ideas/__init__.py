"""The network's ideas before a call for interest (a collective-intelligence workshop in chat):
proposed by anyone, supported (one per person, removable), merged and retained by the facilitators;
the retained ones become a call's themes (`/ami ouvrir --depuis-idees`).

``grammar.py`` (`/idee`), ``schemas.py``, ``usecases.py``, ``outcomes.py``, ``render.py``,
``buttons.py`` (the support buttons), ``api.py`` (retained ideas for the AMI, counts for the dashboard).
"""
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.ideas import buttons, render, usecases
from plugin.features.ideas.grammar import IDEA

FEATURE = Feature(
    name="ideas",
    triggers=(IDEA,),
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    actions=buttons.ACTIONS,
    renderers={"chat": render.CHAT},
)
