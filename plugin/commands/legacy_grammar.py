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
