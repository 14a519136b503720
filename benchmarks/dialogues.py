"""Issue 6's benchmark: `/dialogue liste` (30 dialogues) and `/dialogue liste --tout` (the whole network).

Scenarios, each paired with the bare Flask endpoint measured right before it:

* ``liste · 30 dialogues``  — a member in their consortium's channel, rotating over consortiums that
  each hold 30 dialogues with 30 foundations;
* ``liste --tout``          — a network admin, across every consortium (``--consortia``, default
  10,000, holding ``--dialogues`` dialogues in all, default 50,000).

    python benchmarks/dialogues.py --database sqlite --quick
    python benchmarks/dialogues.py --database both
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import fresh_database, prepare_database, seeded_consortium_ids  # noqa: E402
from benchmarks.load import load  # noqa: E402
from benchmarks.options import arguments, databases, load_options, run_meta  # noqa: E402
from benchmarks.reporting import Row, report  # noqa: E402
from benchmarks.seeding import SeededMember, fake_id, seed_consortia  # noqa: E402
from benchmarks.servers import start_baseline, start_service  # noqa: E402
from benchmarks.workload import command_spec, slash_command  # noqa: E402

NAME = "dialogues"
PER_LISTED = 30
STAGES = ("premier-contact", "exploration", "candidature", "instruction", "accorde", "decline", "clos")


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--consortia", type=int, default=10_000, help="consortiums (default 10,000)")
    parser.add_argument("--dialogues", type=int, default=50_000, help="dialogues in all (default 50,000)")
    parser.add_argument("--foundations", type=int, default=60, help="foundations (default 60)")
    parser.add_argument("--rotate", type=int, default=20, help="consortiums the `liste` requests rotate over")
    parser.add_argument("--database-name", default="consortia_bench_dialogues")
    return parser.parse_args(argv)


def seed_dialogues(url: str, network_id: int, consortium_ids: list[int], listed_ids: set[int], total: int,
                   foundations: int) -> tuple[int, str]:
    """Foundations (each with a representative) and dialogues, in bulk; returns (dialogues, admin user id)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import insert, select

    from models import Counter, FoundationDialogue, Organisation, Person
    from models.db import make_engine

    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    admin_id = fake_id("benchadmin", 1)
    try:
        with engine.begin() as conn:
            org_ids = []
            for n in range(1, foundations + 1):
                org_ids.append(conn.execute(insert(Organisation).values(
                    network_id=network_id, name=f"Fondation {n}", short_name=f"Fondation{n}",
                    search_key=f"fondation-{n}", kind="foundation" if n % 4 else "fund", description="",
                    themes=["Emploi"], created_at=now).returning(Organisation.id)).scalar_one())
            conn.execute(insert(Person), [dict(network_id=network_id, username=f"rep{n}",
                                               mattermost_user_id=fake_id("benchrep", n), display_name="",
                                               organisation_id=oid, is_guest=True, created_at=now)
                                          for n, oid in enumerate(org_ids, start=1)])
            if conn.scalar(select(Person.id).where(Person.username == "admin")) is None:
                conn.execute(insert(Person).values(network_id=network_id, username="admin",
                                                   mattermost_user_id=admin_id, display_name="Admin", created_at=now))
            else:
                admin_id = conn.scalar(select(Person.mattermost_user_id).where(Person.username == "admin"))
            listed = [cid for cid in consortium_ids if cid in listed_ids]
            others = [cid for cid in consortium_ids if cid not in listed_ids]
            remaining = max(0, total - len(listed) * PER_LISTED)
            per_other = remaining // max(1, len(others))
            extra = remaining - per_other * len(others)
            rows, counters, count = [], [], 0
            for index, cid in enumerate(listed + others):
                n_here = PER_LISTED if cid in listed_ids else per_other + (1 if index - len(listed) < extra else 0)
                for number in range(1, n_here + 1):
                    stage = STAGES[(cid + number) % len(STAGES)]
                    moment = now - timedelta(minutes=(cid * 7 + number) % 50_000)
                    rows.append(dict(
                        consortium_id=cid, number=number, foundation_id=org_ids[(cid + number) % len(org_ids)],
                        subject=f"Sujet {number} : financement du diagnostic partagé", subject_key=f"sujet-{number}",
                        stage=stage, next_step_date=(now + timedelta(days=number % 40)).date() if number % 3 else None,
                        next_step_action="Envoyer la note de présentation" if number % 3 else "",
                        opened_at=moment, last_activity_at=moment,
                        closed_at=moment if stage == "clos" else None))
                if n_here:
                    counters.append(dict(consortium_id=cid, kind="dialogue", last_value=n_here))
                if len(rows) >= 20_000:
                    conn.execute(insert(FoundationDialogue), rows)
                    count += len(rows)
                    rows = []
            if rows:
                conn.execute(insert(FoundationDialogue), rows)
                count += len(rows)
            if counters:
                conn.execute(insert(Counter), counters)
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE foundation_dialogues"))
                conn.execute(text("ANALYZE organisations"))
    finally:
        engine.dispose()
    return count, admin_id


def _check(service, seeded, *, user_id, username, channel_id, text, expect) -> None:
    response = slash_command(service.url, service.command_token, command="/dialogue", text=text,
                             user_id=user_id, user_name=username, channel_id=channel_id,
                             team_id=seeded.team_id, team_domain=seeded.team_domain)
    body = response.json().get("text", "") if response.status_code == 200 else response.text
    if response.status_code != 200 or expect not in body:
        raise SystemExit(f"unexpected reply ({response.status_code}) to /dialogue {text}: {body[:500]}\n"
                         f"service log:\n{service.log_tail()}")


def run(argv=None) -> dict:
    args = parse_args(argv)
    options = load_options(args)
    rows: list[Row] = []
    with start_baseline(workers=args.workers) as baseline:
        for kind in databases(args):
            url = fresh_database(kind, name=args.database_name)
            prepare_database(url)
            seeded = seed_consortia(url, args.consortia, sample=args.rotate, checklist=False)
            sample = list(seeded.consortia)
            count, admin_id = seed_dialogues(url, seeded.network_id, seeded_consortium_ids(url), {c.id for c in sample},
                                             args.dialogues, args.foundations)
            print(f"[{kind}] {seeded.total:,} consortiums, {count:,} dialogues (seeded in {seeded.seconds:.0f}s + "
                  f"dialogues)")
            with start_service(url, workers=args.workers) as service:
                first = sample[0]
                _check(service, seeded, user_id=first.members[0].user_id, username=first.members[0].username,
                       channel_id=first.channel_id, text="liste", expect="Fondation")
                _check(service, seeded, user_id=admin_id, username="admin", channel_id=first.channel_id,
                       text="liste --tout", expect=f"{count} dialogues")
                admin_spec = command_spec(service, seeded, command="/dialogue", text="liste --tout",
                                          senders=[(c, SeededMember("admin", admin_id))
                                                          for c in sample])
                scenarios = [
                    (f"liste · {PER_LISTED} dialogues",
                     command_spec(service, seeded, command="/dialogue", text="liste", consortia=sample),
                     "Fondation"),
                    (f"liste --tout · {count:,} dialogues", admin_spec, "Fondation"),
                ]
                for name, spec, expect in scenarios:
                    base = load(spec.against(baseline), expect="ok", **options)
                    stats = load(spec, expect=expect, **options)
                    print(f"  {name}: service {stats}\n  {' ' * len(name)}  baseline {base}")
                    rows.append(Row(f"{kind} · {name}", stats, baseline=base,
                                    extra={"database": kind, "scenario": name, "consortia": seeded.total,
                                                  "dialogues": count}))
    return report(NAME, rows, write_json=not args.no_json, meta=run_meta(args, options, argv))


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
