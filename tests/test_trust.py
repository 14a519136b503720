"""The trust boundary, attacked as an attacker would: real HTTP against the service wired to the
Mattermost emulator, and the database compared row by row before and after.

A person is their Mattermost user id; names and roles come from Mattermost's API, never from a
payload. Nothing is read or written for a request without a valid token (commands) or a valid
signed context or state (buttons, forms), and a button or form serves only its audience.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select, update

import models
from integrations.mattermost.emulator import new_id
from models import Commitment, Person, RegisteredCommand, Rsvp, utcnow
from plugin.kernel.people import is_admin
from tests.conftest import API_TOKEN, COMMAND_TOKEN, TEST_DATABASE_URL
from tests.helpers.web import magic_link, sign_in

SLUG = "alimentation-durable"
ADMINS_ONLY = "Seule l’équipe d’animation du réseau"
UNKNOWN_ACCOUNT = "Mattermost ne connaît pas votre compte"
NOT_IDENTIFIED = "Nous ne pouvons pas vous identifier"
SOMEONE_ELSE = "destinés à quelqu’un d’autre"
MEMBERS_ONLY = "Seuls les membres de ce consortium"
REJECTIONS = ("Cette action n’a pas pu être vérifiée", "Ces boutons ont expiré")


# --- the world and what an attacker sends -------------------------------------------------

@pytest.fixture
def world(net):
    """A consortium (admin, ines, samir), a session card with its answer buttons, and every
    account of the team already known to the service."""
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines @samir')
    net.deliver()
    net.channels["group"] = net.channel_of(SLUG)["id"]
    year = datetime.now().year + 1
    net.reply("ines", f'/session planifier "Atelier" 12/01/{year} 9h30', channel="group")
    net.deliver()
    for user in ("outsider", "lea", "root"):
        net.reply(user, "/consortium aide")
    return net


def issued(net) -> dict:
    """A valid context or state of each kind: the members' card, ines's private list, ines's form."""
    card = next(p for p in reversed(net.emulator.posts(net.channels["group"]))
                if any(a.get("actions") for a in p["props"].get("attachments") or []))
    listing = net.command("ines", "/checklist liste", channel="group")["ephemeral"]
    tick = next(a for att in listing["props"]["attachments"] for a in att.get("actions") or [] if a["id"] == "ck1")
    net.command("ines", "/engagement ajouter", channel="group")
    form = net.emulator.dialogs()[-1]["dialog"]
    return {"card": card["props"]["attachments"][0]["actions"][0]["integration"]["context"],
            "card_post": card["id"], "tick": tick["integration"]["context"], "tick_post": listing["id"],
            "state": form["state"], "callback": form["callback_id"]}


def post_command(net, *, user_id: str, user_name: str, text: str, command: str = "/consortium",
                 token: str = COMMAND_TOKEN, channel: str = "town-square") -> requests.Response:
    form = {"token": token, "command": command, "text": text, "user_id": user_id, "user_name": user_name,
            "channel_id": net.channels.get(channel, channel), "channel_name": channel, "team_id": net.team["id"],
            "team_domain": net.team["name"], "trigger_id": "", "root_id": "", "response_url": ""}
    return requests.post(f"{net.server.url}/mattermost/command", data=form,
                         headers={"Authorization": f"Token {token}"}, timeout=10)


def post_action(net, *, user_id: str, user_name: str, context, post_id: str = "p" * 26) -> dict:
    payload = {"user_id": user_id, "user_name": user_name, "channel_id": net.channels["group"],
               "team_id": net.team["id"], "team_domain": net.team["name"], "post_id": post_id,
               "trigger_id": "", "type": "button"}
    if context is not None:
        payload["context"] = context
    response = requests.post(f"{net.server.url}/mattermost/action", json=payload, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def post_dialog(net, *, user_id: str, user_name: str, state, callback: str = "commitment.add",
                submission: dict | None = None) -> dict:
    payload = {"type": "dialog_submission", "callback_id": callback, "user_id": user_id, "user_name": user_name,
               "channel_id": net.channels["group"], "team_id": net.team["id"], "cancelled": False,
               "submission": submission or {"target": "@ines", "kind": "temps", "description": "Prise de contrôle"}}
    if state is not None:
        payload["state"] = state
    response = requests.post(f"{net.server.url}/mattermost/dialog", json=payload, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def api(net, method: str, path: str) -> requests.Response:
    return requests.request(method, f"{net.server.url}/api/v1{path}",
                            headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)


def snapshot(net) -> dict:
    """Every row of every table, as text, and the admin set (by id)."""
    tables = {}
    with net.services.db.reader() as session:
        for table in models.Base.metadata.sorted_tables:
            tables[table.name] = sorted(repr(tuple(row)) for row in session.execute(select(table)))
        admin_ids = net.services.admin_ids(session)
        people = session.scalars(select(Person)).all()
        tables["admins"] = sorted(p.mattermost_user_id for p in people if is_admin(p, admin_ids))
        tables["usernames"] = sorted((p.mattermost_user_id or "", p.username) for p in people)
    return tables


def person(net, user_id: str) -> Person | None:
    with net.services.db.reader() as session:
        found = session.scalar(select(Person).where(Person.mattermost_user_id == user_id))
        if found is not None:
            session.expunge(found)  # read as it is now, kept after the reader closes
        return found


def age(net, *user_ids: str, by: timedelta = timedelta(days=1)) -> None:
    """Make what Mattermost said about these people older than the time-to-live."""
    with net.db() as session:
        session.execute(update(Person).where(Person.mattermost_user_id.in_(user_ids))
                        .values(directory_synced_at=utcnow() - by))


def users_calls(net) -> list[str]:
    return [path for _method, path, _status in net.emulator.requests_log if "/users" in path]


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


# --- the attacks ----------------------------------------------------------------------------

def test_three_anonymous_callbacks_no_longer_make_an_admin(world):
    """The original recipe: a made-up id named "admin", renamed away, then the attacker's own id named
    "admin" — each a button callback without any context."""
    net = world
    before = snapshot(net)
    ghost, attacker = new_id(), net.users["outsider"]["id"]
    for user_id, name in ((ghost, "admin"), (ghost, "zzz"), (attacker, "admin")):
        answer = post_action(net, user_id=user_id, user_name=name, context=None)
        assert plain(answer["ephemeral_text"]).startswith(REJECTIONS[0]), answer
    assert snapshot(net) == before
    assert ADMINS_ONLY in plain(net.reply("outsider", "/consortium liste"))
    assert ADMINS_ONLY in plain(net.reply("outsider", "/consortium admin"))


@pytest.mark.parametrize("name", ["admin", "root", "ines"])
def test_unknown_ids_naming_admins_and_members_change_nothing(world, name):
    net = world
    valid = issued(net)
    before = snapshot(net)
    net.emulator.clear_requests_log()
    stranger = new_id()
    # A slash command with a valid token: Mattermost is asked about the id, and does not know it.
    for text in ("liste", 'creer "Prise de contrôle"', "mes-donnees", "admin"):
        body = post_command(net, user_id=stranger, user_name=name, text=text).json()
        assert UNKNOWN_ACCOUNT in plain(body["text"]), body
    assert users_calls(net) == [f"/api/v4/users/{stranger}"] * 4
    net.emulator.clear_requests_log()
    # The members' card and ines's own buttons and form: refused on their audience alone.
    answer = post_action(net, user_id=stranger, user_name=name, context=valid["card"], post_id=valid["card_post"])
    assert MEMBERS_ONLY in plain(answer["ephemeral_text"]) and "update" not in answer
    answer = post_action(net, user_id=stranger, user_name=name, context=valid["tick"], post_id=valid["tick_post"])
    assert SOMEONE_ELSE in plain(answer["ephemeral_text"]) and "update" not in answer
    answer = post_dialog(net, user_id=stranger, user_name=name, state=valid["state"])
    assert SOMEONE_ELSE in plain(answer["error"])
    assert users_calls(net) == []
    assert snapshot(net) == before


def test_a_known_id_with_another_name_acts_as_itself(world):
    net = world
    valid = issued(net)
    before = snapshot(net)
    outsider = net.users["outsider"]["id"]
    for name in ("admin", "ines", "chef"):
        text = plain(post_command(net, user_id=outsider, user_name=name, text="liste").json()["text"])
        assert text.startswith("⚠️") and ADMINS_ONLY in text, text
        text = plain(post_command(net, user_id=outsider, user_name=name, text=f"membres --consortium {SLUG}")
                     .json()["text"])
        assert "réservé aux membres" in text, text
        answer = post_action(net, user_id=outsider, user_name=name, context=valid["tick"])
        assert SOMEONE_ELSE in plain(answer["ephemeral_text"])
        answer = post_action(net, user_id=outsider, user_name=name, context=valid["card"])
        assert MEMBERS_ONLY in plain(answer["ephemeral_text"])
        assert SOMEONE_ELSE in plain(post_dialog(net, user_id=outsider, user_name=name, state=valid["state"])["error"])
    assert snapshot(net) == before
    assert person(net, outsider).username == "outsider"


def test_300_anonymous_callbacks_read_and_write_nothing(world, monkeypatch):
    net = world
    valid = issued(net)
    signer = net.services.signer
    from itsdangerous import timed

    class LastYear:
        @staticmethod
        def time():
            import time

            return time.time() - 401 * 86400

    card = signer.load("action", valid["card"]["t"], max_age=timedelta(days=1))
    form = {k: v for k, v in signer.load("dialog", valid["state"], max_age=timedelta(hours=1)).items() if k != "_n"}
    with monkeypatch.context() as patched:  # the same contexts and states, issued too long ago
        patched.setattr(timed, "time", LastYear)
        expired_context = {"t": signer.sign("action", card)}
        expired_state = signer.sign("dialog", form, single_use=True)
    forged_contexts = [{"t": valid["card"]["t"][:-4] + "AAAA"}, {"t": "x"}, {"t": ""}, {"t": 42}, {},
                       {"t": valid["tick"]["t"].replace(".", "!", 1)}]
    forged_states = [valid["state"][:-4] + "AAAA", "x", "", "e30.forged.state"]
    users = [new_id(), net.users["outsider"]["id"], net.users["ines"]["id"], net.users["admin"]["id"]]
    names = ["admin", "root", "ines", "zzz"]
    before = snapshot(net)

    def attack():
        answers = []
        for n in range(300):
            user_id, name = users[n % len(users)], names[(n // 4) % len(names)]
            kind = n % 6
            if kind == 0:
                answers.append(post_action(net, user_id=user_id, user_name=name, context=None)["ephemeral_text"])
            elif kind == 1:
                context = forged_contexts[n % len(forged_contexts)]
                answers.append(post_action(net, user_id=user_id, user_name=name, context=context)["ephemeral_text"])
            elif kind == 2:
                answers.append(post_action(net, user_id=user_id, user_name=name,
                                           context=expired_context)["ephemeral_text"])
            elif kind == 3:
                answers.append(post_dialog(net, user_id=user_id, user_name=name, state=None)["error"])
            elif kind == 4:
                state = forged_states[n % len(forged_states)]
                answers.append(post_dialog(net, user_id=user_id, user_name=name, state=state)["error"])
            else:
                answers.append(post_dialog(net, user_id=user_id, user_name=name, state=expired_state)["error"])
        return answers

    statements, answers = net.statements(attack)
    assert len(answers) == 300
    assert all(plain(a).startswith(REJECTIONS) for a in answers), set(answers)
    assert sum("expiré" in a for a in answers) == 100
    assert statements == 0  # not a single query: refused before the database
    assert snapshot(net) == before


def test_a_registered_token_is_valid_for_its_own_trigger_only(world):
    net = world
    token = "registered-for-checklist-0123"
    with net.db() as session:  # what `consortia mattermost install` stores
        session.add(RegisteredCommand(trigger="checklist", command_id=new_id(), team_id=net.team["id"], token=token))
    before = snapshot(net)
    for user, command, text in (("admin", "/consortium", 'creer "Par le mauvais jeton"'),
                                ("admin", "/consortium", "liste"), ("ines", "/session", "liste"),
                                ("ines", "/checklistx", "liste"), ("ines", "", "liste")):
        response = post_command(net, user_id=net.users[user]["id"], user_name=user, text=text, command=command,
                                token=token, channel="group")
        assert response.status_code == 401 and response.content == b"", (command, response.text)
    assert snapshot(net) == before
    ok = post_command(net, user_id=net.users["ines"]["id"], user_name="ines", text="liste", command="/checklist",
                      token=token, channel="group")
    assert ok.status_code == 200 and "Checklist" in ok.json()["text"]
    # The hand-listed token (CONSORTIA_COMMAND_TOKENS) stays valid for every trigger.
    assert "Alimentation durable" in post_command(net, user_id=net.users["admin"]["id"], user_name="admin",
                                                  text="liste").json()["text"]


def test_a_replayed_form_changes_nothing(world):
    net = world
    net.command("ines", "/engagement ajouter", channel="group")
    entry = net.emulator.dialogs()[-1]
    submission = {"target": "@ines", "kind": "temps", "description": "Animer les ateliers"}
    assert net.emulator.submit_dialog(entry, "ines", submission)["response"] in ({}, None)
    before = snapshot(net)
    again = net.emulator.submit_dialog(entry, "ines", submission)
    assert "déjà été envoyé" in again["response"]["error"]
    for user in ("ines", "outsider"):  # replayed by hand, by her or by someone else naming her
        answer = post_dialog(net, user_id=net.users[user]["id"], user_name="ines", state=entry["dialog"]["state"],
                             submission=submission)
        assert "déjà été envoyé" in answer["error"] or SOMEONE_ELSE in plain(answer["error"])
    assert snapshot(net) == before
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Commitment)) == 1


def test_buttons_and_forms_serve_their_audience_only(world):
    net = world
    valid = issued(net)
    before = snapshot(net)
    # The card is for the consortium's members: not for a known outsider, nor for the network's admins.
    for user in ("outsider", "root"):
        answer = post_action(net, user_id=net.users[user]["id"], user_name="ines", context=valid["card"],
                             post_id=valid["card_post"])
        assert MEMBERS_ONLY in plain(answer["ephemeral_text"]) and "update" not in answer
    # ines's private list and form are hers: not even another member's.
    answer = post_action(net, user_id=net.users["samir"]["id"], user_name="samir", context=valid["tick"],
                         post_id=valid["tick_post"])
    assert SOMEONE_ELSE in plain(answer["ephemeral_text"]) and "update" not in answer
    answer = post_dialog(net, user_id=net.users["samir"]["id"], user_name="samir", state=valid["state"])
    assert SOMEONE_ELSE in plain(answer["error"])
    assert snapshot(net) == before
    # Their audience uses them.
    clicked = net.emulator.click(valid["card_post"], "sessionyes", "samir")
    assert clicked["status"] == 200 and "Je viens : 1" in plain(clicked["post"]["props"]["attachments"][0]["text"])
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp)) == 1
    answer = post_action(net, user_id=net.users["ines"]["id"], user_name="ines", context=valid["tick"],
                         post_id=valid["tick_post"])
    # (the list is ephemeral: the tick is confirmed in a new ephemeral line, docs/mattermost-fidelity.md)
    assert plain(answer["ephemeral_text"]) == "☑ Point 1 coché." and "update" not in answer


def test_erasure_after_an_attempted_takeover_erases_the_real_person(world):
    net = world
    valid = issued(net)
    ines = net.users["ines"]["id"]
    ines_row = person(net, ines).id
    mallory = net.emulator.create_user("mallory", "mallory@evil.example", team="reseau")
    net.reply("mallory", "/consortium aide")
    # Every door, with her name: a made-up id and mallory's own.
    for user_id in (new_id(), mallory["id"]):
        post_command(net, user_id=user_id, user_name="ines", text="aide")
        post_action(net, user_id=user_id, user_name="ines", context=None)
        post_action(net, user_id=user_id, user_name="ines", context=valid["tick"])
        post_dialog(net, user_id=user_id, user_name="ines", state=valid["state"])
    assert person(net, mallory["id"]).username == "mallory" and person(net, ines).username == "ines"

    for who in ("ines", "@ines", ines):
        export = api(net, "GET", f"/people/{who}/export")
        assert export.status_code == 200
        data = export.json()
        assert data["person"]["mattermost_user_id"] == ines and data["person"]["email"] == "ines@example.org"
        assert [m["consortium"] for m in data["memberships"]] == [SLUG]
    erased = api(net, "DELETE", "/people/ines")
    assert erased.status_code == 200 and erased.json()["memberships_ended"] == 1
    with net.db() as session:
        assert session.scalars(select(Person.id).where(Person.erased_at.is_not(None))).all() == [ines_row]
    kept = person(net, mallory["id"])
    assert kept.username == "mallory" and kept.email == "mallory@evil.example" and kept.erased_at is None


def test_erasure_by_name_picks_mattermosts_holder_of_the_name_not_a_stale_local_one(world):
    """What the old hole left behind: an attacker's row holding "ines" here, ines parked as "ines~N"."""
    net = world
    ines, mallory = net.users["ines"]["id"], net.emulator.create_user("mallory", team="reseau")["id"]
    net.reply("mallory", "/consortium aide")
    with net.db() as session:
        real = session.scalar(select(Person).where(Person.mattermost_user_id == ines))
        real.username = f"ines~{real.id}"
        session.flush()
        session.execute(update(Person).where(Person.mattermost_user_id == mallory).values(username="ines"))
    data = api(net, "GET", "/people/ines/export").json()
    assert data["person"]["mattermost_user_id"] == ines
    assert api(net, "DELETE", "/people/ines").status_code == 200
    assert person(net, mallory).erased_at is None
    with net.db() as session:
        assert session.scalar(select(Person.erased_at).where(Person.id == real.id)) is not None


def test_admin_rights_follow_the_id_not_the_name(world):
    net = world

    admin, mallory = net.users["admin"]["id"], net.emulator.create_user("mallory", team="reseau")["id"]
    net.reply("mallory", "/consortium aide")
    with net.db() as session:  # mallory's row holds "admin" here, the real admin's row is parked
        real = session.scalar(select(Person).where(Person.mattermost_user_id == admin))
        real.username = f"admin~{real.id}"
        session.flush()
        session.execute(update(Person).where(Person.mattermost_user_id == mallory).values(username="admin"))
    assert ADMINS_ONLY in plain(net.reply("mallory", "/consortium liste"))
    assert ADMINS_ONLY in plain(net.reply("mallory", "/consortium admin"))
    assert "Alimentation durable" in net.reply("admin", "/consortium liste")
    _http, page = sign_in(magic_link(net, "admin"))
    assert page.status_code == 200 and "Tous les consortiums" in page.text
    # System admins as Mattermost says, by id too.
    assert "Alimentation durable" in net.reply("root", "/consortium liste")
    # Once the time-to-live has passed, the names are Mattermost's again.
    age(net, admin, mallory)
    net.reply("admin", "/consortium aide")
    assert person(net, admin).username == "admin" and person(net, mallory).username == "mallory"


def test_a_web_session_follows_the_roles_mattermost_gives(world):
    """A system admin signed in to the dashboard is asked about again once the time-to-live has passed."""
    net = world

    root = net.users["root"]["id"]
    http, page = sign_in(magic_link(net, "root"))
    assert page.status_code == 200 and "Tous les consortiums" in page.text
    age(net, root)
    assert http.get(f"{net.server.url}/web/", timeout=10).status_code == 200  # still a system admin
    assert person(net, root).directory_synced_at > utcnow() - timedelta(minutes=1)
    net.emulator.set_roles(root, "system_user")
    assert http.get(f"{net.server.url}/web/", timeout=10).status_code == 200  # within the time-to-live
    age(net, root)
    assert http.get(f"{net.server.url}/web/", timeout=10).status_code == 403


def test_names_and_roles_follow_mattermost_after_the_time_to_live(world):
    net = world
    samir, root = net.users["samir"]["id"], net.users["root"]["id"]
    # A fresh, known person costs no call to Mattermost.
    net.emulator.clear_requests_log()
    net.reply("samir", "/consortium info", channel="group")
    net.reply("root", "/consortium liste")
    assert users_calls(net) == []
    net.emulator.rename_user(samir, "samir.haddad")
    net.emulator.set_roles(root, "system_user")
    # Within the time-to-live, what Mattermost said last stands.
    net.reply("samir.haddad", "/consortium info", channel="group")
    assert person(net, samir).username == "samir"
    assert "Alimentation durable" in net.reply("root", "/consortium liste")
    age(net, samir, root)
    net.reply("samir.haddad", "/consortium info", channel="group")
    assert person(net, samir).username == "samir.haddad"
    assert ADMINS_ONLY in plain(net.reply("root", "/consortium liste"))
    assert "@samir.haddad" in net.reply("admin", "/consortium membres", channel="group")


def test_a_name_taken_by_another_account_is_settled_by_asking_mattermost(world):
    """ines is renamed in Mattermost and a new account takes "ines" before her next command here."""
    net = world
    ines = net.users["ines"]["id"]
    net.emulator.rename_user(ines, "ines.benali")
    newcomer = net.emulator.create_user("ines", "ines2@example.org", team="reseau")["id"]
    assert "réservé aux membres" in net.reply("ines", f"/consortium membres --consortium {SLUG}")
    assert person(net, newcomer).username == "ines"
    old = person(net, ines)  # asked about by its own id: renamed, memberships kept
    assert old.username == "ines.benali" and old.email == "ines@example.org"
    members = net.reply("samir", "/consortium membres", channel="group")
    assert "@ines.benali" in members and "@ines," not in members and not members.rstrip().endswith("@ines")
    # @ines now names the newcomer, as in Mattermost.
    net.reply("admin", "/consortium ajouter @ines", channel="group")
    with net.db() as session:
        from models import Membership

        joined = session.scalars(select(Person.mattermost_user_id).join(Membership, Membership.person_id == Person.id)
                                 .where(Membership.left_at.is_(None))).all()
    assert newcomer in joined and ines in joined


def test_mattermost_down_refuses_the_unknown_and_keeps_the_known(world):
    net = world
    nadia = net.emulator.create_user("nadia", team="reseau")["id"]
    age(net, net.users["ines"]["id"])
    before = snapshot(net)
    net.emulator.go_down()
    try:
        answer = net.command("nadia", "/consortium aide")
        assert NOT_IDENTIFIED in plain(answer["response"]["text"])
        body = post_command(net, user_id=new_id(), user_name="admin", text="liste").json()
        assert NOT_IDENTIFIED in plain(body["text"])
        # ines is due for a refresh: what is stored stands, and her command works.
        assert "Alimentation durable" in net.reply("ines", "/consortium info", channel="group")
    finally:
        net.emulator.come_up()
    after = snapshot(net)
    synced = "people"
    assert {k: v for k, v in after.items() if k != synced} == {k: v for k, v in before.items() if k != synced}
    assert after["usernames"] == before["usernames"] and person(net, nadia) is None
    assert "/consortium" in net.reply("nadia", "/consortium aide")
    assert person(net, nadia).username == "nadia"


def test_six_simultaneous_first_commands_create_one_person(world):
    net = world
    nadia = net.emulator.create_user("nadia", "nadia@example.org", team="reseau")["id"]
    barrier = threading.Barrier(6)
    answers: list[dict] = []

    def first_command():
        barrier.wait()
        answers.append(net.command("nadia", "/consortium aide"))

    threads = [threading.Thread(target=first_command) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 6
    for answer in answers:
        assert answer["status"] == 200 and answer["response"]["text"].startswith("#### /consortium"), answer
    with net.db() as session:
        rows = session.scalars(select(Person).where(Person.mattermost_user_id == nadia)).all()
        assert [(p.username, p.email) for p in rows] == [("nadia", "nadia@example.org")]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="SQLite serialises writers: two first commands never insert "
                                                  "at once there (PostgreSQL only)")
def test_a_first_command_that_loses_the_insert_race_uses_the_winners_row(world, monkeypatch):
    net = world
    from plugin.kernel import people

    nadia = net.emulator.create_user("nadia", team="reseau")
    original, raced = people._release_name, []

    def release_then_lose_the_race(session, directory, network_id, name, now, depth):
        original(session, directory, network_id, name, now, depth)
        if name == "nadia" and not raced:  # another process commits the same person right now
            raced.append(True)
            with net.services.db.transaction() as other:
                info = net.services.directory.user_by_id(nadia["id"])
                other.add(Person(network_id=network_id, username="nadia", mattermost_user_id=info.id,
                                 display_name="", personal_feed_token=models.new_token(), directory_synced_at=now))

    monkeypatch.setattr(people, "_release_name", release_then_lose_the_race)
    assert net.reply("nadia", "/consortium aide").startswith("#### /consortium")
    assert raced
    with net.db() as session:
        assert session.scalar(select(func.count()).where(Person.mattermost_user_id == nadia["id"])) == 1


# --- the emulator refuses what Mattermost refuses -------------------------------------------

def test_the_emulator_never_invents_a_user(emulator):
    import jsonschema

    from integrations.mattermost.openapi import find_spec_path, load_spec_document

    spec_path = find_spec_path()
    if spec_path is None:
        pytest.skip("Mattermost OpenAPI document not found")
    emulator.create_team("reseau")
    bot = emulator.create_user("bot", is_bot=True, team="reseau")
    headers = {"Authorization": f"Bearer {emulator.create_token(bot['id'])}"}
    base = f"{emulator.url}/api/v4"
    stranger = new_id()
    response = requests.get(f"{base}/users/{stranger}", headers=headers, timeout=5)
    assert response.status_code == 404
    document = load_spec_document(spec_path)
    assert "404" in document["paths"]["/api/v4/users/{user_id}"]["get"]["responses"]
    jsonschema.validate(response.json(), document["components"]["schemas"]["AppError"])
    assert response.json()["status_code"] == 404 and response.json()["id"]
    assert requests.post(f"{base}/users/ids", json=[stranger], headers=headers, timeout=5).json() == []
    assert requests.post(f"{base}/users/usernames", json=["nobody"], headers=headers, timeout=5).json() == []
    assert emulator.user_by_id(stranger) is None
