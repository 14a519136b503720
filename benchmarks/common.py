"""The benchmark harness (PRODUCT.md §6 "Speed", §8 "Baseline").

Every benchmark runs the REAL service under gunicorn on a loopback port, loads it
with the same generator as a bare Flask endpoint served the same way on the same
machine, and reports RATIOS to that baseline: absolute numbers on a noisy 2-core
machine mean little, the ratio to "Flask doing nothing" holds.

Typical use (see benchmarks/command_latency.py and benchmarks/README.md)::

    from benchmarks import common

    args = common.arguments("My feature benchmark").parse_args()
    url = common.fresh_database(common.databases(args)[0], name="consortia_bench_myfeature")
    common.prepare_database(url)
    seeded = common.seed_consortia(url, 10_000, sample=50)
    with common.start_baseline(workers=args.workers) as base, \\
         common.start_service(url, workers=args.workers) as svc:
        spec = common.command_spec(svc, seeded, command="/checklist", text="liste")
        rows = [common.compare("checklist liste", spec, spec.against(base), expect="...",
                               **common.compare_options(args))]
    common.report("my_feature", rows)

Nothing here asserts a timing: a benchmark is not a test.
"""
from __future__ import annotations

import os as _os
import sys as _sys

# `python benchmarks/<script>.py` puts benchmarks/ first on sys.path, where a script
# named like a standard module (calendar.py...) would shadow it for every import that
# follows (requests -> http.cookiejar -> calendar). Benchmarks import each other as
# `benchmarks.<name>` from the repository root, so benchmarks/ itself leaves the path.
_BENCH_DIR = _os.path.dirname(_os.path.realpath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.realpath(p or ".") != _BENCH_DIR]

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
RESULTS_DIR = BENCH_DIR / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The PostgreSQL server benchmarks use (a dedicated database is created on it).
POSTGRES_SERVER = os.environ.get("CONSORTIA_BENCH_POSTGRES", "postgresql+psycopg://consortia:consortia@127.0.0.1:5432")
DEFAULT_DATABASE_NAME = "consortia_bench"
TEAM_NAME = "reseau"
_RESERVED_DATABASES = {"test", "postgres", "template0", "template1"}

__all__ = [
    "Service", "start_service", "start_baseline", "free_port",
    "fresh_database", "drop_database", "prepare_database", "seed_consortia", "Seeded", "SeededConsortium",
    "SeededMember", "slash_command", "command_form", "command_spec", "RequestSpec", "load", "Stats", "Row",
    "report", "compare", "merge_stats", "ratios", "arguments", "databases", "load_options", "compare_options",
    "wrk_path", "install_wrk", "fake_id",
]


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A gunicorn process on a loopback port; ``.url``, ``.stop()``; a context manager."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], *, port: int, cwd: Path,
                 workdir: Path, command_token: str | None = None, api_token: str | None = None) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.cwd = cwd
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{port}"
        self.command_token = command_token
        self.api_token = api_token
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60.0) -> "Service":
        log = self.log_path.open("ab")
        try:
            # A session of its own: stop() can end gunicorn's workers with it, and only them.
            self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode} while starting:\n{tail}")
            try:
                response = requests.get(self.url + "/healthz", timeout=2)
                if response.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f}s:\n{tail}")

    def stop(self, timeout: float = 15.0, *, cleanup: bool = True) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL of its group); remove its log and instance folder."""
        process = self.process
        if process is not None and process.poll() is None:
            self._terminate(process, timeout)
        if cleanup:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @staticmethod
    def _terminate(process: subprocess.Popen, timeout: float) -> None:
        try:
            process.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of master and workers
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # its own process group (start_new_session)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Service {self.name} {self.url} pid={self.pid}>"


def _gunicorn_argv(app: str, port: int, workers: int, extra: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", *extra, app]


def _clean_environment() -> dict[str, str]:
    """The caller's environment without any CONSORTIA_* setting (a developer's own must not leak in)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("CONSORTIA_")}


def start_service(database_url: str, *, workers: int = 2, extra_env: dict[str, str] | None = None,
                  gunicorn_args: Sequence[str] = (), timeout: float = 60.0) -> Service:
    """Start the real service (``plugin.wsgi:app``) under gunicorn on a free loopback port.

    No Mattermost, CalDAV nor SMTP is configured and no outbox worker runs: commands
    are answered from the database alone. ``service.command_token`` is the slash
    command token it accepts, ``service.api_token`` its REST API token.
    """
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="consortia-bench-service-"))
    command_token = "bench-" + secrets.token_hex(12)
    api_token = "bench-api-" + secrets.token_hex(12)
    env = _clean_environment()
    env.update({
        "CONSORTIA_DATABASE_URL": database_url,
        "CONSORTIA_SECRET_KEY": secrets.token_urlsafe(32),
        "CONSORTIA_COMMAND_TOKENS": command_token,
        "CONSORTIA_API_TOKENS": api_token,
        "CONSORTIA_MATTERMOST_TEAM": TEAM_NAME,
        "CONSORTIA_ADMINS": "admin",
        "CONSORTIA_RUN_WORKER": "0",
        "CONSORTIA_INSTANCE_DIR": str(workdir / "instance"),
        "CONSORTIA_BASE_URL": f"http://127.0.0.1:{port}",
        # Empty values win over a .env file (load_dotenv does not override) and mean "not set".
        "CONSORTIA_MATTERMOST_URL": "", "CONSORTIA_MATTERMOST_TOKEN": "",
        "CONSORTIA_CALDAV_URL": "", "CONSORTIA_SMTP_URL": "",
    })
    env.update(extra_env or {})
    service = Service("consortia", _gunicorn_argv("plugin.wsgi:app", port, workers, gunicorn_args), env,
                      port=port, cwd=ROOT, workdir=workdir, command_token=command_token, api_token=api_token)
    return service.start(timeout=timeout)


def start_baseline(workers: int = 2, *, timeout: float = 30.0) -> Service:
    """The bare Flask JSON endpoint (benchmarks/baseline_app.py), served the same way."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="consortia-bench-baseline-"))
    service = Service("baseline", _gunicorn_argv("benchmarks.baseline_app:app", port, workers),
                      _clean_environment(), port=port, cwd=ROOT, workdir=workdir)
    return service.start(timeout=timeout)


# --------------------------------------------------------------------------- databases

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
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
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
    _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_admin(*statements: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{POSTGRES_SERVER.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def prepare_database(url: str) -> None:
    """Bring the schema to the latest migration (``models.migrate.upgrade``)."""
    from models import migrate

    migrate.upgrade(url)


def fake_id(prefix: str, number: int) -> str:
    """A 26-character id shaped like Mattermost's (lowercase letters and digits), unique per prefix."""
    width = 26 - len(prefix)
    if width < 6 or not re.fullmatch(r"[a-z]+", prefix):
        raise ValueError("prefix: a few lowercase letters")
    return f"{prefix}{number:0{width}d}"


@dataclass(frozen=True)
class SeededMember:
    username: str
    user_id: str  # Mattermost user id, already stored on the Person


@dataclass(frozen=True)
class SeededConsortium:
    id: int
    slug: str
    name: str
    channel_id: str
    channel_name: str
    members: tuple[SeededMember, ...]


@dataclass(frozen=True)
class Seeded:
    network_id: int
    team_id: str
    team_domain: str
    count: int  # consortiums added by this call
    total: int  # consortiums in the database afterwards
    seconds: float
    consortia: tuple[SeededConsortium, ...]  # a sample, spread over the seeded range (first and last included)


def seed_consortia(url: str, n: int, *, members: int = 3, checklist: bool = True, steps: bool = True,
                   sample: int = 5, team: str = TEAM_NAME, batch: int = 1000) -> Seeded:
    """Add ``n`` consortiums in bulk (SQLAlchemy Core inserts), each with its own members.

    Per consortium: ``members`` new people (with a fake Mattermost user id, so the
    service resolves them without calling Mattermost) and their memberships, a fake
    channel id, the 26 items of the built-in checklist template (a varying share
    ticked) and its counter, and the provisioning steps marked done. Can be called
    again to grow the same database. Returns a sample of the seeded consortiums with
    their channel ids and members, enough to send commands as a member in a
    consortium's channel. PostgreSQL is ANALYZEd afterwards (its autovacuum would do
    so in production); SQLite is left as production leaves it.
    """
    from sqlalchemy import func, insert, select, text, update
    from sqlalchemy.orm import Session

    import models
    from models import (
        PROVISIONING_STEPS, STAGES, ChecklistItem, ChecklistTemplate, Consortium, Counter, Membership, Network,
        Person, ProvisioningStep, TemplateItem, new_token,
    )
    from models.db import make_engine
    from plugin.features.checklist import templates

    assert models  # every table registered
    if n < 0 or members < 1:
        raise ValueError("n >= 0 and members >= 1")
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            templates.ensure_builtin_templates(session)
        with engine.begin() as conn:
            team_id = fake_id("benchteam", 1)
            network = conn.execute(select(Network.id, Network.team_id).where(Network.team_name == team)).first()
            if network is None:
                network_id = conn.execute(insert(Network).values(team_name=team, team_id=team_id, name=team)
                                          .returning(Network.id)).scalar_one()
            else:
                network_id = network.id
                if network.team_id:
                    team_id = network.team_id
                else:
                    conn.execute(update(Network).where(Network.id == network_id).values(team_id=team_id))
            items = conn.execute(
                select(TemplateItem.key, TemplateItem.position, TemplateItem.section, TemplateItem.section_en,
                       TemplateItem.text, TemplateItem.text_en)
                .join(ChecklistTemplate, ChecklistTemplate.id == TemplateItem.template_id)
                .where(ChecklistTemplate.name == templates.DEFAULT_TEMPLATE).order_by(TemplateItem.position)
            ).all()
            first_consortium = (conn.scalar(select(func.max(Consortium.id))) or 0) + 1
            first_person = (conn.scalar(select(func.max(Person.id))) or 0) + 1
            now = datetime.now(timezone.utc)
            wanted = _sample_indexes(n, sample)
            picked: list[SeededConsortium] = []
            for start in range(0, n, batch):
                stop = min(n, start + batch)
                consortia, people, memberships, checklist_rows, counters, step_rows = [], [], [], [], [], []
                for index in range(start, stop):
                    cid = first_consortium + index
                    slug = f"bench-{cid}"
                    name = f"Bench consortium {cid}"
                    channel_id = fake_id("benchchan", cid)
                    consortia.append(dict(
                        id=cid, network_id=network_id, name=name, name_key=name.lower(), slug=slug,
                        theme="Benchmark", purpose="", stage=STAGES[cid % 4], is_public=False,
                        timezone="Europe/Paris", channel_id=channel_id, channel_name=slug,
                        feed_token=new_token(), reminders_enabled=True, created_at=now, updated_at=now,
                        last_activity_at=now - timedelta(seconds=index)))
                    seeded_members = []
                    for m in range(members):
                        pid = first_person + index * members + m
                        username = f"member{pid}"
                        user_id = fake_id("benchuser", pid)
                        people.append(dict(
                            id=pid, network_id=network_id, mattermost_user_id=user_id, username=username,
                            email=f"{username}@bench.invalid", display_name=f"Member {pid}",
                            is_guest=False, is_system_admin=False, personal_feed_token=new_token(),
                            created_at=now))
                        memberships.append(dict(consortium_id=cid, person_id=pid, joined_at=now))
                        seeded_members.append(SeededMember(username, user_id))
                    if checklist:
                        ticked = cid % (len(items) + 1)
                        for item in items:
                            done = item.position <= ticked
                            checklist_rows.append(dict(
                                consortium_id=cid, number=item.position, position=item.position,
                                section=item.section, section_en=item.section_en, text=item.text,
                                text_en=item.text_en, template_key=f"{templates.DEFAULT_TEMPLATE}:{item.key}",
                                done=done, done_at=now if done else None, created_at=now, updated_at=now,
                                version=1))
                        counters.append(dict(consortium_id=cid, kind="checklist", last_value=len(items)))
                    if steps:
                        step_rows.extend(dict(consortium_id=cid, step=step, status="done", attempts=1, detail="",
                                              updated_at=now) for step in PROVISIONING_STEPS)
                    if index in wanted:
                        picked.append(SeededConsortium(cid, slug, name, channel_id, slug, tuple(seeded_members)))
                conn.execute(insert(Person), people)
                conn.execute(insert(Consortium), consortia)
                conn.execute(insert(Membership), memberships)
                for table, rows in ((ChecklistItem, checklist_rows), (Counter, counters),
                                    (ProvisioningStep, step_rows)):
                    if rows:
                        conn.execute(insert(table), rows)
            if conn.dialect.name == "postgresql":
                # Ids were given explicitly: move the sequences past them.
                for table in ("people", "consortia"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
            total = conn.scalar(select(func.count()).select_from(Consortium)) or 0
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
    return Seeded(network_id=network_id, team_id=team_id, team_domain=team, count=n, total=total,
                  seconds=time.perf_counter() - started, consortia=tuple(picked))


def _sample_indexes(n: int, sample: int) -> set[int]:
    if n <= 0 or sample <= 0:
        return set()
    if sample == 1 or n == 1:
        return {0}
    return {round(i * (n - 1) / (sample - 1)) for i in range(min(sample, n))}


# --------------------------------------------------------------------------- requests


def command_form(token: str, *, command: str, text: str, user_id: str, user_name: str, channel_id: str,
                 team_id: str, team_domain: str = TEAM_NAME, channel_name: str = "") -> dict[str, str]:
    """The form fields of a slash command, as Mattermost posts them."""
    return {
        "channel_id": channel_id,
        "channel_name": channel_name or channel_id,
        "command": command,
        "response_url": f"http://127.0.0.1:8065/hooks/commands/{secrets.token_hex(13)}",
        "team_domain": team_domain,
        "team_id": team_id,
        "text": text,
        "token": token,
        "trigger_id": secrets.token_urlsafe(48),
        "user_id": user_id,
        "user_name": user_name,
    }


def _command_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json", "User-Agent": "mattermost-bench"}


def slash_command(url: str, token: str, *, command: str, text: str, user_id: str, user_name: str,
                  channel_id: str, team_id: str, team_domain: str = TEAM_NAME, channel_name: str = "",
                  session: requests.Session | None = None, timeout: float = 30) -> requests.Response:
    """POST a slash command to ``<url>/mattermost/command`` exactly as Mattermost does.

    ``url`` is the service's base URL (a ``Service``'s ``.url``) or the full endpoint.
    The reply is JSON: ``response.json()["text"]``.
    """
    endpoint = url if url.rstrip("/").endswith("/mattermost/command") else url.rstrip("/") + "/mattermost/command"
    form = command_form(token, command=command, text=text, user_id=user_id, user_name=user_name,
                        channel_id=channel_id, team_id=team_id, team_domain=team_domain, channel_name=channel_name)
    return (session or requests).post(endpoint, data=urlencode(form), headers=_command_headers(token),
                                      timeout=timeout)


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request (or a rotation of bodies) for the load generator; wrk can replay it."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    bodies: tuple[str, ...] = ()  # sent in turn, one per request; empty: no body

    def against(self, service: Service | str, path: str | None = None) -> "RequestSpec":
        """The same request sent to another server (e.g. the baseline), same path by default."""
        from urllib.parse import urlsplit

        base = service.url if isinstance(service, Service) else service.rstrip("/")
        return replace(self, url=base + (path if path is not None else urlsplit(self.url).path or "/"))


def command_spec(service: Service, seeded: Seeded | None = None, *, command: str, text: str,
                 consortia: Iterable[SeededConsortium] | None = None,
                 senders: Iterable[tuple[SeededConsortium, SeededMember]] | None = None) -> RequestSpec:
    """A slash command sent in turn by each member of each consortium, in that consortium's channel.

    By default every member of every consortium in ``seeded.consortia`` takes a turn.
    """
    if senders is None:
        chosen = list(consortia if consortia is not None else (seeded.consortia if seeded else ()))
        senders = [(c, m) for c in chosen for m in c.members]
    senders = list(senders)
    if not senders:
        raise ValueError("no sender: seed consortiums first")
    team_id = seeded.team_id if seeded else fake_id("benchteam", 1)
    team_domain = seeded.team_domain if seeded else TEAM_NAME
    token = service.command_token or ""
    bodies = tuple(urlencode(command_form(token, command=command, text=text, user_id=m.user_id,
                                          user_name=m.username, channel_id=c.channel_id, team_id=team_id,
                                          team_domain=team_domain, channel_name=c.channel_name))
                   for c, m in senders)
    return RequestSpec(service.url + "/mattermost/command", "POST", _command_headers(token), bodies)


# --------------------------------------------------------------------------- load


@dataclass
class Stats:
    engine: str  # "wrk" or "python"
    concurrency: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int = 0  # socket errors, timeouts and non-2xx answers
    mismatches: int = 0  # 2xx answers without the expected text

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
                f"({self.requests} requests, {self.errors} errors, {self.mismatches} mismatches, {self.engine})")


def wrk_path() -> str | None:
    return shutil.which("wrk")


def install_wrk() -> str | None:
    """``apt-get install -y wrk`` (as root, on Debian/Ubuntu); the path to wrk, or None."""
    if wrk_path() is None and shutil.which("apt-get") and os.geteuid() == 0:
        result = subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, text=True)
        if result.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True)
    return wrk_path()


def load(target: RequestSpec | Callable[[requests.Session], requests.Response], *, seconds: float = 10,
         concurrency: int = 16, engine: str = "auto", requests_limit: int | None = None,
         expect: str | None = None, warmup: float = 1, threads: int | None = None, timeout: float = 10,
         quiet: bool = False) -> Stats:
    """Load ``target`` for ``seconds`` with ``concurrency`` connections; return Stats.

    ``target`` is a RequestSpec (replayed by wrk when available: a Python client on the
    same 2 cores would be the bottleneck) or a callable ``fn(session) -> Response``
    (always the Python thread pool). ``engine``: "auto", "wrk" or "python".
    ``requests_limit`` stops after that many requests (Python engine only: wrk runs for a
    duration). ``expect``: a text every successful answer must contain (counted as
    mismatches otherwise). ``warmup`` seconds of load are run and discarded first.
    """
    use_wrk = isinstance(target, RequestSpec) and engine in ("auto", "wrk") and requests_limit is None
    if use_wrk and wrk_path() is None:
        if engine == "wrk":
            raise RuntimeError("wrk is not installed: apt-get install -y wrk (or use engine='python')")
        use_wrk = False
        if not quiet:
            print("  [load] wrk not found (apt-get install -y wrk): using the Python load generator, "
                  "which competes for the same cores", file=sys.stderr)
    if engine == "wrk" and not use_wrk:
        raise ValueError("engine='wrk' needs a RequestSpec and no requests_limit")
    if use_wrk:
        if warmup > 0:
            _wrk(target, seconds=max(1, round(warmup)), concurrency=concurrency, threads=threads,
                 timeout=timeout, expect=None)
        return _wrk(target, seconds=max(1, round(seconds)), concurrency=concurrency, threads=threads,
                    timeout=timeout, expect=expect)
    if warmup > 0 and requests_limit is None:
        _python_load(target, seconds=warmup, concurrency=concurrency, limit=None, expect=None, timeout=timeout)
    return _python_load(target, seconds=seconds, concurrency=concurrency, limit=requests_limit, expect=expect,
                        timeout=timeout)


def _lua_string(value: str) -> str:
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if char in '"\\' or byte < 32 or byte > 126:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_WRK_SCRIPT = """
wrk.method = %(method)s
%(headers)s
local bodies = { %(bodies)s }
local expect = %(expect)s
if #bodies == 1 then wrk.body = bodies[1] end
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end
function init(args)
  counter = thread_index or 0
  mismatches = 0
end
if #bodies > 1 then
  function request()
    counter = counter + 1
    return wrk.format(nil, nil, nil, bodies[(counter %% #bodies) + 1])
  end
end
if expect then
  function response(status, headers, body)
    if status >= 200 and status < 300 and not string.find(body, expect, 1, true) then
      mismatches = mismatches + 1
    end
  end
end
function done(summary, latency, requests)
  local mismatched = 0
  for _, thread in ipairs(threads) do mismatched = mismatched + (thread:get("mismatches") or 0) end
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50\\": %%d, \\"p90\\": %%d, \\"p99\\": %%d, " ..
    "\\"mean\\": %%f, \\"max\\": %%d, \\"errors\\": %%d, \\"mismatches\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max,
    e.connect + e.read + e.write + e.status + e.timeout, mismatched))
end
"""


def _wrk(spec: RequestSpec, *, seconds: int, concurrency: int, threads: int | None, timeout: float,
         expect: str | None) -> Stats:
    threads = max(1, min(threads or min(2, os.cpu_count() or 2), concurrency))
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in spec.headers.items())
    script = _WRK_SCRIPT % {
        "method": _lua_string(spec.method.upper()), "headers": headers,
        "bodies": ", ".join(_lua_string(b) for b in spec.bodies),
        "expect": _lua_string(expect) if expect else "nil",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        result = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s",
             "--timeout", f"{max(1, round(timeout))}s", "-s", script_path, spec.url],
            capture_output=True, text=True, timeout=seconds + timeout + 60)
    finally:
        os.unlink(script_path)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    data = json.loads(line[len("WRKJSON "):])
    duration = data["duration_us"] / 1e6
    return Stats(engine="wrk", concurrency=concurrency, requests=data["requests"], seconds=duration,
                 rps=data["requests"] / duration if duration else 0.0, p50_ms=data["p50"] / 1000,
                 p90_ms=data["p90"] / 1000, p99_ms=data["p99"] / 1000, mean_ms=data["mean"] / 1000,
                 max_ms=data["max"] / 1000, errors=data["errors"], mismatches=data["mismatches"])


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def _python_load(target, *, seconds: float, concurrency: int, limit: int | None, expect: str | None,
                 timeout: float) -> Stats:
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    counts = {"errors": 0, "mismatches": 0}
    deadline = time.perf_counter() + seconds

    def take_turn() -> int | None:
        nonlocal issued
        with lock:
            if limit is not None:
                if issued >= limit:
                    return None
            elif time.perf_counter() >= deadline:
                return None
            issued += 1
            return issued

    def worker() -> None:
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1))
        mine: list[float] = []
        errors = mismatches = 0
        while (turn := take_turn()) is not None:
            started = time.perf_counter()
            try:
                if isinstance(target, RequestSpec):
                    body = target.bodies[turn % len(target.bodies)] if target.bodies else None
                    response = session.request(target.method, target.url, data=body, headers=target.headers,
                                               timeout=timeout)
                else:
                    response = target(session)
                elapsed = time.perf_counter() - started
                if response is not None and not 200 <= response.status_code < 300:
                    errors += 1
                elif response is not None and expect and expect not in response.text:
                    mismatches += 1
                mine.append(elapsed)
            except requests.RequestException:
                errors += 1
        session.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["mismatches"] += mismatches

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, concurrency))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    done = len(ordered)
    return Stats(engine="python", concurrency=concurrency, requests=done, seconds=wall,
                 rps=done / wall if wall else 0.0, p50_ms=_percentile(ordered, 50) * 1000,
                 p90_ms=_percentile(ordered, 90) * 1000, p99_ms=_percentile(ordered, 99) * 1000,
                 mean_ms=(sum(ordered) / done * 1000) if done else 0.0, max_ms=(ordered[-1] * 1000) if done else 0.0,
                 errors=counts["errors"], mismatches=counts["mismatches"])


def merge_stats(parts: Sequence[Stats]) -> Stats:
    """Several measurements as one: totals for counts and req/s, the median round for percentiles."""
    if not parts:
        raise ValueError("nothing to merge")
    if len(parts) == 1:
        return parts[0]

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    requests_done = sum(p.requests for p in parts)
    seconds = sum(p.seconds for p in parts)
    return Stats(engine=parts[0].engine, concurrency=parts[0].concurrency, requests=requests_done, seconds=seconds,
                 rps=requests_done / seconds if seconds else 0.0, p50_ms=median([p.p50_ms for p in parts]),
                 p90_ms=median([p.p90_ms for p in parts]), p99_ms=median([p.p99_ms for p in parts]),
                 mean_ms=sum(p.mean_ms * p.requests for p in parts) / requests_done if requests_done else 0.0,
                 max_ms=max(p.max_ms for p in parts), errors=sum(p.errors for p in parts),
                 mismatches=sum(p.mismatches for p in parts))


def compare(scenario: str, spec, baseline_spec, *, rounds: int = 5, seconds: float = 10, expect: str | None = None,
            baseline_expect: str | None = "ok", warmup: float = 1, extra: dict | None = None, **load_kwargs) -> Row:
    """Measure the baseline and the service in alternation, ``rounds`` times, ``seconds`` in all for each.

    Alternating short slices (baseline, service, baseline, service...) spreads the
    machine's noise evenly over both sides: the fairest ratio on a shared box.
    Returns a Row whose ``extra["rounds"]`` keeps each round's ratios.
    """
    rounds = max(1, rounds)
    per_round = max(1.0, seconds / rounds)
    if warmup > 0:
        load(baseline_spec, seconds=warmup, warmup=0, quiet=True, **load_kwargs)
        load(spec, seconds=warmup, warmup=0, quiet=True, **load_kwargs)
    service_parts, baseline_parts = [], []
    for index in range(rounds):
        baseline_parts.append(load(baseline_spec, seconds=per_round, warmup=0, expect=baseline_expect,
                                   quiet=index > 0, **load_kwargs))
        service_parts.append(load(spec, seconds=per_round, warmup=0, expect=expect, quiet=True, **load_kwargs))
    row_extra = dict(extra or {})
    row_extra["rounds"] = [ratios(s, b) for s, b in zip(service_parts, baseline_parts)]
    return Row(scenario, merge_stats(service_parts), baseline=merge_stats(baseline_parts), extra=row_extra)


# --------------------------------------------------------------------------- reporting


@dataclass
class Row:
    """One scenario's figures and the baseline measured next to it (or the report's common one)."""

    scenario: str
    stats: Stats
    baseline: Stats | None = None
    extra: dict = field(default_factory=dict)


def ratios(stats: Stats, baseline: Stats) -> dict[str, float | None]:
    """service ÷ baseline: ``rps`` (higher is better, 1.0 = as fast as bare Flask), latencies (lower is better)."""

    def div(a: float, b: float) -> float | None:
        return round(a / b, 3) if b else None

    return {"rps": div(stats.rps, baseline.rps), "p50": div(stats.p50_ms, baseline.p50_ms),
            "p90": div(stats.p90_ms, baseline.p90_ms), "p99": div(stats.p99_ms, baseline.p99_ms)}


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else format(value, pattern)


def report(name: str, rows: Sequence[Row], *, baseline: Stats | None = None, meta: dict | None = None,
           write_json: bool = True, results_dir: Path | str = RESULTS_DIR, out=None) -> dict:
    """Print the table of scenarios with their ratios to the baseline; write results/<name>.json.

    Each row is compared with its own ``baseline`` (measured right next to it, the
    fairest on a noisy machine) or else with the ``baseline`` given here.
    Returns the JSON document.
    """
    out = out or sys.stdout
    header = (f"{'scenario':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} │ {'base req/s':>10} "
              f"{'base p50':>8} {'base p99':>8} │ {'req/s ×':>7} {'p50 ×':>6} {'p99 ×':>6} │ {'err':>4}")
    print(f"\n== {name} ==", file=out)
    print(header, file=out)
    print("─" * len(header), file=out)
    document_rows = []
    for row in rows:
        base = row.baseline or baseline
        ratio = ratios(row.stats, base) if base else {"rps": None, "p50": None, "p90": None, "p99": None}
        flag = row.stats.errors + row.stats.mismatches
        print(f"{row.scenario[:44]:<44} {row.stats.rps:>8,.0f} {row.stats.p50_ms:>7.1f} {row.stats.p99_ms:>7.1f} │ "
              f"{_fmt(base.rps if base else None, '>10,.0f')} {_fmt(base.p50_ms if base else None, '>8.1f')} "
              f"{_fmt(base.p99_ms if base else None, '>8.1f')} │ {_fmt(ratio['rps'], '>7.2f')} "
              f"{_fmt(ratio['p50'], '>6.2f')} {_fmt(ratio['p99'], '>6.2f')} │ {flag:>4}", file=out)
        document_rows.append({"scenario": row.scenario, "stats": row.stats.as_dict(),
                              "baseline": base.as_dict() if base else None, "ratios": ratio, "extra": row.extra})
    engines = sorted({row.stats.engine for row in rows})
    print(f"load generator: {', '.join(engines) or '—'}; req/s × = service ÷ bare Flask (higher is better, "
          f"1.00 = as fast as Flask doing nothing); p50 ×, p99 × = service latency ÷ bare Flask latency "
          f"(lower is better); err = errors + unexpected answers", file=out)
    document = {
        "name": name,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "meta": meta or {},
        "rows": document_rows,
    }
    if write_json:
        folder = Path(results_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written: {path}", file=out)
    return document


# --------------------------------------------------------------------------- command line


def arguments(description: str, *, seconds: float = 10, quick_seconds: float = 2) -> argparse.ArgumentParser:
    """The options every benchmark script shares (add your own to the parser)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite",
                        help="database to run against (postgres: a dedicated database on "
                             f"{POSTGRES_SERVER}, dropped and created again)")
    parser.add_argument("--quick", action="store_true", help=f"short run ({quick_seconds:g}s per measurement)")
    parser.add_argument("--seconds", type=float, default=None, help=f"seconds per measurement (default {seconds:g})")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternate baseline and service this many times per measurement (default 5; --quick: 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, service and baseline (default 2)")
    parser.add_argument("--engine", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed)")
    parser.add_argument("--install-wrk", action="store_true", help="apt-get install -y wrk first when missing")
    parser.add_argument("--requests", type=int, default=None,
                        help="stop each measurement after N requests (Python engine; for smoke runs)")
    parser.add_argument("--no-json", action="store_true", help="do not write benchmarks/results/<name>.json")
    parser.set_defaults(_default_seconds=seconds, _quick_seconds=quick_seconds)
    return parser


def databases(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgres"] if args.database == "both" else [args.database]


def load_options(args: argparse.Namespace) -> dict:
    """Keyword arguments for ``load`` from the parsed command line."""
    if args.install_wrk:
        install_wrk()
    seconds = args.seconds if args.seconds is not None else (
        args._quick_seconds if args.quick else args._default_seconds)
    engine = "python" if args.requests else args.engine
    return {"seconds": seconds, "concurrency": args.concurrency, "engine": engine,
            "requests_limit": args.requests, "warmup": 0 if (args.quick or args.requests) else 1}


def compare_options(args: argparse.Namespace) -> dict:
    """Keyword arguments for ``compare`` from the parsed command line."""
    options = load_options(args)
    options["rounds"] = 1 if (args.quick or args.requests) else max(1, args.rounds)
    return options


def print_flatness(rows: list, size_key: str, size_label: str) -> None:
    """Per database and scenario: large-database ratio ÷ small-database ratio (1.00 = flat).

    Rows carry ``extra["database"]``, ``extra["scenario"]`` and ``extra[size_key]``.
    """
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row.extra["database"], row.extra["scenario"]), []).append(row)
    for (kind, scenario), entries in groups.items():
        if len(entries) < 2:
            continue
        small, large = entries[0], entries[-1]
        a, b = ratios(small.stats, small.baseline), ratios(large.stats, large.baseline)

        def q(x, y):
            return f"{y / x:.2f}" if x and y else "—"

        print(f"[{kind}] {scenario}: {large.extra[size_key]:,} vs {small.extra[size_key]:,} {size_label} — "
              f"req/s {q(a['rps'], b['rps'])}, p50 {q(a['p50'], b['p50'])}, p99 {q(a['p99'], b['p99'])} "
              f"(baseline-normalised; 1.00 = flat)")


def consortium_ids(url: str) -> list[int]:
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
