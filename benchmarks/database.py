"""The databases benchmarks seed: fresh ones (never the test suite's), migrated, dropped afterwards."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

#: The PostgreSQL server benchmarks use (a dedicated database is created on it).
POSTGRES_SERVER = os.environ.get("CONSORTIA_BENCH_POSTGRES", "postgresql+psycopg://consortia:consortia@127.0.0.1:5432")
DEFAULT_DATABASE_NAME = "consortia_bench"
_RESERVED_DATABASES = {"test", "postgres", "template0", "template1"}


_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def fresh_database(kind: str, *, name: str = DEFAULT_DATABASE_NAME, directory: str | Path | None = None) -> str:
    """An EMPTY database of ``kind`` ("sqlite" or "postgres") and its SQLAlchemy URL.

    PostgreSQL: ``name`` is dropped and created again on ``POSTGRES_SERVER``
    (``CONSORTIA_BENCH_POSTGRES`` overrides it); never the test suite's ``test``
    database. Give each benchmark its own name (``consortia_bench_<feature>``) so
    two benchmarks running at once do not drop each other's database.
    SQLite: a file ``<name>.db`` in ``directory`` (a new temporary folder by default).
    """
    if not _DB_NAME.match(name) or name in _RESERVED_DATABASES:
        raise ValueError(f"not a database name a benchmark may use: {name!r}")
    if kind == "sqlite":
        folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="consortia-bench-db-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if kind in ("postgres", "postgresql"):
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        return f"{POSTGRES_SERVER.rstrip('/')}/{name}"
    raise ValueError(f"unknown database kind {kind!r} (sqlite or postgres)")


def drop_database(url: str) -> None:
    """Remove a database made by ``fresh_database`` (PostgreSQL: DROP; SQLite: delete the file)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
            folder = Path(parsed.database).parent
            if folder.name.startswith("consortia-bench-db-"):  # made by fresh_database
                shutil.rmtree(folder, ignore_errors=True)
        return
    name = parsed.database or ""
    if not _DB_NAME.match(name) or name in _RESERVED_DATABASES:
        raise ValueError(f"refusing to drop {name!r}")
    postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_admin(*statements: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{POSTGRES_SERVER.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def postgres_available() -> bool:
    """Whether ``POSTGRES_SERVER`` answers (benchmarks and their smoke test skip PostgreSQL otherwise)."""
    try:
        postgres_admin("SELECT 1")
        return True
    except Exception:
        return False


def prepare_database(url: str) -> None:
    """Bring the schema to the latest migration (``models.migrate.upgrade``)."""
    from models import migrate

    migrate.upgrade(url)


def seeded_consortium_ids(url: str) -> list[int]:
    """Every consortium id of a seeded database, in order."""
    from sqlalchemy import select

    from models import Consortium
    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(select(Consortium.id).order_by(Consortium.id)))
    finally:
        engine.dispose()
