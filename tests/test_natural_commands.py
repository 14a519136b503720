"""Commands as people type them: free text without quotes, titles before dates, names of
several words, amounts read by language — first the parser alone, then through the real
HTTP endpoint (the Mattermost emulator calls the service)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date as babel_format_date
from sqlalchemy import func, select

from models import (
    ChecklistNote, Commitment, Consortium, Membership, Organisation, Person, RoleAssignment, WorkingSession,
)
from plugin.commands.grammar import KnownName, match_known_name, name_key
from plugin.commands.parser import ParseError, parse
from tests.helpers.grammar import AMI, CHECKLIST, CONSORTIUM, DIALOGUE, ENGAGEMENT, ROLE_TRIGGER, SESSION
from plugin.i18n import use_locale
from tests.test_roles import say, setup_consortium

PARIS = ZoneInfo("Europe/Paris")


def error_of(trigger, text: str, locale: str = "fr") -> str:
    with use_locale(locale), pytest.raises(ParseError) as error:
        parse(trigger, text)
    return error.value.message.replace("\u00a0", " ")


# ------------------------------------------------------------------------ the parser


@pytest.mark.parametrize("trigger, text, expected", [
    (SESSION, "planifier Diagnostic partagé jeudi 10 décembre 14h",
     {"title": "Diagnostic partagé", "date": "jeudi 10 décembre", "time": "14h"}),
    (CHECKLIST, "note 10 ACI Lyon sera chef de file", {"number": "10", "text": "ACI Lyon sera chef de file"}),
    (CONSORTIUM, "creer Mobilité inclusive --membres @ines", {"name": "Mobilité inclusive", "members": ["ines"]}),
    (SESSION, "planifier Réunion le 3 décembre à 10h", {"title": "Réunion", "date": "le 3 décembre", "time": "à 10h"}),
    (SESSION, "plan Kick-off meeting this thursday from 2pm to 4:30pm --place Town hall",
     {"title": "Kick-off meeting", "date": "this thursday", "time": "from 2pm to 4:30pm", "place": "Town hall"}),
    (SESSION, "planifier Bilan dans 2 semaines de 14h à 16h30",
     {"title": "Bilan", "date": "dans 2 semaines", "time": "de 14h à 16h30"}),
    # a linking word does not end a title: the weekday belongs to it
    (SESSION, "planifier Café du jeudi 10/12 14h", {"title": "Café du jeudi", "date": "10/12", "time": "14h"}),
    (SESSION, "planifier Journée à la mer 10 juin 14h", {"title": "Journée à la mer", "date": "10 juin", "time": "14h"}),
    # no date: the title is everything (the handler asks for the date and time)
    (SESSION, "planifier Diagnostic partagé", {"title": "Diagnostic partagé"}),
    (CHECKLIST, "ajouter Choisir le chef de file @ines --echeance dans 2 semaines",
     {"text": "Choisir le chef de file", "assignee": "ines", "due": "dans 2 semaines"}),
    # a mention inside the text stays in it; inner quotes and spacing are kept as typed
    (CHECKLIST, "ajouter Parler à @ines de la salle", {"text": "Parler à @ines de la salle"}),
    (CHECKLIST, 'note 3 Le nom retenu est  "Mobilité+"', {"number": "3", "text": 'Le nom retenu est  "Mobilité+"'}),
    (CONSORTIUM, "creer Mobilité inclusive --theme Transport et mobilité --membres @ines @samir --public",
     {"name": "Mobilité inclusive", "theme": "Transport et mobilité", "members": ["ines", "samir"], "public": True}),
    (CONSORTIUM, 'creer --theme Alimentation "Alimentation durable"',
     {"name": "Alimentation durable", "theme": "Alimentation"}),
    (DIALOGUE, "ouvrir FondationX Financement du diagnostic",
     {"foundation": "FondationX", "subject": "Financement du diagnostic"}),
    # an optional item number before a date: "1 15/01" is item 1, "15 mars" is a date
    (DIALOGUE, "prochaine-etape 1 15/01 Envoyer la note",
     {"number": "1", "date": "15/01", "action": "Envoyer la note"}),
    (DIALOGUE, "prochaine-etape 15 mars Envoyer la note", {"date": "15 mars", "action": "Envoyer la note"}),
    (AMI, "ouvrir AMI 2027 --themes Alimentation, Mobilité, Réemploi --jusqu-au 31 janvier",
     {"title": "AMI 2027", "themes": "Alimentation, Mobilité, Réemploi", "until": "31 janvier"}),
    (ENGAGEMENT, "ajouter ACI-Lyon Animation des ateliers --type temps --montant 10 jours --echeance 31 mars",
     {"target": "ACI-Lyon", "description": "Animation des ateliers", "kind": "temps", "amount": "10 jours",
      "due": "31 mars"}),
    (ROLE_TRIGGER, "attribuer chef de file @ines", {"role": "chef de file", "target": "@ines"}),
    (ROLE_TRIGGER, "attribuer référent fondations ACI-Lyon", {"role": "référent fondations", "target": "ACI-Lyon"}),
    (ROLE_TRIGGER, "retirer chef de file ACI-Lyon", {"role": "chef de file", "target": "ACI-Lyon"}),
    (ROLE_TRIGGER, 'attribuer "chef de file" ACI-Lyon --remplacer',
     {"role": "chef de file", "target": "ACI-Lyon", "replace": True}),
])
def test_free_text_needs_no_quotes_where_the_grammar_can_tell(trigger, text, expected):
    assert parse(trigger, text).values == expected


def test_a_title_that_cannot_be_split_shows_the_quoted_forms():
    message = error_of(SESSION, "planifier Point sur le 10 décembre 14h")
    assert message == ("Je ne vois pas où s’arrête `\"<titre>\"` et où commence la date. Mettez-le entre guillemets "
                       "droits, par exemple : `/session planifier \"Point sur\" le 10 décembre 14h` ou "
                       "`/session planifier \"Point sur le\" 10 décembre 14h`")
    assert "Texte en trop" not in message
    english = error_of(SESSION, "plan Meeting on the December 10 2pm", "en")
    assert english.startswith("I cannot tell where `\"<title>\"` ends and the date begins.")
    assert '`/session plan "Meeting on" the December 10 2pm`' in english


def test_words_after_the_date_are_named_and_the_quoted_form_shown():
    message = error_of(SESSION, "planifier Diagnostic partagé jeudi 10 décembre 14h salle B")
    assert message == ("Je ne vois pas où s’arrête `\"<titre>\"` : « salle B » vient après la date. Mettez-le entre "
                       "guillemets droits, par exemple : "
                       "`/session planifier \"Diagnostic partagé salle B\" jeudi 10 décembre 14h`")
    # The quoted form works.
    assert parse(SESSION, 'planifier "Diagnostic partagé salle B" jeudi 10 décembre 14h').values == {
        "title": "Diagnostic partagé salle B", "date": "jeudi 10 décembre", "time": "14h"}


def test_a_time_before_the_date_is_answered_with_the_time_moved_after_it():
    message = error_of(SESSION, "planifier Atelier de 14h à 16h jeudi 10 décembre")
    assert message.endswith('par exemple : `/session planifier "Atelier" jeudi 10 décembre de 14h à 16h`')
    assert error_of(SESSION, "plan Review 2pm tomorrow", "en").endswith('`/session plan "Review" tomorrow 2pm`')


def test_quoted_text_is_one_argument_and_what_follows_is_extra_as_before():
    assert "Texte en trop : « extra »" in error_of(CONSORTIUM, 'creer "X" extra')


def test_words_from_gives_a_handler_the_words_to_split_against_known_names():
    parsed = parse(ROLE_TRIGGER, "attribuer chef de file Atelier Lyon --remplacer")
    words = parsed.words_from("role")
    assert words == ["chef", "de", "file", "Atelier", "Lyon"]
    role = match_known_name(words, ["coordination", "chef-de-file", "referent-fondations"])
    assert role == KnownName("chef-de-file", 3)
    organisation = match_known_name(words[role.length:], ["ACI-Lyon", "Atelier Lyon", "Atelier"])
    assert organisation == KnownName("Atelier Lyon", 2)
    assert parsed.words_from("nothing") == []


@pytest.mark.parametrize("words, known, expected", [
    (["chef", "de", "file", "@ines"], ["chef-de-file", "coordination"], KnownName("chef-de-file", 3)),
    (["Référent", "Fondations", "ACI-Lyon"], ["referent-fondations"], KnownName("referent-fondations", 2)),
    (["référent", "fondations"], ["référent fondations"], KnownName("référent fondations", 2)),
    (["chef", "de", "file"], ["chef", "chef de file"], KnownName("chef de file", 3)),  # the longest
    (["chef", "d'équipe"], ["chef", "chef de file"], KnownName("chef", 1)),
    (["chef de file", "@ines"], ["chef-de-file"], KnownName("chef-de-file", 1)),  # a quoted word, whole
    (["CHEF_DE_FILE"], ["chef-de-file"], KnownName("chef-de-file", 1)),
    (["coordinatrice"], ["coordination"], None),
    ([], ["coordination"], None),
    (["-"], ["", "-"], None),
])
def test_the_longest_known_name_is_taken(words, known, expected):
    assert match_known_name(words, known) == expected


def test_name_keys_ignore_case_accents_and_separators():
    assert name_key("Chef-de-file") == name_key("chef de file") == name_key("CHEF_DE_FILE") == "chef de file"
    assert name_key("Référent  fondations") == "referent fondations"


# --------------------------------------------------------------- through the endpoint


def count(net, model) -> int:
    with net.db() as session:
        return session.scalar(select(func.count()).select_from(model))


def in_three_weeks() -> tuple[str, datetime, str]:
    """A day three weeks ahead spelled as people say it ("jeudi 17 décembre"), its 14:00 in
    Paris, and the name of another weekday."""
    day = datetime.now(PARIS).date() + timedelta(days=21)
    spelled = babel_format_date(day, "EEEE d MMMM", locale="fr")
    wrong = babel_format_date(day + timedelta(days=1), "EEEE", locale="fr")
    return spelled, datetime.combine(day, time(14, 0), tzinfo=PARIS), wrong


def test_consortium_created_without_quotes(net):
    reply = say(net, "admin", "/consortium creer Mobilité inclusive --membres @ines")
    assert "Mobilité inclusive" in reply, reply
    net.deliver()
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        assert (consortium.name, consortium.slug) == ("Mobilité inclusive", "mobilite-inclusive")
        members = session.scalars(select(Person.username).join(Membership, Membership.person_id == Person.id)
                                  .where(Membership.consortium_id == consortium.id)).all()
    assert "ines" in members
    assert net.channel_of("mobilite-inclusive") is not None


def test_checklist_note_without_quotes(net):
    channel = setup_consortium(net)
    reply = say(net, "ines", "/checklist note 10 ACI Lyon sera chef de file", channel=channel)
    assert "Note enregistrée sur le point 10" in reply, reply
    with net.db() as session:
        assert session.scalars(select(ChecklistNote.text)).all() == ["ACI Lyon sera chef de file"]


def test_session_planned_with_a_title_then_a_spoken_date(net):
    channel = setup_consortium(net)
    spelled, starts, _wrong = in_three_weeks()
    reply = say(net, "ines", f"/session planifier Diagnostic partagé {spelled} 14h", channel=channel)
    assert "Séance 1 planifiée" in reply and "Diagnostic partagé" in reply, reply
    with net.db() as session:
        ws = session.scalar(select(WorkingSession))
        assert ws.title == "Diagnostic partagé"
        assert ws.starts_at.replace(tzinfo=ws.starts_at.tzinfo or ZoneInfo("UTC")) == starts


def test_a_weekday_that_contradicts_the_date_is_answered(net):
    channel = setup_consortium(net)
    spelled, starts, wrong = in_three_weeks()
    day_month = spelled.split(" ", 1)[1]
    reply = say(net, "ines", f"/session planifier Diagnostic partagé {wrong} {day_month} 14h", channel=channel)
    actual = babel_format_date(starts.date(), "EEEE", locale="fr")
    assert f"tombe un {actual}, pas un {wrong}" in reply, reply
    assert count(net, WorkingSession) == 0


def test_an_unclear_title_is_answered_with_the_quoted_form(net):
    channel = setup_consortium(net)
    spelled, _starts, _wrong = in_three_weeks()
    reply = say(net, "ines", f"/session planifier Diagnostic partagé {spelled} 14h salle B", channel=channel)
    assert "Je ne vois pas où s’arrête" in reply and "« salle B » vient après la date" in reply, reply
    assert f'`/session planifier "Diagnostic partagé salle B" {spelled} 14h`' in reply
    assert "Texte en trop" not in reply
    assert count(net, WorkingSession) == 0


def _holders(net) -> set[tuple[str, str | None, str | None]]:
    with net.db() as session:
        rows = session.execute(
            select(RoleAssignment.role_key, Person.username, Organisation.short_name)
            .outerjoin(Person, Person.id == RoleAssignment.person_id)
            .outerjoin(Organisation, Organisation.id == RoleAssignment.organisation_id)
            .where(RoleAssignment.ended_at.is_(None))).all()
    return {tuple(row) for row in rows}


def test_roles_of_several_words_without_quotes(net):
    channel = setup_consortium(net)
    assert "chef de file" in say(net, "admin", "/role attribuer chef de file @ines", channel=channel)
    assert "référent fondations" in say(net, "admin", "/role attribuer référent fondations ACI-Lyon",
                                         channel=channel)
    assert _holders(net) == {("chef-de-file", "ines", None), ("referent-fondations", None, "ACI-Lyon")}
    assert "@ines ne tient plus le rôle « chef de file »" in say(net, "admin", "/role retirer chef de file @ines",
                                                                channel=channel)
    assert _holders(net) == {("referent-fondations", None, "ACI-Lyon")}


@pytest.fixture
def group(net):
    channel = setup_consortium(net)
    net.reply("admin", "/role attribuer chef-de-file ACI-Lyon", channel=channel)
    return channel


def amounts(net) -> list[tuple[Decimal, str]]:
    with net.db() as session:
        return [(c.amount, c.unit) for c in session.scalars(select(Commitment).order_by(Commitment.id))]


def test_amounts_in_french(net, group):
    result = net.command("ines", "/engagement ajouter ACI-Lyon Cofinancement du diagnostic --montant 1.500 €",
                         channel=group)
    assert result["post"] is not None, result["response"]
    assert "Cofinancement du diagnostic" in result["post"]["message"]
    assert amounts(net) == [(Decimal("1500.00"), "euros")]
    reply = say(net, "ines", "/engagement ajouter ACI-Lyon Apport --montant 1,500 €", channel=group)
    assert reply.startswith("⚠️") and "« 1,500 » peut se lire de deux façons : 1,50 ou 1 500" in reply, reply
    assert "/engagement ajouter" in reply
    assert len(amounts(net)) == 1  # never stored as 1,50


def test_amounts_in_english(net, group):
    net.reply("ines", "/consortium langue en")
    result = net.command("ines", "/commitment add ACI-Lyon Co-funding --amount €1,500", channel=group)
    assert result["post"] is not None, result["response"]
    assert amounts(net) == [(Decimal("1500.00"), "euros")]
    reply = say(net, "ines", "/commitment add ACI-Lyon Co-funding --amount 1.500", channel=group)
    assert "“1.500” can be read two ways: 1.50 or 1,500" in reply, reply
    assert len(amounts(net)) == 1
