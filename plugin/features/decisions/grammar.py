"""The `/decision` command, declared once: parsing, help, usage lines, autocomplete hints,
manifest.json and docs/commands.md read it. Arg and Option keys are the schemas' field names."""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

NUMBER = Arg("number", Kind.NUMBER, "<n>", "<n>")

DECISION = Trigger(
    name="decision",
    description=_l("Decide together, by the consortium's own rule"),
    default_sub="list",
    subcommands=(
        S("list", "liste", "list", _l("Decisions open to the vote, with who is still missing (members only: "
                                      "foundation representatives see the outcomes shared with them in the "
                                      "foundations channel)"),
          "liste", "list", use_case="decision.list"),
        S("propose", "proposer", "propose", _l("Put a decision to the vote: a card with one button per option"),
          'proposer "Adopter la charte commune" --options "Pour, Contre, Abstention" --jusqu-au vendredi 18h',
          'propose "Adopt the common charter" --options "For, Against, Abstain" --until friday 6pm',
          use_case="decision.propose",
          args=(Arg("title", Kind.TEXT, '"<titre>"', '"<title>"'),),
          options=(Option("options", "options", "options", Kind.TEXT, '"<a, b, c>"', '"<a, b, c>"'),
                   Option("until", "jusqu-au", "until", Kind.TEXT, "<date heure>", "<date time>",
                          aliases=("jusqu-a", "jusqua")),
                   Option("secret", "secret", "secret", Kind.FLAG),
                   Option("shared", "partager-fondations", "share-with-foundations", Kind.FLAG))),
        S("close", "clore", "close", _l("Close a vote now and apply the rule (proposer, lead partner, admins)"),
          "clore 3", "close 3", use_case="decision.close", args=(NUMBER,)),
        S("cancel", "annuler", "cancel", _l("Withdraw a decision nobody has voted on yet"),
          "annuler 3", "cancel 3", use_case="decision.cancel", args=(NUMBER,)),
        S("history", "historique", "history", _l("Decisions taken, with their outcome and count"),
          "historique", "history", use_case="decision.history"),
        S("export", "export", "export", _l("Attach the consortium's decisions as CSV (outcomes and counts, never "
                                           "who voted what)"),
          "export", "export", use_case="decision.export"),
        S("rule", "regle", "rule", _l("Show or set how the consortium decides (lead partner, admins)"),
          "regle majorite-qualifiee 2/3 --quorum 60% --voix-preponderante @ines",
          "rule qualified-majority 2/3 --quorum 60% --casting-vote @ines", use_case="decision.rule",
          aliases=("règle",),
          args=(Arg("kind", Kind.WORD, "<majorite|majorite-qualifiee|consensus|unanimite>",
                    "<majority|qualified-majority|consensus|unanimity>", required=False),
                Arg("ratio", Kind.WORD, "<2/3>", "<2/3>", required=False)),
          options=(Option("quorum", "quorum", "quorum", Kind.WORD, "<50%>", "<50%>"),
                   Option("casting", "voix-preponderante", "casting-vote", Kind.USER, "@personne", "@person",
                          aliases=("voix-prépondérante",)),
                   Option("per_person", "par-personne", "per-person", Kind.FLAG))),
    ),
)
