"""/decision end to end: real HTTP through the Mattermost emulator, as members see it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import re

import pytest
import requests
from sqlalchemy import inspect, select
from sqlalchemy import text as sql

from models import AuditEvent, ChecklistItem, Decision, DecisionBallot, DecisionTally
from plugin.kernel.clock import FixedClock
from tests.helpers.chat import channel_messages, dm_posts
from tests.helpers.registers import say as _say
from tests.helpers.registers import setup_consortium
from tests.helpers.web import admin_session

START = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)     # a Monday, 10:00 in Paris


@pytest.fixture
def channel(net) -> str:
    made = setup_consortium(net)
    net.services.clock = FixedClock(START)
    return made


def plain(text: str) -> str:
    """French typography (non-breaking spaces, curly apostrophes) shown plainly, for readable asserts."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")


def say(net, username: str, text: str, **kwargs) -> str:
    return plain(_say(net, username, text, **kwargs))


def message(net, post_id: str) -> str:
    return plain(net.emulator.post(post_id)["message"])


def messages(net, channel: str) -> list[str]:
    return [plain(m) for m in channel_messages(net, channel)]


def deliver(net) -> None:
    """Deliver what is due at the injected clock's time."""
    net.worker.run_until_idle(now=net.services.clock.now())


def card(net, channel: str) -> dict:
    cards = [p for p in net.emulator.posts(channel) if "🗳️" in p["message"]]
    assert cards, channel_messages(net, channel)
    return {**cards[-1], "message": plain(cards[-1]["message"])}


def buttons(post: dict) -> dict[str, dict]:
    return {a["name"]: a for att in (post.get("props") or {}).get("attachments") or [] for a in att.get("actions", [])}


def click(net, post: dict, label: str, username: str) -> str:
    result = net.emulator.click(post["id"], buttons(net.emulator.post(post["id"]))[label]["id"], username)
    assert result["status"] == 200, result
    return plain((result.get("ephemeral") or {}).get("message") or "")


def propose(net, channel: str, text: str, user: str = "ines") -> dict:
    reply = say(net, user, f"/decision proposer {text}", channel=channel)
    assert "proposée" in reply or "proposed" in reply, reply
    deliver(net)
    return card(net, channel)


def decision(net, number: int = 1) -> Decision:
    with net.db() as session:
        row = session.scalar(select(Decision).where(Decision.number == number))
        session.expunge(row)
        return row


def test_propose_vote_change_and_close_in_french(net, channel):
    post = propose(net, channel, '"Adopter la charte commune" --jusqu-au vendredi 18h')
    assert "Décision 1 — Adopter la charte commune" in post["message"]
    assert "majorité simple" in post["message"] and "Personne n'a encore voté" in post["message"]
    assert list(buttons(post)) == ["Pour", "Contre", "Abstention"]
    assert decision(net).deadline == datetime(2027, 3, 5, 17, 0, tzinfo=timezone.utc)   # Friday 18:00 Paris

    assert "Votre vote pour ACI-Lyon : « Pour »" in click(net, post, "Pour", "ines")
    assert "« Contre »" in click(net, post, "Contre", "samir")
    assert "« Pour »" in click(net, post, "Pour", "samir")          # changing one's mind
    updated = message(net, post["id"])
    assert "Ont voté (2) : ACI-Lyon (Pour), EI-Vienne (Pour)" in updated
    assert "Décompte : Pour 2 · Contre 0 · Abstention 0" in updated

    listing = say(net, "samir", "/decision liste", channel=channel)
    assert "Adopter la charte commune" in listing and "Ont voté (2)" in listing

    assert "adoptée" in say(net, "ines", "/decision clore 1", channel=channel)
    deliver(net)
    outcome = messages(net, channel)[-1]
    assert "✅ adoptée — décision 1 : Adopter la charte commune" in outcome
    assert "2 sur 2 ont voté (quorum 1)" in outcome
    closed_card = net.emulator.post(post["id"])
    assert buttons(closed_card) == {} and "Close : ✅ adoptée" in plain(closed_card["message"])
    assert "Adopter la charte commune — ✅ adoptée" in say(net, "samir", "/decision historique", channel=channel)
    with net.db() as session:
        actions = [a.action for a in session.scalars(select(AuditEvent).where(AuditEvent.action.like("decision.%"))
                                                     .order_by(AuditEvent.id))]
    assert actions == ["decision.propose", "decision.vote", "decision.vote", "decision.vote", "decision.close"]
    # the public profile: titles and outcomes only
    page = admin_session(net).get(f"{net.server.url}/web/c/alimentation-durable", timeout=10).text
    public = plain(requests.get(re.search(r'id="profile-link">([^<]+)<', page).group(1), timeout=10).text)
    assert "Décisions prises" in public and "1. Adopter la charte commune — adoptée" in public
    assert "ACI-Lyon (Pour)" not in public


def test_english_reader_and_french_channel(net, channel):
    say(net, "samir", "/consortium langue en")
    reply = say(net, "samir", '/decision propose "Adopt the charter" --options "Yes, No" --until 2027-03-10',
                channel=channel)
    assert "Decision **1** proposed" in reply
    deliver(net)
    post = card(net, channel)
    assert "Décision 1 — Adopt the charter" in post["message"]        # the channel speaks French
    assert "Your vote for EI-Vienne: “No”." in click(net, post, "No", "samir")
    assert "No decision has been closed yet." in say(net, "samir", "/decision history", channel=channel)


def test_one_vote_per_organisation_the_last_counts_and_both_are_told(net, channel):
    say(net, "admin", "/consortium ajouter @lea --organisation ACI-Lyon", channel=channel)
    post = propose(net, channel, '"Choisir le chef de file" --options "Lyon, Vienne"')
    click(net, post, "Lyon", "ines")
    told = click(net, post, "Vienne", "lea")
    assert "Votre vote pour ACI-Lyon : « Vienne »" in told and "remplace le vote de @ines" in told
    deliver(net)
    assert any("@lea a voté pour ACI-Lyon" in plain(p["message"]) for p in dm_posts(net, "ines"))
    with net.db() as session:
        ballots = list(session.scalars(select(DecisionBallot)))
    assert len(ballots) == 1 and ballots[0].choice == 1
    text = message(net, post["id"])
    assert "A voté (1) : ACI-Lyon (Vienne)" in text and "Manque (1) : EI-Vienne" in text


def test_secret_ballot_keeps_no_link_between_voter_and_choice(net, channel):
    post = propose(net, channel, '"Budget 2027" --secret')
    assert "bulletin secret" in post["message"]
    click(net, post, "Contre", "ines")
    click(net, post, "Pour", "samir")
    text = message(net, post["id"])
    assert "Ont voté (2) : ACI-Lyon, EI-Vienne" in text and "Décompte" not in text and "(Pour)" not in text
    # the database: ballots say who, tallies say how many, nothing says who chose what
    with net.db() as session:
        assert [b.choice for b in session.scalars(select(DecisionBallot))] == [None, None]
        assert {(t.choice, t.votes) for t in session.scalars(select(DecisionTally))} == {(0, 1), (1, 1), (2, 0)}
        if session.get_bind().dialect.name == "postgresql":   # every count was rewritten by each vote
            assert session.execute(sql("SELECT COUNT(DISTINCT xmin::text) FROM decision_tallies")).scalar() == 1
        assert {c["name"] for c in inspect(session.connection()).get_columns("decision_tallies")} == {
            "decision_id", "choice", "votes"}
        votes = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.vote")))
        assert all("choice" not in (v.after or {}) and "option" not in (v.after or {}) for v in votes)
    # a secret vote is final
    again = click(net, post, "Pour", "ines")
    assert "vote secret est définitif" in again
    # admins see the count, not the choices
    say(net, "admin", "/decision clore 1", channel=channel)
    deliver(net)
    assert "Pour 1 · Contre 1 · Abstention 0" in messages(net, channel)[-1]


def test_deadline_closes_by_the_injected_clock_and_reminds_the_day_before(net, channel):
    post = propose(net, channel, '"Adhérer au réseau" --jusqu-au 2027-03-03 12h')
    click(net, post, "Pour", "ines")
    net.worker.run_periodic(now=START + timedelta(hours=20), force=True)      # more than a day before: nothing
    net.worker.run_until_idle(now=START + timedelta(hours=20))
    assert not any("pas encore voté" in plain(p["message"]) for p in dm_posts(net, "samir"))
    day_before = datetime(2027, 3, 2, 12, 0, tzinfo=timezone.utc)
    net.worker.run_periodic(now=day_before, force=True)
    net.worker.run_until_idle(now=day_before)
    assert any("EI-Vienne n'a pas encore voté sur la décision 1" in plain(p["message"])
               for p in dm_posts(net, "samir"))
    assert not any("pas encore voté" in plain(p["message"]) for p in dm_posts(net, "ines"))
    after = datetime(2027, 3, 3, 11, 1, tzinfo=timezone.utc)
    net.services.clock.set(after)
    assert "clos" in click(net, post, "Contre", "samir")               # the vote ended: nothing changed
    net.worker.run_periodic(now=after, force=True)
    net.worker.run_until_idle(now=after)
    assert decision(net).status == "closed" and decision(net).outcome == "adopted"   # 1 of 2: quorum 50 %
    assert "✅ adoptée — décision 1" in messages(net, channel)[-1]


def test_bad_input_is_refused_and_changes_nothing(net, channel):
    assert "au moins deux options" in say(net, "ines", '/decision proposer "X" --options "Pour"', channel=channel)
    assert "déjà passée" in say(net, "ines", '/decision proposer "X" --jusqu-au 2027-02-01', channel=channel)
    assert "plus d'un an" in say(net, "ines", '/decision proposer "X" --jusqu-au 2028-06-01', channel=channel)
    with net.db() as session:
        assert session.scalar(select(Decision)) is None
    post = propose(net, channel, '"Adopter la charte"')
    stale = buttons(net.emulator.post(post["id"]))["Pour"]
    # a non-member pressing a button
    response = requests.post(stale["integration"]["url"], json={
        "user_id": net.users["outsider"]["id"], "channel_id": channel, "post_id": post["id"],
        "context": stale["integration"]["context"], "team_id": net.team["id"]}, timeout=5)
    assert "Seuls les membres" in response.json()["ephemeral_text"]
    click(net, post, "Pour", "ines")
    # a replayed button: the card changed since
    response = requests.post(stale["integration"]["url"], json={
        "user_id": net.users["samir"]["id"], "channel_id": channel, "post_id": post["id"],
        "context": stale["integration"]["context"], "team_id": net.team["id"]}, timeout=5)
    assert "rien n'a été enregistré" in plain(response.json()["ephemeral_text"])
    with net.db() as session:
        assert len(list(session.scalars(select(DecisionBallot)))) == 1
    assert "déjà été votée" in say(net, "ines", "/decision annuler 1", channel=channel) or \
        "ne peut plus être annulée" in say(net, "ines", "/decision annuler 1", channel=channel)
    assert "seuls" in say(net, "samir", "/decision clore 1", channel=channel).lower()
    say(net, "ines", "/decision clore 1", channel=channel)
    assert "déjà close" in say(net, "ines", "/decision clore 1", channel=channel)
    assert "Aucune décision 2" in say(net, "ines", "/decision clore 2", channel=channel) or \
        "pas de décision 2" in say(net, "ines", "/decision clore 2", channel=channel)


def test_rule_is_set_by_the_lead_or_an_admin_and_shown(net, channel):
    assert "majorité simple" in say(net, "samir", "/decision regle", channel=channel)
    assert "Seuls" in say(net, "samir", "/decision regle consensus", channel=channel)
    reply = say(net, "admin", "/decision regle majorite-qualifiee 2/3 --quorum 100% --voix-preponderante @ines",
                channel=channel)
    assert "majorité qualifiée de 2/3" in reply and "quorum 100 %" in reply and "@ines" in reply
    assert "(« Comment décidons-nous ? ») est coché" in reply
    with net.db() as session:
        item = session.scalar(select(ChecklistItem).where(ChecklistItem.template_key.like("%:governance-decisions")))
        assert item.done and [n.text for n in item.notes] == [
            "/decision regle majorite-qualifiee 2/3 --quorum 100% --voix-preponderante @ines"]
    assert "Décisions : majorité qualifiée de 2/3" in say(net, "samir", "/consortium info", channel=channel)
    assert "n'est pas un quorum" in say(net, "admin", "/decision regle majorite --quorum 150%", channel=channel)
    post = propose(net, channel, '"Ouvrir un second site"')
    assert "majorité qualifiée de 2/3" in post["message"]
