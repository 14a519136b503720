"""The `/dialogue` command, declared once: parsing, help, usage lines, autocomplete hints, manifest.json
and docs/commands.md read it.

Each sub-command names its use case (which also says whether it needs a consortium and whether it
writes); the Arg and Option keys are the field names of that use case's schema (``schemas.py``).
"""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

DATE = Arg("date", Kind.DATE, "<date>", "<date>")

DIALOGUE = Trigger(
    name="dialogue",
    description=_l("Structured dialogue threads with foundations"),
    default_sub="list",
    subcommands=(
        S("open", "ouvrir", "open", _l("Open a dialogue with a foundation"),
          'ouvrir FondationX "Financement du diagnostic"', 'open FoundationX "Funding the diagnosis"',
          use_case="dialogue.open",
          args=(Arg("foundation", Kind.WORD, "<fondation>", "<foundation>"),
                Arg("subject", Kind.TEXT, '"<sujet>"', '"<subject>"'))),
        S("list", "liste", "list", _l("Dialogues with stage and next step"), "liste", "list",
          use_case="dialogue.list",
          options=(Option("all", "tout", "all", Kind.FLAG),
                   Option("consortium", "consortium", "consortium", Kind.WORD, "<slug>", "<slug>"))),
        S("stage", "etape", "stage", _l("Move a dialogue to another stage"), "etape 1 exploration",
          "stage 1 exploration", use_case="dialogue.stage",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False),
                Arg("stage", Kind.WORD, "<premier-contact|exploration|candidature|instruction|accorde|decline|clos>",
                    "<premier-contact|exploration|candidature|instruction|accorde|decline|clos>")),
          aliases=("étape",)),
        S("next", "prochaine-etape", "next", _l("Set the next step and its date"),
          'prochaine-etape 1 15/01 "Envoyer la note de présentation"', 'next 1 15/01 "Send the concept note"',
          use_case="dialogue.next",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False), DATE,
                Arg("action", Kind.TEXT, '"<action>"', '"<action>"')), aliases=("prochaine-étape",)),
        S("summary", "resume", "summary", _l("The dialogue's history"), "resume 1", "summary 1",
          use_case="dialogue.summary",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False),), aliases=("résumé",)),
        S("close", "clore", "close", _l("Close a dialogue"), "clore 1", "close 1", use_case="dialogue.close",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False),)),
    ),
)
