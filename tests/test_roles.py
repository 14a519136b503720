"""/role end to end through the Mattermost emulator (real HTTP): the roles register,
organisations with "did you mean", the lead partner rule, history, CSV export, JSON API."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from models import AuditEvent, CustomRole, RoleAssignment
from plugin.exports import dialect_for
from tests.conftest import API_TOKEN
from tests.helpers.registers import say, setup_consortium


def posts_text(net, channel) -> str:
    return "\n".join(p["message"] for p in net.emulator.posts(channel))


def test_roles_register_end_to_end(net):
    channel = setup_consortium(net)

    # The admin names the lead partner: an organisation. The news is posted in the channel.
    result = net.command("admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    assert result["post"] is not None, result
    assert "ACI-Lyon" in result["post"]["message"] and "chef de file" in result["post"]["message"]

    # Anyone of the lead organisation now assigns roles; @ines is in ACI-Lyon.
    result = net.command("ines", "/role attribuer coordination @samir", channel=channel)
    assert result["post"] and "@samir" in result["post"]["message"] and "coordination" in result["post"]["message"]
    # A role held by a person on behalf of an organisation ("both").
    say(net, "ines", "/role attribuer tresorerie @ines --organisation ACI-Lyon", channel=channel)

    listing = say(net, "samir", "/role liste", channel=channel)
    assert "chef de file" in listing and "ACI-Lyon" in listing
    assert "| **coordination** | @samir |" in listing
    assert "@ines (ACI-Lyon)" in listing
    assert "Porte le projet" in listing  # one-line description in French
    assert "Aucun chef de file" not in listing

    # Taking a role back is recorded too.
    result = net.command("ines", "/role retirer coordination @samir", channel=channel)
    assert result["post"] and "@samir" in result["post"]["message"]
    assert "| **coordination** | — |" in say(net, "samir", "/role liste", channel=channel)

    history = say(net, "samir", "/role historique", channel=channel)
    assert history.count("@samir") >= 2 and "(par @ines)" in history and "(par @admin)" in history

    info = say(net, "samir", "/consortium info", channel=channel)
    assert "**chef de file** ACI-Lyon" in info and "**trésorerie** @ines / ACI-Lyon" in info

    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(RoleAssignment)) == 3
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("role.%"))))
        assert actions.count("role.assign") == 3 and actions.count("role.unassign") == 1


def test_one_lead_partner_at_a_time_and_replacing_is_explicit(net):
    channel = setup_consortium(net)
    say(net, "admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)

    refused = say(net, "admin", "/role attribuer chef-de-file EI-Vienne", channel=channel)
    assert "déjà le chef de file" in refused and "--remplacer" in refused
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(RoleAssignment)) == 1

    result = net.command("admin", "/role attribuer chef-de-file EI-Vienne --remplacer", channel=channel)
    assert result["post"] and "remplace ACI-Lyon" in result["post"]["message"]
    listing = say(net, "ines", "/role liste", channel=channel)
    assert "EI-Vienne" in listing and "ACI-Lyon" not in listing.split("chef de file")[1].split("\n")[0]
    # @ines (ACI-Lyon) is no longer lead: she cannot assign any more; @samir (EI-Vienne) can.
    assert "chef de file" in say(net, "ines", "/role attribuer animation @ines", channel=channel)
    assert "Seuls" in say(net, "ines", "/role attribuer animation @ines", channel=channel)
    assert net.command("samir", "/role attribuer animation @ines", channel=channel)["post"] is not None

    history = say(net, "ines", "/role historique", channel=channel)
    assert "ACI-Lyon reçoit" in history and "ACI-Lyon quitte" in history and "EI-Vienne reçoit" in history
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "role.replace")) == 1


def test_a_member_who_is_not_lead_cannot_assign_roles(net):
    channel = setup_consortium(net)
    reply = say(net, "samir", "/role attribuer coordination @samir", channel=channel)
    assert reply.startswith("⚠️") and "chef de file" in reply
    reply = say(net, "samir", "/role retirer coordination @samir", channel=channel)
    assert reply.startswith("⚠️")
    assert "⚠️" in say(net, "outsider", "/role liste --consortium alimentation-durable")
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(RoleAssignment)) == 0


def test_unknown_role_organisation_and_user(net):
    channel = setup_consortium(net)
    reply = say(net, "admin", "/role attribuer cordination @ines", channel=channel)
    assert "Rôle inconnu" in reply and "« coordination »" in reply and "--nouveau" in reply
    reply = say(net, "admin", "/role attribuer pompier @ines", channel=channel)
    assert "Rôle inconnu" in reply and "chef-de-file" in reply

    reply = say(net, "admin", "/role attribuer coordination ACI-Lyno", channel=channel)
    assert "Structure inconnue" in reply and "Vouliez-vous dire « ACI-Lyon »" in reply
    reply = say(net, "admin", "/role attribuer coordination aci", channel=channel)  # a prefix: several
    assert "Structure inconnue" in reply and "ACI-Lyon" in reply
    reply = say(net, "admin", "/role attribuer coordination Zzzzzz", channel=channel)
    assert "Structure inconnue" in reply and "/role organisation ajouter" in reply
    # Case, accents and dashes do not matter for a known one.
    assert net.command("admin", "/role attribuer coordination aci-lyon", channel=channel)["post"] is not None

    reply = say(net, "admin", "/role attribuer coordination @nobody", channel=channel)
    assert reply.startswith("⚠️") and "@nobody" in reply
    reply = say(net, "admin", "/role attribuer coordination @outsider", channel=channel)
    assert "n’est pas membre" in reply
    # Aliases and labels in both languages find the built-in role.
    assert net.command("admin", '/role attribuer "lead partner" EI-Vienne', channel=channel)["post"] is not None
    assert "déjà" in say(net, "admin", '/role attribuer "chef de file" EI-Vienne', channel=channel)
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(RoleAssignment)) == 2


def test_custom_roles_and_english(net):
    channel = setup_consortium(net)
    result = net.command("admin", '/role attribuer "Référent numérique" @samir --nouveau', channel=channel)
    assert result["post"] and "Référent numérique" in result["post"]["message"]
    # Once created, the custom role is found by its key or its label, without --nouveau.
    assert net.command("admin", "/role attribuer referent-numerique @ines", channel=channel)["post"] is not None
    with net.db() as session:
        assert session.scalar(select(CustomRole.key)) == "referent-numerique"

    say(net, "samir", "/consortium langue en")
    listing = say(net, "samir", "/role list", channel=channel)
    assert "Roles of" in listing and "lead partner" in listing and "Référent numérique" in listing
    assert "No lead partner yet" in listing
    reply = say(net, "samir", "/role assign coordination @samir", channel=channel)
    assert "Only the network's admins and the consortium's lead partner" in reply
    help_text = say(net, "samir", "/role help", channel=channel)
    assert "/role assign" in help_text


def test_organisations_are_created_by_admins_only(net):
    setup_consortium(net)
    assert "⚠️" in say(net, "ines", '/role organisation ajouter FondX "Fondation X" --type foundation')
    assert "existe déjà" in say(net, "admin", '/role organisation ajouter aci-lyon "Doublon"')
    reply = say(net, "admin", '/role organisation ajouter Bad "Bad org" --departement 999')
    assert "département" in reply
    listing = say(net, "ines", "/role organisations")
    assert "ACI-Lyon" in listing and "ACI, 69" in listing and "EI-Vienne" in listing


def test_roles_export_csv_opens_as_plain_text(net):
    channel = setup_consortium(net)
    say(net, "admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    say(net, "admin", '/role attribuer "=HYPERLINK(\'http://evil.example\')" @samir --nouveau', channel=channel)
    reply = say(net, "samir", "/role export --point-virgule", channel=channel)
    assert "CSV" in reply
    net.deliver()
    files = [f for f in net.emulator.files.values() if f["info"]["name"].startswith("roles-")]
    assert len(files) == 1
    data = files[0]["data"]
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), dialect=dialect_for("fr")))
    assert rows[0][:3] == ["Rôle", "Personne", "Organisation"]
    labels = [row[0] for row in rows[1:]]
    assert "chef de file" in labels and ["ACI-Lyon"] == [row[2] for row in rows[1:] if row[2]]
    assert [row[1] for row in rows[1:] if row[1]] == ["samir"]    # people bare: no guard, no "@"
    hostile = [label for label in labels if "HYPERLINK" in label]
    assert hostile == ["'=HYPERLINK('http://evil.example')"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    post = [p for p in net.emulator.posts(channel) if p.get("file_ids")]
    assert post and "Registre des rôles" in post[-1]["message"]


def test_roles_json_api_and_openapi(net):
    import requests

    channel = setup_consortium(net)
    say(net, "admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    say(net, "admin", "/role attribuer coordination @samir", channel=channel)
    say(net, "admin", "/role retirer coordination @samir", channel=channel)
    url = f"{net.server.url}/api/v1/consortia/alimentation-durable/roles"
    assert requests.get(url, timeout=5).status_code == 401
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    body = requests.get(url, headers=headers, timeout=5).json()
    assert body["consortium"] == "alimentation-durable"
    assert [a["role"] for a in body["assignments"]] == ["chef-de-file"]
    assert body["assignments"][0]["organisation"] == "ACI-Lyon"
    assert {r["key"] for r in body["roles"]} >= {"chef-de-file", "observateur"}
    full = requests.get(url + "?history=1", headers=headers, timeout=5).json()
    assert len(full["assignments"]) == 2 and full["assignments"][1]["ended_by"] == "admin"
    english = requests.get(url, headers=dict(headers, **{"Accept-Language": "en"}), timeout=5).json()
    assert english["assignments"][0]["label"] == "lead partner"
    assert requests.get(f"{net.server.url}/api/v1/consortia/nope/roles", headers=headers,
                        timeout=5).status_code == 404
    spec = requests.get(f"{net.server.url}/api/v1/openapi.json", timeout=5).json()
    assert "/consortia/{slug}/roles" in spec["paths"] and "/consortia/{slug}/commitments" in spec["paths"]
    assert {"Roles", "RoleAssignment", "Commitments", "Commitment"} <= set(spec["components"]["schemas"])
