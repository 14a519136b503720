"""The report: a table of scenarios with their ratios to the baseline, results/<name>.json, and
the flatness of a ratio from a small database to a large one."""
from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import benchmarks
from benchmarks.stats import Stats, ratios


@dataclass
class Row:
    """One scenario's figures and the baseline measured next to it (or the report's common one)."""

    scenario: str
    stats: Stats
    baseline: Stats | None = None
    extra: dict = field(default_factory=dict)


def _fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else format(value, pattern)


def report(name: str, rows: Sequence[Row], *, baseline: Stats | None = None, meta: dict | None = None,
           write_json: bool = True, results_dir: Path | str | None = None, out=None) -> dict:
    """Print the table of scenarios with their ratios to the baseline; write results/<name>.json.

    Each row is compared with its own ``baseline`` (measured right next to it, the
    fairest on a noisy machine) or else with the ``baseline`` given here.
    Returns the JSON document.
    """
    out = out or sys.stdout
    header = (f"{'scenario':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} │ {'base req/s':>10} "
              f"{'base p50':>8} {'base p99':>8} │ {'req/s ×':>7} {'p50 ×':>6} {'p99 ×':>6} │ {'err':>4}")
    print(f"\n== {name} ==", file=out)
    print(header, file=out)
    print("─" * len(header), file=out)
    document_rows = []
    for row in rows:
        base = row.baseline or baseline
        ratio = ratios(row.stats, base) if base else {"rps": None, "p50": None, "p90": None, "p99": None}
        flag = row.stats.errors + row.stats.mismatches
        print(f"{row.scenario[:44]:<44} {row.stats.rps:>8,.0f} {row.stats.p50_ms:>7.1f} {row.stats.p99_ms:>7.1f} │ "
              f"{_fmt(base.rps if base else None, '>10,.0f')} {_fmt(base.p50_ms if base else None, '>8.1f')} "
              f"{_fmt(base.p99_ms if base else None, '>8.1f')} │ {_fmt(ratio['rps'], '>7.2f')} "
              f"{_fmt(ratio['p50'], '>6.2f')} {_fmt(ratio['p99'], '>6.2f')} │ {flag:>4}", file=out)
        document_rows.append({"scenario": row.scenario, "stats": row.stats.as_dict(),
                              "baseline": base.as_dict() if base else None, "ratios": ratio, "extra": row.extra})
    engines = sorted({row.stats.engine for row in rows})
    print(f"load generator: {', '.join(engines) or '—'}; req/s × = service ÷ bare Flask (higher is better, "
          f"1.00 = as fast as Flask doing nothing); p50 ×, p99 × = service latency ÷ bare Flask latency "
          f"(lower is better); err = errors + unexpected answers", file=out)
    document = {
        "name": name,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "meta": meta or {},
        "rows": document_rows,
    }
    if write_json:
        folder = Path(results_dir if results_dir is not None else benchmarks.RESULTS_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written: {path}", file=out)
    return document


def print_flatness(rows: list, size_key: str, size_label: str) -> None:
    """Per database and scenario: large-database ratio ÷ small-database ratio (1.00 = flat).

    Rows carry ``extra["database"]``, ``extra["scenario"]`` and ``extra[size_key]`` (and
    ``extra["workers_kind"]`` when several worker kinds were measured).
    """
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        kind = " · ".join(filter(None, (row.extra["database"], row.extra.get("workers_kind"))))
        groups.setdefault((kind, row.extra["scenario"]), []).append(row)
    for (kind, scenario), entries in groups.items():
        if len(entries) < 2:
            continue
        small, large = entries[0], entries[-1]
        a, b = ratios(small.stats, small.baseline), ratios(large.stats, large.baseline)

        def q(x, y):
            return f"{y / x:.2f}" if x and y else "—"

        print(f"[{kind}] {scenario}: {large.extra[size_key]:,} vs {small.extra[size_key]:,} {size_label} — "
              f"req/s {q(a['rps'], b['rps'])}, p50 {q(a['p50'], b['p50'])}, p99 {q(a['p99'], b['p99'])} "
              f"(baseline-normalised; 1.00 = flat)")
