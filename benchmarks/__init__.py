"""The benchmark harness (PRODUCT.md §6 "Speed", §8 "Baseline").

Every benchmark runs the REAL service under gunicorn on a loopback port, loads it
with the same generator as a bare Flask endpoint served the same way on the same
machine, and reports RATIOS to that baseline: absolute numbers on a noisy 2-core
machine mean little, the ratio to "Flask doing nothing" holds.

The harness, along its seams: ``servers`` (the service and the baseline under gunicorn),
``database`` (fresh databases), ``seeding`` (consortiums in bulk), ``workload`` (slash
commands as Mattermost sends them), ``load`` (the load generators and the alternating
comparison with the baseline), ``wrk`` (the wrk runner), ``stats`` (figures and ratios),
``reporting`` (the table, the JSON, flatness) and ``options`` (the shared command line).

Typical use (see benchmarks/command_latency.py and benchmarks/README.md)::

    from benchmarks.database import fresh_database, prepare_database
    from benchmarks.load import compare
    from benchmarks.options import arguments, compare_options, databases
    from benchmarks.reporting import report
    from benchmarks.seeding import seed_consortia
    from benchmarks.servers import start_baseline, start_service
    from benchmarks.workload import command_spec

    args = arguments("My feature benchmark").parse_args()
    url = fresh_database(databases(args)[0], name="consortia_bench_myfeature")
    prepare_database(url)
    seeded = seed_consortia(url, 10_000, sample=50)
    with start_baseline(workers=args.workers) as base, start_service(url, workers=args.workers) as svc:
        spec = command_spec(svc, seeded, command="/checklist", text="liste")
        rows = [compare("checklist liste", spec, spec.against(base), expect="...", **compare_options(args))]
    report("my_feature", rows)

Nothing here asserts a timing: a benchmark is not a test.
"""
from __future__ import annotations

import os as _os
import sys as _sys
from pathlib import Path

# `python benchmarks/<script>.py` puts benchmarks/ first on sys.path, where a script
# named like a standard module (calendar.py...) would shadow it for every import that
# follows (requests -> http.cookiejar -> calendar). Benchmarks import each other as
# `benchmarks.<name>` from the repository root, so benchmarks/ itself leaves the path.
_BENCH_DIR = _os.path.dirname(_os.path.realpath(__file__))
_sys.path[:] = [p for p in _sys.path if _os.path.realpath(p or ".") != _BENCH_DIR]

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
TEAM_NAME = "reseau"
if str(ROOT) not in _sys.path:
    _sys.path.insert(0, str(ROOT))
