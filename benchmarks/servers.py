"""The processes a benchmark measures: the real service and the bare Flask baseline, each under
gunicorn on a free loopback port."""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import requests

from benchmarks import ROOT, TEAM_NAME


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A gunicorn process on a loopback port; ``.url``, ``.stop()``; a context manager."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], *, port: int, cwd: Path,
                 workdir: Path, command_token: str | None = None, api_token: str | None = None) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.cwd = cwd
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{port}"
        self.command_token = command_token
        self.api_token = api_token
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60.0) -> "Service":
        log = self.log_path.open("ab")
        try:
            # A session of its own: stop() can end gunicorn's workers with it, and only them.
            self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode} while starting:\n{tail}")
            try:
                response = requests.get(self.url + "/healthz", timeout=2)
                if response.status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:.0f}s:\n{tail}")

    def stop(self, timeout: float = 15.0, *, cleanup: bool = True) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL of its group); remove its log and instance folder."""
        process = self.process
        if process is not None and process.poll() is None:
            self._terminate(process, timeout)
        if cleanup:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @staticmethod
    def _terminate(process: subprocess.Popen, timeout: float) -> None:
        try:
            process.send_signal(signal.SIGTERM)  # gunicorn: graceful stop of master and workers
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # its own process group (start_new_session)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Service {self.name} {self.url} pid={self.pid}>"


def _gunicorn_argv(app: str, port: int, workers: int, extra: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", *extra, app]


def _clean_environment() -> dict[str, str]:
    """The caller's environment without any CONSORTIA_* setting (a developer's own must not leak in)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("CONSORTIA_")}


def start_service(database_url: str, *, workers: int = 2, extra_env: dict[str, str] | None = None,
                  gunicorn_args: Sequence[str] = (), timeout: float = 60.0) -> Service:
    """Start the real service (``plugin.wsgi:app``) under gunicorn on a free loopback port.

    No Mattermost, CalDAV nor SMTP is configured and no outbox worker runs: commands
    are answered from the database alone. ``service.command_token`` is the slash
    command token it accepts, ``service.api_token`` its REST API token.
    """
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="consortia-bench-service-"))
    command_token = "bench-" + secrets.token_hex(12)
    api_token = "bench-api-" + secrets.token_hex(12)
    env = _clean_environment()
    env.update({
        "CONSORTIA_DATABASE_URL": database_url,
        "CONSORTIA_SECRET_KEY": secrets.token_urlsafe(32),
        "CONSORTIA_COMMAND_TOKENS": command_token,
        "CONSORTIA_API_TOKENS": api_token,
        "CONSORTIA_MATTERMOST_TEAM": TEAM_NAME,
        "CONSORTIA_ADMINS": "admin",
        "CONSORTIA_RUN_WORKER": "0",
        "CONSORTIA_INSTANCE_DIR": str(workdir / "instance"),
        "CONSORTIA_BASE_URL": f"http://127.0.0.1:{port}",
        # Empty values win over a .env file (load_dotenv does not override) and mean "not set".
        "CONSORTIA_MATTERMOST_URL": "", "CONSORTIA_MATTERMOST_TOKEN": "",
        "CONSORTIA_CALDAV_URL": "", "CONSORTIA_SMTP_URL": "",
    })
    env.update(extra_env or {})
    service = Service("consortia", _gunicorn_argv("plugin.wsgi:app", port, workers, gunicorn_args), env,
                      port=port, cwd=ROOT, workdir=workdir, command_token=command_token, api_token=api_token)
    return service.start(timeout=timeout)


def start_baseline(workers: int = 2, *, gunicorn_args: Sequence[str] = (), timeout: float = 30.0) -> Service:
    """The bare Flask JSON endpoint (benchmarks/baseline_app.py), served the same way (give it the
    service's ``gunicorn_args``: same worker class and threads)."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="consortia-bench-baseline-"))
    service = Service("baseline", _gunicorn_argv("benchmarks.baseline_app:app", port, workers, gunicorn_args),
                      _clean_environment(), port=port, cwd=ROOT, workdir=workdir)
    return service.start(timeout=timeout)
