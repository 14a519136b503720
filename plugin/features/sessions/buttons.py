"""The card's answer buttons and the planning form: whom they are for, how long they live, what they run."""
from __future__ import annotations

from datetime import timedelta

from plugin.kernel.interactive import Action, Dialog

# The card is posted in the consortium's channel: its buttons are for the consortium's members.
RSVP = Action("session.rsvp", use_case="session.rsvp", audience="members", max_age=timedelta(days=400))
PLAN = Dialog("session.plan", use_case="session.plan")

ACTIONS = (RSVP,)
DIALOGS = (PLAN,)
