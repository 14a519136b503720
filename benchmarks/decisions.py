"""Issue 15's benchmark: a decision card's vote button and `/decision liste`, small and huge database.

Scenarios, each paired with the bare Flask endpoint measured right before it:

* ``vote button`` — members of many consortiums pressing an option of their open decision (each
  request a fresh single-use button, as a refreshed card gives; votes change between options);
* ``liste``       — `/decision liste` with the open decision, who voted and who is missing.

First with a small database (``--small`` consortiums), then grown to ``--large`` (default 10,000),
each consortium with one open decision: the baseline-normalised figures must stay flat.

    python benchmarks/decisions.py --database sqlite --quick
    python benchmarks/decisions.py --database both
"""
from __future__ import annotations

import itertools
import json
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import fresh_database, prepare_database, seeded_consortium_ids  # noqa: E402
from benchmarks.load import load  # noqa: E402
from benchmarks.options import arguments, databases, load_options, run_meta  # noqa: E402
from benchmarks.reporting import Row, print_flatness, report  # noqa: E402
from benchmarks.seeding import seed_consortia  # noqa: E402
from benchmarks.servers import start_baseline, start_service  # noqa: E402
from benchmarks.workload import RequestSpec, command_spec  # noqa: E402

NAME = "decisions"
BUTTONS = 30_000          # distinct single-use buttons, each sent once (a replayed one is refused)


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="consortiums in the small database (default 100)")
    parser.add_argument("--large", type=int, default=10_000, help="consortiums in the large one (default 10,000)")
    parser.add_argument("--rotate", type=int, default=20, help="consortiums the requests rotate over (default 20)")
    parser.add_argument("--database-name", default="consortia_bench_decisions")
    return parser.parse_args(argv)


def open_decisions(url: str, consortium_ids: list[int]) -> int:
    """One open decision (number 1, the default motion, a year to vote) in each consortium."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import insert

    from models import Counter, Decision
    from models.db import make_engine
    from plugin.features.decisions.rules import DEFAULT_RULE

    now = datetime.now(timezone.utc)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for start in range(0, len(consortium_ids), 5_000):
                chunk = consortium_ids[start:start + 5_000]
                conn.execute(insert(Decision), [dict(
                    consortium_id=cid, number=1, title="Adopter la charte commune", options=[], secret=False,
                    rule=dict(DEFAULT_RULE), deadline=now + timedelta(days=300), status="open", created_at=now,
                    version=1) for cid in chunk])
                conn.execute(insert(Counter), [dict(consortium_id=cid, kind="decision", last_value=1) for cid in chunk])
    finally:
        engine.dispose()
    return len(consortium_ids)


def vote_spec(service, seeded, consortia, secret: str) -> RequestSpec:
    """Signed vote buttons, each with its own nonce, sent in turn by the members of ``consortia``."""
    from plugin.security import Signer

    signer = Signer(secret)
    senders = [(c, m) for c in consortia for m in c.members]
    bodies = []
    for i in range(BUTTONS):
        consortium, member = senders[i % len(senders)]
        token = signer.sign("action", {"a": "decision.vote", "d": {"n": 1, "o": (i // len(senders)) % 3,
                                                                   "k": secrets.token_urlsafe(12)},
                                       "to": {"m": consortium.id}, "n": seeded.network_id, "k": consortium.id})
        bodies.append(json.dumps({"user_id": member.user_id, "user_name": member.username,
                                  "channel_id": consortium.channel_id, "team_id": seeded.team_id,
                                  "post_id": "p" * 26, "context": {"t": token}}))
    return RequestSpec(service.url + "/mattermost/action", "POST", {"Content-Type": "application/json"},
                       tuple(bodies))


class Votes:
    """Sends each signed button once, whatever the connection: a shared turn, never a replay (the
    Python load generator; wrk's per-thread rotation would send a button twice)."""

    def __init__(self, spec: RequestSpec) -> None:
        self.spec, self.turns = spec, itertools.count()

    def __call__(self, session):
        body = self.spec.bodies[next(self.turns) % len(self.spec.bodies)]
        return session.post(self.spec.url, data=body, headers=self.spec.headers, timeout=10)


def _measure(kind: str, label: str, url: str, seeded, sample, baseline, options, args, secret: str,
             total: int) -> list[Row]:
    rows = []
    with start_service(url, workers=args.workers, extra_env={"CONSORTIA_SECRET_KEY": secret}) as service:
        votes = vote_spec(service, seeded, sample, secret)
        scenarios = [
            ("vote button", votes, "update"),
            ("liste", command_spec(service, seeded, command="/decision", text="liste", consortia=sample),
             "Adopter la charte"),
        ]
        for name, spec, expect in scenarios:
            if spec is votes:   # both sides by the Python load generator, for a fair ratio
                same = {**options, "engine": "python"}
                base = load(spec.against(baseline), expect="ok", **same)
                stats = load(Votes(spec), expect=expect, **same)
            else:
                base = load(spec.against(baseline), expect="ok", **options)
                stats = load(spec, expect=expect, **options)
            print(f"  {name}: service {stats}\n  {' ' * len(name)}  baseline {base}")
            rows.append(Row(f"{kind} · {label} · {name}", stats, baseline=base,
                            extra={"database": kind, "size": label, "scenario": name, "consortia": total}))
    return rows


def run(argv=None) -> dict:
    args = parse_args(argv)
    options = load_options(args)
    rows: list[Row] = []
    secret = secrets.token_urlsafe(32)
    with start_baseline(workers=args.workers) as baseline:
        for kind in databases(args):
            url = fresh_database(kind, name=args.database_name)
            prepare_database(url)
            seeded = seed_consortia(url, args.small, sample=args.rotate, checklist=False)
            open_decisions(url, seeded_consortium_ids(url))
            sample = list(seeded.consortia)
            print(f"[{kind}] {args.small:,} consortiums, one open decision each")
            rows += _measure(kind, f"{args.small:,} consortiums", url, seeded, sample, baseline, options, args,
                             secret, args.small)
            known = set(seeded_consortium_ids(url))
            grown = seed_consortia(url, args.large - args.small, sample=2, checklist=False)
            open_decisions(url, [i for i in seeded_consortium_ids(url) if i not in known])
            print(f"[{kind}] grown to {grown.total:,} consortiums (seeded in {grown.seconds:.0f}s)")
            rows += _measure(kind, f"{grown.total:,} consortiums", url, seeded, sample, baseline, options, args,
                             secret, grown.total)
    document = report(NAME, rows, write_json=not args.no_json, meta=run_meta(args, options, argv))
    print_flatness(rows, "consortia", "consortiums")
    return document


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
