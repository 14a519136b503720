"""Issue 2's benchmark: `/consortium info` with 1 and with 10,000 consortiums.

The command is sent as Mattermost sends it: a member of the consortium, in the
consortium's channel, with the command token. Requests rotate over several members
of several consortiums spread over the whole database. Each measurement of the
service is paired with a measurement of the bare Flask endpoint (same request, same
gunicorn workers, same load generator) taken right before it, and the table gives
the ratios (PRODUCT.md §6 "Speed": the same latency with one consortium or ten
thousand).

    python benchmarks/command_latency.py --database both
    python benchmarks/command_latency.py --database postgres --quick
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import DEFAULT_DATABASE_NAME, drop_database, fresh_database, prepare_database  # noqa: E402
from benchmarks.load import compare  # noqa: E402
from benchmarks.options import arguments, compare_options, databases, gunicorn_args, run_meta, worker_kinds  # noqa: E402
from benchmarks.reporting import Row, report  # noqa: E402
from benchmarks.seeding import Seeded, SeededConsortium, seed_consortia  # noqa: E402
from benchmarks.servers import Service, start_baseline, start_service  # noqa: E402
from benchmarks.stats import ratios  # noqa: E402
from benchmarks.workload import command_spec, slash_command  # noqa: E402

NAME = "command_latency"
EXPECT = "#### Bench consortium"  # the reply starts with the consortium's name: not an error


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--sizes", default="1,10000",
                        help="numbers of consortiums in the database, comma-separated (default 1,10000)")
    parser.add_argument("--rotate", type=int, default=50,
                        help="how many consortiums (x their members) the requests rotate over (default 50)")
    parser.add_argument("--keep-database", action="store_true",
                        help="keep the seeded databases afterwards (default: dropped)")
    parser.add_argument("--database-name", default=DEFAULT_DATABASE_NAME,
                        help=f"PostgreSQL database to (re)create (default {DEFAULT_DATABASE_NAME})")
    return parser.parse_args(argv)


def run(argv=None) -> dict:
    args = parse_args(argv)
    sizes = sorted({int(part) for part in args.sizes.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise SystemExit("--sizes: positive numbers")
    options = compare_options(args)
    rows: list[Row] = []
    print(f"/consortium info — sizes {sizes}, databases {databases(args)}, workers {worker_kinds(args)}, "
          f"{options['seconds']:g}s per measurement in {options['rounds']} round(s) alternating with the baseline, "
          f"{args.concurrency} connections, {args.workers} workers")
    for kind in databases(args):
        url = fresh_database(kind, name=args.database_name)
        prepare_database(url)
        seeded_total = 0
        sample: list[SeededConsortium] = []
        for size in sizes:
            seeded = seed_consortia(url, size - seeded_total, sample=args.rotate)
            seeded_total = size
            sample.extend(seeded.consortia)
            print(f"[{kind}] {seeded.total:,} consortiums (seeded {seeded.count:,} in {seeded.seconds:.1f}s)")
            rotation = _spread(sample, args.rotate)
            for workers_kind in worker_kinds(args):
                served = gunicorn_args(workers_kind, args)   # the baseline is served the same way
                with start_baseline(workers=args.workers, gunicorn_args=served) as baseline, \
                        start_service(url, workers=args.workers, gunicorn_args=served) as service:
                    spec = command_spec(service, seeded, command="/consortium", text="info",
                                        consortia=rotation)
                    _check(service, seeded, rotation[-1])
                    row = compare(
                        f"{kind} · {size:,} consortium{'s' if size > 1 else ''} · {workers_kind}", spec,
                        spec.against(baseline), expect=EXPECT, baseline_expect="ok",
                        extra={"database": kind, "workers_kind": workers_kind, "consortia": size,
                               "seed_seconds": round(seeded.seconds, 2), "senders": len(spec.bodies),
                               "command": "/consortium info"}, **options)
                print(f"  baseline: {row.baseline}\n  service:  {row.stats}")
                rows.append(row)
        if args.keep_database:
            print(f"[{kind}] database kept: {url}")
        else:
            drop_database(url)
    document = report(NAME, rows, write_json=not args.no_json, meta=run_meta(
        args, options, argv, command="/consortium info", sizes=sizes, workers_kinds=worker_kinds(args),
        threads=args.worker_threads, rounds=options["rounds"]))
    _scaling(rows)
    return document


def _spread(items: list, count: int) -> list:
    """At most ``count`` items spread over the whole list (first and last included)."""
    if len(items) <= count:
        return list(items)
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def _check(service: Service, seeded: Seeded, consortium: SeededConsortium) -> None:
    """One real command first: a benchmark of error replies would measure nothing."""
    member = consortium.members[0]
    response = slash_command(service.url, service.command_token, command="/consortium", text="info",
                             user_id=member.user_id, user_name=member.username,
                             channel_id=consortium.channel_id, channel_name=consortium.channel_name,
                             team_id=seeded.team_id, team_domain=seeded.team_domain)
    text = response.json().get("text", "") if response.status_code == 200 else response.text
    if response.status_code != 200 or not text.startswith(f"#### {consortium.name}"):
        raise SystemExit(f"unexpected reply ({response.status_code}) to /consortium info: {text[:500]}\n"
                         f"service log:\n{service.log_tail()}")


def _scaling(rows: list[Row]) -> None:
    """Per database and worker kind: the largest size's figures divided by the smallest's (1.0 = no slower)."""
    by_db: dict[str, list[Row]] = {}
    for row in rows:
        by_db.setdefault(f"{row.extra['database']} · {row.extra['workers_kind']}", []).append(row)
    for kind, entries in by_db.items():
        if len(entries) < 2:
            continue
        small, large = entries[0], entries[-1]
        r_small = ratios(small.stats, small.baseline)
        r_large = ratios(large.stats, large.baseline)

        def q(a, b):
            return f"{a / b:.2f}" if a and b else "—"

        print(f"[{kind}] {large.extra['consortia']:,} vs {small.extra['consortia']:,} consortiums: "
              f"req/s ratio {q(r_large['rps'], r_small['rps'])}, p50 ratio {q(r_large['p50'], r_small['p50'])}, "
              f"p99 ratio {q(r_large['p99'], r_small['p99'])} (baseline-normalised; 1.00 = same speed)")


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
