"""`consortia privacy export|erase USER`: the operator's side of personal data. ``plugin/cli/privacy.py``
runs them (it asks for confirmation before erasing and delivers the outbox after)."""
from __future__ import annotations

import click

from plugin.kernel.commandline import CliCommand

GROUP_HELP = "Export or erase one person's personal data (GDPR)."
USER = click.Argument(["user"])

EXPORT = CliCommand("privacy", GROUP_HELP, "export", use_case="privacy.export", params=(USER,), network=True,
                    help="Print everything held about USER (a Mattermost user id, or @username checked with "
                         "Mattermost) as JSON.")
ERASE = CliCommand("privacy", GROUP_HELP, "erase", use_case="privacy.erase", params=(USER,), network=True,
                   help="Erase USER's personal data (a Mattermost user id, or @username checked with Mattermost); "
                        "what the group built stays, unattributed.")
