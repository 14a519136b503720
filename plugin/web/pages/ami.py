"""The AMI's admin pages: the open call and its answers (and the form to open one), a call's results
(themes × structures), their CSV export, forming a theme's consortium, closing."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from plugin.dates import DateError, parse_date
from plugin.features.ami import render
from plugin.features.ami.outcomes import Calls, Closed, Formed, FormChoice, Results, ResultsFile
from plugin.features.ami.schemas import CallOpenSchema
from plugin.features.ami.usecases import end_of_day
from plugin.i18n import _
from plugin.schemas.fields import error_text

from plugin.web.pages.common import admin_page, csrf_token, escape_text, not_done, run_as_admin, services
from plugin.web.pages.kept import KeptPages

OPEN_FIELDS = ("title", "themes", "deadline", "min_group_size")


def public_form_url(call) -> str:
    return render.form_url(services(), call)


def _calls_page(outcome: Calls, *, values: dict | None = None, errors: dict | None = None, status: int = 200):
    call = outcome.call if not errors else None
    return render_template("ami_admin.html", call=call, answers=outcome.answers if call else [],
                           calls=outcome.calls, form_url=public_form_url(call) if call else None,
                           values=values or {}, errors=errors or {}), status


@admin_page("ami.calls")
def ami_admin(outcome: Calls):
    return _calls_page(outcome)[0]


def _with_errors(values: dict, errors: dict):
    """The open-a-call form again, with its errors next to the fields."""
    result, refusal = run_as_admin("ami.calls")
    if refusal is not None:
        return refusal
    return _calls_page(result.outcome, values=values, errors=errors, status=400)


def ami_open():
    values = {k: request.form.get(k, "") for k in OPEN_FIELDS}
    errors: dict[str, str] = {}
    deadline = None
    tz = services().settings.tz
    try:
        day = parse_date(values["deadline"], now=services().clock.now(), tz=tz)
        deadline = end_of_day(day, tz)
    except DateError as error:
        errors["deadline"] = error.message
    try:
        size = int(values["min_group_size"] or 3)
    except ValueError:
        size, errors["min_group_size"] = 3, _("A whole number, please.")
    raw = {"title": values["title"], "themes": values["themes"], "deadline": deadline, "min_group_size": size}
    errors.update({k: error_text(v) for k, v in CallOpenSchema().validate(raw).items() if k != "deadline"})
    if errors:
        return _with_errors(values, errors)
    result, refusal = run_as_admin("ami.open_page", raw)
    if refusal is not None:
        return refusal
    if result.refusal is not None:
        if result.refusal.lazy_fields:
            return _with_errors(values, result.refusal.fields)
        return not_done(result.refusal)
    flash(_("Call “{title}” opened.", title=result.outcome.call.title))
    return redirect(url_for("web.ami"), code=303)


@admin_page("ami.close_page", raw=lambda call_id: {"call_id": call_id}, refused=not_done)
def ami_close(outcome: Closed, call_id: int):
    flash(render.closed_line(outcome))
    return redirect(url_for("web.ami_results", call_id=call_id), code=303)


_PAGES = KeptPages(64)


@admin_page("ami.results_page", raw=lambda call_id: {"call_id": call_id})
def ami_results(outcome: Results, call_id: int):
    call, computed = outcome.call, outcome.view.computed
    if computed is None:
        return _results_page(outcome, csrf_token)
    # Written again only when something it shows changed: the matrix (its memo entry, compared by identity),
    # the call's title, status and deadline, the formed consortiums' slugs (``web/pages/kept.py`` adds the
    # language, the address and the rest).
    key = (call.id, call.title, call.status, call.deadline, tuple(sorted(outcome.slugs.items())))
    return _PAGES.page(key, computed, lambda token: _results_page(outcome, token))


def _results_page(outcome: Results, token) -> str:
    content = Markup(render_template("ami_results_content.html", call=outcome.call, view=outcome.view,
                                     slugs=outcome.slugs, html=_matrix_parts(outcome.view), csrf_token=token))
    return render_template("ami_results.html", call=outcome.call, content=content, csrf_token=token)


# The parts of the results page repeated per answer (the matrix's rows, its départements, the structures
# of each theme and those of several themes: ~1,500 lines for 400 answers) are written here in one pass, every
# value escaped, instead of a template loop per piece; ``ami_results.html`` places them. They depend on the
# matrix alone (no label, no language): kept beside the matrix's memo entry (``features/ami/matrix.py``), and
# written again when the matrix is computed again.

_HTML: dict[int, tuple[object, dict]] = {}   # call id -> (the matrix's memo entry, its parts)


def _matrix_parts(view) -> dict[str, object]:
    kept = _HTML.get(view.call.id)
    if view.computed is not None and kept is not None and kept[0] is view.computed:
        return kept[1]
    parts = _matrix_html(view)
    if view.computed is not None:
        if len(_HTML) >= 32:
            _HTML.clear()
        _HTML[view.call.id] = (view.computed, parts)
    return parts


def _matrix_html(view) -> dict[str, object]:
    texts = {}   # each answer's texts escaped once: it shows in its row and under each of its themes
    rows = []
    cells_of = {rank: f'<td class="rank rank-{rank}">{rank if rank else ""}</td>' for rank in range(10)}
    for (answer, _ranks), ranks in zip(view.rows, view.rank_lists):
        name, departement = escape_text(answer.structure_name), escape_text(answer.departement or "")
        texts[id(answer)] = (name, f" ({departement})" if departement else "", escape_text(answer.contact_name))
        kind = f" <small>({escape_text(answer.siae_type)})</small>" if answer.siae_type else ""
        cells = "".join([cells_of.get(rank) or f'<td class="rank rank-{rank}">{rank}</td>' for rank in ranks])
        rows.append(f'<tr><th scope="row">{name}{kind}</th>\n        <td>{departement}</td>\n        {cells}</tr>\n')
    multi = [f'<li>{texts[id(a)][0]} — {escape_text(" > ".join(a.themes))}</li>' for a in view.multi]
    groups = {col.theme: Markup("".join([f"<li>{name}{departement} — {contact}</li>" for name, departement, contact
                                         in (texts[id(answer)] for answer in col.structures)]))
              for col in view.groups}
    departements = "".join("<td>" + ", ".join(f"{escape_text(d)} ({n})" for d, n in col.departements.items())
                           + "</td>" for col in view.themes)
    return {"rows": Markup("    ".join(rows)), "multi": Markup("".join(multi)), "groups": groups,
            "departements": Markup(departements)}


@admin_page("ami.results_file", raw=lambda call_id: {"call_id": call_id})
def ami_results_csv(outcome: ResultsFile, call_id: int):
    response = Response(render.results_csv(outcome.view), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="ami-{call_id}.csv"'
    return response


def _form_input(call_id: int) -> dict:
    into = request.form.get("into") or ""
    return {"call_id": call_id, "theme": (request.form.get("theme") or "")[:200],
            "into": int(into) if into.isdigit() and len(into) < 10 else None, "new": request.form.get("new") == "1"}


@admin_page("ami.form", raw=_form_input, refused=not_done)
def ami_form_consortium(outcome: Formed | FormChoice, call_id: int):
    if isinstance(outcome, FormChoice):   # consortiums already work on the theme: join one, or a new one?
        return render_template("ami_form_choice.html", choice=outcome)
    made = outcome.formed
    if outcome.joined:
        flash(_("The structures of “{theme}” join the consortium “{name}”: {n} members added or already there.",
                theme=made.consortium.theme or "", name=made.consortium.name, n=len(made.members)))
    else:
        flash(_("Consortium “{name}” formed with {n} members.", name=made.consortium.name, n=len(made.members))
              if made.created else
              _("Consortium “{name}” completed: {n} members.", name=made.consortium.name, n=len(made.members)))
    if made.without_account:
        flash(_("Without a chat account yet (invite them, then form again): {people}.",
                people="; ".join(f"{a.contact_name} <{a.contact_email}> ({a.structure_name})"
                                 for a in made.without_account)), "warning")
    return redirect(url_for("web.ami_results", call_id=call_id), code=303)
