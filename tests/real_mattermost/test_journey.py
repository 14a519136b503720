"""The journey of a consortium through a real Mattermost: people type commands, click buttons and
submit dialogs in Mattermost; Mattermost calls Consortia; the outbox worker calls Mattermost back."""
from __future__ import annotations

import json
from datetime import date
from email.utils import getaddresses

import pytest
import requests

from tests.real_mattermost.people import find_action, wait_until

pytestmark = pytest.mark.real_mattermost


def messages(person, channel_id: str) -> list[str]:
    return [p["message"] for p in person.posts(channel_id)]


def test_creating_a_consortium_provisions_its_private_channel(dep):
    channel = dep.create(dep.unique("Mobilité inclusive"), "@ines @samir")
    admin, ines = dep.admin, dep.person("ines")
    assert channel["type"] == "P" and channel["display_name"].startswith("Mobilité inclusive")
    assert "Calendrier partagé" in channel["header"] and "`/checklist`" in channel["header"]
    members = admin.member_ids(channel["id"])
    assert {ines.id, dep.person("samir").id, dep.bot["id"]} <= members
    assert dep.person("lea").id not in members
    pinned = admin.pinned(channel["id"])
    assert len(pinned) == 1 and pinned[0]["user_id"] == dep.bot["id"]
    assert pinned[0]["message"].startswith("### Bienvenue dans le consortium Mobilité inclusive")
    # the members see it in their own channel list
    assert channel["id"] in {c["id"] for c in ines.get(f"/users/me/teams/{dep.team['id']}/channels")}
    # every step done, the shared calendar on the CalDAV server (Radicale) included
    from sqlalchemy import select

    from models import Consortium, ProvisioningStep

    with dep.services.db.reader() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.channel_id == channel["id"]))
        steps = dict(session.execute(select(ProvisioningStep.step, ProvisioningStep.status)
                                     .where(ProvisioningStep.consortium_id == consortium.id)).all())
    assert set(steps.values()) == {"done"} and "caldav" in steps, steps
    calendars = requests.request("PROPFIND", f"{dep.radicale.url}{dep.radicale.username}/", headers={"Depth": "1"},
                                 auth=(dep.radicale.username, dep.radicale.password), timeout=10)
    assert f"consortia-{channel['name']}" in calendars.text


def test_only_the_networks_admins_may_create_a_consortium(dep):
    ines = dep.person("ines")
    town = ines.channel("town-square")
    name = dep.unique("Pas autorisé")
    reply = ines.say(town["id"], f'/consortium creer "{name}"')
    assert reply == "⚠️ Seule l’équipe d’animation du réseau (admins) peut faire cela.", reply
    slug = name.lower().replace(" ", "-").replace("é", "e")
    assert dep.admin.call("GET", f"/teams/{dep.team['id']}/channels/name/{slug}").status_code == 404


def test_info_in_the_channel_speaks_of_that_consortium(dep, group):
    reply = dep.person("samir").say(group["id"], "/consortium info")
    assert group["display_name"] in reply and "@ines" in reply and "@lea" in reply and "0/26" in reply


def test_ticking_the_checklist_with_its_button(dep, group):
    ines = dep.person("ines")
    mark = ines.events.mark()
    ines.say(group["id"], "/checklist liste")
    listed = ines.ephemeral_after(mark, channel_id=group["id"], what="the checklist (ephemeral)")
    assert "0/26" in listed["message"]
    button = find_action(listed, "☐ 1")
    mark = ines.events.mark()
    clicked = ines.click(listed, button)
    assert clicked.status_code == 200, clicked.text
    confirmation = ines.ephemeral_after(mark, channel_id=group["id"], what="the tick's confirmation")
    assert confirmation["message"] == "☑ Point 1 coché."
    assert "1/26" in ines.say(group["id"], "/checklist liste")
    dep.settle()
    assert any("@ines a coché **1**" in m for m in messages(dep.admin, group["id"]))
    # the same button again: refused, nothing changes
    mark = ines.events.mark()
    assert ines.click(listed, button).status_code == 200
    assert "déjà servi" in ines.ephemeral_after(mark, channel_id=group["id"])["message"]


def test_roles_are_assigned_and_listed(dep, group):
    reply = dep.admin.say(group["id"], "/role attribuer coordination @samir")
    assert "@samir" in reply, reply
    assert "@samir" in dep.person("ines").say(group["id"], "/role liste")


def _open_commitment_form(dep, person, channel_id: str) -> dict:
    mark = person.events.mark()
    reply = person.say(channel_id, "/engagement ajouter")
    assert "formulaire" in reply, reply
    opened = person.dialog_after(mark)
    assert opened["dialog"]["callback_id"] == "commitment.add"
    assert opened["url"] == f"{dep.app_url}/mattermost/dialog"
    return opened


def test_a_commitment_through_its_dialog(dep, group):
    samir = dep.person("samir")
    opened = _open_commitment_form(dep, samir, group["id"])
    sent = samir.submit(opened, {"target": "@samir", "kind": "temps", "description": "Animer les ateliers",
                                 "amount": "10", "unit": "jours", "due": f"31/12/{date.today().year + 1}"},
                        channel_id=group["id"])
    assert sent.status_code == 200 and not sent.json().get("errors"), sent.text
    dep.settle()
    assert any("Animer les ateliers" in m for m in messages(samir, group["id"]))
    assert "Animer les ateliers" in samir.say(group["id"], "/engagement liste")
    # the same form cannot be submitted twice
    again = samir.submit(opened, {"target": "@samir", "kind": "temps", "description": "Encore"},
                         channel_id=group["id"])
    assert "déjà été envoyé" in again.json().get("error", ""), again.text


def test_dialog_errors_come_back_field_by_field(dep, group):
    samir = dep.person("samir")
    opened = _open_commitment_form(dep, samir, group["id"])
    sent = samir.submit(opened, {"kind": "temps", "amount": "NaN", "unit": "euros"}, channel_id=group["id"])
    assert sent.status_code == 200
    errors = sent.json()["errors"]
    assert errors["target"] == "Ce champ est obligatoire." and "n’est pas un montant" in errors["amount"]
    # after the errors the same form still works
    sent = samir.submit(opened, {"target": "@samir", "kind": "temps", "description": "Ok enfin", "amount": "3",
                                 "unit": "jours"}, channel_id=group["id"])
    assert sent.status_code == 200 and not sent.json().get("errors"), sent.text


def test_a_session_with_rsvp_buttons_and_an_email_invitation(dep, group):
    ines, samir = dep.person("ines"), dep.person("samir")
    before = len(dep.smtp.messages)
    year = date.today().year + 1
    reply = ines.say(group["id"], f'/session planifier "Diagnostic partagé" 15/01/{year} 14h --duree 2h')
    assert "Diagnostic partagé" in reply, reply
    dep.settle()
    card = next(p for p in reversed(samir.posts(group["id"])) if "Diagnostic partagé" in p["message"]
                and p["props"].get("attachments"))
    assert card["user_id"] == dep.bot["id"]
    invitations = dep.smtp.wait_for(before + 3)[before:]
    recipients = {address for m in invitations for _, address in getaddresses([str(m["To"])])}
    assert {"ines@reseau.example", "samir@reseau.example", "lea@reseau.example"} <= recipients
    calendar = next(part for part in invitations[0].walk() if part.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in calendar.get_content()
    # samir answers with the card's button: the card is updated in place, samir gets a private word
    mark = samir.events.mark()
    clicked = samir.click(card, find_action(card, "Je viens"))
    assert clicked.status_code == 200, clicked.text
    assert "Je viens" in samir.ephemeral_after(mark, channel_id=group["id"])["message"]
    updated = wait_until(lambda: (p := samir.get(f"/posts/{card['id']}"))["update_at"] > card["update_at"] and p,
                         what="the card to be updated")
    assert updated["id"] == card["id"] and updated["is_pinned"] == card["is_pinned"]
    counts = json.dumps(updated["props"]["attachments"], ensure_ascii=False).replace("\u00a0", " ")
    assert "Je viens : 1" in counts, counts
    assert find_action(updated, "Je viens")  # the buttons stay on the card


def _foundation(dep, short: str) -> None:
    town = dep.admin.channel("town-square")
    dep.admin.say(town["id"], f'/consortium fondation ajouter {short} "Fondation {short}" --themes "Emploi"')
    reply = dep.admin.say(town["id"], f"/consortium fondation representant {short} @{dep.server.foundation}")
    assert f"@{dep.server.foundation}" in reply, reply


def test_a_foundation_dialogue_gets_its_private_channel_and_thread(dep, group):
    short = "Fond" + group["name"][-6:]
    _foundation(dep, short)
    ines, claire = dep.person("ines"), dep.person(dep.server.foundation)
    reply = ines.say(group["id"], f'/dialogue ouvrir {short} "Financer le diagnostic"')
    assert reply.startswith("✅ Dialogue n° 1 ouvert") and f"@{dep.server.foundation}" in reply, reply
    dep.settle()
    dialogue = dep.admin.channel(f"{group['name']}-fondations")
    assert dialogue["type"] == "P"
    members = dep.admin.member_ids(dialogue["id"])
    assert {ines.id, dep.person("samir").id, dep.person("lea").id, claire.id} <= members
    assert claire.id not in dep.admin.member_ids(group["id"])  # the consortium's own channel stays theirs
    root = next(p for p in claire.posts(dialogue["id"]) if "Financer le diagnostic" in p["message"])
    assert root["user_id"] == dep.bot["id"] and not root["root_id"]
    # the representative works in the dialogue channel, in the thread
    assert "Financer le diagnostic" in claire.say(dialogue["id"], "/dialogue liste")
    claire.say(dialogue["id"], f'/dialogue prochaine-etape 15/02/{date.today().year + 1} "Envoyer la note"',
               root_id=root["id"])
    dep.settle()
    thread = claire.get(f"/posts/{root['id']}/thread")
    assert any("Envoyer la note" in p["message"] for p in thread["posts"].values() if p["id"] != root["id"])


def test_the_representative_is_a_guest_exactly_when_the_licence_allows_guests(dep):
    claire = dep.person(dep.server.foundation)
    licensed = dep.admin.get("/license/client", format="old").get("IsLicensed") == "true"
    assert dep.server.guests_licensed is ("system_guest" in claire.roles)
    if not licensed:
        assert not dep.server.guests_licensed and claire.roles == "system_user"


def test_a_call_for_interest_formed_into_a_consortium(dep):
    admin, town = dep.admin, dep.admin.channel("town-square")
    theme = "Réemploi " + dep.unique("x")[-6:]
    reply = admin.say(town["id"], f'/ami ouvrir "AMI {theme}" --themes "{theme}, Mobilité" --jusqu-au 31/12/2099')
    assert "/ami/" in reply, reply
    for name, structure in (("ines", "ACI Les Jardins"), ("samir", "EI Recyclage")):
        person = dep.person(name)
        mark = person.events.mark()
        assert "formulaire" in person.say(town["id"], "/ami repondre").lower()
        opened = person.dialog_after(mark)
        sent = person.submit(opened, {"structure_name": structure, "siae_type": "ACI", "departement": "69",
                                      "contact_name": name, "contact_email": f"{name}@reseau.example",
                                      "theme_1": theme}, channel_id=town["id"])
        assert sent.status_code == 200 and not sent.json().get("errors"), sent.text
    dep.settle()
    # the confirmation reached each person privately (a direct message: the bot may not post ephemerals)
    ines = dep.person("ines")
    direct = ines.post("/channels/direct", [ines.id, dep.bot["id"]])
    assert any("ACI Les Jardins" in p["message"] and "AMI " + theme in p["message"] for p in ines.posts(direct["id"]))
    reply = admin.say(town["id"], f'/ami former "{theme}"')
    assert reply.startswith(f"✅ Consortium **{theme}** formé") and "@ines, @samir" in reply, reply
    dep.settle()
    results = admin.say(town["id"], "/ami resultats")
    assert "ACI Les Jardins" in results and "EI Recyclage" in results
    admin.say(town["id"], "/ami cloturer")
    slug = reply.split("identifiant `")[1].split("`")[0]
    formed = [admin.channel(slug)]
    members = admin.member_ids(formed[0]["id"])
    assert {dep.person("ines").id, dep.person("samir").id} <= members


def test_checklist_export_is_attached_as_files(dep, group):
    samir = dep.person("samir")
    samir.say(group["id"], "/checklist export")
    dep.settle()
    post = wait_until(lambda: next((p for p in samir.posts(group["id"]) if p.get("file_ids")), None),
                      what="a post with the export attached")
    assert post["user_id"] == dep.bot["id"]
    names = {}
    for file_id in post["file_ids"]:
        info = samir.get(f"/files/{file_id}/info")
        names[info["name"]] = samir.call("GET", f"/files/{file_id}").content.decode("utf-8")
    assert any(n.endswith(".csv") for n in names) and any(n.endswith(".md") for n in names), names
    assert all("Pourquoi nous regrouper" in content for content in names.values())


def test_archiving_archives_the_channel_and_keeps_the_data(dep, group):
    reply = dep.admin.say(group["id"], "/consortium archiver --confirmer")
    assert "archiv" in reply.lower(), reply
    dep.settle()
    archived = dep.admin.get(f"/channels/{group['id']}")
    assert archived["delete_at"] > 0
    town = dep.admin.channel("town-square")
    info = dep.admin.say(town["id"], f"/consortium info --consortium {group['name']}")
    assert group["display_name"] in info and "0/26" in info, info


def test_my_data_arrives_as_a_real_direct_message(dep, group):
    lea = dep.person("lea")
    direct = lea.post("/channels/direct", [lea.id, dep.bot["id"]])
    before = {p["id"] for p in lea.posts(direct["id"])}
    reply = lea.say(group["id"], "/consortium mes-donnees")
    assert "en message direct" in reply, reply
    dep.settle()
    post = wait_until(lambda: next((p for p in lea.posts(direct["id"]) if p["id"] not in before), None),
                      what="the direct message")
    assert post["user_id"] == dep.bot["id"] and "(JSON)" in post["message"] and len(post["file_ids"]) == 1
    assert lea.get(f"/files/{post['file_ids'][0]}/info")["name"] == "consortia-lea.json"
    data = json.loads(lea.call("GET", f"/files/{post['file_ids'][0]}").content.decode("utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    assert data["person"]["email"] == "lea@reseau.example"
    assert group["name"] in [m["consortium"] for m in data["memberships"]], text


def test_members_added_and_removed_follow_in_mattermost(dep, group):
    admin, marc = dep.admin, dep.person("marc")
    assert marc.id not in admin.member_ids(group["id"])
    admin.say(group["id"], "/consortium ajouter @marc")
    dep.settle()
    assert marc.id in admin.member_ids(group["id"])
    admin.say(group["id"], "/consortium retirer @marc")
    dep.settle()
    assert marc.id not in admin.member_ids(group["id"])


def test_erasing_a_person_removes_them_from_the_channels(dep):
    channel = dep.create(dep.unique("Effacement"), "@ines @marc")
    marc = dep.person("marc")
    assert marc.id in dep.admin.member_ids(channel["id"])
    dep.cli("privacy", "erase", "@marc", "--yes")
    dep.settle()
    assert marc.id not in dep.admin.member_ids(channel["id"])
    assert dep.person("ines").id in dep.admin.member_ids(channel["id"])
    # marc uses Consortia again: he starts afresh, and is no longer a member of the consortium
    reply = marc.say(dep.admin.channel("town-square")["id"], "/consortium info --consortium " + channel["name"])
    assert "réservé aux membres" in reply, reply


def test_language_follows_the_person(dep, group):
    lea = dep.person("lea")
    lea.say(group["id"], "/consortium langue en")
    try:
        assert "Stage" in lea.say(group["id"], "/consortium info")
    finally:
        lea.say(group["id"], "/consortium language fr")
    assert "Étape" in lea.say(group["id"], "/consortium info")


def test_a_stage_change_is_news_for_the_group(dep, group):
    reply = dep.admin.run(group["id"], "/consortium etape structuration")
    assert reply.ok
    dep.settle()
    assert any("structuration" in m for m in messages(dep.person("samir"), group["id"]))
