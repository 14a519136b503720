"""Consistent snapshots of the database and restoring them (`consortia backup`, `consortia restore`).

A backup is one gzip'd tar archive, written with mode 0600:

* ``manifest.json``: ``format`` (``consortia-backup``), ``version`` (1), ``created_at``,
  ``dialect`` (``sqlite`` or ``postgresql``), ``revision`` (the Alembic revision of the
  snapshot itself), ``secret_key`` (it signs button contexts, dialog states and links that
  live on in Mattermost posts: a restored service needs the same key) and ``database``
  (the member holding the data);
* ``database.sqlite``: a copy made with SQLite's online backup API, consistent while the
  service writes; or ``database.pgdump``: ``pg_dump --format=custom``, which reads one
  snapshot of the database in a single transaction.

Restoring refuses a snapshot of a newer schema than this code knows, upgrades an older one
after restoring it, and refuses to overwrite a database that holds rows unless forced.
Replacing the content is one transaction (SQLite's backup API; on PostgreSQL the dropping
of the old tables and functions and the dump's SQL go through ``psql --single-transaction``), so a failed
restore leaves the database as it was. A backup restores into the same kind of database it
was taken from. PostgreSQL needs the client tools (``pg_dump``, ``pg_restore``, ``psql``).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import inspect, select, table, text
from sqlalchemy.engine import URL, make_url

from models.db import make_engine
from models.migrate import current_revision, head_revision, upgrade

FORMAT, VERSION = "consortia-backup", 1
MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
PG_CLIENT = "install the PostgreSQL client tools (Debian: apt-get install postgresql-client), of the server's " \
            "major version or newer"


class BackupError(Exception):
    """A backup or restore cannot proceed; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: str
    version: int
    created_at: str
    dialect: str
    revision: str | None
    secret_key: str
    database: str


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    revision: str  # the database's revision after restoring (and upgrading)


def _dialect(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in MEMBERS:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


# --------------------------------------------------------------------------- backup


def create_backup(database_url: str, destination: Path, *, secret_key: str) -> Manifest:
    """Write a consistent snapshot of ``database_url`` to ``destination`` (replaced atomically)."""
    dialect = _dialect(database_url)
    destination = Path(destination)
    with tempfile.TemporaryDirectory(prefix="consortia-backup-") as work:
        data = Path(work) / MEMBERS[dialect]
        if dialect == "sqlite":
            revision = _sqlite_snapshot(database_url, data)
        else:
            revision = _pg_dump(database_url, data)
        manifest = Manifest(FORMAT, VERSION, datetime.now(timezone.utc).isoformat(timespec="seconds"), dialect,
                            revision, secret_key, data.name)
        (Path(work) / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.chmod(partial, 0o600)  # the archive holds the secret key and personal data
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(Path(work) / "manifest.json", arcname="manifest.json")
            archive.add(data, arcname=data.name)
        os.replace(partial, destination)
    return manifest


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _sqlite_snapshot(database_url: str, target: Path) -> str | None:
    source_path = _sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent image even while the service writes
        return _sqlite_revision(copy)
    finally:
        copy.close()
        source.close()


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (kept out of the process list) and the environment carrying it."""
    url: URL = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: {PG_CLIENT}")
    return path


def _pg_revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


def _pg_dump(database_url: str, target: Path) -> str | None:
    pg_dump = _pg_tool("pg_dump")
    revision = _pg_revision(database_url)
    uri, env = _libpq(database_url)
    _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", f"--dbname={uri}"],
         env, "pg_dump")
    if _pg_revision(database_url) != revision:
        raise BackupError("the schema changed while the backup was taken (a migration ran): take it again")
    return revision


# --------------------------------------------------------------------------- restore


def read_manifest(archive_path: Path) -> Manifest:
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            member = archive.extractfile("manifest.json")
            data = json.loads(member.read().decode("utf-8")) if member else None
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a Consortia backup ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not a Consortia backup")
    if data.get("version") != VERSION:
        raise BackupError(f"{archive_path} is a backup of format version {data.get('version')}; this Consortia "
                          f"reads version {VERSION}")
    return Manifest(**{k: data.get(k) for k in Manifest.__dataclass_fields__})


def _known(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from models.migrate import alembic_config

    if revision is None:
        return True
    try:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except CommandError:
        return False


def holds_rows(database_url: str) -> bool:
    """True when any table of the database (Alembic's own aside) has a row."""
    if _dialect(database_url) == "sqlite" and not _sqlite_path(database_url).exists():
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            for name in inspect(connection).get_table_names():
                if name != "alembic_version" and connection.execute(select(text("1")).select_from(table(name))
                                                                    .limit(1)).first():
                    return True
        return False
    finally:
        engine.dispose()


def restore_backup(database_url: str, archive_path: Path, *, force: bool = False) -> Restored:
    """Replace the database's content with the backup's, then bring its schema up to date."""
    manifest = read_manifest(archive_path)
    dialect = _dialect(database_url)
    if manifest.dialect != dialect:
        raise BackupError(f"this backup was taken from {manifest.dialect}; restore it into a {manifest.dialect} "
                          f"database (CONSORTIA_DATABASE_URL points to {dialect})")
    if not _known(manifest.revision):
        raise BackupError(f"this backup's schema (revision {manifest.revision}) is newer than this Consortia's "
                          f"(revision {head_revision()}): install the Consortia version that took it, or a newer one")
    if holds_rows(database_url) and not force:
        raise BackupError("the database is not empty: restoring would replace its content; add --force to do so")
    with tempfile.TemporaryDirectory(prefix="consortia-restore-") as work:
        data = Path(work) / MEMBERS[dialect]  # our own name, whatever the archive says
        with tarfile.open(archive_path, "r:*") as archive:
            try:
                member = archive.extractfile(manifest.database)
            except KeyError:
                member = None
            if member is None:
                raise BackupError(f"{archive_path} lacks its database ({manifest.database})")
            with member, open(data, "wb") as out:
                shutil.copyfileobj(member, out)
        if dialect == "sqlite":
            _sqlite_restore(data, _sqlite_path(database_url))
        else:
            _pg_restore(database_url, data)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    return Restored(manifest, revision)


def _sqlite_restore(snapshot: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        if _sqlite_revision(source) is None and not source.execute("SELECT 1 FROM sqlite_master").fetchone():
            raise BackupError("the backup's database is empty")
        source.backup(destination)  # every page replaced: the target becomes the snapshot
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup's database cannot be read ({error})") from None
    finally:
        destination.close()
        source.close()


def _pg_restore(database_url: str, dump: Path) -> None:
    """Drop every table, then load the dump, in one transaction: a failure leaves the database as it was."""
    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    script = dump.with_suffix(".sql")
    _run([pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(dump)], dict(os.environ),
         "pg_restore")
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            names = inspect(connection).get_table_names()
            quote = connection.dialect.identifier_preparer.quote
            # The migrations' functions (the feed stamps' triggers) come back with the dump too.
            functions = connection.scalars(text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = current_schema() AND NOT EXISTS"
                " (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')")).all()
    finally:
        engine.dispose()
    drop = dump.with_name("drop.sql")
    drop.write_text("".join(f"DROP TABLE IF EXISTS {quote(name)} CASCADE;\n" for name in names)
                    + "".join(f"DROP FUNCTION IF EXISTS {signature} CASCADE;\n" for signature in functions),
                    encoding="utf-8")
    uri, env = _libpq(database_url)
    _run([psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", f"--dbname={uri}",
          f"--file={drop}", f"--file={script}"], env, "psql (loading the dump)")
