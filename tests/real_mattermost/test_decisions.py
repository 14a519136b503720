"""Deciding together and gathering ideas through a real Mattermost: the decision card the bot posts,
votes by its buttons (Mattermost calls our action URL and relays the answer), the card kept up to date,
the outcome at closing; an idea supported from the ephemeral list of ideas."""
from __future__ import annotations

import pytest

from tests.real_mattermost.people import find_action, wait_until

pytestmark = pytest.mark.real_mattermost


def plain(text: str) -> str:
    """French typography (non-breaking spaces, curly apostrophes) shown plainly, and names without the
    zero-width space that keeps a card from notifying them, for readable asserts."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'").replace("\u200b", "")


def card_of(person, channel_id: str, title: str) -> dict:
    """The decision card the bot posted for `title`, as the person's Mattermost shows it now."""
    cards = [p for p in person.posts(channel_id) if "🗳️" in p["message"] and title in p["message"]]
    return cards[-1] if cards else {}


def labels(post: dict) -> list[str]:
    return [a["name"] for att in (post.get("props") or {}).get("attachments") or [] for a in att.get("actions") or []]


def vote(person, channel_id: str, card: dict, label: str) -> str:
    """Click the card's button as that person; what Mattermost shows them in return."""
    mark = person.events.mark()
    clicked = person.click(card, find_action(card, label))
    assert clicked.status_code == 200, clicked.text
    return plain(person.ephemeral_after(mark, channel_id=channel_id, what=f"the answer to {label!r}")["message"])


def test_a_decision_proposed_voted_by_its_buttons_and_closed(dep, group):
    ines, samir, lea = dep.person("ines"), dep.person("samir"), dep.person("lea")
    channel = group["id"]
    reply = plain(ines.say(channel, '/decision proposer "Adopter la charte commune"'))
    assert "proposée" in reply, reply
    dep.settle()
    card = wait_until(lambda: card_of(samir, channel, "Adopter la charte commune"), what="the decision card")
    assert card["user_id"] == dep.bot["id"]
    assert "Décision 1 — Adopter la charte commune" in plain(card["message"])
    assert "Personne n'a encore voté" in plain(card["message"])
    assert labels(card) == ["Pour", "Contre", "Abstention"]

    assert "« Pour »" in vote(ines, channel, card, "Pour")
    assert "« Contre »" in vote(samir, channel, card, "Contre")
    assert "« Pour »" in vote(samir, channel, card, "Pour")          # a vote can be changed until the close

    def tallied() -> str:
        dep.settle()
        text = plain(card_of(lea, channel, "Adopter la charte commune").get("message", ""))
        return text if "Pour 2 · Contre 0 · Abstention 0" in text else ""

    updated = wait_until(tallied, what="the card showing the two votes")
    assert "Ont voté (2) : @ines (Pour), @samir (Pour)" in updated and "Manque (1) : @lea" in updated

    closed = plain(ines.say(channel, "/decision clore 1"))
    assert "adoptée" in closed, closed
    dep.settle()
    outcome = wait_until(lambda: [m for m in (plain(p["message"]) for p in lea.posts(channel))
                                  if "✅ adoptée — décision 1 : Adopter la charte commune" in m],
                         what="the outcome posted in the channel")
    assert "2 sur 3 ont voté" in outcome[-1], outcome
    final = card_of(lea, channel, "Adopter la charte commune")
    assert labels(final) == [] and "Close : ✅ adoptée" in plain(final["message"])
    assert "Adopter la charte commune — ✅ adoptée" in plain(lea.say(channel, "/decision historique"))

    # A button of the card as it was before the close, pressed now: the closed card has no buttons left,
    # so Mattermost itself refuses the click (it never reaches us), and nothing is counted.
    late = lea.click(card, find_action(card, "Contre"))
    assert late.status_code == 404 and late.json()["id"] == "api.post.do_action.action_id.app_error", late.text
    assert "Pour 2 · Contre 0 · Abstention 0" in plain(card_of(lea, channel, "Adopter la charte commune")["message"])


def test_someone_outside_the_consortium_cannot_vote_with_a_copied_card(dep, group):
    ines, marc = dep.person("ines"), dep.person("marc")
    channel = group["id"]
    ines.say(channel, '/decision proposer "Choisir le nom du projet" --options "Cap Emploi, Tremplin"')
    dep.settle()
    card = wait_until(lambda: card_of(ines, channel, "Choisir le nom du projet"), what="the decision card")
    # Someone who is not in the private channel cannot even reach the post through Mattermost.
    clicked = marc.click(card, find_action(card, "Tremplin"))
    assert clicked.status_code in (403, 404), clicked.text
    assert "Personne n'a encore voté" in plain(card_of(ines, channel, "Choisir le nom du projet")["message"])


def test_an_idea_supported_by_its_button_from_the_ephemeral_list(dep):
    """The network's ideas: proposed in the town square for everyone to see, supported from one's own
    (ephemeral) list by its button, which Mattermost relays with the post's cookie."""
    samir, lea = dep.person("samir"), dep.person("lea")
    town = samir.channel("town-square")
    title = dep.unique("Mobilité des salariés en insertion")
    proposed = samir.run(town["id"], f'/idee proposer "{title}"')
    assert proposed.ok, proposed.text
    number = plain(proposed.text).split("l'idée **")[1].split("**")[0]
    assert any(title in p["message"] for p in lea.posts(town["id"])), "the idea is posted for everyone"

    mark = lea.events.mark()
    lea.say(town["id"], "/idee liste")
    listed = lea.ephemeral_after(mark, channel_id=town["id"], what="the list of ideas (ephemeral)")
    assert title in plain(listed["message"])
    mark = lea.events.mark()
    assert lea.click(listed, find_action(listed, f"Soutenir {number}")).status_code == 200
    told = plain(lea.ephemeral_after(mark, channel_id=town["id"], what="the support's confirmation")["message"])
    assert f"Vous soutenez l'idée {number} (1 soutien)" in told, told
    assert f"{title} — 1 soutien" in plain(samir.say(town["id"], "/idee liste"))
