"""The service keeps answering after its database server dropped its connections (a restart, an idle
timeout): a pooled connection that sat idle is pinged before use and replaced when dead."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="SQLite has no server to drop a connection "
                                                             "(PostgreSQL only)")


def _drop_the_service_connections() -> int:
    """What a server restart does to the service: every connection it holds is closed, server side."""
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return connection.execute(text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    finally:
        admin.dispose()


def _help_works(net) -> bool:
    result = net.command("admin", "/consortium aide")
    return result["status"] == 200 and result["response"]["text"].startswith("#### /consortium")


def test_a_command_after_the_connections_dropped_while_idle_answers(net, monkeypatch):
    import models.db

    assert _help_works(net)
    assert _drop_the_service_connections() >= 1
    monkeypatch.setattr(models.db, "IDLE_BEFORE_PING", 0.0)   # every pooled connection counts as idle
    assert _help_works(net)
    assert _help_works(net)


def test_under_traffic_a_dropped_connection_fails_one_request_clearly_then_the_pool_renews(net):
    """No ping under traffic: the request that meets the dead connection is told nothing changed and to
    try again; the pool then replaces every connection it held, and the next requests answer."""
    assert _help_works(net)
    assert _drop_the_service_connections() >= 1
    answers = [net.command("admin", "/consortium aide")["response"]["text"] for _ in range(3)]
    assert answers[0].startswith("⚠️ Un problème est survenu de notre côté") and "rien n’a été modifié" in answers[0]
    assert all(answer.startswith("#### /consortium") for answer in answers[1:])
