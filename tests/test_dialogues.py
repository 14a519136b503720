"""`/dialogue` and `/consortium fondation`, end to end through the Mattermost emulator (real HTTP)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Consortium, DialogueEvent, FoundationDialogue, Organisation, OutboxMessage, Person
from tests.helpers.chat import dm_posts

PARIS = ZoneInfo("Europe/Paris")


# --- helpers ------------------------------------------------------------------------------------

def plain(text: str) -> str:
    """French typography uses no-break spaces (« x », « : »); assertions compare plain spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def net(network_factory):
    network = network_factory()
    reply, command = network.reply, network.command

    def plain_command(*args, **kwargs):
        result = command(*args, **kwargs)
        if result.get("response") and result["response"].get("text"):
            result["response"]["text"] = plain(result["response"]["text"])
        return result

    network.reply = lambda *args, **kwargs: plain(reply(*args, **kwargs))
    network.command = plain_command
    return network


def make_consortium(net, name="Alimentation durable", members="@ines @samir"):
    net.reply("admin", f'/consortium creer "{name}" --membres {members}')
    net.deliver()
    from plugin.features.consortium.api import slugify

    return net.channel_of(slugify(name))


def add_foundation(net, short, name, *reps, guest_team="reseau"):
    for rep in reps:
        if net.emulator.user(rep) is None:
            net.emulator.create_user(rep, f"{rep}@{short.lower()}.org", guest=True, team=guest_team)
    reply = net.reply("admin", f'/consortium fondation ajouter {short} "{name}" --themes "Emploi, Alimentation"')
    assert short in reply
    if reps:
        reply = net.reply("admin", f"/consortium fondation representant {short} " + " ".join(f"@{r}" for r in reps))
        assert all(f"@{r}" in reply for r in reps), reply


def dialogue_channel(net, slug="alimentation-durable"):
    return net.channel_of(f"{slug}-fondations")


def own_channel(net, username):
    """A private channel of one person (a guest cannot type commands in town-square)."""
    name = f"{username}-notes"
    channel = net.channel_of(name) or net.emulator.create_channel(net.team["id"], name, type="P", members=[username])
    return channel["id"]


def root_post(net, number=1):
    with net.db() as session:
        d = session.scalar(select(FoundationDialogue).where(FoundationDialogue.number == number))
        return net.emulator.post(d.root_post_id)


def thread(net, root_id):
    channel = net.emulator.post(root_id)["channel_id"]
    return [p for p in net.emulator.posts(channel) if p["root_id"] == root_id]


@pytest.fixture
def world(net):
    """A consortium, FondationX (guest @claire) and FondationZ (guest @zoe), one dialogue with each."""
    channel = make_consortium(net)
    add_foundation(net, "FondationX", "Fondation X", "claire")
    add_foundation(net, "FondationZ", "Fondation Z", "zoe")
    assert "1" in net.reply("ines", '/dialogue ouvrir FondationX "Financer le diagnostic"', channel=channel["id"])
    net.reply("ines", '/dialogue ouvrir FondationZ "Mécénat de compétences"', channel=channel["id"])
    net.deliver()
    net.channels["consortium"] = channel["id"]
    net.channels["dialogue"] = dialogue_channel(net)["id"]
    return net


# --- the happy path -----------------------------------------------------------------------------

def test_opening_a_dialogue_creates_the_channel_the_thread_and_invites_the_representative(net):
    channel = make_consortium(net)
    add_foundation(net, "FondationX", "Fondation X", "claire")
    reply = net.reply("ines", '/dialogue ouvrir FondationX "Financer le diagnostic"', channel=channel["id"])
    assert "Dialogue n° 1 ouvert avec **Fondation X**" in reply and "@claire" in reply
    net.deliver()

    dch = dialogue_channel(net)
    assert dch is not None and dch["type"] == "P"
    members = net.emulator.members(dch["id"])
    claire = net.users["claire"] = net.emulator.user("claire")
    assert {net.users["ines"]["id"], net.users["samir"]["id"], claire["id"]} <= members
    # The representative is in the dialogue channel only, never in the consortium's own channel.
    assert claire["id"] not in net.emulator.members(channel["id"])
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        assert consortium.dialogue_channel_id == dch["id"]
    card = root_post(net)
    assert card["channel_id"] == dch["id"] and not card["root_id"]
    for text in ("Dialogue n° 1", "Fondation X", "Financer le diagnostic", "premier contact", "@claire"):
        assert text in plain(card["message"])

    # A second dialogue reuses the same channel (idempotent), with a new thread.
    add_foundation(net, "FondationZ", "Fondation Z", "zoe")
    net.reply("samir", '/dialogue ouvrir FondationZ "Locaux partagés"', channel=channel["id"])
    net.deliver()
    assert [c for c in (dialogue_channel(net),) if c["id"] == dch["id"]]
    assert net.emulator.user("zoe")["id"] in net.emulator.members(dch["id"])
    assert len([p for p in net.emulator.posts(dch["id"]) if not p["root_id"]]) == 2
    with net.db() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"foundation.add", "foundation.representative.add", "dialogue.open"} <= actions
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status != "delivered")) == 0


def test_stage_and_next_step_are_posted_in_the_thread_and_kept_on_the_root_card(world):
    net = world
    reply = net.reply("ines", "/dialogue etape 1 exploration", channel=net.channels["consortium"])
    assert "exploration" in reply
    reply = net.reply("samir", '/dialogue prochaine-etape 1 dans 5 jours "Envoyer la note de présentation"',
                      channel=net.channels["consortium"])
    assert "n° 1" in reply
    net.deliver()
    card = root_post(net)
    assert "exploration" in plain(card["message"]) and "Envoyer la note de présentation" in plain(card["message"])
    replies = [plain(p["message"]) for p in thread(net, card["id"])]
    assert any("premier contact" in m and "exploration" in m for m in replies)
    assert any("Envoyer la note de présentation" in m for m in replies)

    summary = net.reply("ines", "/dialogue resume 1", channel=net.channels["consortium"])
    assert "Historique" in summary and "exploration" in summary and "Envoyer la note" in summary
    assert "2 réponses dans le fil" in summary

    listing = net.reply("ines", "/dialogue liste", channel=net.channels["consortium"])
    assert "FondationX" in listing and "FondationZ" in listing and "exploration" in listing
    assert "Envoyer la note" in listing

    assert "clos" in net.reply("ines", "/dialogue clore 1", channel=net.channels["consortium"])
    net.deliver()
    assert "Ce dialogue est clos" in plain(root_post(net)["message"])
    with net.db() as session:
        d = session.scalar(select(FoundationDialogue).where(FoundationDialogue.number == 1))
        assert d.closed_at is not None and d.stage == "clos"
        kinds = [e.kind for e in session.scalars(select(DialogueEvent).where(DialogueEvent.dialogue_id == d.id)
                                                 .order_by(DialogueEvent.id))]
        assert kinds == ["opened", "stage", "next-step", "closed"]
        assert {"dialogue.stage", "dialogue.next_step", "dialogue.close"} <= set(session.scalars(select(AuditEvent.action)))


def test_a_command_typed_in_the_thread_acts_on_that_dialogue_without_a_number(world):
    net = world
    card = root_post(net, 2)
    result = net.command("claire", '/dialogue resume', channel=net.channels["dialogue"], root_id=card["id"])
    assert "Il n’y a pas de dialogue numéro" in result["response"]["text"] or "Indiquez" in result["response"]["text"]
    reply = net.command("ines", "/dialogue etape candidature", channel=net.channels["dialogue"],
                        root_id=card["id"])["response"]["text"]
    assert "n° 2" in reply and "candidature" in reply
    reply = net.command("zoe", "/dialogue resume", channel=net.channels["dialogue"], root_id=card["id"])
    assert "Mécénat de compétences" in reply["response"]["text"]
    # Outside a thread, the number is needed.
    reply = net.reply("ines", "/dialogue resume", channel=net.channels["dialogue"])
    assert "numéro" in reply and "fil" in reply


def test_next_step_reminders_are_delivered_by_the_worker_the_day_before(world):
    net = world
    net.reply("claire", '/dialogue prochaine-etape 1 2027-03-10 "Comité de sélection"', channel=net.channels["dialogue"])
    net.deliver()
    def reminders_queued():
        with net.db() as session:
            return session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.dedupe_key.like("dialogue-reminder:%")))

    two_days_before = datetime(2027, 3, 8, 9, tzinfo=PARIS)
    net.worker.run_periodic(two_days_before, force=True)
    assert reminders_queued() == 0
    day_before = datetime(2027, 3, 9, 9, tzinfo=PARIS)
    net.worker.run_periodic(day_before, force=True)
    assert reminders_queued() == 2  # claire's DM and the reply in the thread
    net.deliver()
    for username in ("claire",):  # the representative, who also set the step
        messages = [plain(p["message"]) for p in dm_posts(net, username)]
        assert any("Comité de sélection" in m and "Rappel" in m for m in messages), messages
    card = root_post(net)
    assert any("Rappel" in plain(p["message"]) and "@claire" in plain(p["message"]) for p in thread(net, card["id"]))
    # Idempotent: running again sends nothing twice.
    net.worker.run_periodic(day_before + timedelta(hours=1), force=True)
    assert reminders_queued() == 2
    # The other foundation's representative is not told.
    assert not any("Comité de sélection" in plain(p["message"]) for p in dm_posts(net, "zoe"))


# --- bad input ----------------------------------------------------------------------------------

def test_unknown_foundation_suggests_the_close_one(world):
    reply = world.reply("ines", '/dialogue ouvrir FondatonX "Autre sujet"', channel=world.channels["consortium"])
    assert "Fondation inconnue" in reply and "Vouliez-vous dire « FondationX »" in reply
    with world.db() as session:
        assert session.scalar(select(func.count()).select_from(FoundationDialogue)) == 2


def test_a_foundation_without_representative_opens_the_dialogue_and_tells_the_admins(net):
    channel = make_consortium(net)
    add_foundation(net, "FondsY", "Fonds Y")
    reply = net.reply("ines", '/dialogue ouvrir FondsY "Premier échange"', channel=channel["id"])
    assert "Dialogue n° 1 ouvert" in reply and "pas encore de représentant" in reply
    net.deliver()
    assert root_post(net)["channel_id"] == dialogue_channel(net)["id"]
    notices = [plain(p["message"]) for p in dm_posts(net, "admin")]
    assert any("FondsY" in m and "représentant" in m for m in notices), notices


def test_the_same_foundation_and_subject_twice_points_to_the_existing_thread(world):
    reply = world.reply("samir", '/dialogue ouvrir FondationX "financer le diagnostic"',
                        channel=world.channels["consortium"])
    assert "déjà ouvert" in reply and "n° 1" in reply
    assert "/pl/" + root_post(world)["id"] in reply
    with world.db() as session:
        assert session.scalar(select(func.count()).select_from(FoundationDialogue)) == 2


def test_an_invalid_stage_transition_is_refused_with_the_allowed_ones(world):
    net = world
    for stage in ("candidature", "accorde"):
        net.reply("ines", f"/dialogue etape 1 {stage}", channel=net.channels["consortium"])
    reply = net.reply("ines", "/dialogue etape 1 premier-contact", channel=net.channels["consortium"])
    assert "ne peut pas passer de « accordé » à « premier contact »" in reply and "clos" in reply
    reply = net.reply("ines", "/dialogue etape 1 accordé", channel=net.channels["consortium"])
    assert "déjà" in reply
    reply = net.reply("ines", "/dialogue etape 1 gagne", channel=net.channels["consortium"])
    assert "premier-contact" in reply  # the list of stages
    with net.db() as session:
        assert session.scalar(select(FoundationDialogue.stage).where(FoundationDialogue.number == 1)) == "accorde"


def test_a_next_step_in_the_past_is_refused(world):
    reply = world.reply("ines", '/dialogue prochaine-etape 1 01/01/2020 "Trop tard"', channel=world.channels["consortium"])
    assert "déjà passé" in reply
    reply = world.reply("ines", '/dialogue prochaine-etape 1 n-importe "Quoi"', channel=world.channels["consortium"])
    assert "⚠️" in reply
    with world.db() as session:
        assert session.scalar(select(FoundationDialogue.next_step_date).where(FoundationDialogue.number == 1)) is None


def test_mattermost_refusing_a_guest_is_reported_and_the_rest_is_done(net):
    channel = make_consortium(net)
    # A guest account that was never invited to the team: Mattermost answers 403 when adding it.
    net.emulator.create_user("gaston", "gaston@fondation-g.org", guest=True)
    add_foundation(net, "FondationG", "Fondation G", "gaston", guest_team=None)
    net.reply("ines", '/dialogue ouvrir FondationG "Premier échange"', channel=channel["id"])
    net.deliver()
    dch = dialogue_channel(net)
    members = net.emulator.members(dch["id"])
    assert {net.users["ines"]["id"], net.users["samir"]["id"]} <= members
    assert net.emulator.user("gaston")["id"] not in members
    assert root_post(net)["channel_id"] == dch["id"]  # the thread is there all the same
    notices = [plain(p["message"]) for p in net.emulator.posts(dch["id"]) if "@gaston" in plain(p["message"]) and "⚠️" in plain(p["message"])]
    assert notices and "403" in notices[0] and "refusé" in notices[0]
    assert any("@gaston" in plain(p["message"]) for p in dm_posts(net, "admin"))
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status != "delivered")) == 0


# --- foundation representatives -------------------------------------------------------------------

def test_a_representative_sees_only_their_foundations_dialogues(world):
    net = world
    listing = net.reply("claire", "/dialogue liste", channel=net.channels["dialogue"])
    assert "Financer le diagnostic" in listing and "FondationZ" not in listing and "Mécénat" not in listing
    # Outside the consortium's channels: their foundation's dialogues across consortiums.
    listing = net.reply("claire", "/dialogue liste", channel=own_channel(net, "claire"))
    assert "Financer le diagnostic" in listing and "Mécénat" not in listing and "Alimentation durable" in listing

    missing = net.reply("claire", "/dialogue resume 7", channel=net.channels["dialogue"])
    other = net.reply("claire", "/dialogue resume 2", channel=net.channels["dialogue"])
    assert other == missing.replace("7", "2")  # another foundation's dialogue looks exactly like none
    assert "Mécénat" not in other and "FondationZ" not in other
    other = net.reply("claire", '/dialogue prochaine-etape 2 demain "Espionner"', channel=net.channels["dialogue"])
    assert other == net.reply("claire", '/dialogue prochaine-etape 9 demain "Espionner"',
                              channel=net.channels["dialogue"]).replace("9", "2")
    # Own dialogue: summary and next step are allowed.
    assert "Financer le diagnostic" in net.reply("claire", "/dialogue resume 1", channel=net.channels["dialogue"])
    assert "n° 1" in net.reply("claire", '/dialogue prochaine-etape 1 demain "Envoyer le dossier"',
                               channel=net.channels["dialogue"])
    # Stage changes, closing and opening belong to the members.
    for command in ("/dialogue etape 1 exploration", "/dialogue clore 1", "/dialogue etape 2 exploration",
                    '/dialogue ouvrir FondationX "Autre"'):
        reply = net.reply("claire", command, channel=net.channels["dialogue"])
        assert "Seuls les membres du consortium" in reply, (command, reply)
        assert "Mécénat" not in reply
    with net.db() as session:
        assert set(session.scalars(select(FoundationDialogue.stage))) == {"premier-contact"}


def test_the_representatives_view_of_consortium_info_is_the_public_profile(world):
    net = world
    info = net.reply("claire", "/consortium info", channel=net.channels["dialogue"])
    assert "Alimentation durable" in info and "@ines" in info and "0/26" in info
    assert "/calendars/" not in info and "dialogue" not in info.lower()
    member_view = net.reply("ines", "/consortium info", channel=net.channels["consortium"])
    assert "/calendars/" in member_view
    # A representative whose foundation has no dialogue with a consortium sees nothing of it.
    make_consortium(net, "Mobilité", "@lea")
    reply = net.reply("claire", "/consortium info --consortium mobilite", channel=own_channel(net, "claire"))
    assert "réservé" in reply and "@lea" not in reply


@pytest.mark.parametrize("command", [
    "/checklist liste", "/engagement liste", "/engagement ajouter", "/session liste", "/consortium membres",
    "/consortium etape", "/role historique", "/role liste",
])
def test_a_representative_is_refused_the_consortiums_own_commands(world, command):
    net = world
    result = net.command("claire", command, channel=net.channels["dialogue"])
    text = result["response"]["text"]
    assert text.startswith("⚠️"), text
    assert "réservé" in text or "pas encore disponible" in text, text
    for leak in ("@samir", "Mécénat", "FondationZ", "▰", "/calendars/"):
        assert leak not in text


def test_a_non_member_is_refused_everything(world):
    net = world
    for command in ("/dialogue liste", "/dialogue resume 1", '/dialogue prochaine-etape 1 demain "Relancer"',
                    "/dialogue etape 1 exploration", "/dialogue clore 1", '/dialogue ouvrir FondationX "Sujet"',
                    "/consortium info"):
        reply = net.reply("outsider", f"{command} --consortium alimentation-durable")
        assert "⚠️" in reply and ("réservé" in reply or "Seuls" in reply), (command, reply)
        assert "Financer" not in reply and "Mécénat" not in reply
    assert "⚠️" in net.reply("outsider", "/dialogue liste --tout")
    assert "⚠️" in net.reply("outsider", "/consortium fondation liste")
    assert "⚠️" in net.reply("ines", '/consortium fondation ajouter FondationQ "Q"')
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Organisation)
                              .where(Organisation.short_name == "FondationQ")) == 0


# --- the network view, the API, the import -------------------------------------------------------

def test_admins_see_every_dialogue_of_the_network(world):
    net = world
    make_consortium(net, "Mobilité", "@lea")
    mob = net.channel_of("mobilite")
    net.reply("lea", '/dialogue ouvrir FondationX "Vélos partagés"', channel=mob["id"])
    listing = net.reply("admin", "/dialogue liste --tout")
    assert "3 dialogues" in listing
    for text in ("Alimentation durable", "Mobilité", "FondationX", "FondationZ", "Vélos partagés"):
        assert text in listing
    assert "⚠️" in net.reply("ines", "/dialogue liste --tout")
    # Claire now follows two consortiums, and only the dialogues of her foundation.
    listing = net.reply("claire", "/dialogue liste", channel=own_channel(net, "claire"))
    assert "Vélos partagés" in listing and "Financer le diagnostic" in listing and "Mécénat" not in listing


def test_the_json_api_lists_dialogues_and_manages_foundations(world):
    import requests

    from tests.conftest import API_TOKEN

    net = world
    base = net.server.url + "/api/v1"
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    assert requests.get(f"{base}/dialogues", timeout=5).status_code == 401
    body = requests.get(f"{base}/dialogues", headers=auth, timeout=5).json()
    assert body["total"] == 2 and body["per_stage"] == {"premier-contact": 2}
    assert {(i["consortium"], i["foundation"], i["stage"]) for i in body["items"]} == {
        ("alimentation-durable", "FondationX", "premier-contact"),
        ("alimentation-durable", "FondationZ", "premier-contact")}
    assert all(i["thread_post_id"] for i in body["items"])
    body = requests.get(f"{base}/dialogues", params={"foundation": "fondationz"}, headers=auth, timeout=5).json()
    assert [i["subject"] for i in body["items"]] == ["Mécénat de compétences"]
    assert requests.get(f"{base}/dialogues", params={"stage": "nope"}, headers=auth, timeout=5).status_code == 400

    net.emulator.create_user("paul", "paul@fw.org", guest=True, team="reseau")
    created = requests.post(f"{base}/foundations", headers=auth, timeout=5, json={
        "short_name": "FondationW", "name": "Fondation W", "kind": "fonds", "themes": "Mobilité, Logement",
        "representatives": ["@paul"]})
    assert created.status_code == 201, created.text
    assert created.json()["representatives"] == ["paul"] and created.json()["kind"] == "fund"
    again = requests.post(f"{base}/foundations", headers=auth, timeout=5,
                          json={"short_name": "FondationW", "description": "Fonds de dotation"})
    assert again.status_code == 200 and again.json()["description"] == "Fonds de dotation"
    bad = requests.post(f"{base}/foundations", headers=auth, timeout=5, json={"short_name": "deux mots"})
    assert bad.status_code == 400 and "short_name" in bad.json()["fields"]
    listing = requests.get(f"{base}/foundations", headers=auth, timeout=5).json()["items"]
    assert [f["short_name"] for f in listing] == ["FondationW", "FondationX", "FondationZ"]
    assert requests.get(f"{base}/foundations/fondationx", headers=auth, timeout=5).json()["open_dialogues"] == 1
    spec = requests.get(f"{base}/openapi.json", timeout=5).json()
    assert "/dialogues" in spec["paths"] and "Dialogue" in spec["components"]["schemas"]


def test_foundations_import_from_csv_and_yaml(net, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from plugin.cli import _load_commands, cli

    net.emulator.create_user("marie", "marie@fa.org", guest=True, team="reseau")
    csv_file = tmp_path / "fondations.csv"
    csv_file.write_text("short_name;name;kind;themes;representatives\n"
                        "FondationA;Fondation A;fondation;Emploi, Mobilité;@marie\n"
                        "FondsB;Fonds B;fonds;;\n"
                        "mauvais nom;X;fondation;;\n", encoding="utf-8")
    yaml_file = tmp_path / "fondations.yaml"
    yaml_file.write_text("foundations:\n  - short_name: FondationA\n    name: Fondation A\n"
                         "    description: Une fondation d'entreprise\n  - short_name: FondationC\n"
                         "    name: Fondation C\n    themes: [Alimentation]\n", encoding="utf-8")
    settings = net.services.settings
    for key, value in {"DATABASE_URL": settings.database_url, "MATTERMOST_URL": settings.mattermost_url,
                       "MATTERMOST_TOKEN": settings.mattermost_token, "MATTERMOST_TEAM": "reseau",
                       "SECRET_KEY": "test-secret-key-0123456789abcdef"}.items():
        monkeypatch.setenv(f"CONSORTIA_{key}", value)
    _load_commands()
    runner = CliRunner()
    result = runner.invoke(cli, ["foundations", "import", str(csv_file)])
    assert result.exit_code == 1 and "2 created" in result.output and "1 representatives" in result.output
    assert "mauvais nom" in result.output
    result = runner.invoke(cli, ["foundations", "import", str(yaml_file)])
    assert result.exit_code == 0 and "1 created, 1 updated" in result.output, result.output
    with net.db() as session:
        rows = {o.short_name: o for o in session.scalars(select(Organisation))}
        assert rows["FondationA"].description == "Une fondation d'entreprise"
        assert rows["FondationA"].themes == ["Emploi", "Mobilité"] and rows["FondsB"].kind == "fund"
        marie = session.scalar(select(Person).where(Person.username == "marie"))
        assert marie.organisation_id == rows["FondationA"].id and marie.is_guest
    listing = net.reply("admin", "/consortium fondation liste")
    assert "@marie" in listing and "FondationC" in listing


def test_foundation_command_bad_input(net):
    assert "⚠️" in net.reply("admin", "/consortium fondation supprimer X")
    assert "⚠️" in net.reply("admin", '/consortium fondation ajouter "Deux mots"')
    net.reply("admin", '/consortium fondation ajouter FondationX "Fondation X"')
    assert "existe déjà" in net.reply("admin", '/consortium fondation ajouter FondationX "Fondation X bis"')
    assert "⚠️" in net.reply("admin", "/consortium fondation representant FondationX @personne")
    assert "Vouliez-vous dire" in net.reply("admin", "/consortium fondation representant FondatonX @ines")
    reply = net.reply("admin", "/consortium fondation ajouter FondationV \"Fondation V\" --type banque")
    assert "fondation ou fonds" in reply


# --- speed ---------------------------------------------------------------------------------------


def _add_dialogues(net, total: int) -> None:
    """Dialogues spread over one consortium each, every stage represented, up to ``total`` in all."""
    from models import DIALOGUE_STAGES, Network

    with net.db() as session:
        network = session.scalar(select(Network))
        foundation = session.scalar(select(Organisation).where(Organisation.short_name == "FondationX"))
        have = session.scalar(select(func.count()).select_from(FoundationDialogue))
        start = datetime(2026, 1, 1)
        for n in range(have, total):
            consortium = Consortium(network_id=network.id, name=f"Réseau {n:03d}", name_key=f"reseau {n:03d}",
                                    slug=f"reseau-{n:03d}")
            session.add(consortium)
            session.flush()
            stage = DIALOGUE_STAGES[n % len(DIALOGUE_STAGES)]
            session.add(FoundationDialogue(
                consortium_id=consortium.id, number=1, foundation_id=foundation.id, subject=f"Sujet {n:03d}",
                subject_key=f"sujet-{n:03d}", stage=stage, last_activity_at=start + timedelta(hours=n),
                closed_at=start if stage == "clos" else None))


def test_the_network_view_issues_the_same_statements_with_3_and_60_dialogues(world):
    net = world
    net.reply("admin", "/dialogue liste --tout")  # warm up: the admin is known
    _add_dialogues(net, 3)
    with_3, listing_3 = net.statements(lambda: net.reply("admin", "/dialogue liste --tout"))
    assert "3 dialogues" in listing_3 and "Sujet 002" in listing_3 and "plus" not in listing_3
    _add_dialogues(net, 60)
    with_60, listing_60 = net.statements(lambda: net.reply("admin", "/dialogue liste --tout"))
    assert with_60 == with_3 <= 8, (with_3, with_60)
    # The counts per stage, the 50 most recently active rows first, and what is left.
    assert "60 dialogues" in listing_60
    from plugin.i18n import use_locale
    from plugin.features.dialogues.render import stage_label

    with net.db() as session:
        expected = dict(session.execute(select(FoundationDialogue.stage, func.count())
                                        .group_by(FoundationDialogue.stage)).all())
    assert len(expected) == 7
    stages = listing_60.splitlines()[0]
    for stage, count in expected.items():
        with use_locale("fr"):
            label = stage_label(stage)
        assert f"{count} {label}" in stages or f"{label} {count}" in stages, (label, count, stages)
    rows = [line for line in listing_60.splitlines() if line.startswith("| ") and "`)" in line]
    assert len(rows) == 50 and "Sujet 059" in rows[2] and "Sujet 012" in rows[-1], rows
    assert "Financer le diagnostic" in rows[0] + rows[1] and "Mécénat" in rows[0] + rows[1]
    assert "10" in listing_60.splitlines()[-1]


def test_the_count_per_stage_keeps_a_stage_it_does_not_know(world):
    """The count per stage reads one index range per known stage; an unknown value still counts."""
    from models import Network
    from plugin.features.dialogues import threads as service

    net = world
    with net.db() as session:
        session.execute(FoundationDialogue.__table__.update().where(FoundationDialogue.number == 2)
                        .values(stage="ancienne-etape"))
    with net.db() as session:
        network = session.scalar(select(Network))
        page = service.network_list(session, network)
        assert page.total == 2 and page.per_stage == {"premier-contact": 1, "ancienne-etape": 1}
        only_open = service.network_list(session, network, open_only=True, stage="premier-contact")
        assert only_open.total == 1 and only_open.per_stage == {"premier-contact": 1}
        assert [row.dialogue.number for row in only_open.rows] == [1]
        beyond = service.network_list(session, network, offset=5)
        assert beyond.total == 2 and beyond.rows == []


# --- languages -----------------------------------------------------------------------------------

def test_an_english_speaker_moves_a_dialogue_and_the_french_thread_reads_french(world):
    """The reply in the actor's language; the thread's news and root card in the channel's, at delivery."""
    net = world
    net.reply("ines", "/consortium langue en")
    reply = net.reply("ines", "/dialogue stage 1 exploration", channel=net.channels["consortium"])
    assert reply == "Dialogue no. 1: stage changed to “exploration”; posted in its thread."
    net.deliver()
    root = root_post(net)
    news = [plain(p["message"]) for p in thread(net, root["id"])]
    assert any(m.startswith("🔎 Étape : « premier contact » → **exploration** (@ines)") for m in news), news
    assert "**Étape :** 🔎 exploration" in plain(root["message"])
