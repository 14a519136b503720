"""A real Mattermost server in the test loop (see docs/mattermost-fidelity.md).

The session brings one server up with ``tools/mattermost-server/run up`` (building it
once into the cache when needed) — or reuses the one named by ``CONSORTIA_TEST_MM_URL``
and the other variables that command prints — and serves Consortia on a loopback port
with that server as its Mattermost, its outbox worker running, Radicale as its CalDAV
server and aiosmtpd as its SMTP server. People then use Mattermost through its API and
Mattermost calls Consortia.

These tests run when asked for (``pytest tests/real_mattermost``, ``-m real_mattermost``,
``CONSORTIA_TEST_REAL_MATTERMOST=1``) or when a server is given (``CONSORTIA_TEST_MM_URL``);
the README's quick ``pytest -q`` deselects them and says so in its header. They are
skipped, with the reason, only when Go is not installed.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.real_mattermost.people import Person, wait_until
from tests.servers import RadicaleServer, SMTPTestServer, free_port

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "tools" / "mattermost-server" / "run"
SECRET = "real-mm-secret-key-0123456789abcdef"


def _requested(config) -> bool:
    if os.environ.get("CONSORTIA_TEST_MM_URL") or os.environ.get("CONSORTIA_TEST_REAL_MATTERMOST", "") == "1":
        return True
    if "real_mattermost" in (config.option.markexpr or "") and "not real_mattermost" not in config.option.markexpr:
        return True
    return any("real_mattermost" in str(arg) for arg in config.args)


def pytest_report_header(config):
    if not _requested(config):
        return ("real Mattermost tests: not requested (deselected); run `pytest tests/real_mattermost` "
                "or set CONSORTIA_TEST_REAL_MATTERMOST=1")
    if os.environ.get("CONSORTIA_TEST_MM_URL"):
        return f"real Mattermost tests: server {os.environ['CONSORTIA_TEST_MM_URL']}"
    return "real Mattermost tests: a server is brought up by tools/mattermost-server/run up"


def pytest_collection_modifyitems(config, items):
    if _requested(config):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("real_mattermost") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
        config.stash[_LEFT_OUT] = len(dropped)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config):
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"real Mattermost tests: {left_out} deselected (not requested); run `pytest tests/real_mattermost` "
            "or set CONSORTIA_TEST_REAL_MATTERMOST=1 (needs Go and PostgreSQL)")


# ----------------------------------------------------------------------------- the server


@dataclass
class RealServer:
    url: str
    version: str
    team_name: str
    admin_token: str
    member_tokens: dict[str, str]
    foundation: str
    guests_licensed: bool
    started_here: bool = False
    env: dict = field(default_factory=dict)


def _parse_exports(output: str) -> dict[str, str]:
    values = {}
    for line in output.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            values[name] = shlex.split(value)[0] if value else ""
    return values


def _server_from(values: dict[str, str], *, started_here: bool) -> RealServer:
    members = [m for m in values.get("CONSORTIA_TEST_MM_MEMBERS", "").split(",") if m]
    foundation = values.get("CONSORTIA_TEST_MM_FOUNDATION", "")
    tokens = {name: values[f"CONSORTIA_TEST_MM_TOKEN_{name.upper()}"] for name in members + [foundation]}
    return RealServer(url=values["CONSORTIA_TEST_MM_URL"].rstrip("/"),
                      version=values.get("CONSORTIA_TEST_MM_VERSION", "?"),
                      team_name=values.get("CONSORTIA_TEST_MM_TEAM", "reseau"),
                      admin_token=values["CONSORTIA_TEST_MM_ADMIN_TOKEN"], member_tokens=tokens,
                      foundation=foundation, guests_licensed=values.get("CONSORTIA_TEST_MM_GUEST") == "1",
                      started_here=started_here, env=values)


@pytest.fixture(scope="session")
def real_server():
    """The real Mattermost server: given by the environment, or brought up for this session."""
    if os.environ.get("CONSORTIA_TEST_MM_URL"):
        yield _server_from(dict(os.environ), started_here=False)
        return
    if shutil.which("go") is None:
        pytest.skip("Go is not installed: the real Mattermost server cannot be built "
                    "(tools/mattermost-server/run needs the go command)")
    port = free_port()
    env = dict(os.environ, MM_PORT=str(port), MM_DB_NAME=os.environ.get("MM_DB_NAME", f"consortia_mm_{port}"))
    up = subprocess.run([str(RUN), "up"], env=env, capture_output=True, text=True, timeout=3600)
    if up.returncode != 0:
        subprocess.run([str(RUN), "down"], env=env, capture_output=True, text=True)
        pytest.fail(f"tools/mattermost-server/run up failed ({up.returncode}):\n{up.stderr[-4000:]}", pytrace=False)
    try:
        yield _server_from(_parse_exports(up.stdout), started_here=True)
    finally:
        subprocess.run([str(RUN), "down"], env=env, capture_output=True, text=True, timeout=300)


# ----------------------------------------------------------------------------- Consortia


@dataclass
class Deployment:
    """Consortia served on a loopback port with the real server as its Mattermost."""

    server: RealServer
    services: object
    app_url: str
    worker: object
    team: dict
    admin: Person
    people: dict[str, Person]
    bot: dict
    bot_token: str
    install_output: str
    smtp: SMTPTestServer
    radicale: RadicaleServer
    database_url: str
    cli_env: dict

    def cli(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        """Run the `consortia` command line against this deployment, as its operator would."""
        consortia = Path(sys.executable).with_name("consortia")
        done = subprocess.run([str(consortia), *args], env=dict(self.cli_env, **env), cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        if check:
            assert done.returncode == 0, f"consortia {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def create(self, name: str, members: str = "@ines @samir @lea") -> dict:
        """An admin provisions a consortium from the town square; its channel once the worker is done."""
        town = self.admin.channel("town-square")
        reply = self.admin.say(town["id"], f'/consortium creer "{name}" --membres {members}')
        assert "enregistré" in reply, reply
        slug = reply.split("identifiant `")[1].split("`")[0]
        self.settle()
        return self.admin.channel(slug)

    def person(self, name: str) -> Person:
        return self.people[name]

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the outbox worker has delivered everything (or buried it: 12 attempts, back-off under 1 s)."""
        from models import OutboxMessage

        def idle() -> bool:
            with self.services.db.reader() as session:
                return not session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status == "pending"))

        self.services.notify_outbox()
        wait_until(idle, timeout=timeout, what="the outbox to be delivered")

    def outbox(self, status: str | None = None) -> list:
        from models import OutboxMessage

        with self.services.db.reader() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if status:
                query = query.where(OutboxMessage.status == status)
            return [(m.id, m.kind, m.status, m.attempts, m.last_error) for m in session.scalars(query)]

    def unique(self, prefix: str) -> str:
        return f"{prefix} {uuid.uuid4().hex[:6]}"


def _database_url(tmp_path_factory) -> str:
    from models.db import make_engine
    from models.migrate import upgrade

    url = os.environ.get("CONSORTIA_TEST_DATABASE_URL", "").strip()
    if url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('consortia') / 'consortia.db'}"
    upgrade(url)
    return url


def _install(env: dict) -> str:
    """`consortia mattermost install`, as an administrator runs it."""
    consortia = Path(sys.executable).with_name("consortia")
    done = subprocess.run([str(consortia), "mattermost", "install"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"consortia mattermost install failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def deployment(real_server, tmp_path_factory):
    from plugin.app import Services, create_app
    from plugin.config import load_settings
    from plugin.delivery.worker import OutboxWorker
    from tests.conftest import AppServer

    work = tmp_path_factory.mktemp("real-mm")
    smtp = SMTPTestServer()
    smtp.start()
    radicale = RadicaleServer(work / "radicale")
    radicale.start()
    database_url = _database_url(tmp_path_factory)
    admin = Person(real_server.url, real_server.admin_token)
    team = admin.get(f"/teams/name/{real_server.team_name}")
    admin.team_id = team["id"]

    env = {
        "CONSORTIA_DATABASE_URL": database_url, "CONSORTIA_SECRET_KEY": SECRET,
        "CONSORTIA_INSTANCE_DIR": str(work / "instance"), "CONSORTIA_RUN_WORKER": "0",
        "CONSORTIA_MATTERMOST_URL": real_server.url, "CONSORTIA_MATTERMOST_TOKEN": real_server.admin_token,
        "CONSORTIA_MATTERMOST_TEAM": real_server.team_name, "CONSORTIA_ADMINS": "admin",
        "CONSORTIA_SMTP_URL": smtp.url, "CONSORTIA_MAIL_FROM": "consortia@reseau.example",
        "CONSORTIA_CALDAV_URL": radicale.url, "CONSORTIA_CALDAV_USERNAME": radicale.username,
        "CONSORTIA_CALDAV_PASSWORD": radicale.password, "CONSORTIA_WORKER_POLL_SECONDS": "0.2",
    }
    # The service first, so that the commands can be registered with its real URL.
    services = Services(load_settings(env))
    app = create_app(services=services)
    served = AppServer(app)
    env["CONSORTIA_BASE_URL"] = served.url
    install_env = {k: v for k, v in os.environ.items() if not k.startswith("CONSORTIA_")}
    install_env.update(env)
    output = _install(install_env)

    # What an administrator does next (README, "Connecting a real Mattermost"): the bot joins the
    # team, gets the rights it needs, and its token becomes Consortia's.
    bot = admin.get("/users/username/consortia")
    admin.post(f"/teams/{team['id']}/members", {"team_id": team["id"], "user_id": bot["id"]})
    grant_bot_roles(admin, bot["id"])
    bot_token = admin.post(f"/users/{bot['id']}/tokens", {"description": "consortia"})["token"]
    services.settings = load_settings(dict(env, CONSORTIA_MATTERMOST_TOKEN=bot_token))
    services.reset_clients()
    getattr(services, "forget_command_tokens", lambda: None)()  # older code caches the tokens
    worker = OutboxWorker(services, base_delay=0.1, max_delay=1.0)
    services.worker = worker.start()
    people = {name: Person(real_server.url, token, team_id=team["id"])
              for name, token in real_server.member_tokens.items()}
    people["admin"] = admin
    cli_env = dict(install_env, CONSORTIA_MATTERMOST_TOKEN=bot_token)
    deployment = Deployment(real_server, services, served.url, worker, team, admin, people, bot, bot_token,
                            output, smtp, radicale, database_url, cli_env)
    try:
        yield deployment
    finally:
        worker.stop()
        served.stop()
        for person in people.values():
            person.close()
        services.db.dispose()
        radicale.stop()
        smtp.stop()


# An ordinary account in the team is enough (docs/mattermost-fidelity.md); CONSORTIA_TEST_MM_BOT_ROLES tries others.
BOT_ROLES = os.environ.get("CONSORTIA_TEST_MM_BOT_ROLES", "system_user")


def grant_bot_roles(admin: Person, bot_id: str, roles: str = BOT_ROLES) -> None:
    admin.put(f"/users/{bot_id}/roles", {"roles": roles})


@pytest.fixture
def dep(deployment) -> Deployment:
    yield deployment
    # A test that left the bot without its rights must not spoil the next one.
    grant_bot_roles(deployment.admin, deployment.bot["id"])


@pytest.fixture
def group(dep):
    """A fresh consortium of ines, samir and lea, provisioned by the admin."""
    return dep.create(dep.unique("Alimentation durable"))
