"""/consortium as users see it: permissions, bad input, languages, help (through the emulator)."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from models import AuditEvent, Consortium, Membership, StageChange
from tests.conftest import COMMAND_TOKEN


def make(net, name="Alimentation durable", members="@ines @samir"):
    net.reply("admin", f'/consortium creer "{name}" --membres {members}')
    net.deliver()
    return net.channel_of(name.lower().replace(" ", "-").replace("é", "e"))


def count(net, model) -> int:
    with net.db() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- the door: slash command tokens ----------------------------------------------------------

@pytest.mark.parametrize("headers,form_token", [
    ({}, None), ({"Authorization": "Token wrong-token"}, None), ({}, "wrong"), ({"Authorization": "Bearer " + COMMAND_TOKEN}, None),
])
def test_wrong_or_missing_token_gets_401_and_nothing_else(net, headers, form_token):
    form = {"command": "/consortium", "text": "liste", "user_id": net.users["admin"]["id"], "user_name": "admin",
            "channel_id": net.channels["town-square"]}
    if form_token:
        form["token"] = form_token
    response = requests.post(f"{net.server.url}/mattermost/command", data=form, headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.content == b""


def test_the_right_token_in_the_form_field_is_accepted(net):
    form = {"command": "/consortium", "text": "aide", "user_id": net.users["admin"]["id"], "user_name": "admin",
            "channel_id": net.channels["town-square"], "token": COMMAND_TOKEN}
    response = requests.post(f"{net.server.url}/mattermost/command", data=form, timeout=5)
    assert response.status_code == 200 and "/consortium creer" in response.json()["text"]


# --- creation: who and what -------------------------------------------------------------------

def test_a_non_admin_cannot_create_and_nothing_is_recorded(net):
    reply = net.reply("ines", '/consortium creer "Mobilité"')
    assert "Seule l’équipe d’animation" in reply
    assert count(net, Consortium) == 0


def test_a_mattermost_system_admin_is_a_network_admin(net):
    reply = net.reply("root", '/consortium creer "Mobilité inclusive"')
    assert "enregistré" in reply
    assert count(net, Consortium) == 1


@pytest.mark.parametrize("name,expected", [
    ("x" * 500, "Trop long\u00a0: 500 caractères, 80 au maximum."),
    ("", "Ce texte est vide."),
    ("     ", "Ce texte est vide."),
    ("A", "Texte trop court\u00a0: au moins 2\u00a0caractères."),
])
def test_bad_names_are_explained_with_the_syntax(net, name, expected):
    reply = net.reply("admin", f'/consortium creer "{name}"')
    assert expected in reply
    assert "Syntaxe\u00a0: `/consortium creer" in reply
    assert count(net, Consortium) == 0


def test_missing_name_gives_the_syntax(net):
    reply = net.reply("admin", "/consortium creer")
    assert "Il manque un argument\u00a0: `\"<nom>\"`." in reply and "/consortium creer" in reply


def test_unbalanced_quotes_are_explained(net):
    reply = net.reply("admin", '/consortium creer "Alimentation durable --membres @ines')
    assert "guillemet n’est pas fermé" in reply
    assert count(net, Consortium) == 0


def test_an_unknown_user_is_named_and_nothing_is_created(net):
    reply = net.reply("admin", '/consortium creer "Réemploi" --membres @ines @nobody')
    assert "@nobody" in reply and "inconnu" in reply
    assert "@ines" not in reply.split("inconnu")[1]
    assert count(net, Consortium) == 0 and count(net, Membership) == 0


def test_at_channel_in_a_name_notifies_nobody(net):
    reply = net.reply("admin", '/consortium creer "Urgent @channel @all @here"')
    assert "@channel" not in reply and "@all" not in reply and "@here" not in reply
    net.deliver()
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        assert consortium.name == "Urgent @channel @all @here"  # kept as typed
    welcome = net.emulator.pinned(consortium.channel_id)[0]["message"]
    assert "@channel" not in welcome and "@all" not in welcome and "@here" not in welcome


def test_sql_metacharacters_are_stored_as_text(net):
    name = "Robert'); DROP TABLE consortia;--"
    net.reply("admin", f'/consortium creer "{name}"')
    with net.db() as session:
        assert session.scalar(select(Consortium.name)) == name
    assert count(net, Consortium) == 1


def test_info_outside_a_consortium_channel_lists_mine(net):
    make(net)
    reply = net.reply("ines", "/consortium info")
    assert "n’est pas celui d’un consortium" in reply and "`alimentation-durable`" in reply
    reply = net.reply("outsider", "/consortium info")
    assert "membre d’aucun consortium" in reply


def test_info_with_consortium_option_works_anywhere(net):
    make(net)
    reply = net.reply("ines", "/consortium info --consortium alimentation-durable")
    assert "#### Alimentation durable" in reply


def test_a_non_member_is_refused_politely(net):
    channel = make(net)
    reply = net.reply("outsider", "/consortium membres --consortium alimentation-durable")
    assert "réservé aux membres" in reply
    assert "Traceback" not in reply
    assert channel is not None


# --- stage, members, language -----------------------------------------------------------------

def test_stage_change_is_news_and_keeps_history(net):
    channel = make(net)
    result = net.command("admin", "/consortium etape structuration", channel=channel["id"])
    assert result["response"]["response_type"] == "in_channel"
    assert "structuration" in result["post"]["message"]
    history = net.reply("ines", "/consortium etape", channel=channel["id"])
    assert "émergence" in history and "structuration" in history and "@admin" in history
    assert count(net, StageChange) == 2


def test_unknown_stage_lists_the_stages(net):
    channel = make(net)
    reply = net.reply("admin", "/consortium etape chrysalide", channel=channel["id"])
    assert "chrysalide" in reply and "emergence, structuration, formalise, finance, clos" in reply


def test_members_cannot_change_stage_or_members(net):
    channel = make(net)
    assert "chef de file" in net.reply("ines", "/consortium etape finance", channel=channel["id"])
    assert "chef de file" in net.reply("ines", "/consortium ajouter @lea", channel=channel["id"])


def test_adding_and_removing_a_member_follows_in_the_channel(net):
    channel = make(net)
    result = net.command("admin", "/consortium ajouter @lea", channel=channel["id"])
    assert result["response"]["response_type"] == "in_channel"
    net.deliver()
    assert net.users["lea"]["id"] in net.emulator.members(channel["id"])
    net.reply("admin", "/consortium retirer @lea", channel=channel["id"])
    net.deliver()
    assert net.users["lea"]["id"] not in net.emulator.members(channel["id"])
    assert "déjà membre" in net.reply("admin", "/consortium ajouter @ines", channel=channel["id"])


def test_language_switch_to_english_and_back(net):
    channel = make(net)
    assert "English" in net.reply("ines", "/consortium langue en", channel=channel["id"])
    reply = net.reply("ines", "/consortium info", channel=channel["id"])
    assert "Stage: **emergence**" in reply and "members" in reply
    assert "Unknown sub-command" in net.reply("ines", "/consortium foo", channel=channel["id"])
    assert "français" in net.reply("ines", "/consortium language fr", channel=channel["id"])
    assert "Étape" in net.reply("ines", "/consortium info", channel=channel["id"])


def test_list_is_for_admins(net):
    make(net)
    assert "Seule l’équipe" in net.reply("ines", "/consortium liste")
    listing = net.reply("admin", "/consortium liste")
    assert "Alimentation durable" in listing and "1 consortium" in listing


def test_archive_closes_the_channel_and_keeps_the_data(net):
    channel = make(net)
    reply = net.reply("admin", "/consortium archiver --confirmer", channel=channel["id"])
    assert "archivé" in reply
    net.deliver()
    assert net.emulator.channel_by_id(channel["id"])["delete_at"] > 0
    info = net.reply("ines", "/consortium info --consortium alimentation-durable")
    assert "Archivé" in info
    assert "archivé" in net.reply("admin", "/consortium etape finance --consortium alimentation-durable")


# --- help and the other triggers -----------------------------------------------------------------

@pytest.mark.parametrize("trigger", ["consortium", "checklist", "role", "engagement", "commitment", "session",
                                     "dialogue", "ami", "eoi"])
@pytest.mark.parametrize("word", ["aide", "help"])
def test_every_trigger_answers_help(net, trigger, word):
    reply = net.reply("ines", f"/{trigger} {word}")
    assert reply.startswith(f"#### /{trigger.replace('commitment', 'engagement').replace('eoi', 'ami')}")
    assert "ex.\u00a0`/" in reply or "ex. `/" in reply


def test_unknown_subcommand_suggests_the_close_one(net):
    reply = net.reply("admin", "/consortium crer \"X\"")
    assert "Vouliez-vous dire «\u00a0creer\u00a0»" in reply


def test_every_command_is_audited(net):
    channel = make(net)
    net.reply("admin", "/consortium etape structuration", channel=channel["id"])
    with net.db() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"consortium.provision", "consortium.stage"} <= actions


def test_a_reused_username_never_inherits_the_previous_accounts_memberships(net):
    """Mattermost names can be reused: the new account must not act as the old one."""
    from models import Person

    make(net)
    with net.db() as session:
        ines = session.scalar(select(Person).where(Person.username == "ines"))
        ines.mattermost_user_id = "x" * 26  # the account that held the name is another one now
    reply = net.reply("ines", "/consortium membres --consortium alimentation-durable")
    assert "réservé aux membres" in reply
    with net.db() as session:
        names = set(session.scalars(select(Person.username)))
    assert "ines" in names and any(name.startswith("ines~") for name in names)
