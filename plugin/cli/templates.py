"""`consortia templates import|list`: checklist templates kept by the network's admins."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from plugin.cli import cli, load_settings_or_exit


def _database():
    from models.db import Database

    settings = load_settings_or_exit()
    try:
        from plugin.runtime import prepare_database

        prepare_database(settings)
    except Exception as error:  # a clear line, never a stack trace
        click.echo(f"Database not ready ({type(error).__name__}): {error}", err=True)
        sys.exit(2)
    return Database(settings.database_url)


def load_template_spec(path: Path) -> dict:
    """Read and validate a template YAML file; exits with one clear line on a mistake."""
    import yaml
    from marshmallow import ValidationError

    from plugin.schemas.checklist import TemplateFileSchema
    from plugin.schemas.fields import error_text

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        click.echo(f"{path}: not valid YAML ({error})", err=True)
        sys.exit(2)
    if not isinstance(document, dict):
        click.echo(f"{path}: expected a mapping with name, title, title_en and sections", err=True)
        sys.exit(2)
    try:
        return TemplateFileSchema().load(document, unknown="exclude")
    except ValidationError as error:
        click.echo(f"{path}: {error_text(error.messages)}", err=True)
        sys.exit(2)


@cli.group()
def templates() -> None:
    """Checklist templates: import from YAML, list."""


@templates.command("import")
@click.argument("template_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(template_file: Path) -> None:
    """Create or update a checklist template from a YAML file (same shape as the built-in one)."""
    from plugin.services.templates import ensure_builtin_templates, import_template

    spec = load_template_spec(template_file)
    db = _database()
    try:
        with db.transaction() as session:
            ensure_builtin_templates(session)
            template = import_template(session, spec)
            count = len(template.items)
            name = template.name
    finally:
        db.dispose()
    click.echo(f"Template '{name}' imported: {count} items. "
               f"A consortium adds its missing items with `/checklist modele {name}`.")


@templates.command("list")
def list_() -> None:
    """The checklist templates, with their number of items."""
    from sqlalchemy import func, select

    from models import ChecklistTemplate, TemplateItem
    from plugin.services.templates import ensure_builtin_templates

    db = _database()
    try:
        with db.transaction() as session:
            ensure_builtin_templates(session)
            rows = session.execute(
                select(ChecklistTemplate.name, ChecklistTemplate.title, func.count(TemplateItem.id))
                .outerjoin(TemplateItem, TemplateItem.template_id == ChecklistTemplate.id)
                .group_by(ChecklistTemplate.id).order_by(ChecklistTemplate.name)).all()
    finally:
        db.dispose()
    for name, title, count in rows:
        click.echo(f"{name}\t{count} items\t{title}")
