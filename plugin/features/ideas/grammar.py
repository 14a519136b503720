"""The `/idee` command (`/idea`), declared once: the network's ideas before a call for interest."""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

IDEA = Trigger(
    name="idee",
    en_name="idea",
    description=_l("The network's ideas before a call for interest"),
    default_sub="list",
    subcommands=(
        S("list", "liste", "list", _l("The ideas, most supported first, with a support button each"),
          "liste", "list", use_case="idea.list"),
        S("propose", "proposer", "propose", _l("Propose an idea to work on together"),
          'proposer "Mobilité des salariés en insertion" --description "Covoiturage, permis, vélos"',
          'propose "Mobility of workers in insertion" --description "Car-sharing, licences, bikes"',
          use_case="idea.propose", args=(Arg("title", Kind.TEXT, '"<idée>"', '"<idea>"'),),
          options=(Option("description", "description", "description", Kind.TEXT, '"<texte>"', '"<text>"'),)),
        S("merge", "fusionner", "merge", _l("Merge idea A into idea B, supports included (admins)"),
          "fusionner 4 2", "merge 4 2", use_case="idea.merge",
          args=(Arg("source", Kind.NUMBER, "<A>", "<A>"), Arg("target", Kind.NUMBER, "<B>", "<B>"))),
        S("retain", "retenir", "retain", _l("Retain an idea as a theme of the next call (admins)"),
          "retenir 2", "retain 2", use_case="idea.retain", args=(Arg("number", Kind.NUMBER, "<n>", "<n>"),)),
    ),
)
