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

TARGET = Arg("target", Kind.TARGET, "@utilisateur|<organisation>", "@user|<organisation>")
ROLE = Arg("role", Kind.NAME, "<rôle>", "<role>")

ROLE_TRIGGER = Trigger(
    name="role",
    description=_l("The roles register: who does what in the consortium"),
    default_sub="list",
    subcommands=(
        S("list", "liste", "list", _l("Current roles"), "liste", "list", read_only=True),
        S("assign", "attribuer", "assign", _l("Give a role to a person or an organisation"),
          "attribuer chef-de-file ACI-Lyon", "assign coordination @ines", args=(ROLE, TARGET),
          options=(Option("replace", "remplacer", "replace", Kind.FLAG),
                   Option("organisation", "organisation", "organisation", Kind.WORD, "<organisation>",
                          "<organisation>", aliases=("organization", "org")),
                   Option("new", "nouveau", "new", Kind.FLAG, aliases=("nouvelle",)))),
        S("unassign", "retirer", "unassign", _l("Take a role back"), "retirer coordination @ines",
          "unassign coordination @ines", args=(ROLE, TARGET)),
        S("history", "historique", "history", _l("Who held which role, and when"), "historique", "history", read_only=True),
        S("export", "export", "export", _l("Export the roles as CSV"), "export", "export",
          options=(Option("semicolon", "point-virgule", "semicolon", Kind.FLAG),)),
        S("organisation", "organisation", "organisation",
          _l("The network's organisations: list them, or add one (admins)"),
          'organisation ajouter ACI-Lyon "Atelier chantier d\'insertion de Lyon" --siae ACI --departement 69',
          'organisation add ACI-Lyon "Lyon inclusion workshop" --siae ACI --departement 69',
          args=(Arg("action", Kind.WORD, "liste|ajouter", "list|add", required=False,
                    choices=("liste", "list", "ajouter", "add")),
                Arg("short_name", Kind.WORD, "<nom-court>", "<short-name>", required=False),
                Arg("name", Kind.TEXT, '"<nom>"', '"<name>"', required=False)),
          options=(Option("kind", "type", "kind", Kind.WORD, "<siae|foundation|fund|network|other>",
                          "<siae|foundation|fund|network|other>"),
                   Option("siae_type", "siae", "siae", Kind.WORD, "<ACI|EI|ETTI|AI|EITI>", "<ACI|EI|ETTI|AI|EITI>"),
                   Option("departement", "departement", "department", Kind.WORD, "<69>", "<69>",
                          aliases=("département",))),
          aliases=("organisations", "organization", "organizations", "org"), needs_consortium=False),
    ),
)

ENGAGEMENT = Trigger(
    name="engagement",
    en_name="commitment",
    description=_l("The commitments register: what each member brings"),
    default_sub="list",
    subcommands=(
        S("add", "ajouter", "add", _l("Record a commitment (no argument: a form)"),
          'ajouter ACI-Lyon "Animation des ateliers" --type temps --montant 10 jours --echeance 31/03',
          'add ACI-Lyon "Running the workshops" --type temps --amount 10 days --due 31/03',
          args=(Arg("target", Kind.TARGET, "<organisation|@utilisateur>", "<organisation|@user>", required=False),
                Arg("what", Kind.TEXT, '"<quoi>"', '"<what>"', required=False)),
          options=(Option("type", "type", "type", Kind.WORD, "<temps|financier|nature|competences>",
                          "<temps|financier|nature|competences>"),
                   Option("amount", "montant", "amount", Kind.AMOUNT, "<n> <unité>", "<n> <unit>"),
                   Option("due", "echeance", "due", Kind.DATE, "<date>", "<date>", aliases=("échéance",)))),
        S("list", "liste", "list", _l("Commitments with totals per type and organisation"), "liste",
          "list", args=(Arg("organisation", Kind.WORD, "<organisation>", "<organisation>", required=False),), read_only=True),
        S("status", "statut", "status", _l("Change a commitment's status"), "statut 2 accepte",
          "status 2 accepte",
          args=(NUMBER, Arg("status", Kind.WORD, "<propose|accepte|en-cours|tenu|abandonne>",
                            "<propose|accepte|en-cours|tenu|abandonne>"))),
        S("done", "tenu", "done", _l("Mark a commitment as kept"), "tenu 2", "done 2", args=(NUMBER,)),
        S("drop", "retirer", "drop", _l("Withdraw a commitment"), "retirer 2", "drop 2", args=(NUMBER,)),
        S("history", "historique", "history", _l("A commitment's history"), "historique 2", "history 2",
          args=(NUMBER,), read_only=True),
        S("export", "export", "export", _l("Export the commitments as CSV"), "export", "export",
          options=(Option("semicolon", "point-virgule", "semicolon", Kind.FLAG),)),
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
