"""/idee end to end: the network's ideas, supported by button, merged, retained, then a call's themes."""
from __future__ import annotations

import requests
from sqlalchemy import select

from models import CallForInterest, Idea, IdeaSupport
from tests.helpers.web import admin_session


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")


def say(net, username: str, text: str) -> str:
    return plain(net.reply(username, text))


def listing(net, username: str) -> dict:
    result = net.command(username, "/idee liste")
    assert result["status"] == 200, result
    return result["response"]


def press(net, response: dict, label: str, username: str) -> str:
    action = next(a for att in response.get("attachments") or [] for a in att.get("actions", []) if a["name"] == label)
    answer = requests.post(action["integration"]["url"], json={
        "user_id": net.users[username]["id"], "channel_id": net.channels["town-square"], "post_id": "p" * 26,
        "context": action["integration"]["context"], "team_id": net.team["id"]}, timeout=10)
    assert answer.status_code == 200
    return plain(answer.json().get("ephemeral_text", ""))


def test_propose_support_merge_retain_and_open_a_call_from_the_ideas(net):
    posted = net.command("ines", '/idee proposer "Mobilité des salariés en insertion" --description "Permis, vélos"')
    assert posted["response"]["response_type"] == "in_channel"
    assert "@ines propose l'idée **1**" in plain(posted["response"]["text"])
    say(net, "samir", '/idee proposer "Réemploi des matériaux"')
    say(net, "lea", '/idea propose "Covoiturage"')

    assert "Vous soutenez l'idée 2 (1 soutien)" in press(net, listing(net, "ines"), "👍 Soutenir 2", "ines")
    assert "(2 soutiens)" in press(net, listing(net, "lea"), "👍 Soutenir 2", "lea")
    mine = listing(net, "lea")
    assert "Retirer mon soutien (2)" in [a["name"] for att in mine["attachments"] for a in att["actions"]]
    assert "retiré (1 soutien)" in press(net, mine, "Retirer mon soutien (2)", "lea")
    assert "déjà servi" in press(net, mine, "Retirer mon soutien (2)", "lea")           # replayed
    press(net, listing(net, "lea"), "👍 Soutenir 3", "lea")
    press(net, listing(net, "samir"), "👍 Soutenir 3", "samir")
    text = plain(listing(net, "ines")["text"])
    assert text.index("**3** Covoiturage — 2 soutiens") < text.index("**2** Réemploi des matériaux — 1 soutien")

    assert "admins" in say(net, "ines", "/idee fusionner 3 1")
    assert "fusionnée dans l'idée 1" in say(net, "admin", "/idee fusionner 3 1")
    assert "fusionnée dans l'idée 1" in say(net, "admin", "/idee retenir 3")
    with net.db() as session:
        assert len(list(session.scalars(select(IdeaSupport).join(Idea).where(Idea.number == 1)))) == 2
    assert "Aucune idée n'est encore retenue" in say(net, "admin", '/ami ouvrir "AMI 2027" --depuis-idees '
                                                                  '--jusqu-au 2099-12-31')
    assert "retenue" in say(net, "admin", "/idee retenir 1")
    say(net, "admin", "/idee retenir 2")
    opened = say(net, "admin", '/ami ouvrir "AMI 2027" --depuis-idees --jusqu-au 2099-12-31')
    assert "Mobilité des salariés en insertion" in opened and "Réemploi des matériaux" in opened
    with net.db() as session:
        assert session.scalar(select(CallForInterest)).themes == ["Mobilité des salariés en insertion",
                                                                  "Réemploi des matériaux"]
    dashboard = admin_session(net).get(f"{net.server.url}/web/", timeout=10).text
    assert "💡 Idées — 1. Mobilité des salariés en insertion (2 👍) ⭐ · 2. Réemploi des matériaux (1 👍) ⭐" in dashboard


def test_english_and_bad_input(net):
    say(net, "samir", "/consortium langue en")
    assert "No idea yet" in say(net, "samir", "/idea list")
    assert "There is no idea 4" in say(net, "samir", "/idea retain 4") or "admins" in say(net, "samir", "/idea retain 4")
    say(net, "samir", '/idea propose "Food"')
    assert "cannot be merged into itself" in say(net, "admin", "/idee fusionner 1 1") or \
        "fusionnée avec elle-même" in say(net, "admin", "/idee fusionner 1 1")
