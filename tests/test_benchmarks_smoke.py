"""Smoke test of the benchmark harness (the modules of benchmarks/) and command_latency.py.

Tiny numbers only, to prove the scripts work; no timing is asserted (a benchmark is
not a test: PRODUCT.md §6 "Speed").
"""
from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import create_engine, func, select

import benchmarks
from benchmarks import command_latency
from benchmarks.database import POSTGRES_SERVER, drop_database, fresh_database, postgres_available, prepare_database
from benchmarks.load import load
from benchmarks.reporting import Row, report
from benchmarks.seeding import seed_consortia
from benchmarks.servers import start_baseline, start_service
from benchmarks.stats import Stats, merge_stats
from benchmarks.workload import RequestSpec, command_spec, slash_command
from benchmarks.wrk import wrk_path


def _counts(url: str) -> dict[str, int]:
    from models import ChecklistItem, Consortium, Counter, Membership, Person, ProvisioningStep

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {model.__tablename__: conn.scalar(select(func.count()).select_from(model))
                    for model in (Consortium, Person, Membership, ChecklistItem, Counter, ProvisioningStep)}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory):
    url = fresh_database("sqlite", name="smoke", directory=tmp_path_factory.mktemp("bench"))
    prepare_database(url)
    seeded = seed_consortia(url, 3, sample=3)
    return url, seeded


def test_seed_creates_consortiums_members_and_checklists(seeded_sqlite):
    url, seeded = seeded_sqlite
    assert seeded.count == 3 and seeded.total == 3
    assert [c.slug for c in seeded.consortia] == ["bench-1", "bench-2", "bench-3"]
    assert all(len(c.channel_id) == 26 and len(c.members) == 3 for c in seeded.consortia)
    assert all(len(m.user_id) == 26 for c in seeded.consortia for m in c.members)
    assert _counts(url) == {"consortia": 3, "people": 9, "memberships": 9, "checklist_items": 78, "counters": 3,
                            "provisioning_steps": 18}


def test_seed_again_grows_the_same_database(tmp_path):
    url = fresh_database("sqlite", name="grow", directory=tmp_path)
    prepare_database(url)
    seed_consortia(url, 2)
    more = seed_consortia(url, 3, members=2, checklist=False, steps=False, sample=2)
    assert more.total == 5 and [c.slug for c in more.consortia] == ["bench-3", "bench-5"]
    counts = _counts(url)
    assert counts["people"] == 2 * 3 + 3 * 2 and counts["checklist_items"] == 2 * 26


def test_fresh_database_refuses_the_test_suites_database():
    with pytest.raises(ValueError):
        fresh_database("postgres", name="test")


@pytest.mark.skipif(not postgres_available(), reason="no PostgreSQL at " + POSTGRES_SERVER)
def test_seed_on_postgres_moves_sequences_past_explicit_ids():
    url = fresh_database("postgres", name="consortia_bench_smoke")
    try:
        prepare_database(url)
        seeded = seed_consortia(url, 3)
        assert _counts(url)["checklist_items"] == 78 and seeded.total == 3
        # The service can still insert people and consortiums after the bulk insert.
        from sqlalchemy import text

        engine = create_engine(url)
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT nextval(pg_get_serial_sequence('people', 'id'))")) == 10
            assert conn.scalar(text("SELECT nextval(pg_get_serial_sequence('consortia', 'id'))")) == 4
        engine.dispose()
    finally:
        drop_database(url)


def test_service_answers_a_members_slash_command_and_load_counts_it(seeded_sqlite):
    url, seeded = seeded_sqlite
    consortium = seeded.consortia[1]
    member = consortium.members[2]
    with start_service(url, workers=1) as service:
        response = slash_command(service.url, service.command_token, command="/consortium", text="info",
                                 user_id=member.user_id, user_name=member.username,
                                 channel_id=consortium.channel_id, team_id=seeded.team_id)
        assert response.status_code == 200
        text = response.json()["text"]
        assert text.startswith(f"#### {consortium.name}")
        assert all(f"@{m.username}" in text for m in consortium.members)
        wrong = slash_command(service.url, "not-the-token", command="/consortium", text="info",
                              user_id=member.user_id, user_name=member.username,
                              channel_id=consortium.channel_id, team_id=seeded.team_id)
        assert wrong.status_code == 401

        spec = command_spec(service, seeded, command="/consortium", text="info")
        assert len(spec.bodies) == 9
        stats = load(spec, requests_limit=20, concurrency=4, engine="python", expect="#### Bench")
        assert (stats.requests, stats.errors, stats.mismatches, stats.engine) == (20, 0, 0, "python")
        assert stats.p50_ms > 0 and stats.rps > 0

        # A reply that is not the expected one is counted, not hidden.
        stats = load(spec, requests_limit=5, concurrency=1, engine="python", expect="no such text")
        assert stats.mismatches == 5

        calls = []

        def custom(session: requests.Session) -> requests.Response:
            calls.append(1)
            return session.get(service.url + "/healthz", timeout=5)

        stats = load(custom, requests_limit=6, concurrency=2)
        assert stats.requests == 6 and len(calls) == 6 and stats.engine == "python"
    assert not service.running


@pytest.mark.skipif(wrk_path() is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_wrk_replays_the_form_post_against_the_baseline():
    with start_baseline(workers=1) as baseline:
        spec = RequestSpec(baseline.url + "/mattermost/command", "POST",
                           {"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Token x"},
                           ("text=one&user_id=a", "text=two&user_id=b"))
        stats = load(spec, seconds=1, concurrency=2, warmup=0, expect="ok t")
        assert stats.engine == "wrk" and stats.requests > 0 and stats.errors == 0
        # The bodies take turns: about half the answers say "ok one", not "ok t(wo)".
        assert 0 < stats.mismatches < stats.requests
        stats = load(spec, seconds=1, concurrency=2, warmup=0, expect="ok ")
        assert stats.requests > 0 and stats.errors == 0 and stats.mismatches == 0


def test_report_prints_ratios_and_writes_json(tmp_path, capsys):
    def stats(rps, p50, p99):
        return Stats("wrk", 16, int(rps * 10), 10.0, rps, p50, p50, p99, p50, p99)

    rows = [Row("scenario a", stats(500, 20, 80), baseline=stats(2000, 5, 10)),
            Row("scenario b", stats(1000, 10, 40))]
    document = report("smoke", rows, baseline=stats(2000, 4, 8), results_dir=tmp_path)
    assert document["rows"][0]["ratios"] == {"rps": 0.25, "p50": 4.0, "p90": 4.0, "p99": 8.0}
    assert document["rows"][1]["ratios"]["p50"] == 2.5
    saved = json.loads((tmp_path / "smoke.json").read_text(encoding="utf-8"))
    assert saved["rows"][1]["baseline"]["rps"] == 2000
    out = capsys.readouterr().out
    assert "scenario a" in out and "0.25" in out and "4.00" in out


def test_command_latency_script_runs_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(benchmarks, "RESULTS_DIR", tmp_path)
    document = command_latency.run(["--database", "sqlite", "--sizes", "1,3", "--requests", "20",
                                    "--concurrency", "4", "--workers", "1", "--workers-kind", "both", "--no-json"])
    assert [(row["extra"]["consortia"], row["extra"]["workers_kind"]) for row in document["rows"]] == [
        (1, "sync"), (1, "threaded"), (3, "sync"), (3, "threaded")]
    for row in document["rows"]:
        assert row["stats"]["requests"] == 20 and row["stats"]["errors"] == 0 and row["stats"]["mismatches"] == 0
        assert row["baseline"]["requests"] == 20 and row["ratios"]["rps"] is not None
    assert not list(tmp_path.iterdir())  # --no-json
    assert "sqlite · 3 consortiums · threaded" in capsys.readouterr().out


def test_merge_stats_totals_counts_and_takes_the_median_round():
    parts = [Stats("wrk", 16, 100, 1.0, 100, p50, p50, p50 * 3, p50, p50 * 4, errors=1)
             for p50 in (10, 30, 20)]
    merged = merge_stats(parts)
    assert (merged.requests, merged.seconds, merged.rps, merged.p50_ms, merged.p99_ms, merged.errors) == \
        (300, 3.0, 100, 20, 60, 3)
    assert merged.max_ms == 120


def test_a_service_that_cannot_start_says_why_and_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError) as error:
        start_service("sqlite:///" + str(tmp_path / "db.sqlite"), workers=1,
                      extra_env={"CONSORTIA_TIMEZONE": "Mars/Olympus"}, timeout=30)
    assert "CONSORTIA_TIMEZONE" in str(error.value)
