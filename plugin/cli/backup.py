"""`consortia backup` and `consortia restore`: a consistent snapshot of the database, with the secret key
and the schema's migration version (format in models/backup.py)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from plugin.cli import cli, load_settings_or_exit


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent snapshot of the database to FILE (safe while the service runs).

    FILE holds the secret key and personal data: keep it where only operators can read it.
    """
    from models.backup import BackupError, create_backup

    settings = load_settings_or_exit()
    try:
        manifest = create_backup(settings.database_url, file, secret_key=settings.secret_key)
    except BackupError as error:
        click.echo(f"Backup failed: {error}", err=True)
        sys.exit(2)
    size = file.stat().st_size
    click.echo(f"Backup written to {file} ({size:,} bytes, {manifest.dialect}, schema revision "
               f"{manifest.revision or 'none'}). It contains the secret key: store it encrypted, off this machine.")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace the content of a database that is not empty")
def restore(file: Path, force: bool) -> None:
    """Restore the database from a backup FILE, then upgrade its schema. Stop the service first."""
    from models.backup import BackupError, restore_backup

    settings = load_settings_or_exit()
    try:
        restored = restore_backup(settings.database_url, file, force=force)
    except BackupError as error:
        click.echo(f"Restore refused: {error}", err=True)
        sys.exit(1)
    manifest = restored.manifest
    upgraded = f", upgraded to {restored.revision}" if restored.revision != manifest.revision else ""
    click.echo(f"Restored the backup of {manifest.created_at} (schema revision {manifest.revision or 'none'}"
               f"{upgraded}).")
    _restore_secret(settings, manifest.secret_key)


def _restore_secret(settings, secret: str) -> None:
    """The backup's secret key signs what its posts and links carry: the service must use it again."""
    if secret == settings.secret_key:
        return
    if os.environ.get("CONSORTIA_SECRET_KEY", "").strip():
        click.echo("CONSORTIA_SECRET_KEY differs from the backup's secret key: buttons and links issued before the "
                   "backup will be refused until it is set to the backup's key (stored now in "
                   f"{settings.instance_dir / 'secret_key'}).", err=True)
    path = settings.instance_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    click.echo(f"The backup's secret key is restored in {path}.")
