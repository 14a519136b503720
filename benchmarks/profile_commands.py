"""In-process profile of the commands every consortium uses: no gunicorn, no socket, no load generator.

The real application (``create_app``) answers ``/consortium info``, ``/checklist liste`` (26 items) and
``/checklist cocher 3`` through Flask's test client, as Mattermost posts them, rotating over members of
seeded consortiums (``cocher`` and ``decocher`` take turns, pass after pass, so that every request
changes an item). For each command it prints the SQL statements of one request, the median time of a
request in this process, and cProfile's top lines over the loop (``--sort tottime|cumulative``).

    python benchmarks/profile_commands.py                       # SQLite, 400 rounds
    python benchmarks/profile_commands.py --database postgres --rounds 200 --top 30

Not a test and not a load benchmark (see command_latency.py for ratios against bare Flask): it tells
where the time of one request goes.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.baseline_app import app as baseline_app  # noqa: E402
from benchmarks.database import drop_database, fresh_database, prepare_database  # noqa: E402
from benchmarks.seeding import seed_consortia  # noqa: E402
from benchmarks.workload import command_form  # noqa: E402

COMMANDS = (("/consortium", "info"), ("/checklist", "liste"), ("/checklist", "cocher 3"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-name", default="consortia_bench_profile")
    parser.add_argument("--consortia", type=int, default=200, help="consortiums seeded (default 200)")
    parser.add_argument("--rounds", type=int, default=400, help="requests per command (default 400)")
    parser.add_argument("--top", type=int, default=25, help="profile lines shown per command (default 25)")
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime")
    parser.add_argument("--commands", default=",".join(f"{c} {t}" for c, t in COMMANDS),
                        help="comma-separated commands (default: the three of the issue)")
    return parser.parse_args(argv)


def build_app(url: str, instance: Path):
    """The production application, configured as benchmarks/servers.start_service configures it."""
    from plugin.app import Services, create_app
    from plugin.config import load_settings

    token = "bench-" + secrets.token_hex(12)
    env = {
        "CONSORTIA_DATABASE_URL": url, "CONSORTIA_SECRET_KEY": secrets.token_urlsafe(32),
        "CONSORTIA_COMMAND_TOKENS": token, "CONSORTIA_API_TOKENS": "bench-api-" + secrets.token_hex(12),
        "CONSORTIA_MATTERMOST_TEAM": "reseau", "CONSORTIA_ADMINS": "admin", "CONSORTIA_RUN_WORKER": "0",
        "CONSORTIA_INSTANCE_DIR": str(instance), "CONSORTIA_BASE_URL": "http://127.0.0.1:8080",
        "CONSORTIA_MATTERMOST_URL": "", "CONSORTIA_MATTERMOST_TOKEN": "", "CONSORTIA_CALDAV_URL": "",
        "CONSORTIA_SMTP_URL": "",
    }
    services = Services(load_settings(env))
    return create_app(services=services), services, token


def count_statements(engine, action) -> int:
    from sqlalchemy import event

    issued: list[str] = []

    def record(conn, cursor, statement, *_args):
        issued.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    control = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
    return len([s for s in issued if not s.lstrip().upper().startswith(control)])


def timed(send, bodies) -> tuple[list[float], list[float]]:
    """Wall and thread CPU milliseconds of each request."""
    wall, cpu = [], []
    for payload in bodies:
        started, started_cpu = time.perf_counter(), time.thread_time()
        send(payload)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def run(argv=None) -> None:
    args = parse_args(argv)
    url = fresh_database(args.database, name=args.database_name)
    try:
        prepare_database(url)
        seeded = seed_consortia(url, args.consortia, sample=20)
        app, services, token = build_app(url, Path(tempfile.mkdtemp(prefix="consortia-profile-")))
        client = app.test_client()
        senders = [(c, m) for c in seeded.consortia for m in c.members]
        headers = {"Authorization": f"Token {token}"}

        def body(command: str, text: str, turn: int) -> str:
            consortium, member = senders[turn % len(senders)]
            if text.startswith("cocher") and (turn // len(senders)) % 2:
                text = "de" + text   # every other pass unticks: each request changes an item
            return urlencode(command_form(token, command=command, text=text, user_id=member.user_id,
                                          user_name=member.username, channel_id=consortium.channel_id,
                                          team_id=seeded.team_id, team_domain=seeded.team_domain,
                                          channel_name=consortium.channel_name))

        def send(payload: str) -> str:
            response = client.post("/mattermost/command", data=payload, headers=headers,
                                   content_type="application/x-www-form-urlencoded")
            text = response.get_json().get("text", "")
            if response.status_code != 200 or text.startswith("⚠"):
                raise SystemExit(f"unexpected reply ({response.status_code}): {text[:300]}")
            return text

        flask_client = baseline_app.test_client()

        def flask_send(payload: str) -> str:
            return flask_client.post("/mattermost/command", data=payload, headers=headers,
                                     content_type="application/x-www-form-urlencoded").get_json()["text"]

        print(f"{args.database}: {seeded.total:,} consortiums, {len(senders)} senders, {args.rounds} rounds, "
              f"python {sys.version.split()[0]}, pid {os.getpid()}")
        for spec in [part.strip() for part in args.commands.split(",") if part.strip()]:
            command, _, text = spec.partition(" ")
            turns = iter(range(10 ** 9))   # one pass over the senders after another, never the same twice
            for _ in range(len(senders)):   # warm up: every sender known, every statement compiled
                send(body(command, text, next(turns)))
            statements = count_statements(services.db.engine, lambda: send(body(command, text, next(turns))))
            for _ in range(len(senders) - 1):
                send(body(command, text, next(turns)))
            bodies = [body(command, text, next(turns)) for _ in range(args.rounds)]
            timings = []
            profiler = cProfile.Profile()
            for payload in bodies:
                started = time.perf_counter()
                profiler.enable()
                send(payload)
                profiler.disable()
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            print(f"\n== {spec}: {statements} SQL statements, median {statistics.median(timings):.2f} ms, "
                  f"p90 {timings[int(len(timings) * 0.9)]:.2f} ms (in process, profiler on)")
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
            print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))
            # The same loop without the profiler: the median a request costs.
            bodies = [body(command, text, next(turns)) for _ in range(args.rounds)]
            bare, cpu = timed(send, bodies)
            # The bare Flask endpoint (benchmarks/baseline_app.py) answering the very same form right after,
            # in this process too: the in-process ratio.
            flask_wall, flask_cpu = timed(flask_send, bodies)
            # CPU time of this thread: what a request costs, whatever else the machine is doing.
            print(f"   without the profiler: median {statistics.median(bare):.2f} ms wall, "
                  f"{statistics.median(cpu):.2f} ms CPU; bare Flask, same form: {statistics.median(flask_wall):.2f} ms "
                  f"wall, {statistics.median(flask_cpu):.2f} ms CPU "
                  f"(CPU ratio {statistics.median(flask_cpu) / statistics.median(cpu):.2f}×)")
        services.db.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    run()
