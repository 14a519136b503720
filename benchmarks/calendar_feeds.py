"""Issue 5's benchmark: a consortium's ICS feed with 1,000 events (cold, warm, 304) and `/session planifier`.

Scenarios, each paired with the bare Flask endpoint measured right next to it:

* ``feed 1,000 · cold``  — the feed built on every request (the in-process feed
  cache turned off with ``CONSORTIA_FEED_CACHE_SIZE=0``), from each event's cached
  VEVENT bytes: what a feed costs after any change to one of its sessions;
* ``feed 1,000 · nothing cached`` — the same with the events' cache off too
  (``CONSORTIA_ICS_EVENT_CACHE_SIZE=0``): every VEVENT serialised by icalendar on
  every request, as for the first request after a restart;
* ``feed 1,000 · warm``  — the same GET with the cache on: one indexed statement
  (the consortium's feed stamp, which makes the ETag), then the cached bytes;
* ``feed 1,000 · 304``   — a calendar client polling with ``If-None-Match``: the
  answer is ``304 Not Modified``, decided from the stamp alone (Python load
  generator, for both sides, so that the 304s are counted as successes);
* ``planifier``          — `/session planifier` round trip (validation, number,
  event, outbox rows for the card; no CalDAV/SMTP configured, as in production the
  worker does that after the answer).

Every feed request sends ``Accept-Encoding: gzip, deflate``, as calendar clients do (Thunderbird,
Apple Calendar, Google's fetcher, DAVx5's HTTP stack): the service answers the gzip coding it stored
when it built the feed. The bare Flask endpoint gets the same headers (it answers its small JSON).

    python benchmarks/calendar_feeds.py --quick
    python benchmarks/calendar_feeds.py --database both
"""
from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import fresh_database, prepare_database  # noqa: E402
from benchmarks.load import compare  # noqa: E402
from benchmarks.options import arguments, compare_options, databases, run_meta  # noqa: E402
from benchmarks.reporting import Row, report  # noqa: E402
from benchmarks.seeding import seed_consortia  # noqa: E402
from benchmarks.servers import start_baseline, start_service  # noqa: E402
from benchmarks.workload import RequestSpec, command_spec  # noqa: E402

NAME = "calendar"
# What a calendar client sends with each poll (the feeds are served gzip-coded to it).
CALENDAR_CLIENT = {"Accept-Encoding": "gzip, deflate"}
# wrk sees the coded bytes (it decodes nothing): the coding and the events are checked once, on the
# first answer, and the load counts the status codes only.
FEED_EXPECT = None


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="events in the feed (default 1,000)")
    parser.add_argument("--consortia", type=int, default=100, help="consortiums in the database (default 100)")
    parser.add_argument("--database-name", default="consortia_bench_calendar")
    return parser.parse_args(argv)


def seed_sessions(url: str, consortium, events: int) -> None:
    """``events`` sessions in one consortium, a third of them answered by each member."""
    import uuid

    from sqlalchemy import insert, select

    from models import Counter, Person, Rsvp, WorkingSession
    from models.db import make_engine

    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    try:
        with engine.begin() as conn:
            person_ids = list(conn.scalars(select(Person.id).where(
                Person.username.in_([m.username for m in consortium.members]))))
            rows = []
            for n in range(1, events + 1):
                start = (now + timedelta(days=n % 700, hours=n % 9)).replace(minute=0, second=0, microsecond=0)
                rows.append(dict(consortium_id=consortium.id, number=n, uid=f"{uuid.uuid4()}@consortia",
                                 title=f"Séance de travail n°{n} : diagnostic partagé", starts_at=start,
                                 ends_at=start + timedelta(hours=2), timezone="Europe/Paris",
                                 location="Maison des associations, salle 2", video_url="https://visio.example.org/x",
                                 agenda="Tour de table\nDiagnostic\nSuite", minutes="", sequence=n % 3,
                                 status="cancelled" if n % 17 == 0 else "confirmed", created_at=now, updated_at=now))
            conn.execute(insert(WorkingSession), rows)
            ids = list(conn.scalars(select(WorkingSession.id).where(WorkingSession.consortium_id == consortium.id)))
            answers = [dict(session_id=sid, person_id=pid, answer=("accepted", "declined", "tentative")[i % 3],
                            updated_at=now)
                       for i, sid in enumerate(ids) for pid in person_ids if (sid + pid) % 3 == 0]
            if answers:
                conn.execute(insert(Rsvp), answers)
            conn.execute(insert(Counter).values(consortium_id=consortium.id, kind="session", last_value=events))
    finally:
        engine.dispose()


def feed_url(service_url: str, url: str, slug: str) -> str:
    from sqlalchemy import select

    from models import Consortium
    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            token = conn.scalar(select(Consortium.feed_token).where(Consortium.slug == slug))
    finally:
        engine.dispose()
    return f"{service_url}/calendars/{slug}/{token}.ics"


def _not_modified(url: str, etag: str):
    def call(session):
        response = session.get(url, headers={"If-None-Match": etag, **CALENDAR_CLIENT}, timeout=10)
        if response.status_code == 304:
            response.status_code = 200  # the expected answer: counted as a success
        return response
    return call


def _plain(url: str):
    def call(session):
        return session.get(url, headers=CALENDAR_CLIENT, timeout=10)
    return call


def run(argv=None) -> dict:
    import requests

    args = parse_args(argv)
    options = compare_options(args)
    py_options = dict(options, engine="python")
    rows: list[Row] = []
    year = datetime.now().year + 1
    with start_baseline(workers=args.workers) as baseline:
        for kind in databases(args):
            url = fresh_database(kind, name=args.database_name)
            prepare_database(url)
            seeded = seed_consortia(url, args.consortia, sample=4)
            target = seeded.consortia[0]
            seed_sessions(url, target, args.events)
            print(f"[{kind}] {args.consortia} consortiums, {args.events:,} sessions in {target.slug}")
            extra = {"database": kind, "events": args.events}

            with start_service(url, workers=args.workers,
                               extra_env={"CONSORTIA_FEED_CACHE_SIZE": "0"}) as service:
                feed = feed_url(service.url, url, target.slug)
                first = requests.get(feed, headers=CALENDAR_CLIENT, timeout=30)
                assert first.status_code == 200 and first.content.count(b"BEGIN:VEVENT") == args.events, \
                    (first.status_code, service.log_tail())
                assert first.headers.get("Content-Encoding") == "gzip", first.headers
                print(f"  feed: {len(first.content) / 1024:.0f} KiB, "
                      f"{int(first.headers['Content-Length']) / 1024:.0f} KiB gzip-coded")
                spec = RequestSpec(feed, headers=CALENDAR_CLIENT)
                rows.append(compare(f"{kind} · feed {args.events:,} · cold", spec, spec.against(baseline),
                                    expect=FEED_EXPECT, baseline_expect="ok", extra=extra, **options))

            with start_service(url, workers=args.workers,
                               extra_env={"CONSORTIA_FEED_CACHE_SIZE": "0",
                                                 "CONSORTIA_ICS_EVENT_CACHE_SIZE": "0"}) as service:
                feed = feed_url(service.url, url, target.slug)
                spec = RequestSpec(feed, headers=CALENDAR_CLIENT)
                rows.append(compare(f"{kind} · feed {args.events:,} · nothing cached", spec,
                                    spec.against(baseline), expect=FEED_EXPECT, baseline_expect="ok",
                                    extra=extra, **options))

            with start_service(url, workers=args.workers) as service:
                feed = feed_url(service.url, url, target.slug)
                etag = requests.get(feed, headers=CALENDAR_CLIENT, timeout=30).headers["ETag"]
                spec = RequestSpec(feed, headers=CALENDAR_CLIENT)
                rows.append(compare(f"{kind} · feed {args.events:,} · warm", spec, spec.against(baseline),
                                    expect=FEED_EXPECT, baseline_expect="ok", extra=extra, **options))
                base_url = spec.against(baseline).url
                rows.append(compare(f"{kind} · feed {args.events:,} · 304", _not_modified(feed, etag),
                                    _plain(base_url), expect=None, baseline_expect="ok", extra=extra,
                                    **py_options))

                senders = [(c, m) for c in seeded.consortia for m in c.members]
                plan = command_spec(service, seeded, command="/session",
                                    text=f'planifier "Atelier de co-construction" 10/12/{year} 14h '
                                    f'--duree 2h --lieu "Maison des associations"',
                                    senders=senders)
                check = requests.post(plan.url, data=plan.bodies[0], headers=plan.headers, timeout=10)
                assert "planifi" in check.text, check.text
                rows.append(compare(f"{kind} · /session planifier", plan, plan.against(baseline),
                                    expect="planifi", baseline_expect="ok", extra=extra, **options))
    return report(NAME, rows, write_json=not args.no_json, meta=run_meta(args, options, argv, events=args.events))


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
