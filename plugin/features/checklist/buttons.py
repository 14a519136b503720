"""The list's buttons: whom they are for, how long they live, what they run."""
from __future__ import annotations

from datetime import timedelta

from plugin.i18n import _l
from plugin.kernel.interactive import Action

# The list is a private answer: its buttons are for the person who asked, no one else.
TOGGLE = Action("checklist.toggle", use_case="checklist.toggle", audience="asker", max_age=timedelta(days=2),
                single_use="ck", replayed=_l("This button has already been used; the list has changed since. "
                                             "Use the refreshed list."))
PAGE = Action("checklist.page", use_case="checklist.page", audience="asker", max_age=timedelta(days=14))

ACTIONS = (TOGGLE, PAGE)
