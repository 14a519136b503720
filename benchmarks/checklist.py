"""Issue 3's benchmark: `/checklist liste` (25 and 500 items) and `/checklist cocher`, small and huge database.

Scenarios, each paired with the bare Flask endpoint measured right before it:

* ``liste · 26 items``  — the seeded template, rotating over members of many consortiums;
* ``liste · 500 items`` — the same on consortiums grown to 500 items (paginated reply);
* ``cocher``            — ticking items (a mix of real ticks and "already ticked").

First with a small database (``--small`` consortiums), then grown to ``--large``
consortiums holding ``--items`` checklist items in all (default 10,000 and
1,000,000): the baseline-normalised figures must stay flat (indexes, no N+1 query;
tests/test_checklist.py counts the SQL statements of one `liste`).

    python benchmarks/checklist.py --database sqlite --quick
    python benchmarks/checklist.py --database both
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import fresh_database, prepare_database, seeded_consortium_ids  # noqa: E402
from benchmarks.load import load  # noqa: E402
from benchmarks.options import arguments, databases, gunicorn_args, load_options, run_meta, worker_kinds  # noqa: E402
from benchmarks.reporting import Row, print_flatness, report  # noqa: E402
from benchmarks.seeding import seed_consortia  # noqa: E402
from benchmarks.servers import start_baseline, start_service  # noqa: E402
from benchmarks.workload import command_form, command_spec, slash_command  # noqa: E402

NAME = "checklist"
BIG = 500


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="consortiums in the small database (default 100)")
    parser.add_argument("--large", type=int, default=10_000, help="consortiums in the large one (default 10,000)")
    parser.add_argument("--items", type=int, default=1_000_000,
                        help="checklist items in all in the large database (default 1,000,000)")
    parser.add_argument("--rotate", type=int, default=20, help="consortiums the requests rotate over (default 20)")
    parser.add_argument("--database-name", default="consortia_bench_checklist")
    return parser.parse_args(argv)


def grow_items(url: str, consortium_ids: list[int], per_consortium: int, *, first_section: str = "Lot") -> int:
    """Give each consortium ``per_consortium`` more items (bulk Core inserts, counters moved on)."""
    from datetime import datetime, timezone

    from sqlalchemy import insert, select, update

    from models import ChecklistItem, Counter
    from models.db import make_engine

    if per_consortium <= 0 or not consortium_ids:
        return 0
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    added = 0
    try:
        with engine.begin() as conn:
            counters = dict(conn.execute(select(Counter.consortium_id, Counter.last_value)
                                         .where(Counter.kind == "checklist",
                                                Counter.consortium_id.in_(consortium_ids))).all())
            rows = []
            for cid in consortium_ids:
                start = counters.get(cid, 0)
                for n in range(start + 1, start + per_consortium + 1):
                    rows.append(dict(consortium_id=cid, number=n, position=1000 + n,
                                     section=f"{first_section} {n // 50}", section_en=f"Batch {n // 50}",
                                     text=f"Question supplémentaire {n} : qui s'en charge, et pour quand ?",
                                     text_en="", done=n % 3 == 0, created_at=now, updated_at=now, version=1))
                conn.execute(update(Counter).where(Counter.consortium_id == cid, Counter.kind == "checklist")
                             .values(last_value=start + per_consortium))
                if len(rows) >= 20_000:
                    conn.execute(insert(ChecklistItem), rows)
                    added += len(rows)
                    rows = []
            if rows:
                conn.execute(insert(ChecklistItem), rows)
                added += len(rows)
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE checklist_items"))
    finally:
        engine.dispose()
    return added


def _check(service, seeded, consortium, text: str, expect: str) -> None:
    member = consortium.members[0]
    response = slash_command(service.url, service.command_token, command="/checklist", text=text,
                             user_id=member.user_id, user_name=member.username,
                             channel_id=consortium.channel_id, channel_name=consortium.channel_name,
                             team_id=seeded.team_id, team_domain=seeded.team_domain)
    body = response.json().get("text", "") if response.status_code == 200 else response.text
    if response.status_code != 200 or expect not in body:
        raise SystemExit(f"unexpected reply ({response.status_code}) to /checklist {text}: {body[:500]}\n"
                         f"service log:\n{service.log_tail()}")


def _measure(kind: str, label: str, url: str, seeded, small_sample, big_sample, options, args,
             total_consortia: int, total_items: int) -> list[Row]:
    rows = []
    for workers_kind in worker_kinds(args):
        served = gunicorn_args(workers_kind, args)   # the baseline is served the same way
        with start_baseline(workers=args.workers, gunicorn_args=served) as baseline, \
                start_service(url, workers=args.workers, gunicorn_args=served) as service:
            rows += _scenarios(f"{kind} · {label} · {workers_kind}", service, baseline, seeded, small_sample,
                               big_sample, options,
                               {"database": kind, "workers_kind": workers_kind, "size": label,
                                "consortia": total_consortia, "items": total_items})
    return rows


def _scenarios(title: str, service, baseline, seeded, small_sample, big_sample, options, extra: dict) -> list[Row]:
    rows = []
    _check(service, seeded, small_sample[0], "liste", "Bench consortium")
    _check(service, seeded, big_sample[0], "liste", "Bench consortium")
    scenarios = [
        ("liste · 26 items", command_spec(service, seeded, command="/checklist", text="liste",
                                          consortia=small_sample), "Bench consortium"),
        (f"liste · {BIG} items", command_spec(service, seeded, command="/checklist", text="liste",
                                              consortia=big_sample), "Bench consortium"),
    ]
    senders = [(c, m) for c in small_sample for m in c.members]
    import dataclasses
    from urllib.parse import urlencode

    bodies = tuple(urlencode(command_form(
        service.command_token, command="/checklist", text=f"cocher {n}", user_id=m.user_id, user_name=m.username,
        channel_id=c.channel_id, team_id=seeded.team_id, team_domain=seeded.team_domain,
        channel_name=c.channel_name)) for n in range(1, 27) for c, m in senders)
    tick = dataclasses.replace(scenarios[0][1], bodies=bodies)
    scenarios.append(("cocher", tick, "coch"))
    for name, spec, expect in scenarios:
        base = load(spec.against(baseline), expect="ok", **options)
        stats = load(spec, expect=expect, **options)
        print(f"  {name}: service {stats}\n  {' ' * len(name)}  baseline {base}")
        rows.append(Row(f"{title} · {name}", stats, baseline=base, extra={**extra, "scenario": name}))
    return rows


def run(argv=None) -> dict:
    args = parse_args(argv)
    options = load_options(args)
    rows: list[Row] = []
    for kind in databases(args):
        url = fresh_database(kind, name=args.database_name)
        prepare_database(url)
        seeded = seed_consortia(url, args.small, sample=args.rotate * 2)
        sample = list(seeded.consortia)
        small_sample, big_sample = sample[0::2], sample[1::2]
        grow_items(url, [c.id for c in big_sample], BIG - 26)
        items = args.small * 26 + len(big_sample) * (BIG - 26)
        print(f"[{kind}] {args.small:,} consortiums, {items:,} items")
        rows += _measure(kind, f"{args.small:,} consortiums", url, seeded, small_sample, big_sample,
                         options, args, args.small, items)
        grown = seed_consortia(url, args.large - args.small, sample=2)
        ids = [i for i in seeded_consortium_ids(url) if i not in {c.id for c in sample}]
        missing = max(0, args.items - (args.large * 26 + len(big_sample) * (BIG - 26)))
        per = missing // max(1, len(ids))
        added = grow_items(url, ids, per) if per else 0
        items = args.large * 26 + len(big_sample) * (BIG - 26) + added
        print(f"[{kind}] grown to {grown.total:,} consortiums, {items:,} items "
              f"(seeded in {grown.seconds:.0f}s)")
        rows += _measure(kind, f"{grown.total:,} consortiums", url, seeded, small_sample, big_sample,
                         options, args, grown.total, items)
    document = report(NAME, rows, write_json=not args.no_json, meta=run_meta(args, options, argv))
    print_flatness(rows, "items", "items")
    return document


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
