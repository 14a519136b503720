"""The web pages show words, not codes: roles, stages, commitment kinds and statuses with their labels in
the reader's language, amounts and quantities as Babel writes them for that language — on the consortium
page, the public profile (and its print version) and the dashboard, through real HTTP."""
from __future__ import annotations

import re

import requests

from tests.helpers.registers import say, setup_consortium
from tests.helpers.web import admin_session


def _world(net) -> tuple[requests.Session, str]:
    channel = setup_consortium(net)
    say(net, "admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    say(net, "ines", '/engagement ajouter ACI-Lyon "Cofinancement <b>du</b> diagnostic" --montant 7 500,50 €',
        channel=channel)
    say(net, "samir", '/engagement ajouter EI-Vienne "Prêt du camion" --type nature --montant 10 jours',
        channel=channel)
    net.deliver()
    http = admin_session(net)
    page = http.get(f"{net.server.url}/web/c/alimentation-durable", timeout=10).text
    token = re.search(r"csrf_token\" value=\"([^\"]+)", page).group(1)
    http.post(f"{net.server.url}/web/c/alimentation-durable/profile-link", data={"csrf_token": token}, timeout=10)
    profile = re.search(r'id="profile-link"[^>]*>([^<]+)<', http.get(f"{net.server.url}/web/c/alimentation-durable",
                                                                      timeout=10).text).group(1)
    return http, profile.strip()


def _plain(html: str) -> str:
    return html.replace("\u202f", " ").replace("\u00a0", " ").replace("&nbsp;", " ")


def test_the_consortium_page_shows_labels_and_formatted_amounts_in_french_and_english(net):
    http, _profile = _world(net)
    url = f"{net.server.url}/web/c/alimentation-durable"
    french = _plain(http.get(url, timeout=10).text)
    assert '<strong class="role">Chef de file</strong>' in french
    assert '<td class="kind">financier</td><td class="amount">7 500,50 €</td>' in french
    assert '<td class="kind">en nature</td><td class="amount">10 jours</td>' in french
    assert '<td class="status status-propose">proposé</td>' in french
    assert "chef-de-file" not in french.split("<main", 1)[1].split("</main>")[0].replace('class="role"', "")
    assert "Cofinancement &lt;b&gt;du&lt;/b&gt; diagnostic" in french      # text stays text
    english = _plain(http.get(url, params={"lang": "en"}, timeout=10).text)
    assert '<strong class="role">Lead partner</strong>' in english
    assert '<td class="kind">financial</td><td class="amount">€7,500.50</td>' in english
    assert '<td class="amount">10 days</td>' in english and '<td class="status status-propose">proposed</td>' in english


def test_the_public_profile_and_its_print_version_speak_words(net):
    _http, profile = _world(net)
    visitor = requests.Session()
    for url in (profile, profile + "/print"):
        french = _plain(visitor.get(url, timeout=10).text)
        assert '<strong class="role">Chef de file</strong>' in french
        assert "financier : 1 · 7 500,50 €" in french and "en nature : 1 · 10 jours" in french
    english = _plain(visitor.get(profile, params={"lang": "en"}, timeout=10).text)
    assert "financial: 1 · €7,500.50" in english and "in kind: 1 · 10 days" in english
    assert '<strong class="role">Lead partner</strong>' in english


def test_the_dashboard_shows_stage_labels_and_formatted_totals(net):
    http, _profile = _world(net)
    french = _plain(http.get(f"{net.server.url}/web/", timeout=10).text)
    assert "2 · 7 500,50 € · 10 jours" in french
    assert re.search(r'class="stage stage-emergence"[^>]*>émergence<', french)
    english = _plain(http.get(f"{net.server.url}/web/", params={"lang": "en"}, timeout=10).text)
    assert "2 · €7,500.50 · 10 days" in english
    assert re.search(r'class="stage stage-emergence"[^>]*>emergence<', english)
