"""The `/checklist` command, declared once: parsing, help, usage lines, autocomplete hints,
manifest.json and docs/commands.md read it.

Each sub-command names its use case (which also says whether it needs a consortium and whether it
writes); the Arg and Option keys are the field names of that use case's schema (``schemas.py``).
"""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

NUMBER = Arg("number", Kind.NUMBER, "<n>", "<n>")
NUMBERS = Arg("numbers", Kind.NUMBERS, "<n>...", "<n>...")
USER = Arg("user", Kind.USER, "@utilisateur", "@user")
DATE = Arg("date", Kind.DATE, "<date>", "<date>")
SECTION = Option("section", "section", "section", Kind.TEXT, '"<section>"', '"<section>"')

CHECKLIST = Trigger(
    name="checklist",
    description=_l("The consortium's checklist: the right questions to settle together"),
    default_sub="list",
    subcommands=(
        S("list", "liste", "list", _l("Numbered items with status, assignee and due date"),
          "liste --ouvert", "list --open", use_case="checklist.list",
          options=(Option("open", "ouvert", "open", Kind.FLAG, aliases=("ouverts",)),
                   Option("mine", "moi", "mine", Kind.FLAG), SECTION)),
        S("add", "ajouter", "add", _l("Add an item"),
          'ajouter "Choisir le chef de file" @ines --echeance 15/01',
          'add "Choose the lead partner" @ines --due 15/01', use_case="checklist.add",
          args=(Arg("text", Kind.TEXT, '"<texte>"', '"<text>"'),
                Arg("assignee", Kind.USER, "@responsable", "@assignee", required=False)),
          options=(Option("due", "echeance", "due", Kind.DATE, "<date>", "<date>", aliases=("échéance",)), SECTION)),
        S("check", "cocher", "check", _l("Tick items"), "cocher 3 4", "check 3 4", use_case="checklist.check",
          args=(NUMBERS,)),
        S("uncheck", "decocher", "uncheck", _l("Untick items"), "decocher 3", "uncheck 3",
          use_case="checklist.uncheck", args=(NUMBERS,), aliases=("décocher",)),
        S("assign", "assigner", "assign", _l("Give an item to someone"), "assigner 3 @ines", "assign 3 @ines",
          use_case="checklist.assign", args=(NUMBER, USER)),
        S("due", "echeance", "due", _l("Set an item's due date"), "echeance 3 15/01", "due 3 15/01",
          use_case="checklist.due", args=(NUMBER, DATE), aliases=("échéance",)),
        S("note", "note", "note", _l("Record the answer the group reached"),
          'note 3 "Chef de file : ACI Lyon"', 'note 3 "Lead partner: ACI Lyon"', use_case="checklist.note",
          args=(NUMBER, Arg("text", Kind.TEXT, '"<texte>"', '"<text>"'))),
        S("remove", "supprimer", "remove", _l("Remove an item (history is kept)"), "supprimer 7", "remove 7",
          use_case="checklist.remove", args=(NUMBER,)),
        S("history", "historique", "history", _l("An item's history"), "historique 3", "history 3",
          use_case="checklist.history", args=(NUMBER,)),
        S("template", "modele", "template", _l("List templates, or add a template's missing items"),
          "modele consortium", "template consortium", use_case="checklist.template",
          args=(Arg("name", Kind.WORD, "<modèle>", "<template>", required=False),), aliases=("modèle",)),
        S("export", "export", "export", _l("Export the checklist (Markdown and CSV)"), "export", "export",
          use_case="checklist.export", aliases=("exporter",)),
        S("reminders", "rappels", "reminders", _l("Weekly digest and reminders on or off"),
          "rappels on", "reminders off", use_case="checklist.reminders",
          args=(Arg("state", Kind.WORD, "<on|off>", "<on|off>", choices=("on", "off", "oui", "non")),)),
    ),
)
