"""LEGACY: the slash commands of the features not yet ported to ``plugin/features/``.

A ported feature declares its ``Trigger`` in ``plugin/features/<feature>/grammar.py``; the front
door's registry (``plugin/frontdoor/registry.py``) lists every trigger, in the manifest's order.
Parsing, help, usage lines, autocomplete hints, manifest.json and docs/commands.md read them there.
"""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

NUMBER = Arg("number", Kind.NUMBER, "<n>", "<n>")
USER = Arg("user", Kind.USER, "@utilisateur", "@user")
DATE = Arg("date", Kind.DATE, "<date>", "<date>")
TIME = Arg("time", Kind.TIME, "<heure>", "<time>")

CONSORTIUM = Trigger(
    name="consortium",
    description=_l("Thematic consortiums: create, follow, manage members and stage"),
    default_sub="info",
    subcommands=(
        S("create", "creer", "create", _l("Create a thematic consortium (admins)"),
          'creer "Alimentation durable" --theme "Alimentation" --membres @ines @samir',
          'create "Sustainable food" --theme "Food" --members @ines @samir',
          args=(Arg("name", Kind.TEXT, '"<nom>"', '"<name>"'),),
          options=(Option("theme", "theme", "theme", Kind.TEXT, '"<thème>"', '"<theme>"', aliases=("thème",)),
                   Option("members", "membres", "members", Kind.USERS, "@a @b ...", "@a @b ..."),
                   Option("public", "public", "public", Kind.FLAG)),
          aliases=("créer",), needs_consortium=False),
        S("info", "info", "info", _l("Stage, members, roles, checklist progress, next session"),
          "info", "info", aliases=("infos",), read_only=True),
        S("members", "membres", "members", _l("List the members and their organisations"),
          "membres", "members", read_only=True),
        S("add", "ajouter", "add", _l("Add a member (admins and the lead partner)"),
          "ajouter @ines --organisation ACI-Lyon", "add @ines --organisation ACI-Lyon",
          args=(USER,),
          options=(Option("organisation", "organisation", "organisation", Kind.WORD, "<organisation>",
                          "<organisation>", aliases=("organization", "org")),)),
        S("remove", "retirer", "remove", _l("Remove a member (admins and the lead partner)"),
          "retirer @samir", "remove @samir", args=(USER,)),
        S("stage", "etape", "stage", _l("Show or change the maturity stage"),
          "etape structuration", "stage structuration",
          args=(Arg("stage", Kind.WORD, "<emergence|structuration|formalise|finance|clos>",
                    "<emergence|structuration|formalise|finance|clos>", required=False),),
          aliases=("étape",)),
        S("list", "liste", "list", _l("All consortiums with stage and activity (admins)"),
          "liste", "list", needs_consortium=False, read_only=True),
        S("language", "langue", "language", _l("Choose your language (fr or en)"),
          "langue en", "language fr",
          args=(Arg("language", Kind.WORD, "<fr|en>", "<fr|en>"),), needs_consortium=False),
        S("archive", "archiver", "archive", _l("Archive the channel and the calendar, keep the data (admins)"),
          "archiver", "archive"),
        S("foundation", "fondation", "foundation", _l("Foundations and their representatives (admins)"),
          'fondation ajouter FondationX "Fondation X" --themes "Emploi, Alimentation"',
          'foundation add FoundationX "Foundation X" --themes "Employment, Food"',
          args=(Arg("action", Kind.WORD, "<ajouter|liste|representant>", "<add|list|representative>"),
                Arg("foundation", Kind.WORD, "<fondation>", "<foundation>", required=False),
                Arg("users", Kind.USERS, "@a @b ...", "@a @b ...", required=False),
                Arg("name", Kind.TEXT, '"<nom>"', '"<name>"', required=False)),
          options=(Option("description", "description", "description", Kind.TEXT, '"<description>"',
                          '"<description>"'),
                   Option("themes", "themes", "themes", Kind.TEXT, '"<a>, <b>"', '"<a>, <b>"', aliases=("thèmes",)),
                   Option("kind", "type", "kind", Kind.WORD, "<fondation|fonds>", "<foundation|fund>"),
                   Option("remove", "retirer", "remove", Kind.FLAG)),
          needs_consortium=False),
        S("admin", "admin", "admin", _l("A single-use link to the web dashboard (admins)"),
          "admin", "admin", needs_consortium=False),
        S("my_data", "mes-donnees", "my-data", _l("A copy of your personal data, by direct message"),
          "mes-donnees", "my-data", aliases=("mes-données",), needs_consortium=False),
    ),
)

SESSION = Trigger(
    name="session",
    description=_l("Working sessions in the shared calendar, with invitations"),
    default_sub="list",
    subcommands=(
        S("plan", "planifier", "plan", _l("Plan a working session (no argument: a form)"),
          'planifier "Diagnostic partagé" 10/12 14h --duree 2h --lieu "Maison des associations"',
          'plan "Shared diagnosis" 10/12 2pm --duration 2h --place "Community hall"',
          args=(Arg("title", Kind.TEXT, '"<titre>"', '"<title>"', required=False),
                Arg("date", Kind.DATE, "<date>", "<date>", required=False),
                Arg("time", Kind.TIME, "<heure>", "<time>", required=False)),
          options=(Option("duration", "duree", "duration", Kind.WORD, "<2h>", "<2h>", aliases=("durée",)),
                   Option("place", "lieu", "place", Kind.TEXT, '"<lieu>"', '"<place>"', aliases=("location",)),
                   Option("video", "visio", "video", Kind.WORD, "<url>", "<url>"),
                   Option("agenda", "ordre-du-jour", "agenda", Kind.TEXT, '"<ordre du jour>"', '"<agenda>"'))),
        S("list", "liste", "list", _l("Upcoming sessions with answers"), "liste", "list", read_only=True),
        S("move", "deplacer", "move", _l("Move a session"), "deplacer 2 17/12 10h", "move 2 17/12 10am",
          args=(NUMBER, DATE, TIME), aliases=("déplacer",)),
        S("cancel", "annuler", "cancel", _l("Cancel a session"), "annuler 2", "cancel 2", args=(NUMBER,)),
        S("minutes", "compte-rendu", "minutes", _l("Attach the minutes of a session"),
          'compte-rendu 2 "Décisions : ..."', 'minutes 2 "Decisions: ..."',
          args=(NUMBER, Arg("text", Kind.TEXT, '"<texte>"', '"<text>"'))),
        S("subscribe", "abonner", "subscribe", _l("The calendar feed link to subscribe to"),
          "abonner --moi", "subscribe --mine",
          options=(Option("mine", "moi", "mine", Kind.FLAG),
                   Option("new_link", "nouveau-lien", "new-link", Kind.FLAG),
                   Option("consortium", "consortium", "consortium", Kind.WORD, "<slug>", "<slug>")),
          needs_consortium=False),
    ),
)

DIALOGUE = Trigger(
    name="dialogue",
    description=_l("Structured dialogue threads with foundations"),
    default_sub="list",
    subcommands=(
        S("open", "ouvrir", "open", _l("Open a dialogue with a foundation"),
          'ouvrir FondationX "Financement du diagnostic"', 'open FoundationX "Funding the diagnosis"',
          args=(Arg("foundation", Kind.WORD, "<fondation>", "<foundation>"),
                Arg("subject", Kind.TEXT, '"<sujet>"', '"<subject>"'))),
        S("list", "liste", "list", _l("Dialogues with stage and next step"), "liste", "list",
          options=(Option("all", "tout", "all", Kind.FLAG),
                   Option("consortium", "consortium", "consortium", Kind.WORD, "<slug>", "<slug>")),
          needs_consortium=False, read_only=True),
        S("stage", "etape", "stage", _l("Move a dialogue to another stage"), "etape 1 exploration",
          "stage 1 exploration",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False),
                Arg("stage", Kind.WORD, "<premier-contact|exploration|candidature|instruction|accorde|decline|clos>",
                    "<premier-contact|exploration|candidature|instruction|accorde|decline|clos>")),
          aliases=("étape",)),
        S("next", "prochaine-etape", "next", _l("Set the next step and its date"),
          'prochaine-etape 1 15/01 "Envoyer la note de présentation"', 'next 1 15/01 "Send the concept note"',
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False), DATE,
                Arg("action", Kind.TEXT, '"<action>"', '"<action>"')), aliases=("prochaine-étape",)),
        S("summary", "resume", "summary", _l("The dialogue's history"), "resume 1", "summary 1",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False),), aliases=("résumé",), read_only=True),
        S("close", "clore", "close", _l("Close a dialogue"), "clore 1", "close 1",
          args=(Arg("number", Kind.NUMBER, "<n>", "<n>", required=False),)),
    ),
)

AMI = Trigger(
    name="ami",
    en_name="eoi",
    description=_l("Call for expressions of interest (AMI)"),
    default_sub="respond",
    subcommands=(
        S("open", "ouvrir", "open", _l("Open a call for expressions of interest (admins)"),
          'ouvrir "AMI 2027" --themes "Alimentation, Mobilité, Réemploi" --jusqu-au 31/01',
          'open "EOI 2027" --themes "Food, Mobility, Reuse" --until 31/01',
          args=(Arg("title", Kind.TEXT, '"<titre>"', '"<title>"'),),
          options=(Option("themes", "themes", "themes", Kind.TEXT, '"<a>, <b>, ..."', '"<a>, <b>, ..."',
                          aliases=("thèmes",)),
                   Option("until", "jusqu-au", "until", Kind.DATE, "<date>", "<date>")),
          needs_consortium=False),
        S("respond", "repondre", "respond", _l("Answer the open call (a form)"), "repondre", "respond",
          aliases=("répondre",), needs_consortium=False),
        S("results", "resultats", "results", _l("Themes × structures, with priorities (admins)"),
          "resultats", "results", aliases=("résultats",), needs_consortium=False, read_only=True),
        S("form", "former", "form", _l("Provision a consortium from a theme's structures (admins)"),
          'former "Alimentation"', 'form "Food"',
          args=(Arg("theme", Kind.TEXT, '"<thème>"', '"<theme>"'),), needs_consortium=False),
        S("close", "cloturer", "close", _l("Close the call (admins)"), "cloturer", "close",
          aliases=("clôturer",), needs_consortium=False),
    ),
)
