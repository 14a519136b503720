"""The one CSV writer (plugin/exports.py): French spreadsheets' conventions by default, English for an
English reader, labels rather than codes, the formula guard only where a spreadsheet would compute.
Files are read back as a spreadsheet does: the csv module with the dialect the writer declares."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest

from plugin.exports import dialect_for, to_csv
from plugin.i18n import use_locale
from tests.helpers.registers import say, setup_consortium


def read(data: bytes, locale: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")                 # UTF-8 with a BOM: Excel reads the accents
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), dialect=dialect_for(locale)))


@pytest.mark.parametrize("locale, separator, amount", [("fr", ";", "1500,50"), ("en", ",", "1500.50")])
def test_the_reader_language_chooses_the_conventions(locale, separator, amount):
    data = to_csv(["Qui", "Montant", "Échéance"],
                  [["ines", Decimal("1500.50"), date(2027, 3, 31)], ["a;b, c", 12, datetime(2027, 3, 1, 14, 30)]],
                  locale=locale)
    assert data.decode("utf-8-sig").splitlines()[0] == separator.join(["Qui", "Montant", "Échéance"])
    assert read(data, locale) == [["Qui", "Montant", "Échéance"], ["ines", amount, "2027-03-31"],
                                  ["a;b, c", "12", "2027-03-01 14:30"]]
    with use_locale(locale):                                # the current language when none is given
        assert to_csv(["x"], [[Decimal("2.5")]]) == to_csv(["x"], [[Decimal("2.5")]], locale=locale)
    assert read(to_csv(["x"], [[Decimal("2.5")]], locale=locale), locale)[1] == [amount.replace("1500", "2")]


def test_only_what_a_spreadsheet_would_compute_is_guarded():
    cells = ["ines", "jean.dupont", "=1+1", "+33 6 12", "-10 %", "@SUM(A1)", "\tx", "\rx", "Chef de file", "a=b"]
    rows = read(to_csv(["cell"], [[c] for c in cells]), "fr")
    assert [row[0] for row in rows[1:]] == ["ines", "jean.dupont", "'=1+1", "'+33 6 12", "'-10 %", "'@SUM(A1)",
                                            "'\tx", "'\rx", "Chef de file", "a=b"]


def test_registers_exports_show_labels_and_amounts_in_the_reader_language(net):
    channel = setup_consortium(net)
    say(net, "admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    say(net, "admin", "/role attribuer tresorerie @ines --organisation ACI-Lyon", channel=channel)
    say(net, "ines", '/engagement ajouter ACI-Lyon "Cofinancement" --montant 7 500,50 €', channel=channel)
    say(net, "ines", '/engagement ajouter ACI-Lyon "Ateliers" --montant 10 jours', channel=channel)
    say(net, "ines", "/engagement statut 2 en-cours", channel=channel)
    for text in ("/role export", "/engagement export"):
        say(net, "samir", text, channel=channel)
    say(net, "samir", "/consortium langue en")
    for text in ("/role export", "/commitment export"):
        say(net, "samir", text, channel=channel)
    net.deliver()
    files = sorted(net.emulator.files.values(), key=lambda f: f["info"]["create_at"])
    roles_fr, commitments_fr, roles_en, commitments_en = (f["data"] for f in files)

    rows = read(roles_fr, "fr")
    assert rows[0] == ["Rôle", "Personne", "Organisation", "Depuis", "Attribué par", "Jusqu’au", "Retiré par"]
    assert [row[:3] for row in rows[1:]] == [["chef de file", "", "ACI-Lyon"], ["trésorerie", "ines", "ACI-Lyon"]]
    assert [row[:3] for row in read(roles_en, "en")[1:]] == [["lead partner", "", "ACI-Lyon"],
                                                              ["treasury", "ines", "ACI-Lyon"]]
    rows = read(commitments_fr, "fr")
    assert [row[4:9] for row in rows[1:]] == [["financier", "7500,50", "euros", "", "proposé"],
                                              ["temps", "10", "jours", "", "en cours"]]
    rows = read(commitments_en, "en")
    assert [row[4:9] for row in rows[1:]] == [["financial", "7500.50", "euros", "", "proposed"],
                                              ["time", "10", "days", "", "in progress"]]
    assert [row[9] for row in rows[1:]] == ["ines", "ines"]


def test_the_checklist_export_follows_its_reader(net):
    channel = setup_consortium(net)
    say(net, "ines", "/checklist cocher 1", channel=channel)
    say(net, "samir", "/consortium langue en")
    say(net, "samir", "/checklist export", channel=channel)
    net.deliver()
    data = next(f["data"] for f in net.emulator.files.values() if f["info"]["name"].endswith(".csv"))
    rows = read(data, "en")
    assert rows[0][:4] == ["Number", "Section", "Question", "Status"] and rows[1][3] == "done"
