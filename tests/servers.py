"""Real servers for the test suite: Radicale (CalDAV), aiosmtpd (SMTP) and Redis (rate limits).

Both bind a free loopback port and can be stopped and started again on the same
port, so tests can simulate an outage and a recovery.

Use from ``tests/conftest.py`` with ``from tests.servers import *`` or import the
fixtures explicitly in a test module.
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests

__all__ = ["radicale_server", "smtp_server", "redis_server", "RadicaleServer", "SMTPTestServer", "free_port"]


def free_port() -> int:
    """Return a TCP port that is currently free on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
                return
            except OSError:
                time.sleep(0.05)
    raise RuntimeError(f"port {port} still busy after {timeout}s")


# --------------------------------------------------------------------------- Radicale


class RadicaleServer:
    """A Radicale process with htpasswd (plain) authentication, storage in a folder."""

    def __init__(self, root: Path, *, username: str = "consortia", password: str = "s3cret-pw",
                 port: int | None = None) -> None:
        self.root = Path(root)
        self.username = username
        self.password = password
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.storage = self.root / "collections"
        self.htpasswd = self.root / "users"
        self.log_path = self.root / "radicale.log"
        self.storage.mkdir(parents=True, exist_ok=True)
        # A second user, handy for sharing / rights tests.
        self.htpasswd.write_text(f"{username}:{password}\nother:other-pw\n", encoding="utf-8")
        self._proc: subprocess.Popen | None = None
        self._log = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        if self.running:
            return
        _wait_port_free(self.port)
        cmd = [
            sys.executable, "-m", "radicale",
            "--config", "",  # do not read /etc/radicale or ~/.config
            "--server-hosts", f"127.0.0.1:{self.port}",
            "--storage-filesystem-folder", str(self.storage),
            "--auth-type", "htpasswd",
            "--auth-htpasswd-filename", str(self.htpasswd),
            "--auth-htpasswd-encryption", "plain",
            "--auth-delay", "0",
            "--rights-type", "owner_only",
            "--web-type", "none",
            "--logging-level", "warning",
        ]
        self._log = open(self.log_path, "ab")
        env = dict(os.environ)
        env.pop("RADICALE_CONFIG", None)
        self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"Radicale exited with {self._proc.returncode}: "
                    + self.log_path.read_text(errors="replace")[-2000:]
                )
            try:
                resp = requests.request(
                    "PROPFIND", self.url, auth=(self.username, self.password),
                    headers={"Depth": "0"}, timeout=1,
                )
                if resp.status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Radicale did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __repr__(self) -> str:  # never show the password
        return f"<RadicaleServer {self.url} user={self.username!r}>"


@pytest.fixture
def radicale_server(tmp_path):
    """A running Radicale server (``.url``, ``.username``, ``.password``, ``.stop()``, ``.start()``)."""
    server = RadicaleServer(tmp_path / "radicale")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- SMTP


class _CollectingHandler:
    def __init__(self, server: "SMTPTestServer") -> None:
        self.server = server

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(msg)
            self.server.envelopes.append(
                {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
            )
        return "250 Message accepted for delivery"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.server.reject_recipients:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class SMTPTestServer:
    """aiosmtpd Controller collecting every received message.

    ``messages`` holds ``EmailMessage`` objects parsed with ``email.policy.default``;
    ``envelopes`` the matching MAIL FROM / RCPT TO. Put addresses in
    ``reject_recipients`` to get a permanent 550 for them.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.url = f"smtp://{self.host}:{self.port}"
        self.messages: list[EmailMessage] = []
        self.envelopes: list[dict] = []
        self.reject_recipients: set[str] = set()
        self.lock = threading.Lock()
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        if self._controller is not None:
            return
        _wait_port_free(self.port)
        controller = Controller(_CollectingHandler(self), hostname=self.host, port=self.port,
                                ready_timeout=10)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        with self.lock:
            return list(self.messages)

    def __repr__(self) -> str:
        return f"<SMTPTestServer {self.url}>"


@pytest.fixture
def smtp_server():
    """A running aiosmtpd server (``.url``, ``.messages``, ``.stop()``, ``.start()``)."""
    server = SMTPTestServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- Redis


@pytest.fixture
def redis_server(tmp_path):
    """A throw-away redis-server (Debian's package) on a free port: its ``redis://`` URL."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
