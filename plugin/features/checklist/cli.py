"""`consortia templates import|list`: checklist templates kept by the network's admins."""
from __future__ import annotations

from pathlib import Path

import click
import yaml

from plugin.kernel.commandline import CliCommand
from plugin.kernel.errors import Invalid

GROUP_HELP = "Checklist templates: import from YAML, list."


def read_template_file(template_file: Path) -> dict:
    """The YAML document of a template file (its schema validates it next)."""
    try:
        document = yaml.safe_load(template_file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise Invalid(f"not valid YAML ({error})") from None
    if not isinstance(document, dict):
        raise Invalid("expected a mapping with name, title, title_en and sections")
    return document


COMMANDS = (
    CliCommand("templates", GROUP_HELP, "import", use_case="checklist.import_template",
               help="Create or update a checklist template from a YAML file (same shape as the built-in one).",
               params=(click.Argument(["template_file"], type=click.Path(exists=True, dir_okay=False,
                                                                         path_type=Path)),),
               read=read_template_file, subject=lambda template_file: str(template_file)),
    CliCommand("templates", GROUP_HELP, "list", use_case="checklist.template_catalog",
               help="The checklist templates, with their number of items."),
)
