"""Working sessions: plan, move, cancel, minutes, answers, the shared calendar, invitations and feeds.

Where things are: ``grammar.py`` (the `/session` command), ``schemas.py`` (valid input),
``usecases.py`` (what each action does; ``records.py`` what they share), ``outcomes.py`` and
``events.py`` (what they return and record), ``render.py`` (every text and the iCalendar data, in
its reader's language), ``buttons.py`` (the card's answer buttons, the planning form),
``delivery.py`` (card, CalDAV, invitations, reminder), ``jobs.py`` (the day-before reminder),
``feeds.py`` (who may read a feed, its rows, ETag and cache), ``api.py`` (what other features may use).
"""
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.sessions import buttons, delivery, events, jobs, render, usecases
from plugin.features.sessions.grammar import SESSION

FEATURE = Feature(
    name="sessions",
    triggers=(SESSION,),
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    actions=buttons.ACTIONS,
    dialogs=buttons.DIALOGS,
    events={kind: delivery.publish for kind in events.ALL},
    renderers={"chat": render.CHAT, "button": render.BUTTON},
    deliverers=delivery.DELIVERERS,
    jobs=jobs.JOBS,
)
