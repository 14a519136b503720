"""French typography, set once by the translation layer (plugin/i18n.py): no-break spaces before
: ; ! ? and inside « », elision of de, le, la, que before a name starting with a vowel — in French
only, code spans untouched."""
from __future__ import annotations

NB = "\u00a0"


def test_french_typography_spaces_and_elides_outside_code_only():
    from plugin.i18n import french_elision, french_spacing

    assert french_spacing("Membres : {x} ; ok ! `a : b` https://x.test/?q=1 « {y} »") == (
        "Membres\u00a0: {x}\u00a0; ok\u00a0! `a : b` https://x.test/?q=1 «\u00a0{y}\u00a0»")
    params = {"org": "EI-Recyclage", "who": "Inès", "n": "3", "name": "Hélène", "user": "@ines"}
    assert french_elision("de {org}, que {who}, le {org}, de {n}, de {name}, de @{user}, `de {org}`", params) == (
        "d’{org}, qu’{who}, l’{org}, de {n}, de {name}, de @{user}, `de {org}`")


def test_a_name_after_de_is_elided_in_french_and_plain_in_english(net):
    net.reply("admin", '/consortium fondation ajouter EI-Recyclage "EI Recyclage"')
    reply = net.reply("admin", "/consortium fondation representant EI-Recyclage @samir")
    assert reply.startswith(f"Représentants d’EI-Recyclage ajoutés{NB}: @samir.")
    net.reply("admin", "/consortium language en")
    english = net.reply("admin", "/consortium foundation representative EI-Recyclage @samir --remove")
    assert "EI-Recyclage" in english and "d’" not in english and NB not in english
