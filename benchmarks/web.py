"""Issue 7's benchmark: the web dashboard with 10,000 consortiums (paginated) and the AMI matrix with 400 answers.

Scenarios, each paired with the bare Flask endpoint measured right before it:

* ``dashboard · page 1``    — GET /web/ as a signed-in admin (50 rows of --consortia, default 10,000);
* ``dashboard · page 100``  — the same, deep in the pagination;
* ``dashboard · filtered``  — GET /web/?stage=structuration;
* ``AMI matrix``            — GET /web/ami/<id>: themes × structures, grouping, with --answers (default 400);
* ``… · gzip``              — dashboard page 1 and the AMI matrix asked as a browser asks (``Accept-Encoding``):
                              the kept page, deflated (checked once: wrk decodes nothing);
* ``public AMI form``       — GET /ami/<token> (the page structures open).

    python benchmarks/web.py --database sqlite --quick
    python benchmarks/web.py --database both
"""
from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import fresh_database, prepare_database  # noqa: E402
from benchmarks.load import compare  # noqa: E402
from benchmarks.options import arguments, compare_options, databases  # noqa: E402
from benchmarks.reporting import report  # noqa: E402
from benchmarks.seeding import fake_id, seed_consortia  # noqa: E402
from benchmarks.servers import start_baseline, start_service  # noqa: E402
from benchmarks.workload import RequestSpec  # noqa: E402

NAME = "web"
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}   # what Chromium sends
THEMES = ["Alimentation durable", "Mobilité", "Réemploi", "Communication", "Accès des femmes à l'emploi",
          "Numérique", "Logement", "Petite enfance"]


def parse_args(argv=None):
    parser = arguments(__doc__.strip().splitlines()[0])
    parser.add_argument("--consortia", type=int, default=10_000, help="consortiums (default 10,000)")
    parser.add_argument("--answers", type=int, default=400, help="answers to the call (default 400)")
    parser.add_argument("--database-name", default="consortia_bench_web")
    return parser.parse_args(argv)


def seed_call(url: str, network_id: int, answers: int) -> tuple[int, str, int]:
    """An admin person, an open call and ``answers`` answers; returns (call id, form token, admin id)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import insert, select

    from models import CallForInterest, CallResponse, Person, new_token
    from models.db import make_engine

    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    try:
        with engine.begin() as conn:
            admin_id = conn.scalar(select(Person.id).where(Person.username == "admin"))
            if admin_id is None:
                admin_id = conn.execute(insert(Person).values(
                    network_id=network_id, username="admin", mattermost_user_id=fake_id("benchadmin", 1),
                    display_name="Admin", created_at=now).returning(Person.id)).scalar_one()
            token = new_token()
            call_id = conn.execute(insert(CallForInterest).values(
                network_id=network_id, title="AMI benchmark", themes=THEMES, deadline=now + timedelta(days=30),
                status="open", form_token=token, min_group_size=3, opened_by_id=admin_id, opened_at=now,
                formed={}).returning(CallForInterest.id)).scalar_one()
            rows = []
            for n in range(answers):
                ranked = [THEMES[(n + k * 3) % len(THEMES)] for k in range(1 + n % 3)]
                rows.append(dict(call_id=call_id, structure_name=f"Structure {n:04d}", structure_key=f"structure {n:04d}",
                                 siae_type=("ACI", "EI", "ETTI", "AI", "EITI")[n % 5],
                                 departement=f"{1 + n % 95:02d}", contact_name=f"Contact {n}",
                                 contact_email=f"contact{n}@example.org", email_key=f"contact{n}@example.org",
                                 themes=list(dict.fromkeys(ranked)), can_bring="Un atelier, des bénévoles",
                                 needs="Des partenaires", comment="", source="web", created_at=now, updated_at=now))
            conn.execute(insert(CallResponse), rows)
    finally:
        engine.dispose()
    return call_id, token, admin_id


def sign_in(service, secret: str, admin_id: int, network_id: int) -> str:
    """Walk the magic link like a browser; returns the session cookie header."""
    import requests

    from plugin.security import Signer

    token = Signer(secret).sign("magic", {"p": admin_id, "n": network_id, "l": "fr"}, single_use=True)
    http = requests.Session()
    page = http.get(f"{service.url}/web/login", params={"token": token}, timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = http.post(f"{service.url}/web/login", data={"csrf_token": csrf, "token": token}, timeout=10)
    if response.status_code != 200 or "table" not in response.text:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:300]}")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def _check_gzip(url: str, headers: dict, expect: str) -> None:
    import requests

    response = requests.get(url, headers=headers, timeout=30)
    assert response.headers.get("Content-Encoding") == "gzip" and expect in response.text, response.headers
    print(f"  {url}: {len(response.content) / 1024:.0f} KiB, {int(response.headers['Content-Length']) / 1024:.0f} KiB "
          "gzip-coded")


def main(argv=None) -> dict:
    args = parse_args(argv)
    options = compare_options(args)
    rows = []
    meta = {"consortia": args.consortia, "answers": args.answers}
    for kind in databases(args):
        url = fresh_database(kind, name=args.database_name)
        prepare_database(url)
        seeded = seed_consortia(url, args.consortia, sample=5)
        call_id, form_token, admin_id = seed_call(url, seeded.network_id, args.answers)
        secret = secrets.token_urlsafe(32)
        with start_baseline(workers=args.workers) as base, \
                start_service(url, workers=args.workers, extra_env={"CONSORTIA_SECRET_KEY": secret}) as svc:
            cookie = sign_in(svc, secret, admin_id, seeded.network_id)
            headers = {"Cookie": cookie}
            dashboard, matrix = f"dashboard · page 1 of {args.consortia:,}", f"AMI matrix · {args.answers} answers"
            scenarios = [   # (label, path, what the page must contain, asked as a browser asks)
                (dashboard, "/web/", "consortiums", False),
                ("dashboard · page 100", "/web/?page=100", "consortiums", False),
                ("dashboard · filtered by stage", "/web/?stage=structuration", "consortiums", False),
                (matrix, f"/web/ami/{call_id}", "matrix", False),
                ("public AMI form", f"/ami/{form_token}", "csrf_token", False),
                (f"{dashboard} · gzip", "/web/", "consortiums", True),
                (f"{matrix} · gzip", f"/web/ami/{call_id}", "matrix", True),
            ]
            baseline = RequestSpec(base.url + "/", "GET")
            for label, path, expect, browser in scenarios:
                asked = dict(headers, **BROWSER) if browser else headers
                if browser:   # wrk sees the coded bytes: the coding and the page are checked once, here
                    _check_gzip(svc.url + path, asked, expect)
                rows.append(compare(f"{label} [{kind}]", RequestSpec(svc.url + path, "GET", asked), baseline,
                                    expect=None if browser else expect, **options))
    return report(NAME, rows, write_json=not args.no_json, meta=meta)


if __name__ == "__main__":
    main()
