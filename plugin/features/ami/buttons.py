"""The AMI's chat form: for the person whose command opened it (the name is kept: forms already open
carry it)."""
from __future__ import annotations

from datetime import timedelta

from plugin.kernel.interactive import Dialog

RESPOND = Dialog("ami.respond", use_case="ami.respond", max_age=timedelta(hours=6))

DIALOGS = (RESPOND,)
