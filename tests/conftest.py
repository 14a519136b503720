"""Shared fixtures: a real database (SQLite, or PostgreSQL when asked), the Mattermost
emulator, the service served on a loopback port, and its outbox worker.

Set ``CONSORTIA_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://consortia:consortia@127.0.0.1:5432/test``;
``tools/postgres-setup`` starts the cluster and creates that role and database)
to run the whole suite against PostgreSQL; the default is a fresh SQLite file per test.
"""
from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from tests.servers import *  # noqa: F401,F403  (radicale_server, smtp_server)

TEST_DATABASE_URL = os.environ.get("CONSORTIA_TEST_DATABASE_URL", "").strip()
SECRET = "test-secret-key-0123456789abcdef"
COMMAND_TOKEN = "cmdtoken0123456789abcdefgh"
API_TOKEN = "apitoken0123456789abcdefgh"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """Migrate once per session; each test then gets a copy (SQLite) or a truncation (PostgreSQL)."""
    from models.migrate import upgrade

    if TEST_DATABASE_URL:
        from models.db import make_engine

        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    if TEST_DATABASE_URL:
        import models
        from models.db import make_engine

        engine = make_engine(TEST_DATABASE_URL)
        tables = ", ".join(f'"{t.name}"' for t in models.Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return TEST_DATABASE_URL
    path = tmp_path / "consortia.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


def make_settings(database_url: str, tmp_path: Path, **overrides):
    from plugin.config import load_settings

    env = {
        "CONSORTIA_DATABASE_URL": database_url,
        "CONSORTIA_SECRET_KEY": SECRET,
        "CONSORTIA_COMMAND_TOKENS": COMMAND_TOKEN,
        "CONSORTIA_API_TOKENS": API_TOKEN,
        "CONSORTIA_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSORTIA_RUN_WORKER": "0",
    }
    env.update({f"CONSORTIA_{k.upper()}": v for k, v in overrides.items() if v is not None})
    return load_settings(env).with_overrides(testing=True)


@pytest.fixture
def emulator():
    from integrations.mattermost.emulator import MattermostEmulator

    with MattermostEmulator() as emu:
        yield emu


class AppServer:
    """The Flask app served by werkzeug on a free loopback port, in a thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Network:
    """A running Consortia wired to the emulator, with a team, an admin, members and a bot."""

    emulator: object
    services: object
    app: object
    server: AppServer
    worker: object
    team: dict
    users: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)

    def command(self, username: str, text: str, *, channel: str = "town-square", root_id: str = "") -> dict:
        channel_id = self.channels.get(channel) or channel
        return self.emulator.execute_command(username, channel_id, text, root_id=root_id)

    def reply(self, username: str, text: str, **kwargs) -> str:
        result = self.command(username, text, **kwargs)
        assert result["status"] == 200, result
        return result["response"]["text"]

    def deliver(self, rounds: int = 20) -> int:
        """Deliver the outbox, waiting out the (test-short) back-off of retried messages."""
        import time

        from sqlalchemy import func, select

        from models import OutboxMessage

        total = 0
        for _ in range(rounds):
            total += self.worker.run_until_idle()
            with self.services.db.reader() as session:
                pending = session.scalar(select(func.count()).select_from(OutboxMessage)
                                         .where(OutboxMessage.status == "pending"))
            if not pending:
                break
            time.sleep(0.06)
        return total

    def statements(self, action):
        """Run ``action`` and count the SQL statements it issued (transaction control excluded)."""
        from sqlalchemy import event

        issued = []

        def record(conn, cursor, statement, parameters, context, executemany):
            issued.append(statement)

        event.listen(self.services.db.engine, "before_cursor_execute", record)
        try:
            result = action()
        finally:
            event.remove(self.services.db.engine, "before_cursor_execute", record)
        control = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
        return len([s for s in issued if not s.lstrip().upper().startswith(control)]), result

    def channel_of(self, slug: str) -> dict | None:
        return self.emulator.channel(self.team["name"], slug)

    def db(self):
        return self.services.db.transaction()


@pytest.fixture
def network_factory(database_url, tmp_path, emulator):
    created = []

    def build(*, caldav=None, smtp_url=None, locale=None, admins="admin") -> Network:
        from plugin.app import Services, create_app
        from plugin.delivery.worker import OutboxWorker

        team = emulator.create_team("reseau", "Réseau inclusion")
        bot = emulator.create_user("consortia-bot", "bot@example.org", is_bot=True, team="reseau")
        bot_token = emulator.create_token(bot["id"])
        users = {"bot": bot}
        users["admin"] = emulator.create_user("admin", "admin@example.org", first_name="Alice", team="reseau")
        users["root"] = emulator.create_user("root", "root@example.org", roles="system_admin system_user",
                                             team="reseau")
        for name in ("ines", "samir", "lea", "outsider"):
            users[name] = emulator.create_user(name, f"{name}@example.org", team="reseau")
        server_holder = {}
        settings = make_settings(
            database_url, tmp_path, mattermost_url=emulator.url, mattermost_token=bot_token,
            mattermost_team="reseau", admins=admins, locale=locale,
            caldav_url=caldav.url if caldav else None, caldav_username=caldav.username if caldav else None,
            caldav_password=caldav.password if caldav else None,
            smtp_url=smtp_url, mail_from="consortia@example.org" if smtp_url else None,
        )
        services = Services(settings)
        app = create_app(services=services)
        server = AppServer(app)
        server_holder["server"] = server
        services.settings = settings.with_overrides(base_url=server.url)
        for trigger in ("consortium", "checklist", "role", "engagement", "commitment", "session", "dialogue",
                        "ami", "eoi", "decision", "idee",
                        "idea"):
            emulator.register_command(team["id"], trigger, f"{server.url}/mattermost/command",
                                      token=COMMAND_TOKEN, creator=bot["id"])
        from integrations.mattermost.client import MattermostClient

        # Same clients as production, with test-short back-off.
        for name in ("mattermost", "mattermost-interactive"):
            services._clients[name] = MattermostClient(emulator.url, bot_token, timeout=5, max_retries=2,
                                                       backoff_base=0.01, max_wait=0.05)
        worker = OutboxWorker(services, base_delay=0.01, max_delay=0.05)
        network = Network(emulator, services, app, server, worker, team, users)
        network.channels["town-square"] = emulator.channel("reseau", "town-square")["id"]
        created.append(network)
        return network

    yield build
    for network in created:
        network.server.stop()
        network.services.db.dispose()


@pytest.fixture
def net(network_factory) -> Network:
    return network_factory()
