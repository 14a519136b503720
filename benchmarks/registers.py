"""Issue 4's benchmark: `/role liste` and `/engagement liste` (50 commitments), small and huge database.

Scenarios, each paired with the bare Flask endpoint measured right before it:

* ``role liste``       — the roles register (lead partner organisation + 3 person roles);
* ``engagement liste`` — 50 commitments of 3 organisations and persons, with totals.

First with ``--small`` consortiums (default 100), then grown to ``--large`` (default
10,000) where every other consortium also holds roles and ``--background``
commitments (default 10 each, so 100,000 commitments in all): the
baseline-normalised figures must stay flat (indexed queries, no N+1).

    python benchmarks/registers.py --database sqlite --quick
    python benchmarks/registers.py --database both
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datetime import UTC  # noqa: E402

from benchmarks.database import fresh_database, prepare_database, seeded_consortium_ids  # noqa: E402
from benchmarks.load import load  # noqa: E402
from benchmarks.options import arguments, databases, load_options, run_meta  # noqa: E402
from benchmarks.reporting import Row, print_flatness, report  # noqa: E402
from benchmarks.seeding import seed_consortia  # noqa: E402
from benchmarks.servers import start_baseline, start_service  # noqa: E402
from benchmarks.workload import command_spec, slash_command  # noqa: E402

NAME = "registers"
LISTED = 50


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="consortiums in the small database (default 100)")
    parser.add_argument("--large", type=int, default=10_000, help="consortiums in the large one (default 10,000)")
    parser.add_argument("--background", type=int, default=10,
                        help="commitments of each other consortium in the large database (default 10)")
    parser.add_argument("--rotate", type=int, default=20, help="consortiums the requests rotate over (default 20)")
    parser.add_argument("--database-name", default="consortia_bench_registers")
    return parser.parse_args(argv)


def grow_registers(url: str, consortium_ids: list[int], commitments_each: int) -> int:
    """Give each consortium an organisation (its first member's), a lead partner, roles and commitments."""
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    from sqlalchemy import insert, select, update

    from models import (
        Commitment,
        Consortium,
        Counter,
        Membership,
        Organisation,
        RoleAssignment,
    )
    from models.db import make_engine

    if not consortium_ids:
        return 0
    engine = make_engine(url)
    now = datetime.now(UTC)
    kinds = (("temps", "jours", Decimal("3.5")), ("financier", "euros", Decimal("1500.50")),
             ("nature", "unites", Decimal(2)), ("competences", "heures", Decimal(12)))
    statuses = ("propose", "accepte", "en-cours", "tenu", "abandonne")
    added = 0
    try:
        with engine.begin() as conn:
            networks = dict(conn.execute(select(Consortium.id, Consortium.network_id)
                                         .where(Consortium.id.in_(consortium_ids))).all())
            members: dict[int, list[tuple[int, int]]] = {}
            for mid, cid, pid in conn.execute(select(Membership.id, Membership.consortium_id, Membership.person_id)
                                              .where(Membership.consortium_id.in_(consortium_ids))
                                              .order_by(Membership.id)):
                members.setdefault(cid, []).append((mid, pid))
            existing = set(conn.scalars(select(Organisation.short_name)))
            orgs = [dict(network_id=networks[cid], name=f"Structure du consortium {cid}",
                         short_name=f"ORG-{cid}", search_key=f"org-{cid}", kind="siae", siae_type="ACI",
                         departement="69", description="", themes=[], created_at=now)
                    for cid in consortium_ids if f"ORG-{cid}" not in existing]
            for start in range(0, len(orgs), 5000):
                conn.execute(insert(Organisation), orgs[start:start + 5000])
            org_of = dict(conn.execute(select(Organisation.short_name, Organisation.id)
                                       .where(Organisation.short_name.in_([f"ORG-{c}" for c in consortium_ids]))).all())
            roles, commitments = [], []
            for cid in consortium_ids:
                org_id = org_of[f"ORG-{cid}"]
                people = members.get(cid, [])
                if people:
                    conn.execute(update(Membership).where(Membership.id == people[0][0])
                                 .values(organisation_id=org_id))
                roles.append(dict(consortium_id=cid, role_key="chef-de-file", person_id=None, organisation_id=org_id,
                                  assigned_at=now))
                for (_mid, pid), key in zip(people, ("coordination", "tresorerie", "animation")):
                    roles.append(dict(consortium_id=cid, role_key=key, person_id=pid, organisation_id=None,
                                      assigned_at=now))
                for n in range(1, commitments_each + 1):
                    kind, unit, amount = kinds[n % 4]
                    person = people[n % len(people)][1] if people and n % 3 == 0 else None
                    commitments.append(dict(
                        consortium_id=cid, number=n, organisation_id=None if person else org_id, person_id=person,
                        description=f"Engagement {n} : animer l'atelier, prêter le local, cofinancer",
                        kind=kind, amount=amount, unit=unit, due_date=date.today() + timedelta(days=n),
                        status=statuses[n % 5], created_at=now, updated_at=now, version=1))
                if len(commitments) >= 20_000:
                    conn.execute(insert(Commitment), commitments)
                    added += len(commitments)
                    commitments = []
            if commitments:
                conn.execute(insert(Commitment), commitments)
                added += len(commitments)
            for start in range(0, len(roles), 20_000):
                conn.execute(insert(RoleAssignment), roles[start:start + 20_000])
            conn.execute(insert(Counter), [dict(consortium_id=cid, kind="commitment", last_value=commitments_each)
                                           for cid in consortium_ids])
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE commitments"))
                conn.execute(text("ANALYZE role_assignments"))
                conn.execute(text("ANALYZE organisations"))
    finally:
        engine.dispose()
    return added


def _check(service, seeded, consortium, command: str, text: str, expect: str) -> None:
    member = consortium.members[0]
    response = slash_command(service.url, service.command_token, command=command, text=text,
                             user_id=member.user_id, user_name=member.username,
                             channel_id=consortium.channel_id, channel_name=consortium.channel_name,
                             team_id=seeded.team_id, team_domain=seeded.team_domain)
    body = response.json().get("text", "") if response.status_code == 200 else response.text
    if response.status_code != 200 or expect not in body:
        raise SystemExit(f"unexpected reply ({response.status_code}) to {command} {text}: {body[:500]}\n"
                         f"service log:\n{service.log_tail()}")


def _measure(kind: str, label: str, url: str, seeded, sample, baseline, options, args, total: int,
             commitments: int) -> list[Row]:
    rows = []
    with start_service(url, workers=args.workers) as service:
        _check(service, seeded, sample[0], "/role", "liste", "ORG-")
        _check(service, seeded, sample[0], "/engagement", "liste", f"| {LISTED} |")
        scenarios = [
            ("role liste", command_spec(service, seeded, command="/role", text="liste", consortia=sample),
             "ORG-"),
            (f"engagement liste · {LISTED}", command_spec(service, seeded, command="/engagement",
                                                          text="liste", consortia=sample), "Engagement"),
        ]
        for name, spec, expect in scenarios:
            base = load(spec.against(baseline), expect="ok", **options)
            stats = load(spec, expect=expect, **options)
            print(f"  {name}: service {stats}\n  {' ' * len(name)}  baseline {base}")
            rows.append(Row(f"{kind} · {label} · {name}", stats, baseline=base,
                            extra={"database": kind, "size": label, "scenario": name, "consortia": total,
                                          "commitments": commitments}))
    return rows


def run(argv=None) -> dict:
    args = parse_args(argv)
    options = load_options(args)
    rows: list[Row] = []
    with start_baseline(workers=args.workers) as baseline:
        for kind in databases(args):
            url = fresh_database(kind, name=args.database_name)
            prepare_database(url)
            seeded = seed_consortia(url, args.small, sample=args.rotate)
            sample = list(seeded.consortia)
            sample_ids = {c.id for c in sample}
            commitments = grow_registers(url, sorted(sample_ids), LISTED)
            print(f"[{kind}] {args.small:,} consortiums, {commitments:,} commitments")
            rows += _measure(kind, f"{args.small:,} consortiums", url, seeded, sample, baseline, options, args,
                             args.small, commitments)
            grown = seed_consortia(url, args.large - args.small, sample=2)
            others = [i for i in seeded_consortium_ids(url) if i not in sample_ids][::2]
            commitments += grow_registers(url, others, args.background)
            print(f"[{kind}] grown to {grown.total:,} consortiums, {commitments:,} commitments "
                  f"(seeded in {grown.seconds:.0f}s)")
            rows += _measure(kind, f"{grown.total:,} consortiums", url, seeded, sample, baseline, options, args,
                             grown.total, commitments)
    document = report(NAME, rows, write_json=not args.no_json, meta=run_meta(args, options, argv))
    print_flatness(rows, "consortia", "consortiums")
    return document


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
