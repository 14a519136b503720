"""/checklist end to end: real HTTP through the Mattermost emulator, as members see it."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import AuditEvent, ChecklistItem, ChecklistNote, Consortium, utcnow
from tests.helpers.chat import channel_messages, make_consortium


# --- helpers --------------------------------------------------------------------------------

def item(net, number: int, slug: str = "alimentation-durable") -> ChecklistItem:
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == slug))
        row = session.scalar(select(ChecklistItem).where(ChecklistItem.consortium_id == consortium.id,
                                                         ChecklistItem.number == number))
        session.expunge(row)
        return row


def audits(net, action: str | None = None) -> list[AuditEvent]:
    with net.db() as session:
        query = select(AuditEvent).where(AuditEvent.action.like("checklist.%")).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def deliver_later(net, minutes: int = 2) -> None:
    """Deliver everything, including messages whose time has come a few minutes from now."""
    net.deliver()
    net.worker.run_until_idle(now=utcnow() + timedelta(minutes=minutes))


def english(net, user: str) -> None:
    net.reply(user, "/consortium langue en")


@pytest.fixture
def channel(net) -> str:
    return make_consortium(net)


# --- rendering ------------------------------------------------------------------------------

def test_list_shows_the_seeded_questions_by_section_with_progress(net, channel):
    result = net.command("ines", "/checklist liste", channel=channel)
    assert result["status"] == 200
    response = result["response"]
    text = response["text"]
    assert response["response_type"] == "ephemeral"
    assert "0/26 (0 %)" in text
    assert "**Raison d'être et diagnostic des besoins** — 0/3" in text
    assert "**Conflits et sortie d'un membre** — 0/2" in text
    assert "☐ **1** Pourquoi nous regrouper" in text and "☐ **26** " in text
    assert text.count("\n**") == 11  # eleven sections
    # one button attachment per section, plus the navigation
    attachments = response["attachments"]
    assert len(attachments) == 12
    labels = [a["name"] for att in attachments for a in att.get("actions", [])]
    assert "☐ 1" in labels and "☐ 26" in labels


def test_english_users_see_the_english_template(net, channel):
    english(net, "samir")
    text = net.reply("samir", "/checklist list", channel=channel)
    assert "**Shared purpose and needs diagnosis** — 0/3" in text
    assert "☐ **10** Who is the lead partner and why this organisation?" in text
    assert "Pourquoi" not in text
    # and French users still see French
    assert "Qui est le chef de file" in net.reply("ines", "/checklist", channel=channel)


def test_help_lists_sub_commands_with_examples(net, channel):
    text = net.reply("ines", "/checklist aide", channel=channel)
    for word in ("liste", "ajouter", "cocher", "decocher", "assigner", "echeance", "note", "supprimer",
                 "historique", "modele", "export", "rappels"):
        assert f"/checklist {word}" in text


# --- life cycle -----------------------------------------------------------------------------

def test_full_life_cycle_by_command_in_french(net, channel):
    reply = net.reply("ines", '/checklist ajouter "Signer la convention" @samir --echeance 2027-03-01 '
                              '--section "Forme juridique"', channel=channel)
    assert "Point **27** ajouté" in reply
    added = item(net, 27)
    assert added.section == "Forme juridique" and added.section_en == "Legal form"
    assert added.due_date == date(2027, 3, 1)
    text = net.reply("ines", "/checklist liste --section juridique", channel=channel)
    # the new item sits at the end of its section, before the next section
    assert text.index("**15**") < text.index("**27**")
    assert "**27** Signer la convention — @samir · 📅" in text

    assert "Points 1, 2 cochés" in net.reply("ines", "/checklist cocher 1 2", channel=channel)
    assert "Point 2 rouvert" in net.reply("samir", "/checklist decocher 2", channel=channel)
    assert "confié à @ines" in net.reply("samir", "/checklist assigner 3 @ines", channel=channel)
    assert "Échéance du point 3" in net.reply("ines", "/checklist echeance 3 2027-01-15", channel=channel)
    assert "Note enregistrée sur le point 10" in net.reply(
        "ines", '/checklist note 10 "Chef de file : ACI Lyon, décidé en comité"', channel=channel)
    net.reply("samir", '/checklist note 10 "Mandat voté le 3/12"', channel=channel)
    assert "Point 27 supprimé" in net.reply("ines", "/checklist supprimer 27", channel=channel)

    listing = net.reply("ines", "/checklist liste", channel=channel)
    assert "1/26" in listing  # item 27 is gone from the list and the counts
    assert "☑ **1**" in listing and "☐ **2**" in listing
    assert "**3** Quelle valeur ajoutée" in listing and "@ines" in listing
    assert "💬 2" in listing

    history = net.reply("ines", "/checklist historique 10", channel=channel)
    assert "Chef de file : ACI Lyon" in history and "Mandat voté" in history and "@samir" in history
    gone = net.reply("ines", "/checklist historique 27", channel=channel)
    assert "Supprimé le" in gone and "@ines" in gone and "coché" not in gone.split("\n")[0]

    open_mine = net.reply("ines", "/checklist liste --ouvert --moi", channel=channel)
    assert "**3**" in open_mine and "**1**" not in open_mine

    # every change is an audit event with before/after
    actions = [a.action for a in audits(net)]
    assert actions.count("checklist.check") == 2 and actions.count("checklist.uncheck") == 1
    assert {"checklist.add", "checklist.assign", "checklist.due", "checklist.note", "checklist.remove"} <= set(actions)
    assign_event = audits(net, "checklist.assign")[-1]
    assert assign_event.actor_label == "samir" and assign_event.before == {"assignee_id": None}


def test_life_cycle_in_english(net, channel):
    english(net, "ines")
    assert "Item **27** added" in net.reply("ines", '/checklist add "Pick a bank" --due 2027-01-10', channel=channel)
    assert "Item 27 ticked" in net.reply("ines", "/checklist check 27", channel=channel)
    assert "Item 27 reopened" in net.reply("ines", "/checklist uncheck 27", channel=channel)
    assert "assigned to @samir" in net.reply("ines", "/checklist assign 27 @samir", channel=channel)
    assert "due on" in net.reply("ines", "/checklist due 27 2027-02-01", channel=channel)
    assert "Note recorded" in net.reply("ines", '/checklist note 27 "Crédit Coopératif"', channel=channel)
    history = net.reply("ines", "/checklist history 27", channel=channel)
    assert "History of item 27" in history and "Crédit Coopératif" in history
    assert "Item 27 removed" in net.reply("ines", "/checklist remove 27", channel=channel)
    assert "Reminders are off" in net.reply("ines", "/checklist reminders off", channel=channel)
    assert "Reminders are on" in net.reply("ines", "/checklist reminders on", channel=channel)


def test_news_goes_to_the_channel_grouped_within_a_minute(net, channel):
    before = len(channel_messages(net, channel))
    net.reply("ines", "/checklist cocher 1", channel=channel)
    net.reply("samir", "/checklist cocher 2", channel=channel)
    net.reply("ines", '/checklist ajouter "Ouvrir un compte commun"', channel=channel)
    net.deliver()
    news = channel_messages(net, channel)[before:]
    assert len(news) == 1, news
    assert "@ines a coché **1**" in news[0] and "@samir a coché **2**" in news[0]
    assert "@ines a ajouté **27**" in news[0]
    # a line arriving after the post went out edits it: still one post
    net.reply("samir", "/checklist assigner 4 @ines", channel=channel)
    net.deliver()
    news = channel_messages(net, channel)[before:]
    if len(news) == 1:  # same minute: the post grew
        assert "@samir a confié **4**" in news[0] and "@ines a coché **1**" in news[0]
    else:  # the minute turned between the two commands: a new post
        assert len(news) == 2 and "@samir a confié **4**" in news[1]
    # notes, due dates and lists stay private
    net.reply("ines", '/checklist note 1 "ok"', channel=channel)
    net.reply("ines", "/checklist echeance 5 2027-01-01", channel=channel)
    net.deliver()
    assert all("ok" not in m.split("\n")[-1] for m in channel_messages(net, channel)[before:])
    assert len(channel_messages(net, channel)[before:]) == len(news)


def test_news_lines_of_separate_minutes_make_separate_posts(net, channel):
    from plugin.features.checklist.delivery import publish_news
    from plugin.features.checklist.events import ItemTicked

    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        t0 = datetime(2030, 1, 7, 10, 0, 5, tzinfo=timezone.utc)
        for seconds, text in ((0, "first"), (30, "second"), (60, "third")):
            publish_news(session, ItemTicked(consortium.id, "ines", 1, text), t0 + timedelta(seconds=seconds))
    net.worker.run_until_idle(now=t0 + timedelta(minutes=2))  # queued at those moments: due by then
    messages = channel_messages(net, channel)
    assert "☑ @ines a coché **1** first\n☑ @ines a coché **1** second" in messages
    assert "☑ @ines a coché **1** third" in messages


def test_export_attaches_markdown_and_csv_in_the_channel(net, channel):
    net.reply("ines", "/checklist cocher 1", channel=channel)
    net.reply("ines", '/checklist note 1 "=HYPERLINK(1) @channel"', channel=channel)
    reply = net.reply("ines", "/checklist export", channel=channel)
    assert "export" in reply.lower()
    net.deliver()
    post = [p for p in net.emulator.posts(channel) if p["file_ids"]][-1]
    assert "@ines" in post["message"]
    files = {f["info"]["name"]: f["data"] for fid, f in net.emulator.files.items() if fid in post["file_ids"]}
    md_name = next(n for n in files if n.endswith(".md"))
    csv_name = next(n for n in files if n.endswith(".csv"))
    markdown = files[md_name].decode("utf-8")
    assert markdown.startswith("# Checklist du consortium Alimentation durable")
    assert "## Raison d'être et diagnostic des besoins" in markdown
    assert "- [x] **1**. Pourquoi nous regrouper" in markdown and "- [ ] **2**." in markdown
    assert "@\u200bchannel" in markdown  # the note is there, and notifies no one
    rows = list(csv.reader(io.StringIO(files[csv_name].decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Numéro", "Section", "Question"]
    assert len(rows) == 27
    assert rows[1][3] == "fait" and "HYPERLINK" in rows[1][7]
    assert not rows[1][7].startswith("=")  # no formula injection


def test_templates_list_and_apply_without_duplicates(net, channel, tmp_path, monkeypatch):
    listing = net.reply("ines", "/checklist modele", channel=channel)
    assert "`consortium`" in listing and "26/26" in listing
    assert "déjà dans la checklist" in net.reply("ines", "/checklist modele consortium", channel=channel)
    assert "pas de modèle «\u00a0inconnu\u00a0»" in net.reply("ines", "/checklist modele inconnu", channel=channel)

    # an admin imports another template with the CLI
    from click.testing import CliRunner

    from plugin.cli import cli
    from plugin.cli import features as _commands  # noqa: F401  (adds the features' commands)

    spec = tmp_path / "financement.yaml"
    spec.write_text("""
name: financement
title: "Préparer une demande de financement"
title_en: "Preparing a funding application"
sections:
  - fr: "Dossier"
    en: "Application"
    items:
      - key: budget
        fr: "Le budget est-il équilibré ?"
        en: "Is the budget balanced?"
      - key: letters
        fr: "Avons-nous les lettres de soutien ?"
""", encoding="utf-8")
    monkeypatch.setenv("CONSORTIA_DATABASE_URL", net.services.settings.database_url)
    monkeypatch.setenv("CONSORTIA_SECRET_KEY", "x" * 32)
    result = CliRunner().invoke(cli, ["templates", "import", str(spec)])
    assert result.exit_code == 0, result.output
    assert "2 items" in result.output
    result = CliRunner().invoke(cli, ["templates", "list"])
    assert "financement" in result.output and "consortium" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: Bad Name\ntitle: x\nsections: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "import", str(bad)])
    assert result.exit_code == 2 and "bad.yaml" in result.output

    assert "2 points ajoutés depuis le modèle" in net.reply("ines", "/checklist modele financement", channel=channel)
    assert "rien n’a été ajouté" in net.reply("ines", "/checklist modele financement", channel=channel)
    text = net.reply("ines", "/checklist liste", channel=channel)
    assert "**Dossier** — 0/2" in text and "**28** Avons-nous les lettres de soutien" in text
    english(net, "samir")
    assert "Is the budget balanced?" in net.reply("samir", "/checklist list", channel=channel)


# --- buttons ---------------------------------------------------------------------------------

def _list_post(net, user, channel, text="/checklist liste"):
    result = net.command(user, text, channel=channel)
    return result["ephemeral"]


def test_ticking_with_a_button_confirms_in_a_new_ephemeral_post(net, channel):
    # The list is ephemeral: Mattermost cannot update it in place (see docs/mattermost-fidelity.md).
    post = _list_post(net, "ines", channel)
    clicked = net.emulator.click(post["id"], "ck1", "ines")
    assert clicked["status"] == 200 and not clicked["error"], clicked
    assert "update" not in clicked["response"]
    assert clicked["ephemeral"]["message"] == "☑ Point 1 coché."
    assert "1/26" in net.reply("ines", "/checklist liste", channel=channel)
    # the list's other buttons keep working, each once
    assert net.emulator.click(post["id"], "ck2", "ines")["ephemeral"]["message"] == "☑ Point 2 coché."
    again = net.emulator.click(post["id"], "ck1", "ines")
    assert "déjà servi" in again["ephemeral"]["message"]
    # and unticking with a fresh list's button
    fresh = _list_post(net, "ines", channel)
    assert net.emulator.click(fresh["id"], "un1", "ines")["ephemeral"]["message"] == "☐ Point 1 rouvert."
    assert [a.action for a in audits(net)] == ["checklist.check", "checklist.check", "checklist.uncheck"]
    net.deliver()
    assert any("@ines a coché **1**" in m for m in channel_messages(net, channel))


def _post_action(net, context: dict, user: str = "ines", channel: str = "") -> dict:
    import requests

    response = requests.post(f"{net.server.url}/mattermost/action", json={
        "user_id": net.users[user]["id"], "user_name": user, "channel_id": channel, "team_id": net.team["id"],
        "team_domain": net.team["name"], "post_id": "p" * 26, "trigger_id": "", "type": "button",
        "context": context}, timeout=10)
    assert response.status_code == 200
    return response.json()


def test_replayed_forged_and_expired_button_contexts_are_refused(net, channel):
    post = _list_post(net, "ines", channel)
    button = next(a for att in post["props"]["attachments"] for a in att.get("actions", []) if a["id"] == "ck1")
    context = button["integration"]["context"]
    assert "d" not in context and set(context) == {"t"}  # only a signed token travels
    net.emulator.click(post["id"], "ck1", "ines")
    net.reply("ines", "/checklist decocher 1", channel=channel)
    # replay: the same (used) button context sent again
    answer = _post_action(net, context, channel=channel)
    assert "déjà servi" in answer["ephemeral_text"]
    assert item(net, 1).done is False
    # forged: tampered token, or a token signed with another key
    answer = _post_action(net, {"t": context["t"][:-3] + "abc"}, channel=channel)
    assert "update" not in answer and answer.get("ephemeral_text")
    from plugin.security import Signer

    other = Signer("another-secret").sign("action", {"a": "checklist.toggle", "d": {"c": 1, "n": 1, "d": 1, "k": "z"}})
    answer = _post_action(net, {"t": other}, channel=channel)
    assert "update" not in answer and answer.get("ephemeral_text")
    # expired: a context signed three days ago
    import itsdangerous.timed

    real = itsdangerous.timed.time.time
    itsdangerous.timed.time.time = lambda: real() - 3 * 86400
    try:
        old = net.services.signer.sign("action", {"a": "checklist.toggle",
                                                  "d": {"c": 1, "n": 1, "d": 1, "p": 1, "k": "fresh-nonce"}})
    finally:
        itsdangerous.timed.time.time = real
    answer = _post_action(net, {"t": old}, channel=channel)
    assert "expiré" in answer["ephemeral_text"] or "expired" in answer["ephemeral_text"]
    assert item(net, 1).done is False
    assert [a.action for a in audits(net)] == ["checklist.check", "checklist.uncheck"]


def test_a_non_member_cannot_use_a_members_buttons(net, channel):
    post = _list_post(net, "ines", channel)
    button = next(a for att in post["props"]["attachments"] for a in att.get("actions", []) if a["id"] == "ck2")
    answer = _post_action(net, button["integration"]["context"], user="outsider", channel=channel)
    assert "update" not in answer and answer["ephemeral_text"].startswith("⚠️")
    assert item(net, 2).done is False


def _add_items(net, count: int, slug: str = "alimentation-durable", text: str = "Question {i} " + "x" * 150) -> None:
    from plugin.kernel.numbers import reserve_numbers

    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == slug))
        numbers = reserve_numbers(session, consortium.id, "checklist", count)
        session.add_all([ChecklistItem(consortium_id=consortium.id, number=n, position=1000 + n,
                                       section=f"Lot {n // 50}", section_en=f"Batch {n // 50}",
                                       text=text.format(i=n)) for n in numbers])


def test_long_lists_are_paginated_under_the_post_limit(net, channel):
    _add_items(net, 474)  # 500 items
    post = _list_post(net, "ines", channel)
    assert len(post["message"]) < 16383
    assert "Page 1 sur" in post["message"] and "0/500" in post["message"]
    pages = int(post["message"].split("Page 1 sur ")[1].split("\n")[0])
    assert pages >= 10
    clicked = net.emulator.click(post["id"], "next", "ines")
    page = clicked["ephemeral"]["message"]  # a new ephemeral post: the list cannot be updated in place
    assert "Page 2 sur" in page and len(page) < 16383
    assert "**1** " not in page


# --- bad input -------------------------------------------------------------------------------

def test_item_numbers_that_do_not_exist_were_deleted_or_belong_elsewhere(net, channel):
    assert "pas de point 99" in net.reply("ines", "/checklist cocher 99", channel=channel)
    net.reply("ines", '/checklist ajouter "Temporaire"', channel=channel)
    net.reply("ines", "/checklist supprimer 27", channel=channel)
    assert "a été supprimé" in net.reply("ines", "/checklist cocher 27", channel=channel)
    assert "a été supprimé" in net.reply("ines", "/checklist note 27 \"x\"", channel=channel)
    other = make_consortium(net, "Mobilité", "@lea @ines")
    net.reply("lea", '/checklist ajouter "Seulement ici"', channel=other)  # number 27 in Mobilité
    assert item(net, 27, "mobilite").text == "Seulement ici"
    assert "pas de point 28" in net.reply("ines", "/checklist cocher 28", channel=channel)
    net.reply("lea", '/checklist ajouter "Encore"', channel=other)  # 28 exists only in Mobilité
    assert "pas de point 28" in net.reply("ines", "/checklist cocher 28", channel=channel)
    # all or nothing: one bad number changes nothing
    assert "pas de point 99" in net.reply("ines", "/checklist cocher 1 99", channel=channel)
    assert item(net, 1).done is False


@pytest.mark.parametrize("text,expected", [
    ("/checklist cocher abc", "n’est pas un numéro"),
    ("/checklist cocher 0", "pas de point numéro 0"),
    ("/checklist cocher 99999999999999999999", "pas de point numéro"),
    ("/checklist cocher", "Il manque un argument\u00a0: `<n>...`."),
    ("/checklist assigner x @ines", "n’est pas un numéro"),
])
def test_bad_numbers_are_explained(net, channel, text, expected):
    reply = net.reply("ines", text, channel=channel)
    assert reply.startswith("⚠️") and expected in reply, reply
    assert "/checklist" in reply  # with the correct syntax


def test_duplicate_numbers_tick_once(net, channel):
    reply = net.reply("ines", "/checklist cocher 1 1 2", channel=channel)
    assert "Points 1, 2 cochés" in reply
    assert len(audits(net, "checklist.check")) == 2
    assert "déjà coché" in net.reply("ines", "/checklist cocher 1", channel=channel)


def test_text_too_long_or_empty(net, channel):
    long = net.reply("ines", f'/checklist ajouter "{"a" * 5000}"', channel=channel)
    assert long.startswith("⚠️") and "1000" in long
    empty = net.reply("ines", '/checklist ajouter ""', channel=channel)
    assert empty.startswith("⚠️")
    note = net.reply("ines", f'/checklist note 1 "{"a" * 5000}"', channel=channel)
    assert note.startswith("⚠️") and "3000" in note
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(ChecklistItem)) == 26


def test_mentions_and_markdown_are_rendered_harmless(net, channel):
    evil = '@channel @all @here | col | \n# Titre\n```code'
    net.reply("ines", f'/checklist ajouter "{evil}" --section "## @here"', channel=channel)
    net.reply("ines", '/checklist note 27 "@all ```\n# heading"', channel=channel)
    net.reply("ines", "/checklist cocher 27", channel=channel)
    text = net.reply("ines", "/checklist liste", channel=channel)
    line = next(l for l in text.split("\n") if "**27**" in l)
    for word in ("channel", "all", "here"):
        assert f"@{word}" not in line and f"@\u200b{word}" in line
    assert "\\|" in line and "```" not in line and "\\`\\`\\`" in line
    assert not any(l.startswith("#") and "Titre" in l for l in text.split("\n"))
    assert "**\\#\\# @\u200bhere**" in text or "**\\## @\u200bhere**" in text
    history = net.reply("ines", "/checklist historique 27", channel=channel)
    assert "@all" not in history and "```" not in history
    net.deliver()
    for message in channel_messages(net, channel):
        assert "@channel" not in message and "@here" not in message and "@all" not in message


def test_due_dates_past_with_a_warning_or_unparsable(net, channel):
    reply = net.reply("ines", "/checklist echeance 3 2020-01-01", channel=channel)
    assert "déjà passé" in reply
    assert item(net, 3).due_date == date(2020, 1, 1)
    assert "(en retard)" in net.reply("ines", "/checklist liste", channel=channel)
    bad = net.reply("ines", "/checklist echeance 3 bientôt", channel=channel)
    assert bad.startswith("⚠️") and item(net, 3).due_date == date(2020, 1, 1)
    bad = net.reply("ines", '/checklist ajouter "X" --echeance 32/13', channel=channel)
    assert bad.startswith("⚠️")
    warned = net.reply("ines", '/checklist ajouter "Y" --echeance 01/01/2021', channel=channel)
    assert "ajouté" in warned and "déjà passé" in warned


def test_assignee_must_be_a_member(net, channel):
    reply = net.reply("ines", "/checklist assigner 1 @lea", channel=channel)
    assert reply.startswith("⚠️") and "n’est pas membre" in reply
    reply = net.reply("ines", "/checklist assigner 1 @nobody", channel=channel)
    assert reply.startswith("⚠️") and "@nobody" in reply


# --- permissions -----------------------------------------------------------------------------

def test_non_members_and_foundations_are_refused_politely_admins_act(net, channel):
    for command in ("/checklist liste", "/checklist cocher 1", '/checklist ajouter "x"', "/checklist export"):
        reply = net.reply("outsider", command + " --consortium alimentation-durable")
        assert reply.startswith("⚠️") and "Traceback" not in reply
    from models import Organisation, Person

    net.reply("lea", "/consortium langue fr")
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        org = Organisation(network_id=consortium.network_id, name="Fondation X", short_name="FondX",
                           search_key="fondation-x", kind="foundation")
        session.add(org)
        session.flush()
        session.scalar(select(Person).where(Person.username == "lea")).organisation_id = org.id
    assert net.reply("lea", "/checklist cocher 1 --consortium alimentation-durable").startswith("⚠️")
    assert net.reply("lea", "/checklist liste --consortium alimentation-durable").startswith("⚠️")
    assert "Point 1 coché" in net.reply("admin", "/checklist cocher 1 --consortium alimentation-durable")
    assert item(net, 1).done is True


# --- concurrency -----------------------------------------------------------------------------

def test_two_users_tick_and_untick_at_the_same_moment(net, channel):
    import threading

    for round_ in range(6):
        barrier = threading.Barrier(2)
        replies = {}

        def run(user, text):
            barrier.wait()
            replies[user] = net.reply(user, text, channel=channel)

        first = "/checklist cocher 5" if round_ % 2 == 0 else "/checklist decocher 5"
        threads = [threading.Thread(target=run, args=("ines", first)),
                   threading.Thread(target=run, args=("samir", "/checklist cocher 5"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(not r.startswith("⚠️") for r in replies.values()), replies
    events = audits(net)
    # one audit event per effective change, alternating: no lost update, no phantom change
    state = False
    for event in events:
        assert event.before == {"done": state}
        state = event.after["done"]
    assert item(net, 5).done is state
    with net.db() as session:
        assert session.scalar(select(ChecklistItem.version).where(ChecklistItem.number == 5)) == len(events) + 1


def test_a_stale_row_is_re_read_and_nothing_is_lost(net, channel):
    """Optimistic concurrency: the row changed under us (version bumped) -> re-read, decide again."""
    from sqlalchemy import text as sql

    from models import Membership, Person
    from plugin.features.checklist import usecases
    from plugin.features.checklist.items import find_item
    from plugin.kernel.actor import Actor
    from plugin.kernel.usecase import Ctx

    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        ines = session.scalar(select(Person).where(Person.username == "ines"))
        membership = session.scalar(select(Membership).where(Membership.person_id == ines.id))
        ctx = Ctx(session, Actor(ines), None, utcnow(), net.services, consortium=consortium, membership=membership)
        row = find_item(session, consortium, 7)
        assert row.version == 1
        # someone else ticks it behind the ORM's back
        session.execute(sql("UPDATE checklist_items SET done = :done, version = version + 1 WHERE id = :id"),
                        {"id": row.id, "done": True})
        outcome = usecases.check(ctx, {"numbers": [7]})
        assert outcome.unchanged == [7] and outcome.changed == []
        outcome = usecases.uncheck(ctx, {"numbers": [7]})
        assert outcome.changed == [7]
    assert item(net, 7).done is False and item(net, 7).version == 3


# --- reminders -------------------------------------------------------------------------------

def _dm_messages(net, user: str) -> list[str]:
    uid = net.users[user]["id"]
    channels = net.emulator.direct_channels(uid)
    return [p["message"] for c in channels for p in net.emulator.posts(c["id"])]


def test_weekly_digest_and_assignee_reminders(net, channel):
    monday = datetime(2027, 1, 4, 9, 30, tzinfo=timezone.utc)  # 10:30 in Paris, a Monday
    net.reply("ines", "/checklist assigner 1 @ines", channel=channel)
    net.reply("ines", "/checklist echeance 1 2026-12-31", channel=channel)  # overdue on the 7th
    net.reply("ines", "/checklist assigner 2 @samir", channel=channel)
    net.reply("ines", "/checklist echeance 2 2027-01-07", channel=channel)  # due within 7 days
    net.reply("ines", "/checklist assigner 3 @samir", channel=channel)
    net.reply("ines", "/checklist echeance 3 2027-03-01", channel=channel)  # later: not in the DM
    net.deliver()
    queued = net.worker.run_periodic(now=monday, force=True)
    assert queued == 3  # the digest and two DMs
    assert net.worker.run_periodic(now=monday + timedelta(hours=1), force=True) == 0  # once a week
    net.worker.run_until_idle(now=monday + timedelta(minutes=1))
    digest = [m for m in channel_messages(net, channel) if "checklist de la semaine" in m]
    assert len(digest) == 1
    text = digest[0]
    assert "En retard** (1)" in text and "**1**" in text
    assert "7 jours** (1)" in text and "**2**" in text
    assert "Personne n’en est encore chargé** (23)" in text
    ines_dm = _dm_messages(net, "ines")
    samir_dm = _dm_messages(net, "samir")
    assert len(ines_dm) == 1 and "**1**" in ines_dm[0] and "(en retard)" in ines_dm[0]
    assert len(samir_dm) == 1 and "**2**" in samir_dm[0] and "**3**" not in samir_dm[0]
    # not on a Tuesday, and not when reminders are off
    assert net.worker.run_periodic(now=monday + timedelta(days=1), force=True) == 0
    net.reply("ines", "/checklist rappels off", channel=channel)
    assert net.worker.run_periodic(now=monday + timedelta(days=7), force=True) == 0
    net.reply("ines", "/checklist rappels on", channel=channel)
    assert net.worker.run_periodic(now=monday + timedelta(days=7), force=True) >= 1


def test_assignee_reminder_in_english(net, channel):
    english(net, "samir")
    net.reply("ines", "/checklist assigner 2 @samir", channel=channel)
    net.reply("ines", "/checklist echeance 2 2027-01-05", channel=channel)
    monday = datetime(2027, 1, 4, 9, 30, tzinfo=timezone.utc)
    net.worker.run_periodic(now=monday, force=True)
    net.worker.run_until_idle(now=monday + timedelta(minutes=1))
    dm = _dm_messages(net, "samir")
    assert len(dm) == 1 and "You have 1 checklist item due soon" in dm[0]
    assert "Who are the members" not in dm[0] and "Have we drawn up a shared diagnosis" in dm[0]


# --- speed -----------------------------------------------------------------------------------

def _count_statements(net, user, text, channel) -> int:
    return net.statements(lambda: net.reply(user, text, channel=channel))[0]


def test_listing_issues_a_constant_number_of_sql_statements(net, channel):
    net.reply("ines", "/checklist liste", channel=channel)  # warm up: the actor is known
    with_26 = _count_statements(net, "ines", "/checklist liste", channel)
    _add_items(net, 300)
    with net.db() as session:
        for number in range(1, 300, 3):
            session.add(ChecklistNote(item_id=session.scalar(select(ChecklistItem.id)
                                                             .where(ChecklistItem.number == number)), text="n"))
    net.reply("ines", "/checklist assigner 2 @samir", channel=channel)
    with_326 = _count_statements(net, "ines", "/checklist liste", channel)
    assert with_326 == with_26 <= 10, (with_26, with_326)
    tick_1 = _count_statements(net, "ines", "/checklist cocher 4", channel)
    tick_3 = _count_statements(net, "ines", "/checklist cocher 5 6 7", channel)
    assert tick_1 <= 20
    # each ticked item is its own audited change: the cost grows with the items, never faster
    assert tick_3 < 3 * tick_1, (tick_1, tick_3)
