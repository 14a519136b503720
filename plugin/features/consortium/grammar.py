"""The `/consortium` command, declared once: parsing, help, usage lines, autocomplete hints,
manifest.json and docs/commands.md read it.

Each sub-command names its use case (which also says whether it needs a consortium and whether it
writes); the Arg and Option keys are the field names of that use case's schema (``schemas.py``).
`/consortium mes-donnees` runs the privacy feature's use case.
"""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

USER = Arg("user", Kind.USER, "@utilisateur", "@user")

CONSORTIUM = Trigger(
    name="consortium",
    description=_l("Thematic consortiums: create, follow, manage members and stage"),
    default_sub="info",
    subcommands=(
        S("create", "creer", "create", _l("Create a thematic consortium (admins)"),
          'creer "Alimentation durable" --theme "Alimentation" --membres @ines @samir',
          'create "Sustainable food" --theme "Food" --members @ines @samir', use_case="consortium.create",
          args=(Arg("name", Kind.TEXT, '"<nom>"', '"<name>"'),),
          options=(Option("theme", "theme", "theme", Kind.TEXT, '"<thème>"', '"<theme>"', aliases=("thème",)),
                   Option("members", "membres", "members", Kind.USERS, "@a @b ...", "@a @b ..."),
                   Option("public", "public", "public", Kind.FLAG)),
          aliases=("créer",)),
        S("info", "info", "info", _l("Stage, members, roles, checklist progress, next session"),
          "info", "info", use_case="consortium.info", aliases=("infos",)),
        S("members", "membres", "members", _l("List the members and their organisations"),
          "membres", "members", use_case="consortium.members"),
        S("add", "ajouter", "add", _l("Add a member (admins and the lead partner)"),
          "ajouter @ines --organisation ACI-Lyon", "add @ines --organisation ACI-Lyon", use_case="consortium.add",
          args=(USER,),
          options=(Option("organisation", "organisation", "organisation", Kind.WORD, "<organisation>",
                          "<organisation>", aliases=("organization", "org")),)),
        S("remove", "retirer", "remove", _l("Remove a member (admins and the lead partner)"),
          "retirer @samir", "remove @samir", use_case="consortium.remove", args=(USER,)),
        S("stage", "etape", "stage", _l("Show or change the maturity stage"),
          "etape structuration", "stage structuration", use_case="consortium.stage",
          args=(Arg("stage", Kind.WORD, "<emergence|structuration|formalise|finance|clos>",
                    "<emergence|structuration|formalise|finance|clos>", required=False),),
          aliases=("étape",)),
        S("list", "liste", "list", _l("All consortiums with stage and activity (admins)"),
          "liste", "list", use_case="consortium.list"),
        S("language", "langue", "language", _l("Choose your language (fr or en)"),
          "langue en", "language fr", use_case="consortium.language",
          args=(Arg("language", Kind.WORD, "<fr|en>", "<fr|en>"),)),
        S("archive", "archiver", "archive", _l("Archive the channel and the calendar, keep the data (admins)"),
          "archiver", "archive", use_case="consortium.archive"),
        S("foundation", "fondation", "foundation", _l("Foundations and their representatives (admins)"),
          'fondation ajouter FondationX "Fondation X" --themes "Emploi, Alimentation"',
          'foundation add FoundationX "Foundation X" --themes "Employment, Food"', use_case="consortium.foundation",
          args=(Arg("action", Kind.WORD, "<ajouter|liste|representant>", "<add|list|representative>"),
                Arg("foundation", Kind.WORD, "<fondation>", "<foundation>", required=False),
                Arg("users", Kind.USERS, "@a @b ...", "@a @b ...", required=False),
                Arg("name", Kind.TEXT, '"<nom>"', '"<name>"', required=False)),
          options=(Option("description", "description", "description", Kind.TEXT, '"<description>"',
                          '"<description>"'),
                   Option("themes", "themes", "themes", Kind.TEXT, '"<a>, <b>"', '"<a>, <b>"', aliases=("thèmes",)),
                   Option("kind", "type", "kind", Kind.WORD, "<fondation|fonds>", "<foundation|fund>"),
                   Option("remove", "retirer", "remove", Kind.FLAG))),
        S("admin", "admin", "admin", _l("A single-use link to the web dashboard (admins)"),
          "admin", "admin", use_case="consortium.admin_link"),
        S("my_data", "mes-donnees", "my-data", _l("A copy of your personal data, by direct message"),
          "mes-donnees", "my-data", use_case="privacy.my_data", aliases=("mes-données",)),
    ),
)
