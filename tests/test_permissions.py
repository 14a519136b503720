"""The permission matrix of PRODUCT.md §6, role by role, through the emulator (real HTTP).

Roles: network admin, lead partner (chef de file), member, representative of the foundation
of dialogue 1 (``rep``), representative of the foundation of dialogue 2 (``rep_other``),
representative of a foundation with no dialogue with the consortium (``rep_none``), and an
outsider. ``ok`` means the command is not refused (it may still say "already done");
``no`` a polite refusal; ``hidden`` the exact answer given for a dialogue that does not exist.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Consortium, Person, RoleAssignment

SLUG = "alimentation-durable"
ROLES = ("admin", "lead", "member", "rep", "rep_other", "rep_none", "outsider")
USERNAMES = {"admin": "admin", "lead": "samir", "member": "ines", "rep": "claire", "rep_other": "zoe",
             "rep_none": "walter", "outsider": "outsider"}
GUESTS = {"claire", "zoe", "walter"}

ok, no, hidden = "ok", "no", "hidden"

# command -> expected outcome per role, in ROLES order.
MATRIX = [
    ("/consortium info", (ok, ok, ok, ok, ok, no, no)),
    ("/consortium membres", (ok, ok, ok, no, no, no, no)),
    ("/consortium etape", (ok, ok, ok, no, no, no, no)),
    ("/consortium etape structuration", (ok, ok, no, no, no, no, no)),
    ("/consortium ajouter @lea", (ok, ok, no, no, no, no, no)),
    ("/consortium liste", (ok, no, no, no, no, no, no)),
    ("/consortium fondation liste", (ok, no, no, no, no, no, no)),
    ("/dialogue liste", (ok, ok, ok, ok, ok, no, no)),
    ("/dialogue liste --tout", (ok, no, no, no, no, no, no)),
    ("/dialogue resume 1", (ok, ok, ok, ok, hidden, no, no)),
    ("/dialogue resume 2", (ok, ok, ok, hidden, ok, no, no)),
    ('/dialogue prochaine-etape 1 demain "Relancer la fondation"', (ok, ok, ok, ok, hidden, no, no)),
    ("/dialogue etape 1 exploration", (ok, ok, ok, no, no, no, no)),
    ('/dialogue ouvrir FondationX "Un autre sujet"', (ok, ok, ok, no, no, no, no)),
    ("/dialogue clore 2", (ok, ok, ok, no, no, no, no)),
    ("/checklist liste", (ok, ok, ok, no, no, no, no)),
    ("/engagement liste", (ok, ok, ok, no, no, no, no)),
    ("/session liste", (ok, ok, ok, no, no, no, no)),
    ("/role historique", (ok, ok, ok, no, no, no, no)),
]

REFUSALS = ("réservé", "Seul", "Seuls", "Only", "reserved")


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")




@pytest.fixture
def world(net):
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines @samir')
    net.deliver()
    consortium_channel = net.channel_of(SLUG)["id"]
    for short, rep in (("FondationX", "claire"), ("FondationZ", "zoe"), ("FondationW", "walter")):
        net.emulator.create_user(rep, f"{rep}@{short.lower()}.org", guest=True, team="reseau")
        net.reply("admin", f'/consortium fondation ajouter {short} "{short}"')
        net.reply("admin", f"/consortium fondation representant {short} @{rep}")
    net.reply("ines", '/dialogue ouvrir FondationX "Financer le diagnostic"', channel=consortium_channel)
    net.reply("ines", '/dialogue ouvrir FondationZ "Mécénat de compétences"', channel=consortium_channel)
    net.deliver()
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == SLUG))
        samir = session.scalar(select(Person).where(Person.username == "samir"))
        session.add(RoleAssignment(consortium_id=consortium.id, role_key="chef-de-file", person_id=samir.id))
    for guest in GUESTS:  # a guest types commands only where it is a member
        net.emulator.create_channel(net.team["id"], f"{guest}-notes", type="P", members=[guest])
    return net


def run(net, role: str, command: str) -> str:
    username = USERNAMES[role]
    channel = f"{username}-notes" if username in GUESTS else "town-square"
    channel_id = net.channel_of(channel)["id"]
    text = command
    if not any(word in command for word in ("--tout", "/consortium liste", "/consortium fondation")):
        text += f" --consortium {SLUG}"
    result = net.command(username, text, channel=channel_id)
    assert result["status"] == 200, result
    return plain(result["response"]["text"])


def outcome(reply: str) -> str:
    if "Il n’y a pas de dialogue numéro" in reply:
        return hidden
    if reply.startswith("⚠️") and any(word in reply for word in REFUSALS):
        return no
    return ok


def test_permission_matrix_role_by_role(world):
    net = world
    wrong = []
    for command, expected in MATRIX:
        for role, want in zip(ROLES, expected):
            reply = run(net, role, command)
            got = outcome(reply)
            if got != want:
                wrong.append(f"{role:9} {command!r}: expected {want}, got {got}: {reply[:160]!r}")
            if role.startswith("rep") or role == "outsider":
                for secret in ("/calendars/", "Engagements", "Commitments"):
                    if got != ok and secret in reply:
                        wrong.append(f"{role} {command!r} leaks {secret!r}")
    assert not wrong, "\n".join(wrong)


def test_hidden_dialogues_answer_exactly_like_missing_ones(world):
    net = world
    for role, other in (("rep", 2), ("rep_other", 1)):
        for command in ("/dialogue resume {n}", '/dialogue prochaine-etape {n} demain "Relancer"'):
            seen = run(net, role, command.format(n=other))
            missing = run(net, role, command.format(n=99))
            assert seen == missing.replace("99", str(other)), (role, command, seen, missing)
    # The list never names the other foundation's dialogue.
    assert "Mécénat" not in run(net, "rep", "/dialogue liste")
    assert "Financer" not in run(net, "rep_other", "/dialogue liste")
