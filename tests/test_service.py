"""Configuration contract, health, API, manifest, migrations, logs: the service's own qualities."""
from __future__ import annotations

import json
import logging
import threading

import pytest
import requests
from sqlalchemy import func, select

from models import Consortium
from tests.conftest import API_TOKEN, make_settings


# --- configuration --------------------------------------------------------------------------

@pytest.mark.parametrize("variable,value,named", [
    ("BASE_URL", "ftp://x", "CONSORTIA_BASE_URL"),
    ("MATTERMOST_URL", "not a url", "CONSORTIA_MATTERMOST_URL"),
    ("TIMEZONE", "Mars/Olympus", "CONSORTIA_TIMEZONE"),
    ("LOCALE", "de", "CONSORTIA_LOCALE"),
    ("SMTP_URL", "http://mail", "CONSORTIA_SMTP_URL"),
    ("DATABASE_URL", "::::", "CONSORTIA_DATABASE_URL"),
    ("SECRET_KEY", "short", "CONSORTIA_SECRET_KEY"),
    ("AMI_CHANNEL", "Town Square; DROP", "CONSORTIA_AMI_CHANNEL"),
    ("AMI_RETENTION_MONTHS", "0", "CONSORTIA_AMI_RETENTION_MONTHS"),
    ("AMI_RETENTION_MONTHS", "forever", "CONSORTIA_AMI_RETENTION_MONTHS"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variable, value, named):
    from plugin.config import ConfigError, load_settings

    env = {"CONSORTIA_INSTANCE_DIR": str(tmp_path), f"CONSORTIA_{variable}": value}
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert named in str(error.value) and "\n" not in str(error.value)


def test_defaults_are_embedded_and_the_secret_is_generated_once(tmp_path):
    from plugin.config import load_settings

    first = load_settings({"CONSORTIA_INSTANCE_DIR": str(tmp_path)})
    second = load_settings({"CONSORTIA_INSTANCE_DIR": str(tmp_path)})
    assert first.database_url == f"sqlite:///{tmp_path / 'consortia.db'}"
    assert first.base_url == "http://127.0.0.1:8080" and first.locale == "fr" and first.timezone == "Europe/Paris"
    assert first.secret_key == second.secret_key and len(first.secret_key) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert not first.mattermost_configured
    assert first.secret_key not in repr(first)


def test_cli_reports_a_bad_configuration_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from plugin.cli import _load_commands, cli

    _load_commands()
    monkeypatch.setenv("CONSORTIA_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("CONSORTIA_TIMEZONE", "Nowhere/Land")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "CONSORTIA_TIMEZONE" in result.output


# --- health, metrics, logs ----------------------------------------------------------------------

def test_healthz_and_metrics(net):
    health = requests.get(f"{net.server.url}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert health.headers["X-Request-Id"]
    metrics = requests.get(f"{net.server.url}/metrics", timeout=5).text
    assert "consortia_http_requests_total" in metrics and "consortia_outbox_messages" in metrics


def test_healthz_reports_an_unreachable_database(tmp_path):
    from plugin.app import Services, create_app

    settings = make_settings("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    app = create_app(services=Services(settings))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_secrets_never_reach_the_logs(capsys):
    from plugin.logging_setup import configure_logging

    configure_logging(secrets=("s3cr3t-token-value",))
    log = logging.getLogger("consortia.test")
    log.warning("calling with token=%s and Authorization: Bearer abcdefghijkl", "s3cr3t-token-value")
    log.warning("smtp://user:hunter2@mail.example.org:465")
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.strip().splitlines()]
    assert all("s3cr3t-token-value" not in line["message"] for line in lines)
    assert "abcdefghijkl" not in err and "hunter2" not in err
    assert lines[0]["request_id"] == "-" and lines[0]["level"] == "WARNING"
    logging.getLogger().handlers = [h for h in logging.getLogger().handlers if not getattr(h, "_consortia", False)]


# --- JSON API ----------------------------------------------------------------------------------------

def api(net, method, path, **kwargs):
    headers = kwargs.pop("headers", {"Authorization": f"Bearer {API_TOKEN}"})
    return requests.request(method, f"{net.server.url}/api/v1{path}", headers=headers, timeout=5, **kwargs)


def test_api_needs_a_bearer_token(net):
    assert api(net, "GET", "/consortia", headers={}).status_code == 401
    assert api(net, "GET", "/consortia", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_api_provisions_idempotently(net):
    body = {"name": "Mobilité inclusive", "theme": "Mobilité", "members": ["ines", "samir"]}
    first = api(net, "POST", "/consortia", json=body)
    assert first.status_code == 201 and first.json()["slug"] == "mobilite-inclusive"
    second = api(net, "POST", "/consortia", json=body)
    assert second.status_code == 200
    net.deliver()
    assert api(net, "GET", "/consortia/mobilite-inclusive").json()["provisioning"]["welcome"] == "done"
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Consortium)) == 1
    listing = api(net, "GET", "/consortia").json()
    assert listing["total"] == 1 and listing["items"][0]["members"] == 2


@pytest.mark.parametrize("body,field", [({"name": ""}, "name"), ({"name": "x" * 81}, "name"),
                                        ({"name": "Ok", "members": ["bad name!"]}, "members"), ({}, "name")])
def test_api_rejects_bad_input_field_by_field(net, body, field):
    response = api(net, "POST", "/consortia", json=body)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_api_answers_non_json_clearly(net):
    response = api(net, "POST", "/consortia", data="not json")
    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_openapi_document_describes_the_api(net):
    document = requests.get(f"{net.server.url}/api/v1/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3.")
    assert "/consortia" in document["paths"] and "post" in document["paths"]["/consortia"]
    assert "ConsortiumCreate" in document["components"]["schemas"]
    from openapi_schema_validator import OAS30Validator

    for schema in document["components"]["schemas"].values():
        OAS30Validator.check_schema(schema)


# --- manifest and grammar ----------------------------------------------------------------------

def test_manifest_json_is_generated_from_the_grammar():
    from plugin.manifest import MANIFEST_PATH, render_manifest

    assert MANIFEST_PATH.read_text(encoding="utf-8") == render_manifest(), "run `consortia manifest`"


def test_commands_doc_is_generated_from_the_grammar():
    from plugin.manifest import COMMANDS_DOC, render_commands_doc

    assert COMMANDS_DOC.read_text(encoding="utf-8") == render_commands_doc(), "run `consortia manifest`"


def test_manifest_lists_every_trigger_with_french_and_english_hints():
    from plugin.frontdoor.registry import registry
    from plugin.manifest import build_manifest

    TRIGGERS = registry().triggers
    manifest = build_manifest()
    words = {c["trigger"] for c in manifest["commands"]}
    assert words == {w for t in TRIGGERS for w in t.words()}
    consortium = next(c for c in manifest["commands"] if c["trigger"] == "consortium")
    assert "creer" in consortium["auto_complete_hint"]["fr"] and "create" in consortium["auto_complete_hint"]["en"]
    assert consortium["description"]["fr"] != consortium["description"]["en"]


# --- migrations ---------------------------------------------------------------------------------------

def test_migrations_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import models
    from models.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    engine.dispose()
    assert diff == []


def test_migrations_upgrade_an_existing_database_without_loss(tmp_path):
    from sqlalchemy import text

    from models.db import make_engine
    from models.migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO networks (team_name, name, created_at) VALUES ('t', 'T', '2026-01-01')"))
    engine.dispose()
    upgrade(url)
    downgrade(url, "0001")
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM networks")).scalar() == "T"
    engine.dispose()


# --- item numbers under concurrency ---------------------------------------------------------------

def test_item_numbers_are_unique_under_concurrency(net):
    from plugin.kernel.numbers import next_number

    net.reply("admin", '/consortium creer "Numéros"')
    with net.db() as session:
        consortium_id = session.scalar(select(Consortium.id))
    numbers: list[int] = []
    lock = threading.Lock()

    def take():
        for _ in range(10):
            with net.services.db.transaction() as session:
                value = next_number(session, consortium_id, "test")
            with lock:
                numbers.append(value)

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 61))
