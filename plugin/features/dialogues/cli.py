"""`consortia foundations import <file.csv|file.yaml>`: record foundations and their representatives."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from plugin.kernel.commandline import CliCommand

CSV_COLUMNS = ("short_name", "name", "kind", "description", "themes", "representatives")


def read_rows(path: Path) -> list[dict]:
    """Rows of a CSV (comma or semicolon, UTF-8 with or without BOM) or a YAML file.

    YAML: a list of mappings, or ``{"foundations": [...]}``. Columns/keys: short_name,
    name, kind (fondation|fonds), description, themes ("a, b" or a list), representatives
    ("@a @b" or a list).
    """
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or []
        if isinstance(data, dict):
            data = data.get("foundations") or []
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise click.ClickException("the YAML file must hold a list of foundations (mappings)")
        return [dict(item) for item in data]
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or "short_name" not in [f.strip() for f in reader.fieldnames]:
        raise click.ClickException(f"the CSV file needs a header line with at least short_name ({', '.join(CSV_COLUMNS)})")
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


COMMANDS = (
    CliCommand("foundations", "Foundations and funds, and their representatives.", "import",
               use_case="dialogue.foundation_import",
               help="Import foundations from a CSV or YAML file (idempotent).",
               params=(click.Argument(["path"], type=click.Path(exists=True, dir_okay=False, path_type=Path)),),
               read=lambda path: {"rows": read_rows(path)}, network=True),
)
