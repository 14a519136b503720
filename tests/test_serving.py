"""Slow clients and floods: `consortia serve` keeps answering, rate limits are shared and see the real client."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.conftest import AppServer, make_settings
from tests.servers import free_port


# --- slow clients ---------------------------------------------------------------------------------------

@pytest.fixture
def served(tmp_path):
    """`consortia serve` with its default workers and threads, in its own process (stopped after)."""
    port = free_port()
    env = {**os.environ, "CONSORTIA_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "CONSORTIA_INSTANCE_DIR": str(tmp_path / "instance"), "CONSORTIA_SECRET_KEY": "s" * 32,
           "CONSORTIA_RUN_WORKER": "0", "CONSORTIA_MATTERMOST_URL": "http://127.0.0.1:9",
           "CONSORTIA_MATTERMOST_TOKEN": "unused-token"}
    env.pop("CONSORTIA_TEST_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-c", "from plugin.cli import main; main()", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "consortia serve did not start"
            time.sleep(0.2)
        yield url, port
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_serve_answers_healthz_while_fifty_clients_send_their_headers_byte_by_byte(served):
    url, port = served
    stop = threading.Event()
    header = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 4000
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(50)]
    started = threading.Barrier(len(sockets) + 1)

    def trickle(sock: socket.socket) -> None:
        sock.sendall(header[:1])
        started.wait(30)
        for byte in header[1:]:  # never ends the headers while the test runs
            if stop.wait(0.5):
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return

    threads = [threading.Thread(target=trickle, args=(sock,), daemon=True) for sock in sockets]
    for thread in threads:
        thread.start()
    try:
        started.wait(30)  # every slow client has begun its request
        time.sleep(1)     # and the server has taken them up
        for _ in range(3):
            response = requests.get(f"{url}/healthz", timeout=5)  # a liveness check, not a benchmark
            assert response.status_code == 200
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
        for thread in threads:
            thread.join(5)


def test_serve_runs_threaded_workers():
    from plugin.cli.core import SERVE_THREADS, gunicorn_settings

    settings = gunicorn_settings(2, SERVE_THREADS)
    assert settings["worker_class"] == "gthread" and settings["threads"] > 50


# --- rate limits ----------------------------------------------------------------------------------------

def _app(database_url, tmp_path, name: str, **overrides) -> AppServer:
    from plugin.app import Services, create_app

    settings = make_settings(database_url, tmp_path / name, callback_rate_limit="5 per minute", **overrides)
    return AppServer(create_app(services=Services(settings)))


@pytest.fixture
def apps(database_url, tmp_path):
    started: list[AppServer] = []

    def start(name: str = "a", **overrides) -> AppServer:
        server = _app(database_url, tmp_path, name, **overrides)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _callback(server: AppServer, path: str = "/mattermost/action", forwarded: str | None = None) -> requests.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return requests.post(f"{server.url}{path}", json={}, headers=headers, timeout=10)


def test_anonymous_callbacks_are_rate_limited_per_address_and_a_forged_forwarded_for_does_not_help(apps):
    server = apps()
    statuses = [_callback(server, path, forwarded=f"10.0.0.{i}").status_code
                for i, path in enumerate(["/mattermost/action", "/mattermost/dialog"] * 3)]
    assert statuses[:5] == [400] * 5  # refused as malformed, counted all the same
    assert statuses[5] == 429
    limited = _callback(server, forwarded="10.9.9.9")
    assert limited.status_code == 429 and limited.json() == {"error": "too_many_requests"}
    assert limited.headers.get("Retry-After")
    # Slash commands carry no limit (their trigger's token is checked first): this address still gets
    # the token's answer, not the limit's.
    assert [requests.post(f"{server.url}/mattermost/command", data={"command": "/consortium"},
                          headers={"X-Forwarded-For": "10.9.9.9"}, timeout=10).status_code
            for _ in range(3)] == [401] * 3


def test_no_limit_sits_on_an_endpoint_the_limiter_skips(database_url, tmp_path):
    """Only the endpoints given their limit with ``limit_endpoint`` run the limiter's per-request work:
    a limit put on any other view, or on every view, would never be counted."""
    from flask_limiter.util import get_qualified_name

    from plugin.app import Services, create_app

    app = create_app(services=Services(make_settings(database_url, tmp_path / "limits")))
    limiter = app.extensions["consortia_limiter"]
    with app.test_request_context():
        limited = {endpoint for endpoint, view in app.view_functions.items()
                   if limiter.limit_manager.decorated_limits(get_qualified_name(view))}
    assert limited == limiter.limited_endpoints == {"public.ami_form", "mattermost.action", "mattermost.dialog"}
    assert not limiter.limit_manager.default_limits and not limiter.limit_manager.application_limits


def test_behind_a_proxy_the_forwarded_address_is_the_client(apps):
    server = apps(proxies="1")
    assert [_callback(server, forwarded="203.0.113.1").status_code for _ in range(6)] == [400] * 5 + [429]
    assert _callback(server, forwarded="203.0.113.2").status_code == 400  # another client, another budget
    # Only the nearest proxy is trusted: a client prepending addresses stays itself.
    assert _callback(server, forwarded="198.51.100.7, 203.0.113.1").status_code == 429


def test_with_redis_every_process_shares_the_counts(apps, redis_server):
    first, second = apps("a", redis_url=redis_server), apps("b", redis_url=redis_server)
    statuses = [_callback(server).status_code for server in (first, second, first, second, first, second)]
    assert statuses == [400] * 5 + [429]
    alone = apps("c")  # memory storage: its own counts
    assert _callback(alone).status_code == 400


def test_with_redis_the_public_form_limit_is_shared_too(apps, redis_server, database_url):
    import re
    from datetime import timedelta

    from models import CallForInterest, Network, utcnow
    from models.db import Database

    first, second = (apps(name, redis_url=redis_server, ami_form_rate_limit="2 per minute") for name in "ab")
    db = Database(database_url)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="Réseau")
        session.add(network)
        session.flush()
        session.add(CallForInterest(network_id=network.id, title="AMI", themes=["Mobilité"], form_token="form-token",
                                    deadline=utcnow() + timedelta(days=30)))
    db.dispose()
    http = requests.Session()  # one browser; both processes share the secret key that signs its cookie
    page = http.get(f"{first.url}/ami/form-token", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    statuses = [http.post(f"{server.url}/ami/form-token", data={"csrf_token": csrf}, timeout=10).status_code
                for server in (first, second, first)]
    assert statuses == [400, 400, 429]  # incomplete answers, counted together
