"""Loading a server: wrk when installed (a Python client on the same 2 cores would be the bottleneck),
else a pool of Python threads; and the fair comparison with the baseline, measured in alternation."""
from __future__ import annotations

import sys
import threading
import time
from typing import Callable

import requests

from benchmarks import wrk
from benchmarks.reporting import Row
from benchmarks.stats import Stats, merge_stats, ratios
from benchmarks.workload import RequestSpec


def load(target: RequestSpec | Callable[[requests.Session], requests.Response], *, seconds: float = 10,
         concurrency: int = 16, engine: str = "auto", requests_limit: int | None = None,
         expect: str | None = None, warmup: float = 1, threads: int | None = None, timeout: float = 10,
         quiet: bool = False) -> Stats:
    """Load ``target`` for ``seconds`` with ``concurrency`` connections; return Stats.

    ``target`` is a RequestSpec (replayed by wrk when available: a Python client on the
    same 2 cores would be the bottleneck) or a callable ``fn(session) -> Response``
    (always the Python thread pool). ``engine``: "auto", "wrk" or "python".
    ``requests_limit`` stops after that many requests (Python engine only: wrk runs for a
    duration). ``expect``: a text every successful answer must contain (counted as
    mismatches otherwise). ``warmup`` seconds of load are run and discarded first.
    """
    use_wrk = isinstance(target, RequestSpec) and engine in ("auto", "wrk") and requests_limit is None
    if use_wrk and wrk.wrk_path() is None:
        if engine == "wrk":
            raise RuntimeError("wrk is not installed: apt-get install -y wrk (or use engine='python')")
        use_wrk = False
        if not quiet:
            print("  [load] wrk not found (apt-get install -y wrk): using the Python load generator, "
                  "which competes for the same cores", file=sys.stderr)
    if engine == "wrk" and not use_wrk:
        raise ValueError("engine='wrk' needs a RequestSpec and no requests_limit")
    if use_wrk:
        if warmup > 0:
            wrk.run(target, seconds=max(1, round(warmup)), concurrency=concurrency, threads=threads,
                 timeout=timeout, expect=None)
        return wrk.run(target, seconds=max(1, round(seconds)), concurrency=concurrency, threads=threads,
                    timeout=timeout, expect=expect)
    if warmup > 0 and requests_limit is None:
        _python_load(target, seconds=warmup, concurrency=concurrency, limit=None, expect=None, timeout=timeout)
    return _python_load(target, seconds=seconds, concurrency=concurrency, limit=requests_limit, expect=expect,
                        timeout=timeout)


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def _python_load(target, *, seconds: float, concurrency: int, limit: int | None, expect: str | None,
                 timeout: float) -> Stats:
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    counts = {"errors": 0, "mismatches": 0}
    deadline = time.perf_counter() + seconds

    def take_turn() -> int | None:
        nonlocal issued
        with lock:
            if limit is not None:
                if issued >= limit:
                    return None
            elif time.perf_counter() >= deadline:
                return None
            issued += 1
            return issued

    def worker() -> None:
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1))
        mine: list[float] = []
        errors = mismatches = 0
        while (turn := take_turn()) is not None:
            started = time.perf_counter()
            try:
                if isinstance(target, RequestSpec):
                    body = target.bodies[turn % len(target.bodies)] if target.bodies else None
                    response = session.request(target.method, target.url, data=body, headers=target.headers,
                                               timeout=timeout)
                else:
                    response = target(session)
                elapsed = time.perf_counter() - started
                if response is not None and not 200 <= response.status_code < 300:
                    errors += 1
                elif response is not None and expect and expect not in response.text:
                    mismatches += 1
                mine.append(elapsed)
            except requests.RequestException:
                errors += 1
        session.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["mismatches"] += mismatches

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, concurrency))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    done = len(ordered)
    return Stats(engine="python", concurrency=concurrency, requests=done, seconds=wall,
                 rps=done / wall if wall else 0.0, p50_ms=_percentile(ordered, 50) * 1000,
                 p90_ms=_percentile(ordered, 90) * 1000, p99_ms=_percentile(ordered, 99) * 1000,
                 mean_ms=(sum(ordered) / done * 1000) if done else 0.0, max_ms=(ordered[-1] * 1000) if done else 0.0,
                 errors=counts["errors"], mismatches=counts["mismatches"])


def compare(scenario: str, spec, baseline_spec, *, rounds: int = 5, seconds: float = 10, expect: str | None = None,
            baseline_expect: str | None = "ok", warmup: float = 1, extra: dict | None = None, **load_kwargs) -> Row:
    """Measure the baseline and the service in alternation, ``rounds`` times, ``seconds`` in all for each.

    Alternating short slices (baseline, service, baseline, service...) spreads the
    machine's noise evenly over both sides: the fairest ratio on a shared box.
    Returns a Row whose ``extra["rounds"]`` keeps each round's ratios.
    """
    rounds = max(1, rounds)
    per_round = max(1.0, seconds / rounds)
    if warmup > 0:
        load(baseline_spec, seconds=warmup, warmup=0, quiet=True, **load_kwargs)
        load(spec, seconds=warmup, warmup=0, quiet=True, **load_kwargs)
    service_parts, baseline_parts = [], []
    for index in range(rounds):
        baseline_parts.append(load(baseline_spec, seconds=per_round, warmup=0, expect=baseline_expect,
                                   quiet=index > 0, **load_kwargs))
        service_parts.append(load(spec, seconds=per_round, warmup=0, expect=expect, quiet=True, **load_kwargs))
    row_extra = dict(extra or {})
    row_extra["rounds"] = [ratios(s, b) for s, b in zip(service_parts, baseline_parts)]
    return Row(scenario, merge_stats(service_parts), baseline=merge_stats(baseline_parts), extra=row_extra)
