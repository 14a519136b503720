"""The admin dashboard is kept per network and board stamp, a stamp kept by database triggers: every
change the dashboard shows is on the next page view (seen through HTTP, as the admin sees it), and
what it does not show leaves the page as it was, read again from nothing but the network and the
admin. Admins, languages and filters each get their own page."""
from __future__ import annotations

import re
from datetime import timedelta

import requests
from sqlalchemy import select, text, update

from models import Consortium, Idea, IdeaSupport, Person, utcnow
from tests.helpers.ami import csrf_of, open_call, web_answer
from tests.helpers.sessions import next_year, setup_consortium
from tests.helpers.web import admin_session, create_consortium, magic_link, sign_in

KEPT = 1   # the admin with the network (and its stamp): nothing else is read for a kept page
READ = 5   # as in tests/test_web.py: the table, the rest of the page, the latest call, the ideas


class Dashboard:
    """An admin looking at one dashboard page."""

    def __init__(self, net, http: requests.Session, expected: int | None = None, **params):
        self.net, self.http, self.params = net, http, params
        self.page = self._view(expected)

    def _view(self, expected: int | None) -> str:
        issued, response = self.net.statements(
            lambda: self.http.get(f"{self.net.server.url}/web/", params=self.params, timeout=10))
        assert response.status_code == 200
        assert expected in (None, issued), "the page was read again" if expected == KEPT else "the page was not read again"
        return response.text

    def changed(self) -> str:
        """The next view reads the page again and shows something new."""
        page = self._view(READ)
        assert page != self.page
        self.page = page
        return page

    def kept(self) -> None:
        assert self._view(KEPT) == self.page


def row(page: str, name: str) -> list[str]:
    """The cells of a consortium's row, tags removed."""
    found = re.search(rf">{re.escape(name)}</a>(.*?)</tr>", page, re.S)
    assert found, name
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", found.group(1), re.S)]


def test_each_change_the_dashboard_shows_is_on_the_next_view(net):
    channel = setup_consortium(net, members="@ines @samir")["id"]
    board = Dashboard(net, admin_session(net))
    members, checklist = row(board.page, "Alimentation durable")[1:3]
    assert "1 consortium" in board.page and checklist == "0/26"
    board.kept()

    # A consortium created, another moved to the next stage
    create_consortium(net, "Mobilité solidaire", members="@lea")
    assert "2 consortiums" in board.changed() and "Mobilité solidaire" in board.page
    net.reply("admin", "/consortium etape structuration --consortium mobilite-solidaire")
    assert re.search(r'Mobilité solidaire</a>.*?class="stage stage-structuration"', board.changed(), re.S)
    assert re.search(r"<option value=\"structuration\" >[^<]* \(1\)</option>", board.page)

    # A checklist item ticked, a member added
    net.reply("ines", "/checklist cocher 1", channel=channel)
    assert row(board.changed(), "Alimentation durable")[2] == "1/26"
    net.reply("admin", "/consortium ajouter @lea", channel=channel)
    assert row(board.changed(), "Alimentation durable")[1] == str(int(members) + 1)

    # A session planned: the next one
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{next_year()} 14h', channel=channel)
    assert row(board.changed(), "Alimentation durable")[4].endswith("10/12 14:00")

    # A call opened, an idea proposed then supported
    open_call(net, title="AMI des jardins")
    assert "AMI des jardins" in board.changed()
    net.reply("samir", '/idee proposer "Covoiturage"')
    assert "1. Covoiturage (0 👍)" in board.changed()
    with net.db() as session:
        idea = session.scalar(select(Idea))
        samir = session.scalar(select(Person).where(Person.username == "samir"))
        session.add(IdeaSupport(idea_id=idea.id, person_id=samir.id))
    assert "1. Covoiturage (1 👍)" in board.changed()

    # Through the ORM and in bare SQL, as a script would
    with net.db() as session:
        session.execute(update(Consortium).where(Consortium.slug == "mobilite-solidaire")
                        .values(name="Mobilité pour tous"))
    assert "Mobilité pour tous" in board.changed() and "Mobilité solidaire" not in board.page
    with net.db() as session:
        session.execute(text("UPDATE consortia SET theme = 'Transports' WHERE slug = 'mobilite-solidaire'"))
    assert "<small>Transports</small>" in board.changed()
    with net.db() as session:
        session.execute(text("UPDATE consortia SET archived_at = created_at WHERE slug = 'mobilite-solidaire'"))
    assert "1 consortium" in board.changed() and "Mobilité pour tous" not in board.page


def test_what_the_dashboard_does_not_show_keeps_it(net):
    channel = setup_consortium(net, members="@ines @samir")["id"]
    url = open_call(net, title="AMI des jardins")
    board = Dashboard(net, admin_session(net))
    web_answer(url)   # the call's answers are on its own page
    board.kept()
    net.reply("ines", "/checklist liste", channel=channel)   # reading
    board.kept()
    with net.db() as session:
        session.execute(text("UPDATE consortia SET purpose = 'Des circuits courts'"))
        session.execute(text("UPDATE checklist_items SET text = 'Autre chose' WHERE number = 1"))
        session.execute(text("UPDATE consortia SET stage = stage, name = name"))   # the same values
        session.execute(text("UPDATE people SET display_name = 'Inès B.' WHERE username = 'ines'"))
    board.kept()


def test_the_clock_moves_the_next_session_and_the_chart(net):
    from plugin.kernel.clock import FixedClock

    now = (utcnow().replace(day=1) + timedelta(days=40)).replace(day=10, hour=9, minute=0, second=0, microsecond=0)
    net.services.clock = FixedClock(now)
    channel = setup_consortium(net, members="@ines @samir")["id"]
    starts = now + timedelta(days=1)
    net.reply("ines", f'/session planifier "Diagnostic" {starts:%d/%m/%Y} 14h', channel=channel)
    board = Dashboard(net, admin_session(net))
    assert row(board.page, "Alimentation durable")[4] != "—"
    net.services.clock.set(now + timedelta(hours=2))
    board.kept()
    net.services.clock.set(now + timedelta(days=2))   # the session has started: none to come
    assert row(board.changed(), "Alimentation durable")[4] == "—"
    board.kept()
    net.services.clock.set(now + timedelta(days=40))   # a month later: the chart moves on by a month
    label = re.findall(r'font-size="12">([^<]+)</text>', board.page)[-1]
    assert re.findall(r'font-size="12">([^<]+)</text>', board.changed())[-2] == label


def test_admins_languages_and_filters_each_get_their_own_page(network_factory):
    net = network_factory(admins="admin,lea")
    slug = create_consortium(net)
    create_consortium(net, "Mobilité solidaire", members="@lea")
    net.reply("admin", "/consortium etape structuration --consortium mobilite-solidaire")
    with net.db() as session:
        session.execute(text("UPDATE consortia SET theme = 'Mobilité' WHERE slug = 'mobilite-solidaire'"))
    alice = Dashboard(net, admin_session(net))
    lea, first = sign_in(magic_link(net, "lea"))
    assert first.status_code == 200
    other = Dashboard(net, lea)
    # The same page but for the form's CSRF token, each admin's own: it works for them alone.
    assert other.page != alice.page and csrf_of(other.page) != csrf_of(alice.page)
    assert other.page.replace(csrf_of(other.page), csrf_of(alice.page)) == alice.page
    alice.kept()
    other.kept()
    for http, token, status in ((lea, csrf_of(other.page), 200), (lea, csrf_of(alice.page), 400)):
        renewed = http.post(f"{net.server.url}/web/c/{slug}/profile-link", data={"csrf_token": token}, timeout=10)
        assert renewed.status_code == status
    alice.kept()   # a profile link is not on the dashboard

    # The page read once for every language, written in each
    english = Dashboard(net, alice.http, KEPT, lang="en")
    assert "All consortiums" in english.page and "2 consortiums" in english.page
    french = Dashboard(net, alice.http, KEPT, lang="fr")
    assert "Tous les consortiums" in french.page
    english.kept()

    filtered = Dashboard(net, alice.http, stage="structuration")
    assert "1 consortium" in filtered.page and "Alimentation durable" not in filtered.page
    assert "stage=structuration" in filtered.page   # the language link keeps the filter
    themed = Dashboard(net, alice.http, theme="Alimentation")
    assert "Mobilité solidaire" not in themed.page and "Alimentation durable" in themed.page
    filtered.kept()
    themed.kept()


def test_every_table_the_dashboard_reads_has_its_triggers(net):
    """SQLite drops a table's triggers when a migration rebuilds the table; PostgreSQL's run at commit."""
    tables = ("consortia", "memberships", "checklist_items", "commitments", "working_sessions",
              "foundation_dialogues", "provisioning_steps", "stage_changes", "calls_for_interest", "ideas",
              "idea_supports")
    with net.db() as session:
        if session.get_bind().dialect.name == "sqlite":
            found = set(session.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")))
            for table in tables:
                assert {(table, f"board_stamp_{table}_{event}") for event in ("insert", "update", "delete")} <= found
        else:
            found = set(session.execute(text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgdeferrable AND t.tginitdeferred")))
            assert {(table, f"board_stamp_{table}") for table in tables} <= found
