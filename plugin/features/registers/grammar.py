"""The `/role` and `/engagement` commands, declared once: parsing, help, usage lines, autocomplete
hints, manifest.json and docs/commands.md read them.

Each sub-command names its use case; the Arg and Option keys are the field names of that use
case's schema (``schemas.py``).
"""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

NUMBER = Arg("number", Kind.NUMBER, "<n>", "<n>")
TARGET = Arg("target", Kind.TARGET, "@utilisateur|<organisation>", "@user|<organisation>")
ROLE = Arg("role", Kind.NAME, "<rôle>", "<role>")

ROLE_TRIGGER = Trigger(
    name="role",
    description=_l("The roles register: who does what in the consortium"),
    default_sub="list",
    subcommands=(
        S("list", "liste", "list", _l("Current roles"), "liste", "list", use_case="registers.roles"),
        S("assign", "attribuer", "assign", _l("Give a role to a person or an organisation"),
          "attribuer chef-de-file ACI-Lyon", "assign coordination @ines", use_case="registers.assign",
          args=(ROLE, TARGET), words="words",
          options=(Option("replace", "remplacer", "replace", Kind.FLAG),
                   Option("organisation", "organisation", "organisation", Kind.WORD, "<organisation>",
                          "<organisation>", aliases=("organization", "org")),
                   Option("new", "nouveau", "new", Kind.FLAG, aliases=("nouvelle",)))),
        S("unassign", "retirer", "unassign", _l("Take a role back"), "retirer coordination @ines",
          "unassign coordination @ines", use_case="registers.unassign", args=(ROLE, TARGET), words="words"),
        S("history", "historique", "history", _l("Who held which role, and when"), "historique", "history",
          use_case="registers.roles_history"),
        S("export", "export", "export", _l("Export the roles as CSV"), "export", "export",
          use_case="registers.roles_export",
          options=(Option("semicolon", "point-virgule", "semicolon", Kind.FLAG),)),
        S("organisation", "organisation", "organisation",
          _l("The network's organisations: list them, or add one (admins)"),
          'organisation ajouter ACI-Lyon "Atelier chantier d\'insertion de Lyon" --siae ACI --departement 69',
          'organisation add ACI-Lyon "Lyon inclusion workshop" --siae ACI --departement 69',
          use_case="registers.organisation",
          args=(Arg("action", Kind.WORD, "liste|ajouter", "list|add", required=False,
                    choices=("liste", "list", "ajouter", "add")),
                Arg("short_name", Kind.WORD, "<nom-court>", "<short-name>", required=False),
                Arg("name", Kind.TEXT, '"<nom>"', '"<name>"', required=False)),
          options=(Option("kind", "type", "kind", Kind.WORD, "<siae|foundation|fund|network|other>",
                          "<siae|foundation|fund|network|other>"),
                   Option("siae_type", "siae", "siae", Kind.WORD, "<ACI|EI|ETTI|AI|EITI>", "<ACI|EI|ETTI|AI|EITI>"),
                   Option("departement", "departement", "department", Kind.WORD, "<69>", "<69>",
                          aliases=("département",))),
          aliases=("organisations", "organization", "organizations", "org")),
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
          use_case="registers.add", words="words",
          args=(Arg("target", Kind.TARGET, "<organisation|@utilisateur>", "<organisation|@user>", required=False),
                Arg("description", Kind.TEXT, '"<quoi>"', '"<what>"', required=False)),
          options=(Option("kind", "type", "type", Kind.WORD, "<temps|financier|nature|competences>",
                          "<temps|financier|nature|competences>"),
                   Option("amount", "montant", "amount", Kind.AMOUNT, "<n> <unité>", "<n> <unit>"),
                   Option("due", "echeance", "due", Kind.DATE, "<date>", "<date>", aliases=("échéance",)))),
        S("list", "liste", "list", _l("Commitments with totals per type and organisation"), "liste",
          "list", use_case="registers.commitments",
          args=(Arg("organisation", Kind.REST, "<organisation>", "<organisation>", required=False),)),
        S("status", "statut", "status", _l("Change a commitment's status"), "statut 2 accepte",
          "status 2 accepte", use_case="registers.status",
          args=(NUMBER, Arg("status", Kind.WORD, "<propose|accepte|en-cours|tenu|abandonne>",
                            "<propose|accepte|en-cours|tenu|abandonne>"))),
        S("done", "tenu", "done", _l("Mark a commitment as kept"), "tenu 2", "done 2", use_case="registers.done",
          args=(NUMBER,)),
        S("drop", "retirer", "drop", _l("Withdraw a commitment"), "retirer 2", "drop 2", use_case="registers.drop",
          args=(NUMBER,)),
        S("history", "historique", "history", _l("A commitment's history"), "historique 2", "history 2",
          use_case="registers.commitment_history", args=(NUMBER,)),
        S("export", "export", "export", _l("Export the commitments as CSV"), "export", "export",
          use_case="registers.commitments_export",
          options=(Option("semicolon", "point-virgule", "semicolon", Kind.FLAG),)),
    ),
)
