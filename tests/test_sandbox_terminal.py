"""`consortia run` without Mattermost, driven in a terminal as a person would: the README's walk-through,
a form asked field by field, an export saved from the chat, direct messages, and a restart that finds
everything again (then `consortia sandbox --reset` starts afresh). Asserts what the person reads."""
from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

CONSORTIA = Path(sys.executable).with_name("consortia")
README = Path(__file__).resolve().parent.parent / "README.md"
PROMPT = r"~[\w-]+ > "
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def readme_walk_through() -> list[str]:
    """The lines the README's sandbox walk-through says to type."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The sandbox, step by step"):]
    block = section[section.index("```text\n") + len("```text\n"):]
    return block[:block.index("```")].strip().splitlines()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Terminal:
    """One `consortia` process in a pseudo-terminal; ``said`` is what it printed since the last command."""

    def __init__(self, tmp_path: Path, *args: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSORTIA_")}
        env.update(CONSORTIA_INSTANCE_DIR=str(tmp_path / "instance"), TERM="dumb", COLUMNS="200")
        self.child = pexpect.spawn(str(CONSORTIA), [*args, "--port", str(_free_port())], env=env,
                                   cwd=str(tmp_path), encoding="utf-8", timeout=90, dimensions=(50, 200))
        self.said = ""

    def _read_until(self, pattern: str) -> str:
        self.child.expect(pattern)
        text = ANSI.sub("", self.child.before + self.child.after).replace("\r\n", "\n")
        return text.replace("\u00a0", " ").replace("\u202f", " ")

    def prompt(self) -> str:
        """Up to the next prompt, which names who and where."""
        self.said = self._read_until(PROMPT)
        return self.said

    def type(self, line: str, until: str = PROMPT) -> str:
        self.child.sendline(line)
        self.said = self._read_until(until)
        return self.said

    def quit(self) -> None:
        self.child.sendline(":quit")
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0


@pytest.fixture
def terminals(tmp_path):
    opened: list[Terminal] = []

    def start(*args: str) -> Terminal:
        terminal = Terminal(tmp_path, *args)
        opened.append(terminal)
        return terminal

    yield start
    for terminal in opened:
        if terminal.child.isalive():
            terminal.child.terminate(force=True)


def plan_a_session(term: Terminal) -> str:
    """`/session planifier`'s form, field by field; a date the service refuses is asked again, with why."""
    term.type("/session planifier", until="Titre")
    assert "📝 Planifier une séance" in term.said
    term.type("Diagnostic partagé", until="Date")
    term.type("n-importe", until="Heure")
    term.type("14h30", until="Durée")
    term.type("", until="Lieu")
    term.type("Maison des associations", until="Lien de visio")
    term.type("", until="Ordre du jour")
    refused = term.type("", until=r"Date.*\n.*⚠️[^\n]+")
    assert "Corrigez :" in refused
    return term.type("dans 3 jours")


@pytest.mark.skipif(not CONSORTIA.exists(), reason="the `consortia` script is not installed in this environment")
def test_the_readme_walk_through_a_form_an_export_and_a_restart(terminals, tmp_path):
    walk = readme_walk_through()
    assert walk[0] == '/consortium creer "Alimentation durable" --membres @ines @samir' and walk[-1] == ":quit"
    term = terminals("run")
    assert "@admin (animation du réseau) ~town-square > " in term.prompt()
    seen = {}
    for line in walk[:-1]:
        if line == "/session planifier":
            seen[line] = plan_a_session(term)
        else:
            seen[line] = term.type(line.replace("export/", str(tmp_path / "export")))

    said = seen['/consortium creer "Alimentation durable" --membres @ines @samir']
    assert "(visible de vous seul·e)" in said and "Consortium **Alimentation durable** enregistré" in said
    said = seen[":channel alimentation-durable"]
    assert "[1] @consortia:\n### Bienvenue dans le consortium Alimentation durable" in said
    assert said.rstrip().endswith("@ines (membre) ~alimentation-durable >")
    said = seen["/consortium info"]
    assert "(visible de vous seul·e)" in said and "**2 membres** : @ines, @samir" in said
    said = seen[":who"]
    assert re.search(r"@admin .*animation du réseau", said)
    assert re.search(r"@ines .*membre d’alimentation-durable", said)
    assert re.search(r"@claire .*représentant·e de la fondation FondationX; compte invité", said)
    said = seen['/dialogue ouvrir FondationX "Financer le diagnostic"']
    assert "Dialogue n° 1 ouvert avec **Fondation X**" in said and "Invités : @claire" in said
    said = seen["/session planifier"]
    assert "[2] @consortia:\n📅 **Séance 1 : Diagnostic partagé**" in said and "(1) [Je viens]" in said
    said = seen["/checklist export"]
    save = next(line for line in walk if line.startswith(":save "))
    number = save.split()[1]
    assert re.search(rf"📎 checklist-alimentation-durable-[\d-]+\.csv \(\d+ B\) — :save {number}\b", said), said
    saved = sorted((tmp_path / "export").iterdir())
    assert [p.suffix for p in saved] == [".csv", ".md"] and "Enregistré" in seen[save]
    assert "Pourquoi nous regrouper" in saved[1].read_text(encoding="utf-8")
    said = seen[":dm"]
    assert "📨 Messages directs :" in said and "Séance 1 planifiée : **Diagnostic partagé**" in said
    term.quit()

    # A restart finds the people, the channel and its posts again.
    term = terminals("run")
    said = term.prompt()
    assert "Bon retour : 1 consortium" in said
    term.type(":user ines")
    said = term.type(":channel alimentation-durable")
    assert "Bienvenue dans le consortium Alimentation durable" in said and "Diagnostic partagé" in said
    said = term.type("/consortium info")
    assert "**2 membres** : @ines, @samir" in said
    said = term.type("/dialogue liste")
    assert "Financer le diagnostic" in said
    said = term.type(":click 2 1")   # « Je viens » on the session's card: the card changes
    assert "[2] @consortia: (modifié)\n📅 **Séance 1 : Diagnostic partagé**" in said and "Je viens : 1" in said
    term.quit()

    # --reset starts afresh: no consortium, the seed again.
    term = terminals("sandbox", "--reset")
    said = term.prompt()
    assert "Sandbox reset" in said and "Bon retour" not in said
    said = term.type(":channel alimentation-durable")
    assert "canal inconnu" in said
    said = term.type(":who")
    assert re.search(r"@claire .*représentant·e de la fondation FondationX", said)
    term.quit()
