"""`consortia backup` / `consortia restore`: a snapshot taken while the service runs restores every table
as it was; a newer schema is refused, an older one upgraded; a database with rows is only replaced when
forced."""
from __future__ import annotations

import io
import json
import os
import shutil
import stat
import tarfile
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

import models
from models import ChecklistItem, Consortium, Counter
from models.db import make_engine
from models.migrate import downgrade, head_revision, upgrade

needs_pg_tools = pytest.mark.skipif(
    bool(os.environ.get("CONSORTIA_TEST_DATABASE_URL")) and not all(map(shutil.which, ("pg_dump", "pg_restore", "psql"))),
    reason="pg_dump, pg_restore or psql is not installed (Debian: postgresql-client)")


def cli(settings, monkeypatch, *args, database_url: str | None = None):
    from plugin.cli import _load_commands, cli as group

    _load_commands()
    monkeypatch.setenv("CONSORTIA_DATABASE_URL", database_url or settings.database_url)
    monkeypatch.setenv("CONSORTIA_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("CONSORTIA_SECRET_KEY", settings.secret_key)
    return CliRunner().invoke(group, list(args), catch_exceptions=False)


def every_table(database_url: str) -> dict[str, list[tuple]]:
    """Every row of every table (the migration version included), in primary-key order."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            content = {"alembic_version": connection.execute(text("SELECT version_num FROM alembic_version")).all()}
            for table in models.Base.metadata.sorted_tables:
                content[table.name] = [tuple(row) for row in connection.execute(
                    select(table).order_by(*table.primary_key.columns))]
        return content
    finally:
        engine.dispose()


def populate(net) -> None:
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines @samir --theme Alimentation')
    net.deliver()
    channel = net.channel_of("alimentation-durable")["id"]
    net.reply("ines", "/checklist cocher 1 2", channel=channel)
    net.reply("ines", '/checklist ajouter "Signer la convention" @samir --echeance 2027-03-01', channel=channel)
    net.reply("ines", "/checklist assigner 3 @ines", channel=channel)
    net.reply("ines", '/session planifier "Diagnostic" 12/01/2031 9h30', channel=channel)
    net.reply("admin", '/consortium creer "Mobilité" --membres @lea')
    net.deliver()


@needs_pg_tools
def test_a_backup_taken_while_the_service_writes_restores_every_table(net, monkeypatch, tmp_path):
    populate(net)
    settings = net.services.settings
    channel = net.channel_of("alimentation-durable")["id"]
    archive = tmp_path / "backups" / "consortia.tar.gz"

    writing = threading.Event()

    def keep_writing():  # the service goes on serving commands during the backup
        n = 0
        while not writing.is_set() and n < 200:
            n += 1
            net.reply("ines", f'/checklist ajouter "Pendant la sauvegarde {n}"', channel=channel)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = cli(settings, monkeypatch, "backup", str(archive))
    finally:
        writing.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "contains the secret key" in result.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as packed:
        manifest = json.load(packed.extractfile("manifest.json"))
    assert manifest["revision"] == head_revision() and manifest["secret_key"] == settings.secret_key

    snapshot = None
    if settings.database_url.startswith("sqlite"):  # a new machine: restore into an empty database
        fresh_url = f"sqlite:///{tmp_path / 'restored.db'}"
        fresh = cli(settings, monkeypatch, "restore", str(archive), database_url=fresh_url)
        assert fresh.exit_code == 0, fresh.output
        engine = make_engine(fresh_url)
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        engine.dispose()
        snapshot = every_table(fresh_url)

    # A database with rows is not replaced without --force, and is left as it was.
    net.reply("admin", '/consortium creer "Après la sauvegarde"')
    before = every_table(settings.database_url)
    refused = cli(settings, monkeypatch, "restore", str(archive))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert every_table(settings.database_url) == before

    forced = cli(settings, monkeypatch, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    after = every_table(settings.database_url)
    assert after["alembic_version"] == [(head_revision(),)]
    assert set(after) == {t.name for t in models.Base.metadata.sorted_tables} | {"alembic_version"}
    if snapshot is not None:
        assert after == snapshot  # the same snapshot restored twice, into a new and an old database
    with net.db() as session:  # the snapshot is consistent: each item counter matches its items
        names = set(session.scalars(select(Consortium.name)))
        counters = dict(session.execute(select(Counter.consortium_id, Counter.last_value)
                                        .where(Counter.kind == "checklist")).all())
        numbers = dict(session.execute(select(ChecklistItem.consortium_id, func.max(ChecklistItem.number))
                                       .group_by(ChecklistItem.consortium_id)).all())
    assert names == {"Alimentation durable", "Mobilité"}
    assert counters == numbers
    # The service goes on where the backup left it (sequences restored too).
    assert "enregistré" in net.reply("admin", '/consortium creer "Après la restauration"')


@needs_pg_tools
def test_every_table_is_equal_after_a_round_trip(net, monkeypatch, tmp_path):
    populate(net)
    settings = net.services.settings
    before = every_table(settings.database_url)
    assert all(before[name] for name in ("consortia", "people", "memberships", "checklist_items", "outbox"))
    archive = tmp_path / "consortia.tar.gz"
    assert cli(settings, monkeypatch, "backup", str(archive)).exit_code == 0
    net.reply("admin", '/consortium creer "Changement"')
    assert cli(settings, monkeypatch, "restore", "--force", str(archive)).exit_code == 0
    assert every_table(settings.database_url) == before


@needs_pg_tools
def test_an_older_schema_is_upgraded_and_a_newer_one_refused(database_url, tmp_path, monkeypatch):
    from tests.conftest import make_settings

    settings = make_settings(database_url, tmp_path)
    engine = make_engine(database_url)
    try:
        downgrade(database_url, "0009")  # a backup taken before the outbox learnt its leases
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO networks (team_name, name, created_at) "
                                    "VALUES ('reseau', 'Réseau', '2026-01-01')"))
        old = tmp_path / "old.tar.gz"
        assert cli(settings, monkeypatch, "backup", str(old)).exit_code == 0
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
        newer = tmp_path / "newer.tar.gz"
        assert cli(settings, monkeypatch, "backup", str(newer)).exit_code == 0
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0009'"))
        upgrade(database_url)

        refused = cli(settings, monkeypatch, "restore", "--force", str(newer))
        assert refused.exit_code == 1 and "newer" in refused.output and "0999" in refused.output
        restored = cli(settings, monkeypatch, "restore", "--force", str(old))
        assert restored.exit_code == 0, restored.output
        assert f"upgraded to {head_revision()}" in restored.output
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM networks")).scalar() == "Réseau"
            assert "progress" in {c["name"] for c in inspect(connection).get_columns("outbox")}
    finally:
        engine.dispose()
        upgrade(database_url)


@needs_pg_tools
def test_a_damaged_backup_is_refused_and_the_database_left_as_it_was(net, monkeypatch, tmp_path):
    populate(net)
    settings = net.services.settings
    archive, damaged = tmp_path / "good.tar.gz", tmp_path / "damaged.tar.gz"
    assert cli(settings, monkeypatch, "backup", str(archive)).exit_code == 0
    with tarfile.open(archive) as good, tarfile.open(damaged, "w:gz") as bad:
        for member in good.getmembers():
            data = good.extractfile(member).read()
            if member.name != "manifest.json":
                data = data[: len(data) // 2]  # cut in the middle, as a full disk leaves it
            member.size = len(data)
            bad.addfile(member, io.BytesIO(data))
    before = every_table(settings.database_url)
    result = cli(settings, monkeypatch, "restore", "--force", str(damaged))
    assert result.exit_code == 1 and "Restore refused" in result.output
    assert every_table(settings.database_url) == before


def test_the_secret_key_comes_back_with_the_backup(database_url, tmp_path, monkeypatch):
    from tests.conftest import make_settings

    settings = make_settings(database_url, tmp_path)
    archive = tmp_path / "consortia.tar.gz"
    if database_url.startswith("postgresql") and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (Debian: postgresql-client)")
    assert cli(settings, monkeypatch, "backup", str(archive)).exit_code == 0
    # A new machine: another instance directory, no CONSORTIA_SECRET_KEY, an empty database.
    elsewhere = settings.with_overrides(instance_dir=tmp_path / "elsewhere")
    monkeypatch.delenv("CONSORTIA_SECRET_KEY", raising=False)
    target = f"sqlite:///{tmp_path / 'elsewhere' / 'consortia.db'}" if database_url.startswith("sqlite") \
        else database_url
    from plugin.cli import _load_commands, cli as group

    _load_commands()
    monkeypatch.setenv("CONSORTIA_DATABASE_URL", target)
    monkeypatch.setenv("CONSORTIA_INSTANCE_DIR", str(elsewhere.instance_dir))
    result = CliRunner().invoke(group, ["restore", "--force", str(archive)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    key_file = elsewhere.instance_dir / "secret_key"
    assert key_file.read_text() == settings.secret_key and stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_without_pg_dump_the_backup_says_what_to_install(tmp_path, monkeypatch):
    from tests.conftest import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = cli(settings, monkeypatch, "backup", str(tmp_path / "b.tar.gz"),
                 database_url="postgresql+psycopg://consortia:secret@127.0.0.1:9/nothing")
    assert result.exit_code == 2
    assert "pg_dump is not installed" in result.output and "postgresql-client" in result.output
    assert "secret" not in result.output.replace("secret key", "")
    assert not (tmp_path / "b.tar.gz").exists()
