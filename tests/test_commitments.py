"""/engagement end to end through the Mattermost emulator (real HTTP): commands, the dialog,
amounts in French, transitions, totals, CSV export parsed back, reminders, JSON API."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from models import Commitment, utcnow
from plugin.exports import dialect_for
from tests.conftest import API_TOKEN
from tests.helpers.registers import say, setup_consortium


def count_commitments(net) -> int:
    with net.db() as session:
        return session.scalar(select(func.count()).select_from(Commitment))


@pytest.fixture
def group(net):
    """Consortium with @ines (ACI-Lyon, lead partner) and @samir (EI-Vienne)."""
    channel = setup_consortium(net)
    net.reply("admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    return channel


def test_commitments_register_end_to_end(net, group):
    channel = group
    result = net.command("samir", '/engagement ajouter EI-Vienne "Prêt du camion" --type nature --montant 12 jours '
                                  '--echeance 2099-01-15', channel=channel)
    # An echeance too far ahead is refused: nothing recorded.
    assert result["post"] is None and "trop loin" in result["response"]["text"].replace("\u00a0", " ")
    result = net.command("samir", '/engagement ajouter EI-Vienne "Prêt du camion" --type nature --montant 12 jours',
                         channel=channel)
    post = result["post"]["message"].replace("\u00a0", " ")
    assert "Nouvel engagement" in post and "#1" in post and "EI-Vienne" in post and "12 jours" in post
    net.reply("ines", '/engagement ajouter ACI-Lyon "Cofinancement du diagnostic" --montant 1 500,50 €',
              channel=channel)
    net.reply("ines", '/engagement ajouter ACI-Lyon "Animation des ateliers" --type temps --montant 3,5 j',
              channel=channel)
    net.reply("ines", '/engagement ajouter @ines "Relecture du dossier" --type competences --montant 6 h '
                      '--echeance demain', channel=channel)

    listing = say(net, "samir", "/engagement liste", channel=channel)
    assert "| 2 | ACI-Lyon | Cofinancement du diagnostic | financier | 1 500,50 € |" in listing
    assert "3,50 jours" in listing and "6 heures" in listing and "💡 proposé" in listing
    assert "**temps** 3,50 jours (1 engagement)" in listing
    assert "**financier** 1 500,50 € (1 engagement)" in listing
    assert "**ACI-Lyon** 3,50 jours, 1 500,50 € (2 engagements)" in listing
    only = say(net, "samir", "/engagement liste EI-Vienne", channel=channel)
    assert "Prêt du camion" in only and "Cofinancement" not in only

    # Accepting is the consortium's decision (the lead partner, @ines of ACI-Lyon).
    assert "chef de file" in say(net, "samir", "/engagement statut 1 accepte", channel=channel)
    result = net.command("ines", "/engagement statut 1 accepte", channel=channel)
    assert "« proposé » → « accepté »" in result["post"]["message"].replace("\u00a0", " ")
    assert net.command("samir", "/engagement statut 1 en-cours", channel=channel)["post"] is not None
    assert net.command("samir", "/engagement tenu 1", channel=channel)["post"] is not None
    refused = say(net, "samir", "/engagement statut 1 propose", channel=channel)
    assert "définitif" in refused and "« tenu »" in refused
    assert "⚠️" in say(net, "samir", "/engagement statut 1 peut-etre", channel=channel)

    # Withdraw: gone from the list and the totals, kept in the history, number never reused.
    result = net.command("ines", "/engagement retirer 3", channel=channel)
    assert "retiré du registre" in result["post"]["message"]
    listing = say(net, "samir", "/engagement liste", channel=channel)
    assert "Animation des ateliers" not in listing and "**temps**" not in listing
    net.reply("ines", '/engagement ajouter ACI-Lyon "Salle de réunion" --type nature --montant 2 u', channel=channel)
    assert "| 5 | ACI-Lyon | Salle de réunion |" in say(net, "ines", "/engagement liste", channel=channel)
    history = say(net, "samir", "/engagement historique 1", channel=channel)
    assert "enregistré" in history and "« accepté » → « en cours »" in history and "@ines" in history
    assert "Retiré du registre" in say(net, "samir", "/engagement historique 3", channel=channel)
    assert "pas d’engagement numéro 42" in say(net, "samir", "/engagement tenu 42", channel=channel)

    info = say(net, "samir", "/consortium info", channel=channel)
    assert "Engagements" in info and "**financier** 1 500,50 € (1 engagement)" in info
    assert "**chef de file** ACI-Lyon" in info


@pytest.mark.parametrize("amount,expected", [
    ("-5 €", "doit être positif"),
    ("0", "supérieur à zéro"),
    ("0,00 €", "supérieur à zéro"),
    ("beaucoup", "n’est pas un montant"),
    ("1e309", "n’est pas un montant"),
    ("NaN", "n’est pas un montant"),
    ("inf €", "n’est pas un montant"),
    ("10 km", "Unité inconnue"),
    ("10 € --type temps", "se compte en"),
    ("1,005 €", "Deux décimales"),
    ("9999999999999 €", "trop grand"),
])
def test_bad_amounts_are_refused_and_record_nothing(net, group, amount, expected):
    reply = say(net, "ines", f'/engagement ajouter ACI-Lyon "Quelque chose" --montant {amount}', channel=group)
    assert reply.startswith("⚠️") and expected in reply, reply
    assert "/engagement ajouter" in reply  # the syntax comes with the explanation
    assert count_commitments(net) == 0


@pytest.mark.parametrize("amount,shown", [
    ("1 500,50 €", "1 500,50 €"), ("1\u00a0500,50\u00a0€", "1 500,50 €"), ("1500€", "1 500 €"),
    ("1.500,50 euros", "1 500,50 €"), ("2 000 eur", "2 000 €"), ("7h", "7 heures"), ("1 jour", "1 jour"),
])
def test_amounts_written_the_french_way_are_understood(net, group, amount, shown):
    reply = net.command("ines", f'/engagement ajouter ACI-Lyon "Apport" --montant {amount}', channel=group)
    assert reply["post"] is not None, reply["response"]
    assert shown in reply["post"]["message"].replace("\u00a0", " ").replace("\u202f", " ")


def test_unknown_targets_and_permissions(net, group):
    reply = say(net, "ines", '/engagement ajouter ACI-Lyno "Quelque chose"', channel=group)
    assert "inconnue" in reply and "ACI-Lyon" in reply
    assert "@nobody" in say(net, "ines", '/engagement ajouter @nobody "Quelque chose"', channel=group)
    assert "n’est pas membre" in say(net, "ines", '/engagement ajouter @outsider "Quelque chose"', channel=group)
    # A member records for themselves or their organisation only.
    assert "votre organisation" in say(net, "samir", '/engagement ajouter ACI-Lyon "Pour eux"', channel=group)
    assert net.command("samir", '/engagement ajouter @samir "Pour moi"', channel=group)["post"] is not None
    # The lead partner records for others; someone outside the consortium sees nothing.
    assert net.command("ines", '/engagement ajouter EI-Vienne "Pour eux"', channel=group)["post"] is not None
    assert "réservé aux membres" in say(net, "outsider", "/engagement liste --consortium alimentation-durable")
    # Only the people responsible (or the lead, admins) change a commitment.
    net.reply("ines", '/engagement ajouter ACI-Lyon "Le nôtre"', channel=group)
    assert "Seuls les responsables" in say(net, "samir", "/engagement retirer 3", channel=group)
    assert count_commitments(net) == 3


def test_english_speakers_get_english(net, group):
    net.reply("samir", "/consortium langue en")
    result = net.command("samir", '/commitment add @samir "Writing the report" --type competences --amount 2 days '
                                  '--due 2027-01-10', channel=group)
    assert "New commitment" in result["post"]["message"] and "2 days" in result["post"]["message"]
    listing = net.reply("samir", "/commitment list", channel=group)
    assert "Commitments of" in listing and "skills" in listing and "proposed" in listing
    reply = net.reply("samir", '/commitment add @samir "x y" --amount NaN', channel=group)
    assert "is not an amount" in reply
    reply = net.reply("samir", "/commitment status 1 tenu", channel=group)
    assert "cannot become" in reply and "It can become" in reply


def _open_dialog(net, channel) -> dict:
    result = net.command("samir", "/engagement ajouter", channel=channel)
    assert "formulaire est ouvert" in result["response"]["text"], result["response"]
    dialog = net.emulator.dialogs()[-1]
    assert dialog["dialog"]["callback_id"] == "commitment.add"
    return dialog


def test_dialog_records_a_commitment(net, group):
    entry = _open_dialog(net, group)
    elements = {e["name"]: e for e in entry["dialog"]["elements"]}
    assert set(elements) == {"target", "kind", "description", "amount", "unit", "due"}
    assert {"@samir", "ACI-Lyon", "EI-Vienne"} <= {o["value"] for o in elements["target"]["options"]}
    answer = net.emulator.submit_dialog(entry, "samir", {
        "target": "EI-Vienne", "kind": "financier", "description": "Mécénat de compétences",
        "amount": "1 500,50", "unit": "euros", "due": "31/12/2026",
    })
    assert answer["status"] == 200 and not answer["response"], answer
    net.deliver()
    posts = [p["message"] for p in net.emulator.posts(group)]
    assert any("Mécénat de compétences" in m and "1 500,50 €" in m.replace("\u00a0", " ").replace("\u202f", " ")
               for m in posts)
    with net.db() as session:
        c = session.scalar(select(Commitment))
        assert (str(c.amount), c.unit, c.kind, c.due_date.isoformat()) == ("1500.50", "euros", "financier",
                                                                          "2026-12-31")
    # The same form cannot be submitted twice.
    again = net.emulator.submit_dialog(entry, "samir", {"target": "EI-Vienne", "kind": "financier",
                                                        "description": "Encore"})
    assert "déjà été envoyé" in again["response"]["error"]
    assert count_commitments(net) == 1


def test_dialog_errors_come_back_field_by_field(net, group):
    entry = _open_dialog(net, group)
    answer = net.emulator.submit_dialog(entry, "samir", {"kind": "temps", "amount": "NaN", "unit": "euros"})
    errors = answer["response"]["errors"]
    assert errors["target"] == "Ce champ est obligatoire." and errors["description"] == "Ce champ est obligatoire."
    assert "n’est pas un montant" in errors["amount"]
    answer = net.emulator.submit_dialog(entry, "samir", {"target": "@samir", "kind": "temps", "description": "Ok",
                                                         "amount": "3", "unit": "euros", "due": "hier"})
    errors = answer["response"]["errors"]
    assert "se compte en" in errors["unit"] and "déjà passé" in errors["due"].replace("\u00a0", " ")
    # A forged target (not in the select) is refused on that field.
    answer = net.emulator.submit_dialog(entry, "samir", {"target": "ACI-Lyon", "kind": "temps",
                                                         "description": "Pour eux"})
    assert "votre organisation" in answer["response"]["errors"]["target"]
    assert count_commitments(net) == 0
    # After the errors, the same form still works (the state was not burnt).
    answer = net.emulator.submit_dialog(entry, "samir", {"target": "@samir", "kind": "temps",
                                                         "description": "Ok enfin", "amount": "3", "unit": "jours"})
    assert not answer["response"], answer
    assert count_commitments(net) == 1


def test_dialog_with_forged_or_expired_state_is_refused(net, group, monkeypatch):
    entry = _open_dialog(net, group)
    submission = {"target": "@samir", "kind": "temps", "description": "Tentative"}
    forged = net.emulator.submit_dialog(entry, "samir", submission, state="eyJjIjoiY29tbWl0bWVudC5hZGQifQ.forged")
    assert "n’a pas pu être vérifiée" in forged["response"]["error"].replace("\u00a0", " ") or \
        "could not be verified" in forged["response"]["error"]
    from plugin.security import Signer

    other_key = Signer("another-secret").sign("dialog", {"a": "commitment.add", "d": {"consortium_id": 1}},
                                              single_use=True)
    assert "error" in net.emulator.submit_dialog(entry, "samir", submission, state=other_key)["response"]

    from itsdangerous import timed

    class ThreeHoursAgo:
        @staticmethod
        def time():
            import time

            return time.time() - 3 * 3600

    monkeypatch.setattr(timed, "time", ThreeHoursAgo)
    with net.db() as session:
        from models import Consortium

        consortium_id = session.scalar(select(Consortium.id))
    old = net.services.signer.sign("dialog", {"a": "commitment.add", "d": {"consortium_id": consortium_id}},
                                   single_use=True)
    monkeypatch.undo()
    expired = net.emulator.submit_dialog(entry, "samir", submission, state=old)
    assert "expiré" in expired["response"]["error"] or "expired" in expired["response"]["error"]
    assert count_commitments(net) == 0


def test_commitments_export_is_safe_csv(net, group):
    # Quotes inside the text: the command language also quotes with « ».
    net.reply("ines", '/engagement ajouter ACI-Lyon « =HYPERLINK("http://evil.example","clic") » '
                      '--montant 1 500,50 €', channel=group)
    net.reply("ines", '/engagement ajouter ACI-Lyon "@SUM(1+1)*cmd|\' /C calc\'!A0" --montant 2 j', channel=group)
    net.reply("ines", '/engagement ajouter ACI-Lyon "+33 6 12 34 56 78, -10 %, ok; « guillemets »"', channel=group)
    reply = say(net, "samir", "/engagement export", channel=group)
    assert "L’export CSV (3 engagements)" in reply
    net.deliver()
    say(net, "samir", "/consortium langue en")
    say(net, "samir", "/commitment export", channel=group)
    net.deliver()
    files = sorted((f for f in net.emulator.files.values() if f["info"]["name"].startswith("engagements-")),
                   key=lambda f: f["info"]["create_at"])
    assert len(files) == 2
    header = {"fr": ["N°", "Organisation", "Personne", "Engagement", "Type", "Montant", "Unité", "Échéance",
                     "Statut", "Enregistré par", "Enregistré le"],
              "en": ["No.", "Organisation", "Person", "Commitment", "Type", "Amount", "Unit", "Due date",
                     "Status", "Recorded by", "Recorded on"]}
    for data, locale, amount, labels in ((files[0]["data"], "fr", "1500,50", ["financier", "euros", "proposé"]),
                                         (files[1]["data"], "en", "1500.50", ["financial", "euros", "proposed"])):
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), dialect=dialect_for(locale)))
        assert rows[0] == header[locale]
        descriptions = [row[3] for row in rows[1:]]
        assert descriptions[0] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"
        assert descriptions[1].startswith("'@SUM(1+1)")
        assert descriptions[2].startswith("'+33 6")
        assert rows[1][5] == amount and [rows[1][4], rows[1][6], rows[1][8]] == labels
        assert rows[1][9] == "ines"
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    posts = [p for p in net.emulator.posts(group) if p.get("file_ids")]
    assert len(posts) == 2 and "Registre des engagements" in posts[0]["message"]


def test_due_soon_commitments_are_reminded_once(net, group):
    net.reply("ines", '/engagement ajouter ACI-Lyon "Envoyer le budget" --echeance demain', channel=group)
    net.reply("ines", '/engagement ajouter ACI-Lyon "Plus tard" --echeance dans 3 semaines', channel=group)
    net.reply("samir", '/engagement ajouter @samir "Déjà tenu" --echeance demain', channel=group)
    net.reply("ines", "/engagement statut 3 accepte", channel=group)
    net.reply("samir", "/engagement tenu 3", channel=group)
    assert net.worker.run_periodic(force=True) >= 1
    net.worker.run_periodic(force=True)  # idempotent: the same reminder is not queued twice
    net.deliver()
    bot, ines = net.users["bot"]["id"], net.users["ines"]["id"]
    dm = net.emulator.direct_channel(bot, ines)
    messages = [p["message"].replace("\u00a0", " ") for p in net.emulator.posts(dm["id"])]
    assert len(messages) == 1
    assert "Rappel" in messages[0] and "Envoyer le budget" in messages[0] and "/engagement tenu 1" in messages[0]
    samir_dm = net.emulator.direct_channel(bot, net.users["samir"]["id"])
    assert samir_dm is None or not net.emulator.posts(samir_dm["id"])

    from models import Consortium
    from plugin.i18n import use_locale
    from plugin.features.registers.api import digest_lines

    with net.db() as session, use_locale("fr"):
        consortium = session.scalar(select(Consortium))
        lines = digest_lines(session, consortium, (utcnow() + timedelta(hours=1)).date())
    assert len(lines) == 1 and "Envoyer le budget" in lines[0]


def test_commitments_json_api(net, group):
    net.reply("ines", '/engagement ajouter ACI-Lyon "Cofinancement" --montant 1 500,50 €', channel=group)
    net.reply("samir", '/engagement ajouter EI-Vienne "Camion" --type nature --montant 12 jours', channel=group)
    net.reply("ines", '/engagement ajouter ACI-Lyon "Ateliers" --montant 3 j', channel=group)
    net.reply("ines", "/engagement statut 3 abandonne", channel=group)
    url = f"{net.server.url}/api/v1/consortia/alimentation-durable/commitments"
    assert requests.get(url, timeout=5).status_code == 401
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    body = requests.get(url, headers=headers, timeout=5).json()
    assert [i["number"] for i in body["items"]] == [1, 2, 3]
    first = body["items"][0]
    assert (first["organisation"], first["amount"], first["unit"], first["type"], first["status"]) == \
        ("ACI-Lyon", "1500.50", "euros", "financier", "propose")
    assert body["totals_by_type"]["financier"] == {"count": 1, "amounts": {"euros": "1500.50"}}
    assert "temps" not in body["totals_by_type"]  # the abandoned one is listed, not counted
    assert body["totals_by_organisation"]["EI-Vienne"] == {"count": 1, "amounts": {"jours": "12.00"}}
    only = requests.get(url, params={"organisation": "EI-Vienne"}, headers=headers, timeout=5).json()
    assert [i["description"] for i in only["items"]] == ["Camion"]
    missing = requests.get(url, params={"organisation": "ACI-Lyno"}, headers=headers, timeout=5)
    assert missing.status_code == 404 and "ACI-Lyon" in missing.json()["message"]
