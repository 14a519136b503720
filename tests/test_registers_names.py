"""Names of several words without quotes where the registers know them (end to end, real HTTP):
`/role attribuer chef de file ACI Lyon Sud`, `/engagement ajouter ACI Lyon Sud Animation des ateliers`;
two readings or an unknown name are answered with the quoted form to type."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Commitment, Organisation, RoleAssignment
from tests.helpers.registers import say, setup_consortium


@pytest.fixture
def channel(net):
    """The registers' consortium, plus an organisation whose names take several words."""
    channel = setup_consortium(net)
    assert "ACI-Lyon-Sud" in say(net, "admin", '/role organisation ajouter ACI-Lyon-Sud "Atelier Lyon Sud" --siae ACI')
    return channel


def _holders(net) -> list[tuple[str, str]]:
    with net.db() as session:
        return [(key, short) for key, short in session.execute(
            select(RoleAssignment.role_key, Organisation.short_name)
            .join(Organisation, Organisation.id == RoleAssignment.organisation_id)
            .where(RoleAssignment.ended_at.is_(None)).order_by(RoleAssignment.id))]


def test_a_role_and_an_organisation_of_several_words_without_quotes(net, channel):
    result = net.command("admin", "/role attribuer chef de file ACI Lyon Sud", channel=channel)
    assert result["post"] is not None, result
    assert "ACI-Lyon-Sud" in result["post"]["message"] and "chef de file" in result["post"]["message"]
    # the full name, with accents and case aside, and a look-alike letter (a Cyrillic "А")
    say(net, "admin", "/role attribuer référent fondations atelier lyon sud", channel=channel)
    say(net, "admin", "/role attribuer communication \u0410telier Lyon Sud", channel=channel)
    assert _holders(net) == [("chef-de-file", "ACI-Lyon-Sud"), ("referent-fondations", "ACI-Lyon-Sud"),
                             ("communication", "ACI-Lyon-Sud")]
    # taking it back speaks the same way; the quoted form still works
    result = net.command("admin", "/role retirer référent fondations Atelier Lyon Sud", channel=channel)
    assert result["post"] and "ACI-Lyon-Sud" in result["post"]["message"]
    say(net, "admin", '/role retirer "communication" "Atelier Lyon Sud"', channel=channel)
    assert _holders(net) == [("chef-de-file", "ACI-Lyon-Sud")]


def test_english_speakers_name_them_the_same_way(net, channel):
    say(net, "admin", "/consortium language en")
    reply = say(net, "admin", "/role assign lead partner ACI Lyon Sud", channel=channel)
    assert "ACI-Lyon-Sud" in reply and "lead partner" in reply
    reply = say(net, "admin", "/commitment add Atelier Lyon Sud Lending the van --amount 3 days", channel=channel)
    assert "ACI-Lyon-Sud" in reply and "Lending the van" in reply and "3 days" in reply
    unknown = say(net, "admin", "/role assign coordination ACI Lyon North", channel=channel)
    assert "Unknown organisation “ACI Lyon North”" in unknown
    assert '`/role assign "coordination" "ACI Lyon North"`' in unknown


def test_an_unknown_organisation_is_named_whole_with_the_quoted_form(net, channel):
    reply = say(net, "admin", "/role attribuer chef de file ACI Lyon Nord", channel=channel)
    assert reply.startswith("⚠️ Structure inconnue : « ACI Lyon Nord »"), reply
    assert "Vouliez-vous dire" in reply          # the near misses are still offered
    assert '`/role attribuer "chef-de-file" "ACI Lyon Nord"`' in reply
    assert _holders(net) == []


def test_a_commitment_from_an_organisation_of_several_words(net, channel):
    result = net.command("admin", "/engagement ajouter ACI Lyon Sud Animation des ateliers --montant 10 jours",
                         channel=channel)
    assert result["post"] is not None, result
    message = result["post"]["message"]
    assert "ACI-Lyon-Sud" in message and "Animation des ateliers" in message
    with net.db() as session:
        commitment = session.scalar(select(Commitment))
        assert commitment.description == "Animation des ateliers"
    listing = say(net, "admin", "/engagement liste Atelier Lyon Sud", channel=channel)
    assert "Animation des ateliers" in listing and "— Atelier Lyon Sud" in listing


def test_two_organisations_of_the_same_full_name_are_asked_about(net, channel):
    # "ACI Lyon" is an organisation too: the longest name wins
    say(net, "admin", "/engagement ajouter ACI Lyon Sud ateliers", channel=channel)
    # full names are not unique: which one is meant?
    say(net, "admin", '/role organisation ajouter Atelier-Nord "Atelier Lyon Sud"')
    reply = say(net, "admin", "/engagement ajouter Atelier Lyon Sud Animation", channel=channel)
    assert "peut se lire de plusieurs façons" in reply, reply
    assert '`/engagement ajouter "ACI-Lyon-Sud" "Animation"`' in reply
    assert '`/engagement ajouter "Atelier-Nord" "Animation"`' in reply
    # the quoted form is taken as typed: a short name names one organisation
    say(net, "admin", '/engagement ajouter "Atelier-Nord" "Animation"', channel=channel)
    with net.db() as session:
        assert session.execute(select(Organisation.short_name, Commitment.description)
                               .join(Commitment, Commitment.organisation_id == Organisation.id)
                               .order_by(Commitment.number)).all() == [("ACI-Lyon-Sud", "ateliers"),
                                                                       ("Atelier-Nord", "Animation")]
