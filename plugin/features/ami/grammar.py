"""The `/ami` command (call for expressions of interest), declared once: parsing, help, usage lines,
autocomplete hints, manifest.json and docs/commands.md read it. Each sub-command names its use case;
the Arg and Option keys are its schema's field names (``schemas.py``)."""
from __future__ import annotations

from plugin.commands.grammar import Arg, Kind, Option, SubCommand, Trigger
from plugin.i18n import _l

S = SubCommand

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
                   Option("until", "jusqu-au", "until", Kind.DATE, "<date>", "<date>")), use_case="ami.open"),
        S("respond", "repondre", "respond", _l("Answer the open call (a form)"), "repondre", "respond",
          aliases=("répondre",), use_case="ami.respond_form"),
        S("results", "resultats", "results", _l("Themes × structures, with priorities (admins)"),
          "resultats", "results", aliases=("résultats",), use_case="ami.results"),
        S("form", "former", "form", _l("Provision a consortium from a theme's structures (admins)"),
          'former "Alimentation"', 'form "Food"',
          args=(Arg("theme", Kind.TEXT, '"<thème>"', '"<theme>"'),), use_case="ami.form"),
        S("close", "cloturer", "close", _l("Close the call (admins)"), "cloturer", "close",
          aliases=("clôturer",), use_case="ami.close"),
    ),
)
