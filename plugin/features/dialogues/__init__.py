"""Foundation dialogues: one thread per consortium × foundation × subject, with its stage and next step,
in the consortium's `<slug>-fondations` channel; and the foundations with their representatives.

Where things are: ``grammar.py`` (the `/dialogue` command), ``schemas.py`` (valid input),
``usecases.py`` (what each action does; ``threads.py`` and ``foundations.py`` what they share),
``outcomes.py`` and ``events.py`` (what they return and record), ``render.py`` (every text, in its
reader's language), ``delivery.py`` (the channel, the thread's card and news, notices, reminders),
``jobs.py`` (the reminders of next steps), ``cli.py`` (`consortia foundations import`), ``api.py``
(what other features may use, such as `/consortium fondation`).
"""
from plugin.kernel.feature import Feature
from plugin.kernel.events import to

from plugin.features.dialogues import cli, delivery, events, jobs, render, usecases
from plugin.features.dialogues.grammar import DIALOGUE
from plugin.kernel.usecase import UseCase

FEATURE = Feature(
    name="dialogues",
    triggers=(DIALOGUE,),
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
    events={events.DialogueOpened: delivery.publish_opened,
            **{kind: delivery.publish_news for kind in events.NEWS},
            events.PeopleJoin: to("dialogue.add_people"), events.PeopleLeave: to("dialogue.remove_people")},
    renderers={"chat": render.CHAT, "json": render.JSON, "cli": render.CLI},
    deliverers=delivery.DELIVERERS,
    jobs=jobs.JOBS,
    cli=cli.COMMANDS,
)
