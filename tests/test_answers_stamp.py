"""A call's results page keeps the matrix it last computed until the call's ``answers_stamp`` moves:
database triggers move it with every change the page shows of an answer (one added, removed, moved to
another call, or one of its shown columns changed) whatever writes it, and the call's own themes, group
size and formed consortiums are read with the call. Seen as the admin sees it: the page shows each change
at once, and what it does not show leaves the answers unread."""
from __future__ import annotations

import gzip
import re
from datetime import timedelta

import requests
from sqlalchemy import text

from models import CallForInterest, utcnow
from tests.conftest import API_TOKEN
from tests.helpers.ami import chat_answer, csrf_of, open_call_page, web_answer
from tests.helpers.web import admin_session


class Results:
    """The admin's results page of one call."""

    def __init__(self, net, http: requests.Session, url: str):
        self.net, self.http, self.url = net, http, url

    def show(self) -> str:
        response = self.http.get(self.url, timeout=10)
        assert response.status_code == 200
        return response.text

    def kept(self) -> str:
        """Shown again without its answers read (the admin with the network, the call): nothing they show moved."""
        statements, page = self.net.statements(self.show)
        assert statements == 2, "the answers were read again: the stamp moved"
        return page


def _row(name: str, departement: str, kind: str | None = None) -> str:
    small = f" <small>({kind})</small>" if kind else ""
    return f'<tr><th scope="row">{name}{small}</th>\n        <td>{departement}</td>'


def _sql(net, statement: str, **params) -> None:
    """A bare SQL statement, outside the ORM and every use case (a script, a restore, an operator's fix)."""
    with net.db() as session:
        session.execute(text(statement), params)


def _json(net) -> str:
    """How a bare statement writes a JSON value: PostgreSQL's ``json`` column wants a cast, SQLite's text not."""
    with net.db() as session:
        return ":value" if session.get_bind().dialect.name == "sqlite" else "CAST(:value AS json)"


def _form_url(net, http: requests.Session) -> str:
    return re.search(r'id="public-form-link">([^<]+)<', http.get(f"{net.server.url}/web/ami", timeout=10).text)[1]


def test_the_results_show_each_answer_added_changed_or_removed_at_once(net):
    http, call_id, url = open_call_page(net, "AMI suivi")
    results = Results(net, http, url)
    assert "0 réponse" in results.show() and "0 réponse" in results.kept()

    # A structure answers on the public form, a member in chat.
    web_answer(_form_url(net, http), structure_name="ACI Les Jardins", siae_type="ACI", departement="69",
               contact_name="Camille Martin", ranks={0: 1, 2: 2})
    page = results.show()
    assert "1 réponse" in page and _row("ACI Les Jardins", "69", "ACI") in page
    chat_answer(net, "lea", {"structure_name": "EI Léa", "siae_type": "EI", "departement": "75",
                             "contact_name": "Léa", "contact_email": "lea@example.org", "theme_1": "Alimentation"})
    page = results.show()
    assert "2 réponses" in page and "<li>EI Léa (75) — Léa</li>" in page
    assert "<li>ACI Les Jardins (69) — Camille Martin</li>" in page
    assert results.kept() == page

    # She changes every column the page shows of her answer, in chat.
    net.reply("lea", "/ami repondre")
    net.emulator.submit_dialog(-1, "lea", {"structure_name": "EI LÉA", "siae_type": "ETTI", "departement": "13",
                                           "contact_name": "Léa Martin", "contact_email": "lea@example.org",
                                           "theme_1": "Réemploi", "theme_2": "Alimentation"})
    page = results.show()
    assert "2 réponses" in page and "EI Léa" not in page and _row("EI LÉA", "13", "ETTI") in page
    assert "<li>EI LÉA — Réemploi &gt; Alimentation</li>" in page
    assert "<li>EI LÉA (13) — Léa Martin</li>" in page

    # Each shown column changed by a bare UPDATE, one at a time.
    jardins = "WHERE structure_key = 'aci les jardins'"
    _sql(net, f"UPDATE call_responses SET structure_name = 'Jardins <b>Solidaires</b>' {jardins}")
    page = results.show()
    assert _row("Jardins &lt;b&gt;Solidaires&lt;/b&gt;", "69", "ACI") in page and "ACI Les Jardins" not in page
    _sql(net, f"UPDATE call_responses SET siae_type = 'EI' {jardins}")
    assert _row("Jardins &lt;b&gt;Solidaires&lt;/b&gt;", "69", "EI") in results.show()
    _sql(net, f"UPDATE call_responses SET departement = '2A' {jardins}")
    page = results.show()
    assert _row("Jardins &lt;b&gt;Solidaires&lt;/b&gt;", "2A", "EI") in page
    _sql(net, f"UPDATE call_responses SET contact_name = 'Camille Roux' {jardins}")
    page = results.show()
    assert "<li>Jardins &lt;b&gt;Solidaires&lt;/b&gt; (2A) — Camille Roux</li>" in page and "Martin</li>" in page
    assert page.index("Jardins &lt;b&gt;Solidaires") < page.index('<th scope="row">EI LÉA')
    _sql(net, f"UPDATE call_responses SET structure_key = 'zz jardins' {jardins}")   # the rows' order
    page = results.show()
    assert page.index("Jardins &lt;b&gt;Solidaires") > page.index('<th scope="row">EI LÉA')
    assert "<li>Jardins &lt;b&gt;Solidaires&lt;/b&gt; — Alimentation &gt; Réemploi</li>" in page
    _sql(net, f"UPDATE call_responses SET themes = {_json(net)} WHERE structure_key = 'zz jardins'",
         value='["Mobilité"]')
    page = results.show()
    assert (_row("Jardins &lt;b&gt;Solidaires&lt;/b&gt;", "2A", "EI") + '\n        <td class="rank rank-0"></td>'
            '<td class="rank rank-1">1</td><td class="rank rank-0"></td></tr>') in page
    assert "<li>Jardins &lt;b&gt;Solidaires&lt;/b&gt; — " not in page   # no longer in several themes

    # What the page does not show leaves the answers unread, and the page as it was.
    _sql(net, "UPDATE call_responses SET comment = 'Un mot', can_bring = 'Un camion', needs = 'Rien', "
              "contact_email = 'camille@roux.example', source = 'chat', updated_at = created_at")
    _sql(net, "UPDATE call_responses SET structure_name = structure_name, themes = themes")
    assert results.kept() == page

    # A member erased on request: her name goes from the answer (the erasure's bulk update).
    erased = requests.delete(f"{net.server.url}/api/v1/people/lea",
                             headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert erased.status_code == 200
    page = results.show()
    assert "Léa Martin" not in page and _row("EI LÉA", "13", "ETTI") in page

    # An answer removed; another moved to another call: gone from this one, shown on the other.
    _sql(net, "DELETE FROM call_responses WHERE structure_key = 'ei lea'")
    page = results.show()
    assert "1 réponse" in page and "EI LÉA" not in page
    with net.db() as session:
        call = session.get(CallForInterest, call_id)
        closed = CallForInterest(network_id=call.network_id, title="AMI précédent", themes=["Mobilité"],
                                 deadline=utcnow() - timedelta(days=30), status="closed")
        session.add(closed)
        session.flush()
        other_id = closed.id
    other = Results(net, http, f"{net.server.url}/web/ami/{other_id}")
    assert "0 réponse" in other.show() and "0 réponse" in other.kept()
    _sql(net, "UPDATE call_responses SET call_id = :other", other=other_id)
    assert "0 réponse" in results.show()
    page = other.show()
    assert "1 réponse" in page and _row("Jardins &lt;b&gt;Solidaires&lt;/b&gt;", "2A", "EI") in page


def test_the_results_show_a_changed_call_at_once(net):
    """The call's own fields are not in the stamp: they are read with the call and key the matrix too."""
    http, call_id, url = open_call_page(net, "AMI appel")
    results = Results(net, http, url)
    form_url = _form_url(net, http)
    for name, email in (("ACI Un", "ines@example.org"), ("ACI Deux", "deux@example.org")):
        web_answer(form_url, structure_name=name, contact_email=email, ranks={0: 1})
    page = results.show()
    assert "Former le consortium «\u00a0Alimentation\u00a0»" in page and '<th scope="col">Énergie</th>' not in page

    _sql(net, f"UPDATE calls_for_interest SET themes = {_json(net)}",
         value='["Alimentation", "Mobilité", "Réemploi", "Énergie"]')
    page = results.show()
    assert '<th scope="col">Énergie</th>' in page and "<li>Énergie (0)</li>" in page
    _sql(net, "UPDATE calls_for_interest SET min_group_size = 3")
    page = results.show()
    assert "Former le consortium" not in page and "<li>Alimentation (2)</li>" in page
    _sql(net, "UPDATE calls_for_interest SET min_group_size = 2")
    page = results.show()
    assert "Former le consortium «\u00a0Alimentation\u00a0»" in page and "Formé" not in page

    formed = http.post(f"{url}/form", data={"csrf_token": csrf_of(page), "theme": "Alimentation"}, timeout=10)
    assert formed.status_code == 200
    page = results.show()
    assert "Formé" in page and '<a href="/web/c/alimentation">alimentation</a>' in page
    assert "Ajouter les nouvelles structures à «\u00a0Alimentation\u00a0»" in page
    _sql(net, f"UPDATE calls_for_interest SET formed = {_json(net)}", value="{}")
    page = results.show()
    assert "Formé" not in page and "Former le consortium «\u00a0Alimentation\u00a0»" in page

    # The page keeps its content for its reader too: the call's title, the reader's language, their forms'
    # token (another admin's page carries theirs), the call closed by that other admin.
    _sql(net, "UPDATE calls_for_interest SET title = 'AMI <i>renommé</i>'")
    page = results.show()
    assert "AMI &lt;i&gt;renommé&lt;/i&gt;" in page and "AMI appel" not in page
    english = http.get(url, params={"lang": "en"}, timeout=10).text
    assert "Themes × structures" in english and "Form the consortium “Alimentation”" in english
    assert "Thèmes × structures" in http.get(url, params={"lang": "fr"}, timeout=10).text
    other = admin_session(net)
    theirs = other.get(url, timeout=10).text
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', theirs))
    assert len(tokens) == 1 and tokens != set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
    assert theirs.replace(csrf_of(theirs), csrf_of(page)) == page   # the same page but for the token
    closed = other.post(f"{url}/close", data={"csrf_token": csrf_of(theirs)}, timeout=10)
    assert closed.status_code == 200 and "clôturé" in closed.text and 'class="flash' in closed.text
    again = other.get(url, timeout=10).text   # the message was theirs, once
    assert "clôturé" not in again and 'class="flash' not in again and csrf_of(again) == csrf_of(theirs)
    page = results.show()
    assert re.search(r"2 réponses —\s+clos\s", page) and 'id="close-call"' not in page
    assert 'id="close-call"' in theirs   # shown to them before they closed it


def test_a_browser_gets_the_results_page_gzip_coded_with_its_own_token(net):
    """Browsers ask for gzip: the kept page goes out deflated, the same page a client without gzip gets,
    with each reader's token, in a fraction of the bytes; a client that refuses gzip gets it plain."""
    http, call_id, url = open_call_page(net, "AMI compressé")
    form_url = _form_url(net, http)
    for n in range(5):
        answered = web_answer(form_url, structure_name=f"ACI numéro {n}", contact_email=f"aci{n}@example.org",
                              ranks={0: 1})
        assert answered.status_code == 200, answered.text[:300]
    plain = http.get(url, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers and "ACI numéro 4" in plain.text
    for refused in ("gzip;q=0", "br, deflate", ""):
        response = http.get(url, headers={"Accept-Encoding": refused}, timeout=10)
        assert "Content-Encoding" not in response.headers and response.text == plain.text, refused
    coded = http.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}, stream=True, timeout=10)
    raw = coded.raw.read(decode_content=False)
    assert coded.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in coded.headers["Vary"]
    assert gzip.decompress(raw).decode() == plain.text   # checks the CRC and the length too
    assert len(raw) * 2 < len(plain.content)

    other = admin_session(net)
    theirs = other.get(url, timeout=10)   # requests asks for gzip
    assert theirs.headers["Content-Encoding"] == "gzip" and csrf_of(theirs.text) != csrf_of(plain.text)
    assert theirs.text.replace(csrf_of(theirs.text), csrf_of(plain.text)) == plain.text
    assert len(other.get(url, stream=True, timeout=10).raw.read(decode_content=False)) == len(raw)
    closed = other.post(f"{url}/close", data={"csrf_token": csrf_of(theirs.text)}, timeout=10)
    assert closed.status_code == 200 and "clôturé" in closed.text


def test_every_write_to_the_answers_has_its_trigger(net):
    """SQLite drops a table's triggers when a migration rebuilds the table: a later migration that
    rebuilds ``call_responses`` must create them again. A column shown later (``SHOWN``) needs its trigger
    changed too."""
    from plugin.features.ami.matrix import SHOWN

    with net.db() as session:
        if session.get_bind().dialect.name == "sqlite":
            triggers = dict(session.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'call_responses'")).all())
            assert {"answers_stamp_insert", "answers_stamp_delete", "answers_stamp_update"} <= set(triggers)
            watched = re.search(r"UPDATE OF (.*?) ON", triggers["answers_stamp_update"])[1].split(", ")
        else:
            events = set(session.execute(text(
                "SELECT trigger_name, event_manipulation FROM information_schema.triggers "
                "WHERE event_object_table = 'call_responses'")).all())
            assert {("answers_stamp", e) for e in ("INSERT", "DELETE", "UPDATE")} <= events, events
            watched = session.scalars(text(
                "SELECT event_object_column FROM information_schema.triggered_update_columns "
                "WHERE trigger_name = 'answers_stamp'")).all()
            # run at commit, so that the call's row is locked after every other lock (as the board stamps)
            assert session.scalar(text("SELECT tgdeferrable AND tginitdeferred FROM pg_trigger "
                                       "WHERE tgname = 'answers_stamp'")) is True
    assert {"call_id", *SHOWN} <= set(watched), watched
