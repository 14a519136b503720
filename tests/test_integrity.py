"""Integrity under concurrency and look-alikes: one consortium per name, whoever asks at the same moment.

Through real HTTP (the service on a loopback port), on SQLite and on PostgreSQL
(``CONSORTIA_TEST_DATABASE_URL``).
"""
from __future__ import annotations

import threading

import requests
from sqlalchemy import func, select

from models import Consortium
from tests.conftest import API_TOKEN
from tests.helpers.ami import csrf_of
from tests.helpers.web import admin_session, magic_link, sign_in


def _together(count: int, action) -> list:
    """Run ``action(i)`` in ``count`` threads released at the same instant; their results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = action(index)
        except Exception as error:  # reported by the assertions, not lost in a thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _consortium_count(net) -> int:
    with net.db() as session:
        return session.scalar(select(func.count()).select_from(Consortium))


def test_concurrent_api_creations_of_one_name_make_one_consortium(net):
    url = f"{net.server.url}/api/v1/consortia"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}

    def create(index: int) -> requests.Response:
        return requests.post(url, json={"name": "Mobilité inclusive", "slug": f"mobilite-{index}"},
                             headers=headers, timeout=60)

    responses = _together(8, create)
    assert all(isinstance(r, requests.Response) for r in responses), responses
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201], [r.text for r in responses]
    slugs = {r.json()["slug"] for r in responses}
    assert len(slugs) == 1  # everyone was answered with the one that exists
    assert _consortium_count(net) == 1


def test_concurrent_creer_commands_make_one_consortium_and_name_it_to_the_others(net):
    net.reply("admin", "/consortium aide")  # the admin is known (a new person's first commands are another matter)

    def create(_index: int) -> str:
        return net.reply("admin", '/consortium creer "Alimentation durable"')

    replies = _together(5, create)
    assert all(isinstance(r, str) for r in replies), replies
    recorded = [r for r in replies if r.startswith("✅")]
    refused = [r for r in replies if not r.startswith("✅")]
    assert len(recorded) == 1 and len(refused) == 4, replies
    for reply in refused:
        assert "Alimentation durable" in reply and "~alimentation-durable" in reply, reply
        assert "Something went wrong" not in reply and "Un problème" not in reply
    assert _consortium_count(net) == 1


def test_concurrent_api_creations_with_one_slug_answer_clearly(net):
    url = f"{net.server.url}/api/v1/consortia"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}

    def create(index: int) -> requests.Response:
        return requests.post(url, json={"name": f"Groupe {index}", "slug": "groupe"}, headers=headers, timeout=60)

    responses = _together(6, create)
    assert all(isinstance(r, requests.Response) for r in responses), responses
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == "conflict" and "groupe" in response.json()["message"]
    assert _consortium_count(net) == 1


# --- look-alike names -----------------------------------------------------------------------------------

LOOK_ALIKES = [
    "\u041cobilité inclusive",            # Cyrillic capital EM
    "Mobilit\u0435\u0301 inclusive",      # Cyrillic small IE and a combining acute
    "Mobi\u200blité inclusive",           # zero-width space
    "\u202eMobilité inclusive\u202c",     # right-to-left override ... pop
    "Mobilité\u2060 inclusive",           # word joiner
    "ＭＯＢＩＬＩＴÉ INCLUSIVE",           # full-width letters
    "mobilite  inclusive",                # case, accents and spacing
]


def test_look_alike_names_are_refused_naming_the_existing_consortium(net):
    assert net.reply("admin", '/consortium creer "Mobilité inclusive"').startswith("✅")
    for name in LOOK_ALIKES:
        reply = net.reply("admin", f'/consortium creer "{name}"')
        assert not reply.startswith("✅"), (name, reply)
        assert "Mobilité inclusive" in reply and "~mobilite-inclusive" in reply, (name, reply)
        assert "\u202e" not in reply and "\u200b" not in reply
    assert _consortium_count(net) == 1


def test_the_api_converges_on_the_existing_consortium_for_a_look_alike_name(net):
    url = f"{net.server.url}/api/v1/consortia"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    first = requests.post(url, json={"name": "Mobilité inclusive"}, headers=headers, timeout=10)
    assert first.status_code == 201
    again = requests.post(url, json={"name": "\u041cobilit\u0435\u0301 inclusive"}, headers=headers, timeout=10)
    assert again.status_code == 200 and again.json()["slug"] == first.json()["slug"]
    assert _consortium_count(net) == 1


def test_names_in_other_scripts_stay_distinct(net):
    url = f"{net.server.url}/api/v1/consortia"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    for name in ("Еда и работа", "Работа и жильё", "Mobilité inclusive", "Mobilité solidaire"):
        response = requests.post(url, json={"name": name}, headers=headers, timeout=10)
        assert response.status_code == 201, (name, response.text)
    assert _consortium_count(net) == 4


# --- small ones -----------------------------------------------------------------------------------------

def test_a_web_session_cookie_replayed_after_logout_is_refused(net):

    http = admin_session(net)
    dashboard = http.get(f"{net.server.url}/web/", timeout=10)
    assert dashboard.status_code == 200
    stolen = http.cookies.get("session")
    out = http.post(f"{net.server.url}/web/logout", data={"csrf_token": csrf_of(dashboard.text)}, timeout=10)
    assert out.status_code == 200
    replay = requests.Session()
    replay.cookies.set("session", stolen, domain="127.0.0.1")
    refused = replay.get(f"{net.server.url}/web/", timeout=10)
    assert refused.status_code == 401 and "Tous les consortiums" not in refused.text
    # Signing in again opens a fresh session; the old cookie stays dead.
    again, response = sign_in(magic_link(net))
    assert response.status_code == 200 and "Tous les consortiums" in response.text
    assert replay.get(f"{net.server.url}/web/", timeout=10).status_code == 401


def _json_endpoints(app) -> list[tuple[str, str]]:
    """Every route of the API and the Mattermost callbacks that reads a JSON body."""
    found = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH"}
        if rule.rule.startswith(("/api/", "/mattermost/")) and methods and rule.endpoint != "mattermost.command":
            found += [(method, rule.rule) for method in sorted(methods)]
    return found


def test_json_nested_100000_deep_gets_a_400_json_error_on_every_json_endpoint(net):
    deep = "[" * 100_000 + "]" * 100_000
    objects = '{"a":' * 100_000 + "1" + "}" * 100_000
    endpoints = _json_endpoints(net.app)
    assert {path for _m, path in endpoints} >= {"/api/v1/consortia", "/mattermost/action", "/mattermost/dialog"}
    for method, path in endpoints:
        for body in (deep, objects):
            response = requests.request(method, f"{net.server.url}{path}", data=body, timeout=30,
                                        headers={"Content-Type": "application/json",
                                                 "Authorization": f"Bearer {API_TOKEN}"})
            assert response.status_code == 400, (method, path, response.status_code, response.text[:200])
            assert response.headers["Content-Type"].startswith("application/json")
            assert "error" in response.json() and "Traceback" not in response.text


FOUNDATION_NAME = "[Cliquez ici](http://evil.example) **@channel** _x_"


def test_markdown_in_organisation_and_foundation_names_is_escaped_in_replies(net):
    import re

    net.reply("admin", "/consortium aide")
    recorded = net.reply("admin", f'/consortium fondation ajouter Fondation_X "{FOUNDATION_NAME}"')
    twice = net.reply("admin", f'/consortium fondation ajouter Fondation_X "{FOUNDATION_NAME}"')
    listing = net.reply("admin", "/consortium fondation liste")
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines')
    net.deliver()
    channel = net.channel_of("alimentation-durable")
    opened = net.reply("ines", '/dialogue ouvrir Fondation_X "Financement"', channel=channel["id"])
    org = net.reply("admin", f'/role organisation ajouter ACI-Lyon "{FOUNDATION_NAME}"', channel=channel["id"])
    org_twice = net.reply("admin", f'/role organisation ajouter ACI-Lyon "{FOUNDATION_NAME}"', channel=channel["id"])
    member = net.reply("admin", "/consortium ajouter @ines --organisation ACI-Lyon", channel=channel["id"])
    replies = {"recorded": recorded, "twice": twice, "listing": listing, "opened": opened, "org": org,
               "member": member}
    for label, reply in replies.items():
        assert not re.search(r"(?<!\\)\]\(http", reply), (label, reply)  # no live link
        assert "@channel" not in reply, (label, reply)          # silenced by a zero-width space
        assert not re.search(r"(?<!\\)\*\*@", reply), (label, reply)
    assert "\\[Cliquez ici\\]" in recorded and "\\[Cliquez ici\\]" in opened and "\\[Cliquez ici\\]" in org
    assert "`Fondation_X`" in listing  # short names inside code are shown as typed
    assert "ACI-Lyon" in org_twice and "ACI-Lyon" in member
