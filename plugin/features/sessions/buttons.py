"""The card's answer buttons and the planning form: whom they are for, how long they live, what they run."""
from __future__ import annotations

from datetime import timedelta

from plugin.i18n import _l
from plugin.kernel.interactive import Action, Dialog

# The card is posted in the consortium's channel: its buttons are for the consortium's members.
RSVP = Action("session.rsvp", use_case="session.rsvp", audience="members", max_age=timedelta(days=400))
PLAN = Dialog("session.plan", use_case="session.plan")
# "Plan it again": a private answer to the person who planned a look-alike; works once.
PLAN_AGAIN = Action("session.plan_again", use_case="session.plan_again", audience="asker",
                    max_age=timedelta(days=1), single_use="sp",
                    replayed=_l("This button has already been used: the session was planned."))

ACTIONS = (RSVP, PLAN_AGAIN)
DIALOGS = (PLAN,)
