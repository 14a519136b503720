"""/decision export (the consortium's decisions as CSV) and decisions shared with the foundations
(their outcome in the foundations channel), end to end through the Mattermost emulator."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from models import AuditEvent, OutboxMessage
from plugin.exports import dialect_for
from tests.test_decisions import START, channel, click, deliver, messages, plain, propose, say  # noqa: F401


def read(data: bytes, locale: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), dialect=dialect_for(locale)))


def csv_files(net) -> list[bytes]:
    files = sorted(net.emulator.files.values(), key=lambda f: f["info"]["create_at"])
    return [f["data"] for f in files if f["info"]["name"].startswith("decisions-")]


def with_foundation(net, channel: str) -> str:
    """FondationX with its representative @claire (a guest) and a dialogue: returns the foundations channel."""
    net.emulator.create_user("claire", "claire@fondationx.org", guest=True, team="reseau")
    assert "FondationX" in say(net, "admin", '/consortium fondation ajouter FondationX "Fondation X"')
    assert "@claire" in say(net, "admin", "/consortium fondation representant FondationX @claire")
    say(net, "ines", '/dialogue ouvrir FondationX "Financer le diagnostic"', channel=channel)
    deliver(net)
    return net.channel_of("alimentation-durable-fondations")["id"]


def test_export_lists_outcomes_and_counts_never_who_voted_what(net, channel):
    post = propose(net, channel, '"Adopter la charte commune" --options "Pour, Contre"')
    click(net, post, "Pour", "ines")
    click(net, post, "Contre", "samir")
    say(net, "admin", "/decision clore 1", channel=channel)
    secret = propose(net, channel, '"=Budget 2027" --secret')
    click(net, secret, "Pour", "ines")
    say(net, "admin", "/decision clore 2", channel=channel)
    propose(net, channel, '"Changer de nom"')
    deliver(net)

    reply = say(net, "samir", "/decision export", channel=channel)
    assert "L'export CSV (3 décisions) sera joint dans le canal" in plain(reply)
    say(net, "samir", "/consortium langue en")
    assert "The CSV export (3 decisions)" in say(net, "samir", "/decision export", channel=channel)
    deliver(net)
    assert "Décisions de « Alimentation durable », exportées par @samir" in messages(net, channel)[-1]
    french, english = csv_files(net)

    rows = read(french, "fr")
    assert rows[0] == ["Numéro", "Titre", "Options", "Règle", "Vote à bulletin secret", "Ouverte le", "Date limite",
                       "Close le", "Décompte", "Votants", "Électeurs", "Issue"]
    assert [plain(cell) for cell in rows[1][:5]] == ["1", "Adopter la charte commune", "Pour, Contre",
                           "majorité simple, quorum 50 % des organisations membres, une voix par organisation", "non"]
    assert rows[1][5] == "2027-03-01 10:00" and rows[1][7] == "2027-03-01 10:00"      # Paris time
    assert rows[1][8:] == ["Pour 1 · Contre 1", "2", "2", "rejetée"]
    assert rows[2][1] == "'=Budget 2027" and rows[2][4] == "oui"                       # the formula guard
    assert rows[2][8:] == ["Pour 1 · Contre 0 · Abstention 0", "1", "2", "adoptée"]
    assert rows[3][7:] == ["", "", "", "", "ouverte au vote"]
    # nothing names a voter: neither ACI-Lyon, EI-Vienne nor the members' usernames
    text = french.decode("utf-8-sig")
    assert not any(name in text for name in ("ACI-Lyon", "EI-Vienne", "ines", "samir"))

    rows = read(english, "en")
    assert rows[0][:3] == ["Number", "Title", "Options"] and rows[0][-1] == "Outcome"
    assert rows[1][8:] == ["Pour 1 · Contre 1", "2", "2", "rejected"]
    assert rows[2][8] == "For 1 · Against 0 · Abstain 0" and rows[3][-1] == "open to the vote"
    with net.db() as session:
        assert len(list(session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.export")))) == 2


def test_a_shared_outcome_reaches_the_foundations_channel_an_unshared_one_does_not(net, channel):
    foundations = with_foundation(net, channel)
    before = len(messages(net, foundations))
    shared = propose(net, channel, '"Adopter la charte commune" --partager-fondations')
    assert "Décision 1" in shared["message"]
    kept = propose(net, channel, '"Budget interne" --secret')
    for post in (shared, kept):
        click(net, post, "Pour", "ines")
        click(net, post, "Contre", "samir")
    click(net, shared, "Pour", "samir")
    say(net, "ines", "/decision clore 1", channel=channel)
    say(net, "ines", "/decision clore 2", channel=channel)
    deliver(net)

    posted = messages(net, foundations)[before:]
    assert len(posted) == 1, posted
    assert "Le consortium « Alimentation durable » partage l'issue d'une de ses décisions" in posted[0]
    assert "✅ adoptée — décision 1 : Adopter la charte commune" in posted[0]
    assert "Décompte : Pour 2 · Contre 0 · Abstention 0" in posted[0]
    assert "ACI-Lyon" not in posted[0] and "EI-Vienne" not in posted[0]     # never the ballots
    assert not any("Budget interne" in m for m in messages(net, foundations))
    assert any("décision 2 : Budget interne" in m for m in messages(net, channel))     # posted in its own channel


def test_a_shared_decision_without_a_foundations_channel_closes_quietly(net, channel):
    post = propose(net, channel, '"Adopt the charter" --share-with-foundations')
    click(net, post, "Pour", "ines")
    say(net, "ines", "/decision clore 1", channel=channel)
    deliver(net)
    assert "✅ adoptée — décision 1 : Adopt the charter" in messages(net, channel)[-1]
    assert net.channel_of("alimentation-durable-fondations") is None
    with net.db() as session:
        outcomes = [m.status for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "decision.outcome"))]
    assert outcomes == ["delivered"]


def test_a_representative_is_refused_politely_in_the_foundations_channel(net, channel):
    foundations = with_foundation(net, channel)
    propose(net, channel, '"Adopter la charte commune" --partager-fondations')
    for command in ("/decision liste", "/decision historique", "/decision export"):
        reply = plain(say(net, "claire", command, channel=foundations))
        assert "sont l'affaire de ses membres" in reply and "publiée dans ce canal" in reply, reply
        assert "Adopter la charte commune" not in reply
