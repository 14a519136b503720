"""The web pages over real HTTP: magic link sign-in, dashboard, consortium page, AMI pages,
public profile; CSRF, cookies, security headers; every bad input of issue 7."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import requests
from sqlalchemy import select

from models import Consortium, ProvisioningStep, utcnow
from tests.helpers.ami import csrf_of, open_call, open_call_page, web_answer
from tests.helpers.i18n import french_catalog
from tests.helpers.web import admin_session, create_consortium, magic_link, sign_in


# --- magic link ---------------------------------------------------------------------------

def test_the_magic_link_opens_the_dashboard_once(net):
    slug = create_consortium(net)
    link = magic_link(net)
    assert "usage unique" in net.reply("admin", "/consortium admin")
    http, response = sign_in(link)
    assert response.status_code == 200
    assert "Tous les consortiums" in response.text and "Alimentation durable" in response.text
    assert f"/web/c/{slug}" in response.text
    cookie = next(c for c in http.cookies if c.name == "session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.expires  # permanent, HttpOnly
    assert cookie.expires - time.time() <= 8 * 3600 + 60
    # The same link a second time: refused, on the landing page and on submission.
    again = requests.get(link, timeout=10)
    assert again.status_code == 410 and "déjà été utilisé" in again.text
    other = requests.Session()
    page = other.get(link.replace("/web/login", "/web/login"), timeout=10)
    assert page.status_code == 410


def test_the_signed_in_session_slides_its_cookie_sent_again_every_few_minutes(net, monkeypatch):
    """The 8 hours run from the admin's last page, give or take the few minutes between two sendings
    of the cookie; the pages in between do not send it."""
    from types import SimpleNamespace

    from plugin.web.pages import cookie

    clock = [time.time()]
    monkeypatch.setattr(cookie, "time", SimpleNamespace(time=lambda: clock[0]))
    create_consortium(net)
    http = admin_session(net)   # signing in sends the cookie, and so does the first page it leads to
    dashboard = f"{net.server.url}/web/"

    def sends_cookie() -> bool:
        response = http.get(dashboard, timeout=10)
        assert response.status_code == 200 and "Alimentation durable" in response.text
        return "session=" in response.headers.get("Set-Cookie", "")

    assert not sends_cookie()        # the next pages, within a few minutes, leave it
    clock[0] += cookie.REFRESH_AFTER_SECONDS - 1
    assert not sends_cookie()
    clock[0] += 2
    assert sends_cookie()            # later: sent again, with 8 hours from now
    assert not sends_cookie()
    cookie_sent = next(c for c in http.cookies if c.name == "session")
    assert 8 * 3600 - 60 <= cookie_sent.expires - time.time() <= 8 * 3600 + 60


def test_a_session_cookie_ends_eight_hours_after_it_was_signed_though_seen_before(net, monkeypatch):
    """A process keeps the cookies it verified (not verified again on every page): one kept still ends
    on time, and the admin is asked to sign in again."""
    from types import SimpleNamespace

    import itsdangerous.timed

    from plugin.web.pages import cookie

    clock = [time.time()]
    monkeypatch.setattr(cookie, "time", SimpleNamespace(time=lambda: clock[0]))
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: clock[0]))
    create_consortium(net)
    http = admin_session(net)
    dashboard = f"{net.server.url}/web/"
    assert http.get(dashboard, timeout=10).status_code == 200
    clock[0] += 8 * 3600 - 60
    assert http.get(dashboard, timeout=10).status_code == 200   # and sent again, for 8 more hours
    clock[0] += 8 * 3600 - 60
    assert http.get(dashboard, timeout=10).status_code == 200
    other = admin_session(net)
    assert other.get(dashboard, timeout=10).status_code == 200
    clock[0] += 8 * 3600 + 1
    for session in (http, other):
        refused = session.get(dashboard, timeout=10)
        assert refused.status_code == 401 and "/consortium admin" in refused.text


def test_a_replayed_post_of_the_link_is_refused(net):
    link = magic_link(net)
    http = requests.Session()
    page = http.get(link, timeout=10)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": csrf_of(page.text), "token": token}
    first = http.post(link.split("?")[0], data=data, timeout=10, allow_redirects=False)
    assert first.status_code == 303
    thief = requests.Session()
    thief_page = thief.get(f"{net.server.url}/ami/none", timeout=10)  # any page: a CSRF token of their own
    second = thief.post(link.split("?")[0], data={"csrf_token": csrf_of(_form_page(net, thief)), "token": token},
                        timeout=10)
    assert second.status_code == 410 and "déjà été utilisé" in second.text
    assert thief.get(f"{net.server.url}/web/", timeout=10).status_code == 401
    assert thief_page.status_code == 404


def _form_page(net, http) -> str:
    url = open_call(net) if not hasattr(net, "_form_url") else net._form_url
    net._form_url = url
    return http.get(url, timeout=10).text


def test_an_expired_link_is_refused(net, monkeypatch):
    link = magic_link(net)
    import plugin.web.pages.auth as auth

    monkeypatch.setattr(auth, "MAGIC_MAX_AGE", timedelta(seconds=-1))
    response = requests.get(link, timeout=10)
    assert response.status_code == 410 and "expiré" in response.text


def test_a_link_signed_with_another_key_or_tampered_is_refused(net):
    from itsdangerous import URLSafeTimedSerializer

    with net.db() as session:
        from models import Person

        admin_id = session.scalar(select(Person.id).where(Person.username == "admin")) or 1
    forged = URLSafeTimedSerializer("another-key", salt="consortia:magic").dumps({"p": admin_id, "n": 1, "_n": "x"})
    for token in (forged, "garbage", magic_link(net)[-20:]):
        response = requests.get(f"{net.server.url}/web/login?token={token}", timeout=10)
        assert response.status_code == 400 and "pas valide" in response.text
        http = requests.Session()
        page = http.get(_url_with_csrf(net), timeout=10)
        post = http.post(f"{net.server.url}/web/login", data={"csrf_token": csrf_of(page.text), "token": token},
                         timeout=10)
        assert post.status_code == 400
        assert http.get(f"{net.server.url}/web/", timeout=10).status_code == 401


def _url_with_csrf(net) -> str:
    if not hasattr(net, "_form_url"):
        net._form_url = open_call(net)
    return net._form_url


def test_a_non_admin_gets_no_link_and_no_page(net):
    assert "équipe d’animation" in net.reply("ines", "/consortium admin")
    for path in ("/web/", "/web/ami", "/web/c/x", "/web/ami/1"):
        response = requests.get(f"{net.server.url}{path}", timeout=10)
        assert response.status_code == 401 and "/consortium admin" in response.text, path
    # A link signed for someone who is not (or no longer) an admin opens nothing.
    net.reply("ines", "/consortium langue fr")
    with net.db() as session:
        from models import Network, Person

        ines = session.scalar(select(Person).where(Person.username == "ines"))
        network = session.scalar(select(Network))
        token = net.services.signer.sign("magic", {"p": ines.id, "n": network.id, "l": "fr"}, single_use=True)
    http, response = sign_in(f"{net.server.url}/web/login?token={token}")
    assert response.status_code == 403
    assert http.get(f"{net.server.url}/web/", timeout=10).status_code == 401


def test_csrf_is_required_on_admin_forms(net):
    slug = create_consortium(net)
    http = admin_session(net)
    response = http.post(f"{net.server.url}/web/c/{slug}/profile-link", data={}, timeout=10)
    assert response.status_code == 400 and "expiré" in response.text
    response = http.post(f"{net.server.url}/web/ami/open", data={"csrf_token": "wrong", "title": "X"}, timeout=10)
    assert response.status_code == 400


def test_security_headers_on_every_page(net):
    url = open_call(net)
    http = admin_session(net)
    for page in (url, f"{net.server.url}/web/", f"{net.server.url}/web/ami", f"{net.server.url}/web/login?token=x"):
        response = http.get(page, timeout=10)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]


# --- dashboard and consortium page --------------------------------------------------------

def test_dashboard_filters_and_pagination(net):
    create_consortium(net, "Alimentation durable")
    net.reply("admin", '/consortium creer "Mobilité solidaire" --theme "Mobilité"')
    net.deliver()
    net.reply("admin", "/consortium etape structuration --consortium mobilite-solidaire")
    http = admin_session(net)
    base = f"{net.server.url}/web/"
    page = http.get(base, timeout=10).text
    assert "2 consortiums" in page and "Alimentation durable" in page and "Mobilité solidaire" in page
    assert "<svg" in page and "Étapes au fil du temps" in page
    assert "0/26" in page
    from datetime import date

    from babel.dates import format_date

    this_month = date.today().replace(day=1)
    assert f">{format_date(this_month, 'MMM y', locale='fr_FR')}</text>" in page  # months in the reader's language
    by_theme = http.get(base, params={"theme": "Mobilité"}, timeout=10).text
    assert "1 consortium" in by_theme and "Alimentation durable" not in by_theme
    by_stage = http.get(base, params={"stage": "emergence"}, timeout=10).text
    assert "Alimentation durable" in by_stage and "Mobilité solidaire" not in by_stage
    assert http.get(base, params={"page": "abc"}, timeout=10).status_code == 200
    assert http.get(base, params={"stage": "<script>"}, timeout=10).status_code == 200
    english = http.get(base, params={"lang": "en"}, timeout=10).text
    assert "All consortiums" in english and 'lang="en"' in english
    assert f">{format_date(this_month, 'MMM y', locale='en_GB')}</text>" in english


def test_dashboard_paginates(net):
    from models import Network
    from plugin.features.pages.readmodels import dashboard

    net.reply("admin", "/consortium liste")
    with net.db() as session:
        network = session.scalar(select(Network))
        for i in range(120):
            session.add(Consortium(network_id=network.id, name=f"C{i:03d}", name_key=f"c{i:03d}", slug=f"c{i:03d}"))
    with net.db() as session:
        board = dashboard(session, session.scalar(select(Network)), page=3, per_page=50, now=utcnow())
        assert board.total == 120 and len(board.rows) == 20 and board.pages == 3
    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/", params={"page": 2}, timeout=10).text
    assert "Page 2 sur 3" in page and 'rel="next"' in page and 'rel="prev"' in page


def test_consortium_page_and_retry_of_failed_steps(net):
    slug = create_consortium(net)
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == slug))
        step = session.scalar(select(ProvisioningStep).where(ProvisioningStep.consortium_id == consortium.id,
                                                             ProvisioningStep.step == "welcome"))
        step.status, step.detail = "failed", "Mattermost unreachable"
    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/c/{slug}", timeout=10)
    assert page.status_code == 200
    assert "Alimentation durable" in page.text and "@ines" in page.text and "Mattermost unreachable" in page.text
    assert "Relancer les étapes en échec" in page.text
    assert ">message d’accueil</th>" in page.text and ">en échec</td>" in page.text  # in the reader's language
    retry = http.post(f"{net.server.url}/web/c/{slug}/retry", data={"csrf_token": csrf_of(page.text)}, timeout=10)
    assert retry.status_code == 200 and "Mise en place relancée" in retry.text
    net.deliver()
    with net.db() as session:
        statuses = dict(session.execute(select(ProvisioningStep.step, ProvisioningStep.status)
                                        .join(Consortium).where(Consortium.slug == slug)).all())
        assert statuses["welcome"] == "done"
    assert http.get(f"{net.server.url}/web/c/nope", timeout=10).status_code == 404


# --- public profile -----------------------------------------------------------------------

def test_the_public_profile_shows_nothing_private_and_can_be_revoked(net):
    slug = create_consortium(net)
    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/c/{slug}", timeout=10).text
    profile_url = re.search(r'id="profile-link">([^<]+)<', page).group(1)
    public = requests.get(profile_url, timeout=10)
    assert public.status_code == 200 and "Alimentation durable" in public.text
    assert "Profil du consortium" in public.text
    assert "@example.org" not in public.text and "calendars/" not in public.text
    assert public.headers["X-Robots-Tag"].startswith("noindex")
    printable = requests.get(profile_url + "/print", timeout=10)
    assert printable.status_code == 200 and "print.css" in printable.text
    # Revoke: the old link stops working, the new one works.
    revoked = http.post(f"{net.server.url}/web/c/{slug}/profile-link", data={"csrf_token": csrf_of(page)}, timeout=10)
    assert revoked.status_code == 200
    old = requests.get(profile_url, timeout=10)
    assert old.status_code == 404 and "retiré" in old.text
    new_url = re.search(r'id="profile-link">([^<]+)<', revoked.text).group(1)
    assert new_url != profile_url and requests.get(new_url, timeout=10).status_code == 200
    assert requests.get(f"{net.server.url}/profil/{slug}/forged", timeout=10).status_code == 404


# --- AMI web pages ------------------------------------------------------------------------

def test_admin_runs_the_call_from_the_web(net):
    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/ami", timeout=10)
    bad = http.post(f"{net.server.url}/web/ami/open", data={"csrf_token": csrf_of(page.text), "title": "",
                                                            "themes": "", "deadline": "n'importe quand"}, timeout=10)
    assert bad.status_code == 400 and bad.text.count('aria-invalid="true"') == 3
    opened = http.post(f"{net.server.url}/web/ami/open", data={
        "csrf_token": csrf_of(page.text), "title": "AMI web", "themes": "Alimentation, Mobilité",
        "deadline": "2099-06-30", "min_group_size": "2"}, timeout=10)
    assert opened.status_code == 200 and "AMI web" in opened.text
    form_url = re.search(r'id="public-form-link">([^<]+)<', opened.text).group(1)
    visitor = requests.Session()
    web_answer(form_url, http=visitor, structure_name="ACI Un", contact_email="ines@example.org", ranks={0: 1})
    web_answer(form_url, http=visitor, structure_name="ACI Deux", contact_email="deux@example.org",
               ranks={0: 2, 1: 1})
    call_id = int(re.search(r"/web/ami/(\d+)", opened.text).group(1))
    results = http.get(f"{net.server.url}/web/ami/{call_id}", timeout=10)
    assert "ACI Un" in results.text and "Former le consortium «\u00a0Alimentation\u00a0»" in results.text
    csv_response = http.get(f"{net.server.url}/web/ami/{call_id}/results.csv", timeout=10)
    assert csv_response.headers["Content-Type"].startswith("text/csv") and "ACI Deux" in csv_response.text
    formed = http.post(f"{net.server.url}/web/ami/{call_id}/form",
                       data={"csrf_token": csrf_of(results.text), "theme": "Alimentation"}, timeout=10)
    assert formed.status_code == 200 and "formé avec 1 membre" in formed.text
    assert "deux@example.org" in formed.text
    net.deliver()
    assert net.channel_of("alimentation") is not None
    closed = http.post(f"{net.server.url}/web/ami/{call_id}/close", data={"csrf_token": csrf_of(formed.text)},
                       timeout=10)
    assert closed.status_code == 200 and "clôturé" in closed.text
    assert web_answer(form_url, http=visitor, structure_name="Trop tard").status_code == 403


def test_templates_are_translated():
    """Every _() of the templates has a French translation (the i18n test covers Python only)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir


    root = Path(__file__).resolve().parent.parent / "plugin" / "templates"
    catalog = french_catalog()
    missing = []
    for filename, _line, message, _c, _ctx in extract_from_dir(
            str(root), method_map=[("**.html", "jinja2")], keywords={"_": None, "ngettext": (1, 2)}):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid and (msgid not in catalog or not catalog[msgid].string):
            missing.append(f"{filename}: {msgid!r}")
    assert not missing, "\n".join(missing)


# --- speed ---------------------------------------------------------------------------------------


def _add_consortia(net, total: int) -> None:
    """Consortiums up to ``total``, each with a member, a ticked checklist item, a commitment and a dialogue."""
    from sqlalchemy import func

    from models import (
        ChecklistItem,
        Commitment,
        FoundationDialogue,
        Membership,
        Network,
        Organisation,
        Person,
    )

    with net.db() as session:
        network = session.scalar(select(Network))
        person = session.scalar(select(Person).where(Person.username == "admin"))
        foundation = session.scalar(select(Organisation).where(Organisation.short_name == "FondationV"))
        if foundation is None:
            foundation = Organisation(network_id=network.id, name="Fondation V", short_name="FondationV",
                                      search_key="fondation-v", kind="foundation")
            session.add(foundation)
            session.flush()
        have = session.scalar(select(func.count()).select_from(Consortium))
        for n in range(have, total):
            consortium = Consortium(network_id=network.id, name=f"Groupe {n:03d}", name_key=f"groupe {n:03d}",
                                    slug=f"groupe-{n:03d}", theme=f"Thème {n % 4}",
                                    stage=("emergence", "structuration", "formalise", "finance")[n % 4])
            session.add(consortium)
            session.flush()
            session.add_all([
                Membership(consortium_id=consortium.id, person_id=person.id),
                ChecklistItem(consortium_id=consortium.id, number=1, position=1, section="S", text="Item",
                              done=n % 2 == 0),
                Commitment(consortium_id=consortium.id, number=1, description="Un atelier", amount=2, unit="jours"),
                FoundationDialogue(consortium_id=consortium.id, number=1, foundation_id=foundation.id,
                                   subject="Sujet", subject_key="sujet"),
            ])


def test_the_dashboard_issues_the_same_statements_with_3_and_60_consortiums(net):
    http = admin_session(net)
    base = f"{net.server.url}/web/"
    http.get(base, timeout=10)  # warm up
    _add_consortia(net, 3)
    with_3, page_3 = net.statements(lambda: http.get(base, timeout=10).text)
    # quantities as Babel writes them for the reader ("2 jours", not "2.0 jours")
    assert "3 consortiums" in page_3 and "Groupe 002" in page_3 and "1/1" in page_3 and "2 jours" in page_3
    _add_consortia(net, 60)
    with_60, page_60 = net.statements(lambda: http.get(base, timeout=10).text)
    # the admin with the network (the runner, one query); the table (a page of consortiums with every
    # figure); the rest of the page's own sections in one statement (the stage counts, which give the
    # total, the themes, the chart's stage changes); the latest call; the ideas
    assert with_60 == with_3 == 5, (with_3, with_60)
    assert "60 consortiums" in page_60 and page_60.count('<tr>\n      <th scope="row"><a href="/web/c/groupe-') == 50
    # seen again, nothing it shows changed (the network's board stamp did not move): the page this process
    # kept, after reading the admin with the network (and its stamp)
    again, page_again = net.statements(lambda: http.get(base, timeout=10).text)
    assert again == 1 and page_again == page_60
    assert 'href="/web/c/groupe-059"' in page_60 and "Page 1 sur 2" in page_60
    filtered, page = net.statements(lambda: http.get(base, params={"stage": "finance"}, timeout=10).text)
    assert filtered == with_3 and "15 consortiums" in page and "Groupe 003" in page and "Groupe 004" not in page
    themed, page = net.statements(lambda: http.get(base, params={"theme": "Thème 1"}, timeout=10).text)
    # a theme chosen: its total counted apart, in the same statement as the stage counts
    assert themed == with_3 and "15 consortiums" in page and "Groupe 001" in page and "Groupe 002" not in page


def _add_answers(net, call_id: int, total: int) -> None:
    from sqlalchemy import func

    from models import CallResponse

    themes = ["Alimentation", "Mobilité", "Réemploi"]
    with net.db() as session:
        have = session.scalar(select(func.count()).select_from(CallResponse).where(CallResponse.call_id == call_id))
        session.add_all([CallResponse(
            call_id=call_id, structure_name=f"Structure {n:03d}", structure_key=f"structure {n:03d}",
            siae_type="ACI", departement=f"{1 + n % 9:02d}", contact_name=f"Contact {n}",
            contact_email=f"c{n}@example.org", email_key=f"c{n}@example.org",
            themes=[themes[n % 3]] + ([themes[(n + 1) % 3]] if n % 2 else []), source="web")
            for n in range(have, total)])


def test_the_ami_matrix_issues_the_same_statements_with_3_and_40_answers(net):
    http, call_id, url = open_call_page(net, "AMI matrice")
    _add_answers(net, call_id, 3)
    with_3, page_3 = net.statements(lambda: http.get(url, timeout=10).text)
    assert "3 réponses" in page_3 and "<li>Structure 001 — Mobilité &gt; Réemploi</li>" in page_3
    _add_answers(net, call_id, 40)
    with_40, page_40 = net.statements(lambda: http.get(url, timeout=10).text)
    # the admin with the network (the runner, one query); the call (with its answers stamp); its answers
    # (one query, the columns shown), read because the stamp moved since the page was last shown
    assert with_40 == with_3 == 3, (with_3, with_40)
    # Nothing changed since: the matrix kept for the call's stamp, its answers not read
    again, page_again = net.statements(lambda: http.get(url, timeout=10).text)
    assert again == 2 and page_again.count('<tr><th scope="row">Structure ') == 40
    assert "40 réponses" in page_40 and page_40.count('<tr><th scope="row">Structure ') == 40
    assert '<tr><th scope="row">Structure 039 <small>(ACI)</small></th>' in page_40
    assert page_40.count("<li>Structure ") == 40 + 20 + 20   # under each of their themes, and the 20 with two
    assert "<li>Structure 002 (03) — Contact 2</li>" in page_40


def test_the_ami_matrix_shows_an_answer_changed_since_it_was_last_shown(net):
    """The page keeps the matrix it last computed for a call: an answer changed since (even with nothing
    else moving, not its time stamp) and a call's changed group size are shown at once."""
    from sqlalchemy import update

    from models import CallForInterest, CallResponse

    http, call_id, url = open_call_page(net, "AMI mémo")
    _add_answers(net, call_id, 4)
    first = http.get(url, timeout=10).text
    assert http.get(url, timeout=10).text.count("Structure 001") == first.count("Structure 001") == 4
    with net.db() as session:
        session.execute(update(CallResponse).where(CallResponse.structure_key == "structure 001").values(
            structure_name="Atelier <b>Neuf</b>", themes=["Réemploi"], updated_at=CallResponse.updated_at))
    changed = http.get(url, timeout=10).text
    assert "Structure 001" not in changed and "<li>Atelier &lt;b&gt;Neuf&lt;/b&gt; (02) — Contact 1</li>" in changed
    assert "<li>Atelier &lt;b&gt;Neuf&lt;/b&gt; — " not in changed   # no longer in several themes
    assert "Former le consortium «\u00a0Réemploi\u00a0»" in changed
    with net.db() as session:
        session.execute(update(CallForInterest).where(CallForInterest.id == call_id).values(min_group_size=9))
    assert "Former le consortium" not in http.get(url, timeout=10).text


def test_the_rows_written_in_python_are_escaped_as_the_templates_escape():
    from markupsafe import escape

    from plugin.web.pages.common import escape_text

    for text in ("ACI Lyon", "d'Ivry & Co <b>\"gras\"</b>", "&amp; déjà", "", "«\u00a0é\u00a0»"):
        assert escape_text(text) == str(escape(text))


def test_the_dashboard_reads_the_charts_stage_changes_with_its_counts(net):
    """The chart's stage changes come with the stage counts (one statement): the same months as when the
    chart reads them itself, a change of last month undone for the months before it."""
    from models import Network, StageChange
    from plugin.features.pages.readmodels import dashboard, stage_chart

    net.reply("admin", "/consortium liste")
    now = utcnow()
    with net.db() as session:
        network = session.scalar(select(Network))
        moved = Consortium(network_id=network.id, name="Déplacé", name_key="deplace", slug="deplace",
                           stage="structuration", theme="Zinc")
        session.add_all([moved, Consortium(network_id=network.id, name="Resté", name_key="reste", slug="reste",
                                           theme="Alpha")])
        session.flush()
        session.add_all([StageChange(consortium_id=moved.id, from_stage="emergence", to_stage="structuration",
                                     at=now - timedelta(days=40)),
                         StageChange(consortium_id=moved.id, from_stage=None, to_stage="emergence",
                                     at=now - timedelta(days=400))])
    with net.db() as session:
        network = session.scalar(select(Network))
        board = dashboard(session, network, now=now)
        assert board.themes == ["Alpha", "Zinc"] and board.stage_counts == {"emergence": 1, "structuration": 1}
        assert [(f, t) for f, t, _at in board.changes] == [("emergence", "structuration")]
        chart = stage_chart(session, network, current=board.stage_counts, changes=board.changes, now=now)
        assert chart == stage_chart(session, network, now=now)
        assert chart[-1][1]["structuration"] == 1 and chart[0][1] == {
            "emergence": 2, "structuration": 0, "formalise": 0, "finance": 0, "clos": 0}
