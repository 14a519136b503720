"""A Mattermost interactive dialog, asked in the terminal field by field (the sandbox).

Each field shows its label, help and default (Enter keeps it); a menu lists its choices by number.
Like Mattermost's client, an empty required field is asked again before anything is sent; what the
service refuses comes back next to its field, which is asked again. `:cancel` gives up.
"""
from __future__ import annotations

from typing import Callable

import click

from plugin.i18n import _

CANCEL = ":cancel"
YES = ("y", "yes", "o", "oui", "true", "1")
NO = ("n", "no", "non", "false", "0")


class Cancelled(Exception):
    pass


def _options(element: dict) -> list[dict]:
    return [o for o in element.get("options") or [] if isinstance(o, dict)]


def _label(element: dict) -> str:
    label = element.get("display_name") or element.get("name")
    return label + ("" if not element.get("optional") else " " + _("(optional)"))


def _read(prompt: str) -> str:
    line = input(prompt)
    if line.strip() == CANCEL:
        raise Cancelled
    return line.strip()


def _choice(element: dict, answer: str) -> str | None:
    options = _options(element)
    if answer.isdigit() and 0 < int(answer) <= len(options):
        return options[int(answer) - 1].get("value")
    for option in options:
        if answer.lower() in (str(option.get("value", "")).lower(), str(option.get("text", "")).lower()):
            return option.get("value")
    return None


def ask(element: dict, error: str | None = None):
    """One field's value (None: left empty), as the person types it."""
    kind = element.get("type")
    default = element.get("default")
    click.secho(_label(element), bold=True)
    if error:
        click.secho(f"  ⚠️ {error}", fg="red")
    if element.get("help_text"):
        click.secho(f"  {element['help_text']}", fg="bright_black")
    if element.get("placeholder") and default in (None, ""):
        click.secho("  " + _("e.g. {example}", example=element["placeholder"]), fg="bright_black")
    for index, option in enumerate(_options(element), 1):
        click.echo(f"  {index}) {option.get('text')}")
    texts = {str(o.get("value")): o.get("text") for o in _options(element)}
    shown = f" [{texts.get(str(default), default)}]" if default not in (None, "") else ""
    while True:
        answer = _read(f"  >{shown} ")
        if not answer:
            if default not in (None, ""):
                return default if kind != "bool" else str(default).lower() in YES
            if element.get("optional"):
                return None
            click.secho("  ⚠️ " + _("This field is required."), fg="red")
            continue
        if kind == "bool":
            if answer.lower() in YES + NO:
                return answer.lower() in YES
            click.secho("  ⚠️ " + _("Answer yes or no."), fg="red")
            continue
        if kind in ("select", "radio") and _options(element):
            value = _choice(element, answer)
            if value is None:
                click.secho("  ⚠️ " + _("Choose one of the numbers above."), fg="red")
                continue
            return value
        if element.get("min_length") and len(answer) < int(element["min_length"]):
            click.secho("  ⚠️ " + _("At least {n} characters.", n=element["min_length"]), fg="red")
            continue
        return answer


def fill_form(dialog: dict, submit: Callable[[dict], dict]) -> dict | None:
    """Ask the fields, send them with ``submit``; again for the fields refused. None when cancelled."""
    elements = [e for e in dialog.get("elements") or [] if isinstance(e, dict) and e.get("name")]
    click.secho(f"📝 {dialog.get('title') or ''}", fg="green", bold=True)
    if dialog.get("introduction_text"):
        click.echo(dialog["introduction_text"])
    click.secho(_("(Enter keeps the value in brackets; {cancel} gives up.)", cancel=CANCEL), fg="bright_black")
    values: dict = {}
    errors: dict = {}
    asked = elements
    try:
        while True:
            for element in asked:
                value = ask(element, errors.get(element["name"]))
                if value is None:
                    values.pop(element["name"], None)
                else:
                    values[element["name"]] = value
            result = submit(dict(values))
            response = result.get("response") or {}
            if result.get("status") not in (200, None):
                click.secho(f"(HTTP {result.get('status')})", fg="red")
                return result
            if response.get("error"):
                click.secho(f"⚠️ {response['error']}", fg="red")
            errors = response.get("errors") or {}
            if not errors:
                return result
            click.secho(_("Please correct:"), fg="red")
            asked = [e for e in elements if e["name"] in errors] or elements
    except (Cancelled, EOFError):
        return None
