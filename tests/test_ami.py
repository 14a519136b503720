"""/ami end to end: open a call, answer from chat (dialog) and from the public web form,
read the matrix, form a consortium, close — and every bad input of issue 7."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import requests
from sqlalchemy import func, select

from models import CallForInterest, CallResponse, Consortium, Membership, utcnow
from plugin.exports import dialect_for
from tests.helpers.ami import answers, chat_answer, csrf_of, open_call, web_answer
from tests.helpers.web import admin_session


# --- the whole AMI ------------------------------------------------------------------------

def test_a_whole_call_from_chat_and_web(net):
    url = open_call(net)
    # A member answers in chat through the dialog.
    dialog = net.emulator.dialogs()
    result = chat_answer(net, "ines", {"structure_name": "EI Mobil'Emploi", "siae_type": "EI", "departement": "69",
                                       "contact_name": "Inès", "contact_email": "ines@example.org",
                                       "theme_1": "Mobilité", "theme_2": "Alimentation",
                                       "can_bring": "Deux véhicules"})
    assert result["status"] == 200 and not (result["response"] or {}).get("errors"), result
    dialog = net.emulator.dialogs()[-1]["dialog"]
    assert [e["name"] for e in dialog["elements"]][:5] == ["structure_name", "siae_type", "departement",
                                                           "contact_name", "contact_email"]
    # Structures without a chat account answer on the public web form.
    assert web_answer(url, ranks={0: 1, 2: 2}).status_code == 200
    response = web_answer(url, structure_name="AI Coup de Main", contact_email="samir@example.org",
                          contact_name="Samir", departement="01", ranks={0: 1})
    assert response.status_code == 200 and "enregistrée" in response.text
    web_answer(url, structure_name="ETTI Solid'R", contact_email="contact@solidr.example", ranks={0: 2, 1: 1})
    rows = answers(net)
    assert len(rows) == 4
    assert {r.source for r in rows} == {"chat", "web"}
    assert rows[0].themes == ["Mobilité", "Alimentation"] and rows[1].themes == ["Alimentation", "Réemploi"]

    results = net.reply("admin", "/ami resultats")
    assert "4 réponses" in results
    assert "| Alimentation | 4 | 2 |" in results      # 4 structures, 2 first choices
    assert "EI Mobil'Emploi" in results or "EI Mobil\\'Emploi" in results
    assert "Regroupement suggéré" in results and '/ami former "Alimentation"' in results
    assert "Plusieurs thèmes" in results or "plusieurs thèmes" in results

    formed = net.reply("admin", '/ami former "alimentation"')   # case- and accent-insensitive theme
    assert "Alimentation" in formed and "@ines" in formed and "@samir" in formed
    assert "camille@jardins.example" in formed and "contact@solidr.example" in formed  # to invite
    net.deliver()
    channel = net.channel_of("alimentation")
    assert channel is not None
    members = net.emulator.members(channel["id"])
    assert {net.users["ines"]["id"], net.users["samir"]["id"]} <= members
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == "alimentation"))
        assert consortium.theme == "Alimentation"
        orgs = {m.organisation.name for m in consortium.memberships if m.organisation}
        assert orgs == {"EI Mobil'Emploi", "AI Coup de Main"}
        call = session.scalar(select(CallForInterest))
        assert call.formed == {"Alimentation": consortium.id}

    # Forming again adds nobody twice.
    again = net.reply("admin", '/ami former "Alimentation"')
    assert "complété" in again
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Consortium)) == 1
        assert session.scalar(select(func.count()).select_from(Membership)) == 2

    early = requests.Session()
    web_answer(url, http=early, structure_name="Late comer", contact_email="late@example.org", ranks={})
    closed = net.reply("admin", "/ami cloturer")
    assert "clôturé" in closed and "Réponses reçues\u00a0: 4." in closed
    assert "Aucun appel" in net.reply("ines", "/ami repondre")
    late = web_answer(url, http=early, structure_name="Late comer", contact_email="late@example.org")
    assert late.status_code == 403 and "clos" in late.text
    assert len(answers(net)) == 4


def test_results_export_as_csv_is_safe(net):
    url = open_call(net)
    web_answer(url, structure_name="=HYPERLINK(\"http://evil\")", contact_email="x@example.org")
    from plugin.features.ami.matrix import matrix
    from plugin.features.ami.render import results_csv

    with net.db() as session:
        call = session.scalar(select(CallForInterest))
        body = results_csv(matrix(session, call)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline=""), dialect=dialect_for("fr")))   # French by default
    assert rows[1][0].startswith("'=")
    assert rows[0][5].startswith("Alimentation")


def test_only_admins_run_the_call(net):
    assert "équipe d’animation" in net.reply("ines", '/ami ouvrir "X" --themes "A, B" --jusqu-au 2099-01-01')
    open_call(net)
    for text in ("/ami resultats", '/ami former "Alimentation"', "/ami cloturer"):
        assert "équipe d’animation" in net.reply("ines", text), text


def test_one_open_call_at_a_time_and_deadline_in_the_future(net):
    open_call(net)
    assert "encore ouvert" in net.reply("admin", '/ami ouvrir "Deux" --themes "A" --jusqu-au 2099-01-01')
    net.reply("admin", "/ami cloturer")
    assert "futur" in net.reply("admin", '/ami ouvrir "Passé" --themes "A" --jusqu-au 2001-01-01')
    assert "thème" in net.reply("admin", '/ami ouvrir "Sans thèmes" --themes " , " --jusqu-au 2099-01-01')


def test_form_a_theme_nobody_chose_or_that_does_not_exist(net):
    open_call(net)
    assert "Aucune structure" in net.reply("admin", '/ami former "Réemploi"')
    assert "n'est pas un des thèmes" in net.reply("admin", '/ami former "Culture"') \
        or "n’est pas un des thèmes" in net.reply("admin", '/ami former "Culture"')


# --- bad input on the public form ---------------------------------------------------------

def test_missing_fields_are_each_reported(net):
    url = open_call(net)
    response = web_answer(url, structure_name="", contact_name="", contact_email="", ranks={})
    assert response.status_code == 400
    text = response.text
    assert "n'a pas été enregistrée" in text or "n’a pas été enregistrée" in text
    assert text.count('aria-invalid="true"') >= 3
    assert "Choisissez au moins un thème" in text
    assert answers(net) == []


def test_an_email_that_is_not_one(net):
    url = open_call(net)
    for bad in ("pas-un-email", "a@b", "x@example.org\r\nBcc: victim@example.org", "<a@b.fr>"):
        response = web_answer(url, contact_email=bad)
        assert response.status_code == 400, bad
        assert "adresse e-mail" in response.text
    assert answers(net) == []


def test_ten_thousand_characters_are_refused_and_kept_for_correction(net):
    url = open_call(net)
    response = web_answer(url, can_bring="x" * 10_000)
    assert response.status_code == 400
    assert "10000 caractères" in response.text or "10 000" in response.text
    assert "x" * 3000 in response.text  # the text is given back to be shortened
    response = web_answer(url, structure_name="y" * 10_000)
    assert response.status_code == 400
    assert answers(net) == []


def test_html_and_script_in_every_field_stay_inert(net):
    url = open_call(net)
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>"\''
    response = web_answer(url, structure_name="S " + payload, contact_name="C " + payload,
                          can_bring=payload, needs=payload, comment=payload)
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;" in response.text
    row = answers(net)[0]
    assert row.structure_name == "S " + payload  # stored as typed, escaped where shown
    net.reply("admin", "/consortium admin")

    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/ami", timeout=10)
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    results = http.get(f"{net.server.url}/web/ami/{row.call_id}", timeout=10)
    assert "<script>alert(1)" not in results.text
    chat = net.reply("admin", "/ami resultats")
    assert "<script>" not in chat or "\\<script" in chat or "&lt;" in chat


def test_a_submission_after_the_deadline_is_refused(net):
    url = open_call(net)
    http = requests.Session()
    http.get(url, timeout=10)
    http.csrf = csrf_of(http.get(url, timeout=10).text)
    with net.db() as session:
        session.scalar(select(CallForInterest)).deadline = utcnow() - timedelta(minutes=1)
    page = http.get(url, timeout=10)
    assert "clos" in page.text and "submit-answer" not in page.text
    response = web_answer(url, http=http)
    assert response.status_code == 403 and "clos" in response.text
    assert "date limite" in net.reply("ines", "/ami repondre")
    assert answers(net) == []


def test_a_second_submission_for_the_same_structure_changes_nothing_by_itself(net):
    """Changing an answer takes the link e-mailed to its contact (tests/test_ami_ownership.py)."""
    url = open_call(net)
    assert web_answer(url, ranks={0: 1}).status_code == 200
    for name, email in (("aci les  JARDINS", "Camille@Jardins.example"), ("ÂCI Lés Jàrdins", "camille@jardins.example"),
                        ("ACI Les Jardins", "intrus@example.org")):
        again = web_answer(url, structure_name=name, contact_email=email, ranks={1: 1, 2: 2}, needs="Un local")
        assert again.status_code == 409 and "a déjà répondu" in again.text
    [row] = answers(net)
    assert row.themes == ["Alimentation"] and row.contact_email == "camille@jardins.example"


def test_a_flood_from_one_address_is_rate_limited(net):
    url = open_call(net)
    http = requests.Session()
    statuses = [web_answer(url, http=http, structure_name=f"Structure {i}",
                           contact_email=f"s{i}@example.org").status_code for i in range(10)]
    assert statuses[:8] == [200] * 8
    assert statuses[8:] == [429, 429]
    limited = web_answer(url, http=http, structure_name="One more", contact_email="more@example.org")
    assert limited.status_code == 429 and "Trop de réponses" in limited.text
    assert limited.headers.get("Retry-After")
    assert len(answers(net)) == 8
    # Reading the form is not limited.
    assert http.get(url, timeout=10).status_code == 200


def test_a_forged_call_token_finds_nothing(net):
    url = open_call(net)
    forged = url[:-4] + "AAAA"
    response = requests.get(forged, timeout=10)
    assert response.status_code == 404 and "n'existe pas" in response.text or "n’existe pas" in response.text
    assert requests.post(forged, data={"structure_name": "x"}, timeout=10).status_code in (400, 404)
    assert answers(net) == []


def test_a_post_without_csrf_token_is_refused(net):
    url = open_call(net)
    response = requests.post(url, data={"structure_name": "ACI X", "contact_name": "Jo", "rank_0": "1",
                                        "contact_email": "jo@example.org"}, timeout=10)
    assert response.status_code == 400 and "expiré" in response.text
    assert answers(net) == []


# --- bad input in the chat dialog ---------------------------------------------------------

def test_the_dialog_reports_each_wrong_field(net):
    open_call(net)
    result = chat_answer(net, "samir", {"structure_name": "", "contact_name": "Samir", "contact_email": "nope",
                                        "departement": "999"})
    errors = (result["response"] or {}).get("errors") or {}
    assert set(errors) >= {"structure_name", "contact_email", "departement", "theme_1"}, result
    assert answers(net) == []


def test_the_dialog_prefills_a_previous_answer_and_updates_it(net):
    open_call(net)
    chat_answer(net, "lea", {"structure_name": "ACI Léa", "contact_name": "Léa", "contact_email": "lea@example.org",
                             "theme_1": "Réemploi"})
    net.reply("lea", "/ami repondre")
    elements = {e["name"]: e for e in net.emulator.dialogs()[-1]["dialog"]["elements"]}
    assert elements["structure_name"]["default"] == "ACI Léa" and elements["theme_1"]["default"] == "Réemploi"
    net.emulator.submit_dialog(-1, "lea", {"structure_name": "ACI Léa", "contact_name": "Léa",
                                           "contact_email": "lea@example.org", "theme_1": "Mobilité"})
    rows = answers(net)
    assert len(rows) == 1 and rows[0].themes == ["Mobilité"]


def test_help_lists_the_subcommands(net):
    text = net.reply("ines", "/ami aide")
    for word in ("ouvrir", "repondre", "resultats", "former", "cloturer"):
        assert word in text


# --- speed ---------------------------------------------------------------------------------------


def _add_answers(net, total: int) -> int:
    """Answers up to ``total``: the n-th ranks one to three of the call's themes, from theme n on."""
    with net.db() as session:
        call = session.scalar(select(CallForInterest))
        themes = list(call.themes)
        have = session.scalar(select(func.count()).select_from(CallResponse))
        for n in range(have, total):
            ranked = list(dict.fromkeys(themes[(n + k) % len(themes)] for k in range(1 + n % 3)))
            session.add(CallResponse(call_id=call.id, structure_name=f"Structure {n:03d}",
                                     structure_key=f"structure {n:03d}", siae_type="ACI",
                                     departement=f"{1 + n % 5:02d}", contact_name=f"Contact {n}",
                                     contact_email=f"c{n}@example.org", email_key=f"c{n}@example.org",
                                     themes=ranked, source="web"))
        return call.id


def test_the_matrix_issues_the_same_statements_with_3_and_60_answers(net):

    open_call(net)
    http = admin_session(net)
    call_id = _add_answers(net, 3)
    url = f"{net.server.url}/web/ami/{call_id}"
    http.get(url, timeout=10)  # warm up
    with_3, page_3 = net.statements(lambda: http.get(url, timeout=10).text)
    assert "3 réponses" in page_3 and "Structure 002" in page_3
    _add_answers(net, 60)
    with_60, page_60 = net.statements(lambda: http.get(url, timeout=10).text)
    kept_60, _page = net.statements(lambda: http.get(url, timeout=10).text)
    # Shown again with nothing changed (as with 3 after the warm-up), the answers are not read; changed,
    # they are read in one statement whatever their number.
    assert kept_60 == with_3 and with_60 == with_3 + 1 <= 6, (with_3, with_60, kept_60)
    assert "60 réponses" in page_60
    # Structure 001 ranks the 2nd theme then the 3rd: one row, one cell per theme.
    row = re.search(r'<tr><th scope="row">Structure 001 <small>\(ACI\)</small></th>\s*<td>02</td>\s*(.*?)</tr>',
                    page_60).group(1)
    cells = re.findall(r'<td class="rank rank-(\d)">(\d?)</td>', row)
    with net.db() as session:
        themes = session.scalar(select(CallForInterest)).themes
    assert len(cells) == len(themes) and cells[1] == ("1", "1") and cells[2] == ("2", "2")
    assert all(cell == ("0", "") for index, cell in enumerate(cells) if index not in (1, 2))
