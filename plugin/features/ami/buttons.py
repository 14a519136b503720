"""The AMI's chat form (for the person whose command opened it; the name is kept: forms already open
carry it) and the buttons of `/ami former`'s choice."""
from __future__ import annotations

from datetime import timedelta

from plugin.kernel.interactive import Action, Dialog

RESPOND = Dialog("ami.respond", use_case="ami.respond", max_age=timedelta(hours=6))
# `/ami former`'s choice (a private answer): join a consortium already working on the theme, or a new one.
FORM_INTO = Action("ami.form_into", use_case="ami.form_into", audience="asker", max_age=timedelta(days=2))

DIALOGS = (RESPOND,)
ACTIONS = (FORM_INTO,)
