"""The front door: every way in goes through the runner (a spy on the runner, not on internals), one
refusal table answers for all of them, and the runner's clock is the one tests set."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select

from models import ChecklistItem, Consortium, OutboxMessage
from tests.conftest import API_TOKEN


@pytest.fixture
def runs(monkeypatch) -> list[tuple[str, str, object]]:
    """Every run of the runner: (the entry's kind, the use case's name, the result)."""
    from plugin.frontdoor.runner import Runner

    seen: list[tuple[str, str, object]] = []
    real = Runner.run

    def spy(self, entry, use_case, raw=None):
        result = real(self, entry, use_case, raw)
        seen.append((entry.kind, use_case if isinstance(use_case, str) else use_case.name, result))
        return result

    monkeypatch.setattr(Runner, "run", spy)
    return seen


def _consortium(net, name: str = "Alimentation durable", members: str = "@ines @samir") -> tuple[str, str]:
    net.reply("admin", f'/consortium creer "{name}" --membres {members}')
    net.deliver()
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.name == name))
        return consortium.slug, consortium.channel_id


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- one test per way in ------------------------------------------------------------------------

def test_a_slash_command_goes_through_the_runner(net, runs):
    _slug, channel = _consortium(net)
    runs.clear()
    assert "Point 1 coché" in net.reply("ines", "/checklist cocher 1", channel=channel)
    assert [(kind, name) for kind, name, _r in runs] == [("slash", "checklist.check")]
    # a mistake in the command too: it is refused in the reader's language, by the runner
    runs.clear()
    assert net.reply("ines", "/checklist cocher abc", channel=channel).startswith("⚠️")
    assert [(kind, name, result.ok) for kind, name, result in runs] == [("slash", "checklist.check", False)]


def test_a_button_goes_through_the_runner(net, runs):
    _slug, channel = _consortium(net)
    post = net.command("ines", "/checklist liste", channel=channel)["ephemeral"]
    runs.clear()
    clicked = net.emulator.click(post["id"], "ck1", "ines")
    assert clicked["ephemeral"]["message"] == "☑ Point 1 coché."
    assert [(kind, name) for kind, name, _r in runs] == [("button", "checklist.toggle")]


def test_a_form_goes_through_the_runner(net, runs):
    _slug, channel = _consortium(net)
    assert "formulaire" in net.reply("samir", "/engagement ajouter", channel=channel)
    opened = net.emulator.dialogs()[-1]
    runs.clear()
    answer = net.emulator.submit_dialog(opened, "samir", {"kind": "temps", "amount": "NaN", "unit": "euros"})
    assert answer["response"]["errors"]
    assert [kind for kind, _name, _r in runs] == ["dialog"]


def test_an_api_route_goes_through_the_runner(net, runs):
    _consortium(net)
    runs.clear()
    response = requests.get(f"{net.server.url}/api/v1/consortia", headers={"Authorization": f"Bearer {API_TOKEN}"},
                            timeout=10)
    assert response.status_code == 200 and response.json()["total"] == 1
    assert [kind for kind, _name, _r in runs] == ["api"]
    # a wrong token is turned away before the runner
    runs.clear()
    assert requests.get(f"{net.server.url}/api/v1/consortia", headers={"Authorization": "Bearer nope"},
                        timeout=10).status_code == 401
    assert runs == []


def test_an_admin_page_goes_through_the_runner(net, runs):
    slug, _channel = _consortium(net)
    link = re.search(r"(http://127\.0\.0\.1:\d+/web/login\?token=\S+)", net.reply("admin", "/consortium admin"))[1]
    http = requests.Session()
    page = http.get(link, timeout=10)
    token = re.search(r'name="token" value="([^"]+)"', page.text)[1]
    http.post(link.split("?")[0], data={"csrf_token": _csrf(page.text), "token": token}, timeout=10)
    page = http.get(f"{net.server.url}/web/c/{slug}", timeout=10)
    runs.clear()
    changed = http.post(f"{net.server.url}/web/c/{slug}/profile-link", data={"csrf_token": _csrf(page.text)},
                        timeout=10)
    assert changed.status_code == 200 and 'id="profile-link"' in changed.text
    # the change, then the page it redirects to: reads declare their use case too
    assert [(kind, name) for kind, name, _r in runs] == [("page", "pages.profile_link"), ("page", "pages.consortium")]


def test_a_cli_command_goes_through_the_runner(net, runs, monkeypatch):
    from plugin.cli import cli
    from plugin.cli import features as _declared  # noqa: F401  (adds the features' commands)

    monkeypatch.setenv("CONSORTIA_DATABASE_URL", net.services.settings.database_url)
    monkeypatch.setenv("CONSORTIA_SECRET_KEY", "x" * 32)
    result = CliRunner().invoke(cli, ["templates", "list"])
    assert result.exit_code == 0 and "consortium\t26 items" in result.output
    assert [(kind, name) for kind, name, _r in runs] == [("cli", "checklist.template_catalog")]


# --- one refusal table --------------------------------------------------------------------------

def test_one_table_answers_every_refusal():
    from plugin.frontdoor.errors import answer, http_code
    from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound, Refusal, Unavailable

    table = {kind: (answer(kind("x")).code, answer(kind("x")).http, answer(kind("x")).exit)
             for kind in (Invalid, NotFound, Forbidden, Conflict, Unavailable, Refusal)}
    assert table == {Invalid: ("invalid", 400, 2), NotFound: ("not_found", 404, 1),
                     Forbidden: ("forbidden", 403, 1), Conflict: ("conflict", 409, 1),
                     Unavailable: ("unavailable", 503, 1), Refusal: ("error", 400, 1)}
    # and the JSON errors of HTTP itself speak the same words
    assert [http_code(s) for s in (400, 401, 403, 404, 409, 413, 503, 418)] == [
        "invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "unavailable", "error"]


def test_a_refusal_is_rendered_in_its_readers_language(net):
    _slug, channel = _consortium(net)
    net.reply("samir", "/consortium langue en")
    assert "There is no item 99" in net.reply("samir", "/checklist cocher 99", channel=channel)
    assert "pas de point 99" in net.reply("ines", "/checklist cocher 99", channel=channel)
    # parsing mistakes too, though a command is parsed before anyone is identified
    assert "Unknown sub-command" in net.reply("samir", "/checklist cochez 1", channel=channel)
    assert "Sous-commande inconnue" in net.reply("ines", "/checklist cochez 1", channel=channel)


# --- the clock ----------------------------------------------------------------------------------

def test_the_runner_tells_use_cases_the_time_of_its_clock(net):
    from plugin.kernel.clock import FixedClock

    _slug, channel = _consortium(net)
    moment = datetime(2031, 5, 5, 8, 30, tzinfo=timezone.utc)
    net.services.clock = FixedClock(moment)
    net.reply("ines", "/checklist cocher 1", channel=channel)
    net.reply("ines", '/checklist ajouter "Signer" --echeance demain', channel=channel)
    with net.db() as session:
        ticked = session.scalar(select(ChecklistItem).where(ChecklistItem.number == 1))
        added = session.scalar(select(ChecklistItem).where(ChecklistItem.number == 27))
        news = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "checklist.news"))
        assert ticked.done_at == moment and added.created_at == moment
        assert added.due_date.isoformat() == "2031-05-06"
        assert news.available_at == moment and news.dedupe_key.endswith(str(int(moment.timestamp() // 60)))
