"""Engine and session handling: one engine per database URL, one session per unit of work."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str, *, echo: bool = False) -> Engine:
    url = make_url(database_url)
    kwargs: dict = {"echo": echo, "future": True}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # Last in, first out: traffic reuses the connection it just used (no idle ping), and the
        # ones beyond it stay idle, to be pinged when needed again (``_ping_after_idle``).
        kwargs.update(pool_size=10, max_overflow=20, pool_use_lifo=True)
    engine = create_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _tune_sqlite(engine)
    else:
        _ping_after_idle(engine)
    event.listen(engine, "before_cursor_execute", _strip_nul_bytes, retval=True)
    return engine


def _without_nul(parameters):
    """The same parameters with NUL removed from strings (a new object only when needed)."""
    if isinstance(parameters, Mapping):
        if any(isinstance(v, str) and "\x00" in v for v in parameters.values()):
            return {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in parameters.items()}
        return parameters
    if isinstance(parameters, (list, tuple)):
        if parameters and isinstance(parameters[0], (Mapping, list, tuple)):  # several rows
            return type(parameters)(_without_nul(row) for row in parameters)
        if any(isinstance(v, str) and "\x00" in v for v in parameters):
            return type(parameters)(v.replace("\x00", "") if isinstance(v, str) else v for v in parameters)
    return parameters


def _strip_nul_bytes(conn, cursor, statement, parameters, context, executemany):
    """NUL never means anything in text, and PostgreSQL refuses it: every database gets the same text."""
    return statement, _without_nul(parameters) if parameters else parameters


# A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_BEFORE_PING = 5.0


def _ping_after_idle(engine: Engine) -> None:
    """Ping a server connection only when it sat idle in the pool, not on every checkout.

    A connection dies with its server (a restart) or on an idle timeout between here and there, and
    then almost always while idle: the ping finds it and the pool opens another in its place (the pool's
    documented answer to ``DisconnectionError`` raised at checkout). Under traffic a connection is
    back in use within milliseconds and no request pays the ping's round trip (``pool_pre_ping``
    pays it on every checkout). A connection that dies while in use fails its request, as it would
    with a ping, and the pool then replaces every connection opened before.
    """
    @event.listens_for(engine.pool, "checkin")
    def on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since <= IDLE_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling defers BEGIN; take control so that
        # "BEGIN IMMEDIATE" serialises writers and no update is ever lost.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Readers share the database (WAL); writers queue for the write lock up front.
        read_only = connection.get_execution_options().get("consortia_read_only", False)
        # Straight to the driver: transaction control is no statement to log or count, and every
        # unit of work pays for it.
        connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """Holds the engine and hands out sessions; the only door to the database."""

    def __init__(self, database_url: str, *, echo: bool = False) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, echo=echo)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # A unit of work that only reads: SQLite's deferred BEGIN takes no write lock (``_tune_sqlite``).
        # PostgreSQL runs it in autocommit: no BEGIN and no COMMIT, two round trips of three to five.
        # Its reads see what they would have seen in a transaction (READ COMMITTED: each statement its
        # own snapshot), and the rare write of such a unit (a network's new team id) is one statement.
        self._read_only_options = {"consortia_read_only": True}
        if self.engine.dialect.name == "postgresql":
            self._read_only_options["isolation_level"] = "AUTOCOMMIT"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error.

        ``read_only`` units (a use case that only reads, no nonce to burn) do not queue for
        SQLite's write lock, and run without BEGIN/COMMIT on PostgreSQL; they may still write
        rarely (a network's new team id, one statement), which SQLite allows when no other
        writer is active.
        """
        session = self.session_factory()
        if read_only:
            session.connection(execution_options=self._read_only_options)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        session = self.session_factory()
        session.connection(execution_options=self._read_only_options)
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection, no ORM session: for the hottest reads (a calendar's poll)."""
        with self.engine.connect() as connection:
            yield connection.execution_options(**self._read_only_options)

    def ping(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()
