"""The figures of one measurement, several measurements merged, and ratios to the baseline."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence


@dataclass
class Stats:
    engine: str  # "wrk" or "python"
    concurrency: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int = 0  # socket errors, timeouts and non-2xx answers
    mismatches: int = 0  # 2xx answers without the expected text

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
                f"({self.requests} requests, {self.errors} errors, {self.mismatches} mismatches, {self.engine})")


def merge_stats(parts: Sequence[Stats]) -> Stats:
    """Several measurements as one: totals for counts and req/s, the median round for percentiles."""
    if not parts:
        raise ValueError("nothing to merge")
    if len(parts) == 1:
        return parts[0]

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    requests_done = sum(p.requests for p in parts)
    seconds = sum(p.seconds for p in parts)
    return Stats(engine=parts[0].engine, concurrency=parts[0].concurrency, requests=requests_done, seconds=seconds,
                 rps=requests_done / seconds if seconds else 0.0, p50_ms=median([p.p50_ms for p in parts]),
                 p90_ms=median([p.p90_ms for p in parts]), p99_ms=median([p.p99_ms for p in parts]),
                 mean_ms=sum(p.mean_ms * p.requests for p in parts) / requests_done if requests_done else 0.0,
                 max_ms=max(p.max_ms for p in parts), errors=sum(p.errors for p in parts),
                 mismatches=sum(p.mismatches for p in parts))


def ratios(stats: Stats, baseline: Stats) -> dict[str, float | None]:
    """service ÷ baseline: ``rps`` (higher is better, 1.0 = as fast as bare Flask), latencies (lower is better)."""

    def div(a: float, b: float) -> float | None:
        return round(a / b, 3) if b else None

    return {"rps": div(stats.rps, baseline.rps), "p50": div(stats.p50_ms, baseline.p50_ms),
            "p90": div(stats.p90_ms, baseline.p90_ms), "p99": div(stats.p99_ms, baseline.p99_ms)}
