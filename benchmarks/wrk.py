"""The wrk load generator: a Lua script replays a request (or a rotation of bodies) and reports
its figures as one JSON line."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

from benchmarks.stats import Stats
from benchmarks.workload import RequestSpec


def wrk_path() -> str | None:
    return shutil.which("wrk")


def install_wrk() -> str | None:
    """``apt-get install -y wrk`` (as root, on Debian/Ubuntu); the path to wrk, or None."""
    if wrk_path() is None and shutil.which("apt-get") and os.geteuid() == 0:
        result = subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, text=True)
        if result.returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True)
    return wrk_path()


def _lua_string(value: str) -> str:
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if char in '"\\' or byte < 32 or byte > 126:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_WRK_SCRIPT = """
wrk.method = %(method)s
%(headers)s
local bodies = { %(bodies)s }
local expect = %(expect)s
if #bodies == 1 then wrk.body = bodies[1] end
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end
function init(args)
  counter = thread_index or 0
  mismatches = 0
end
if #bodies > 1 then
  function request()
    counter = counter + 1
    return wrk.format(nil, nil, nil, bodies[(counter %% #bodies) + 1])
  end
end
if expect then
  function response(status, headers, body)
    if status >= 200 and status < 300 and not string.find(body, expect, 1, true) then
      mismatches = mismatches + 1
    end
  end
end
function done(summary, latency, requests)
  local mismatched = 0
  for _, thread in ipairs(threads) do mismatched = mismatched + (thread:get("mismatches") or 0) end
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50\\": %%d, \\"p90\\": %%d, \\"p99\\": %%d, " ..
    "\\"mean\\": %%f, \\"max\\": %%d, \\"errors\\": %%d, \\"mismatches\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max,
    e.connect + e.read + e.write + e.status + e.timeout, mismatched))
end
"""


def run(spec: RequestSpec, *, seconds: int, concurrency: int, threads: int | None, timeout: float,
        expect: str | None) -> Stats:
    """One wrk run of ``seconds`` against ``spec``."""
    threads = max(1, min(threads or min(2, os.cpu_count() or 2), concurrency))
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in spec.headers.items())
    script = _WRK_SCRIPT % {
        "method": _lua_string(spec.method.upper()), "headers": headers,
        "bodies": ", ".join(_lua_string(b) for b in spec.bodies),
        "expect": _lua_string(expect) if expect else "nil",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        result = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{seconds}s",
             "--timeout", f"{max(1, round(timeout))}s", "-s", script_path, spec.url],
            capture_output=True, text=True, timeout=seconds + timeout + 60)
    finally:
        os.unlink(script_path)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    data = json.loads(line[len("WRKJSON "):])
    duration = data["duration_us"] / 1e6
    return Stats(engine="wrk", concurrency=concurrency, requests=data["requests"], seconds=duration,
                 rps=data["requests"] / duration if duration else 0.0, p50_ms=data["p50"] / 1000,
                 p90_ms=data["p90"] / 1000, p99_ms=data["p99"] / 1000, mean_ms=data["mean"] / 1000,
                 max_ms=data["max"] / 1000, errors=data["errors"], mismatches=data["mismatches"])
