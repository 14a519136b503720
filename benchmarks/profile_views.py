"""In-process profile of the slow views: the dashboard, the AMI matrix and a 1,000-event calendar feed.

The real application (``create_app``) answers through Flask's test client, no socket: the dashboard
(page 1 and page 100 of --consortia, and filtered by stage) and the AMI matrix (--answers) as a
signed-in admin, seeded as ``web.py`` seeds them; a consortium's feed (--events) warm (this
process's feed cache on; asked for as a calendar client does, without the admin's session cookie),
``304`` (``If-None-Match``), cold (the cache off: the stored bytes read from
the database) and "first after a restart" (the cache emptied before each request). Each view is
paired with a bare Flask app in the same process: its JSON endpoint, and for the feed the same
bytes returned by a bare route. For each it prints the SQL statements of one request, the median
CPU time of the thread (the figure that holds on a busy machine), and cProfile's top lines.

    python benchmarks/profile_views.py                       # SQLite, 300 rounds
    python benchmarks/profile_views.py --database postgres --views dashboard,matrix --top 30
    python benchmarks/profile_views.py --views dashboard,dashboard-changed --no-profile   # kept / read again

Not a test and not a load benchmark (``web.py`` and ``calendar_feeds.py`` give the ratios under load).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.calendar_feeds import seed_sessions  # noqa: E402
from benchmarks.database import drop_database, fresh_database, prepare_database  # noqa: E402
from benchmarks.profile_commands import build_app, count_statements  # noqa: E402
from benchmarks.seeding import seed_consortia  # noqa: E402
from benchmarks.web import seed_call  # noqa: E402

VIEWS = ("dashboard", "dashboard-100", "dashboard-stage", "dashboard-changed", "matrix", "feed-warm", "feed-304", "feed-cold",
         "feed-restart")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-name", default="consortia_bench_views")
    parser.add_argument("--consortia", type=int, default=10_000, help="consortiums seeded (default 10,000)")
    parser.add_argument("--answers", type=int, default=400, help="answers to the call (default 400)")
    parser.add_argument("--events", type=int, default=1000, help="sessions in the feed (default 1,000)")
    parser.add_argument("--rounds", type=int, default=300, help="requests per view (default 300)")
    parser.add_argument("--top", type=int, default=15, help="profile lines shown per view (default 15)")
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime")
    parser.add_argument("--views", default=",".join(VIEWS), help=f"comma-separated, among {', '.join(VIEWS)}")
    parser.add_argument("--no-profile", action="store_true", help="only the statements and the CPU medians")
    return parser.parse_args(argv)


def _bare_app(body: bytes):
    """Bare Flask in this process: the baseline's JSON endpoint, and a route answering ``body``."""
    from flask import Response

    from benchmarks.baseline_app import app

    if "bytes" not in app.view_functions:
        app.add_url_rule("/bytes", "bytes", lambda: Response(body, mimetype="text/calendar"))
    return app.test_client()


def _sign_in(client, secret: str, admin_id: int, network_id: int) -> None:
    import re

    from plugin.security import Signer

    token = Signer(secret).sign("magic", {"p": admin_id, "n": network_id, "l": "fr"}, single_use=True)
    page = client.get("/web/login", query_string={"token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/web/login", data={"csrf_token": csrf, "token": token}, follow_redirects=True)
    if response.status_code != 200 or "table" not in response.get_data(as_text=True):
        raise SystemExit(f"sign-in failed: {response.status_code}")


def _feed_path(services, slug: str) -> str:
    from sqlalchemy import select

    from models import Consortium

    with services.db.reader() as session:
        token = session.scalar(select(Consortium.feed_token).where(Consortium.slug == slug))
    return f"/calendars/{slug}/{token}.ics"


def measure(label: str, send, *, engine, rounds: int, top: int, sort: str, profile: bool, prepare=None) -> float:
    """``prepare`` runs before each request, outside what is timed and profiled."""
    prepare = prepare or (lambda: None)
    for _ in range(20):   # warm up: every statement compiled, every template loaded
        prepare()
        send()
    prepare()
    statements = count_statements(engine, send) if engine is not None else 0
    cpu = []
    for _ in range(rounds):
        prepare()
        started = time.thread_time()
        send()
        cpu.append((time.thread_time() - started) * 1000)
    median = statistics.median(cpu)
    print(f"\n== {label}: {statements} SQL statements, median {median:.2f} ms CPU "
          f"(p90 {sorted(cpu)[int(len(cpu) * 0.9)]:.2f} ms)")
    if profile:
        profiler = cProfile.Profile()
        for _ in range(rounds):
            prepare()
            profiler.enable()
            send()
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
        print("\n".join(line for line in out.getvalue().splitlines()[4:] if line.strip()))
    return median


def run(argv=None) -> None:
    args = parse_args(argv)
    views = [v.strip() for v in args.views.split(",") if v.strip()]
    url = fresh_database(args.database, name=args.database_name)
    try:
        prepare_database(url)
        seeded = seed_consortia(url, args.consortia, sample=4)
        call_id, _form_token, admin_id = seed_call(url, seeded.network_id, args.answers)
        target = seeded.consortia[0]
        seed_sessions(url, target, args.events)
        app, services, _token = build_app(url, Path(tempfile.mkdtemp(prefix="consortia-views-")))
        client = app.test_client()
        _sign_in(client, services.settings.secret_key, admin_id, seeded.network_id)
        engine = services.db.engine
        print(f"{args.database}: {seeded.total:,} consortiums, {args.answers} answers, {args.events:,} sessions, "
              f"{args.rounds} rounds, python {sys.version.split()[0]}, pid {os.getpid()}, "
              f"load average {os.getloadavg()[0]:.2f}")

        from plugin.features.sessions.feeds import FEEDS

        feed = _feed_path(services, target.slug)
        calendar = app.test_client()   # a calendar client: no session cookie, identity coding
        first = calendar.get(feed)
        assert first.status_code == 200 and first.data.count(b"BEGIN:VEVENT") == args.events, first.status_code
        body, etag = first.data, first.headers["ETag"]
        print(f"feed: {len(body) / 1024:.0f} KiB, ETag {etag}")
        bare = _bare_app(body)
        options = dict(rounds=args.rounds, top=args.top, sort=args.sort, profile=not args.no_profile)

        def page(path: str, expect: str):
            def send():
                response = client.get(path)
                assert response.status_code == 200 and expect in response.get_data(as_text=True), response.status
            return send

        def feed_get(*, status: int = 200, headers: dict | None = None, before=None):
            def send():
                if before is not None:
                    before()
                response = calendar.get(feed, headers=headers or {})
                assert response.status_code == status, response.status_code
                if status == 200:
                    assert len(response.data) == len(body)
            return send

        def board_changed():
            """What any write the dashboard shows does: the network's board stamp moves."""
            from sqlalchemy import text

            with services.db.engine.begin() as connection:
                connection.execute(text("UPDATE networks SET board_stamp = board_stamp + 1 WHERE id = :id"),
                                   {"id": seeded.network_id})

        results = {}
        results["bare Flask JSON"] = measure("bare Flask JSON endpoint", lambda: bare.get("/"), engine=None,
                                             **dict(options, profile=False))
        scenarios = {
            "dashboard": (f"dashboard · page 1 of {seeded.total:,}", page("/web/", "consortiums")),
            "dashboard-100": ("dashboard · page 100", page("/web/?page=100", "consortiums")),
            "dashboard-stage": ("dashboard · filtered by stage", page("/web/?stage=structuration", "consortiums")),
            "dashboard-changed": ("dashboard · page 1, after a change", page("/web/", "consortiums"), board_changed),
            "matrix": (f"AMI matrix · {args.answers} answers", page(f"/web/ami/{call_id}", "matrix")),
            "feed-warm": ("feed · warm", feed_get()),
            "feed-304": ("feed · 304", feed_get(status=304, headers={"If-None-Match": etag})),
            "feed-cold": ("feed · cold (feed cache off)", feed_get(before=lambda: setattr(FEEDS, "size", 0))),
            "feed-restart": ("feed · first after a restart (cache emptied)",
                             feed_get(before=lambda: (setattr(FEEDS, "size", 256), FEEDS.clear()))),
        }
        for view in views:
            label, send, *prepare = scenarios[view]
            results[label] = measure(label, send, engine=engine, prepare=prepare[0] if prepare else None, **options)
            FEEDS.size = 256
        if any(v.startswith("feed") for v in views):
            results["bare Flask, the same bytes"] = measure(
                f"bare Flask returning the same {len(body) / 1024:.0f} KiB", lambda: bare.get("/bytes"), engine=None,
                **dict(options, profile=False))
        print("\nmedian CPU per request (ms), and bare Flask's JSON endpoint ÷ this (the in-process ratio):")
        base = results["bare Flask JSON"]
        for label, median in results.items():
            print(f"  {label:<48} {median:8.2f}   {base / median:5.2f}×")
        services.db.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    run()
