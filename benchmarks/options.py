"""The command line every benchmark script shares."""
from __future__ import annotations

import argparse
import sys

from benchmarks.database import POSTGRES_SERVER
from benchmarks.wrk import install_wrk


def arguments(description: str, *, seconds: float = 10, quick_seconds: float = 2) -> argparse.ArgumentParser:
    """The options every benchmark script shares (add your own to the parser)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite",
                        help="database to run against (postgres: a dedicated database on "
                             f"{POSTGRES_SERVER}, dropped and created again)")
    parser.add_argument("--quick", action="store_true", help=f"short run ({quick_seconds:g}s per measurement)")
    parser.add_argument("--seconds", type=float, default=None, help=f"seconds per measurement (default {seconds:g})")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternate baseline and service this many times per measurement (default 5; --quick: 1)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, service and baseline (default 2)")
    parser.add_argument("--workers-kind", choices=("sync", "threaded", "both"), default="sync",
                        help="gunicorn worker class, service and baseline: sync, threaded (gthread) or both "
                             "(default sync)")
    parser.add_argument("--worker-threads", type=int, default=4,
                        help="threads per threaded worker (default 4)")
    parser.add_argument("--engine", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (auto: wrk when installed)")
    parser.add_argument("--install-wrk", action="store_true", help="apt-get install -y wrk first when missing")
    parser.add_argument("--requests", type=int, default=None,
                        help="stop each measurement after N requests (Python engine; for smoke runs)")
    parser.add_argument("--no-json", action="store_true", help="do not write benchmarks/results/<name>.json")
    parser.set_defaults(_default_seconds=seconds, _quick_seconds=quick_seconds)
    return parser


def databases(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgres"] if args.database == "both" else [args.database]


def worker_kinds(args: argparse.Namespace) -> list[str]:
    return ["sync", "threaded"] if args.workers_kind == "both" else [args.workers_kind]


def gunicorn_args(kind: str, args: argparse.Namespace) -> list[str]:
    """gunicorn's options for a worker kind, the same for the service and the baseline."""
    return ["-k", "gthread", "--threads", str(args.worker_threads)] if kind == "threaded" else []


def load_options(args: argparse.Namespace) -> dict:
    """Keyword arguments for ``load`` from the parsed command line."""
    if args.install_wrk:
        install_wrk()
    seconds = args.seconds if args.seconds is not None else (
        args._quick_seconds if args.quick else args._default_seconds)
    engine = "python" if args.requests else args.engine
    return {"seconds": seconds, "concurrency": args.concurrency, "engine": engine,
            "requests_limit": args.requests, "warmup": 0 if (args.quick or args.requests) else 1}


def compare_options(args: argparse.Namespace) -> dict:
    """Keyword arguments for ``compare`` from the parsed command line."""
    options = load_options(args)
    options["rounds"] = 1 if (args.quick or args.requests) else max(1, args.rounds)
    return options


def run_meta(args: argparse.Namespace, options: dict, argv: list[str] | None, **extra) -> dict:
    """What a results file records of the run that produced it: the serving and load settings, the
    script's own figures (``extra``) and its command line."""
    return {"workers": args.workers, "concurrency": args.concurrency, "seconds": options["seconds"], **extra,
            "argv": sys.argv[1:] if argv is None else argv}
