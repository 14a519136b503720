"""The declared grammar: tokenising, aliases, options, usage lines, help."""
from __future__ import annotations

import pytest

from plugin.commands.parser import ParseError, parse, tokenize
from plugin.frontdoor.registry import registry
from plugin.i18n import use_locale

TRIGGERS = registry().triggers
find_trigger = registry().find_trigger
CONSORTIUM, CHECKLIST, ENGAGEMENT, SESSION = (find_trigger(w) for w in ("consortium", "checklist", "engagement",
                                                                          "session"))


def test_quotes_group_words_including_french_and_curly_quotes():
    assert [t.value for t in tokenize('creer "Alimentation durable" « Réemploi » “Mobilité”')] == [
        "creer", "Alimentation durable", "Réemploi", "Mobilité"]


def test_unbalanced_quote_is_an_error():
    with pytest.raises(ParseError):
        tokenize('creer "oops')


@pytest.mark.parametrize("text", ['creer "X" --membres @Ines @samir --theme "Food" --public',
                                  'create "X" --members @ines @samir --theme "Food" --public',
                                  'Créer "X" --public --theme "Food" --MEMBRES @ines samir'])
def test_french_and_english_aliases_and_options_in_any_order(text):
    parsed = parse(CONSORTIUM, text)
    assert parsed.sub.key == "create"
    assert parsed.values == {"name": "X", "members": ["ines", "samir"], "theme": "Food", "public": True}


def test_optional_user_and_dates_spanning_several_words():
    parsed = parse(CHECKLIST, 'ajouter "Choisir le chef de file" @ines --echeance lundi prochain')
    assert parsed.values == {"text": "Choisir le chef de file", "assignee": "ines", "due": "lundi prochain"}
    parsed = parse(SESSION, 'planifier "Diagnostic" le 10 décembre 14h --duree 2h')
    assert parsed.values["date"] == "le 10 décembre" and parsed.values["time"] == "14h"


def test_several_numbers_and_amounts():
    assert parse(CHECKLIST, "cocher 1 1 2").values == {"numbers": ["1", "1", "2"]}
    parsed = parse(ENGAGEMENT, 'ajouter ACI-Lyon "Salle" --montant 1 500,50 € --type financier')
    assert parsed.values["amount"] == "1 500,50 €" and parsed.values["kind"] == "financier"


@pytest.mark.parametrize("text,message", [
    ("creer", "Missing argument"), ('creer "X" --nope', "Unknown option"), ('creer "X" --theme', "needs a value"),
    ('creer "X" extra', "Unexpected text"), ("frobnicate", "Unknown sub-command"),
])
def test_mistakes_say_what_is_wrong(text, message):
    with use_locale("en"), pytest.raises(ParseError) as error:
        parse(CONSORTIUM, text)
    assert message in error.value.message


def test_empty_text_runs_the_default_subcommand_and_help_words_show_help():
    assert parse(CONSORTIUM, "").sub.key == "info"
    parsed = parse(CHECKLIST, "--consortium alimentation --ouvert")
    assert parsed.sub.key == "list" and parsed.values == {"consortium": "alimentation", "open": True}
    assert parse(CONSORTIUM, "aide").is_help and parse(CONSORTIUM, "help").is_help


def test_usage_lines_are_localised():
    create = CONSORTIUM.find("create")
    assert create.usage("consortium", "fr").startswith('/consortium creer "<nom>"')
    assert create.usage("consortium", "en").startswith('/consortium create "<name>"')


def test_every_trigger_word_is_found_and_sub_commands_have_examples():
    for trigger in TRIGGERS:
        for word in trigger.words():
            assert find_trigger("/" + word) is trigger
        for sub in trigger.subcommands:
            assert sub.example("fr") and sub.example("en")
            assert parse(trigger, sub.example("fr")).sub is sub, sub.example("fr")
            assert parse(trigger, sub.example("en")).sub is sub, sub.example("en")
