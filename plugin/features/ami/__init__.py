"""The call for expressions of interest (AMI): open a call, answer it (chat form or public web form),
read themes × structures, form a theme's consortium, close.

Where things are: ``grammar.py`` (the `/ami` command), ``schemas.py`` (valid input), ``usecases.py``
(what each action does), ``calls.py`` (calls and answers), ``matrix.py`` (the results),
``forming.py`` (a theme's consortium), ``outcomes.py`` and ``events.py`` (what use cases return and
record), ``render.py`` (every text), ``buttons.py`` (the chat form), ``delivery.py`` (the announcement, the edit
link e-mail, the private line after the chat form), ``jobs.py`` (erasing old contact details). The
web pages are in ``plugin/web/pages/``.
"""
from plugin.kernel.feature import Feature
from plugin.kernel.events import to
from plugin.kernel.usecase import UseCase

from plugin.features.ami import buttons, delivery, events, jobs, render, usecases
from plugin.features.ami.grammar import AMI

FEATURE = Feature(
    name="ami",
    triggers=(AMI,),
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    actions=buttons.ACTIONS,
    dialogs=buttons.DIALOGS,
    events={events.EditLinkRequested: delivery.publish_edit_link,
            events.ChatAnswerNoted: to("ami.answer_noted"),
            events.CallOpened: to("ami.announce")},
    renderers={"chat": render.CHAT},
    deliverers=delivery.DELIVERERS,
    jobs=jobs.JOBS,
)
