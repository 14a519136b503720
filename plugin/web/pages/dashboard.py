"""The dashboard: every consortium of the network with its figures, a stage chart, the latest call."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date

from flask import g, render_template, request, url_for
from markupsafe import Markup

from models import STAGES
from plugin.features.pages.outcomes import Board
from plugin.features.registers.api import format_amount
from plugin.i18n import _, get_locale

from plugin.web.pages.common import (
    STAGE_COLOURS, admin_page, csrf_token, escape_text, fmt_short, stage_label,
)
from plugin.web.pages.kept import KeptPages


def _int_arg(name: str, default: int = 1) -> int:
    try:
        return max(1, min(int(request.args.get(name, default)), 100_000))
    except (TypeError, ValueError):
        return default


def _filters() -> tuple[str, str]:
    theme = (request.args.get("theme") or "")[:200]
    stage = request.args.get("stage") or ""
    return theme, stage if stage in STAGES else ""


def _read(**_route) -> dict:
    theme, stage = _filters()
    return {"theme": theme, "stage": stage, "page": _int_arg("page")}


# The page's HTML, kept beside its board (``features/pages/board.py``): the board's key names the network's
# stamp, the filters and the page (``web/pages/kept.py`` adds what else it depends on).
_PAGES = KeptPages(256)


@admin_page("pages.dashboard", raw=_read)
def dashboard(outcome: Board):
    if outcome.key is None:
        return _page(outcome, csrf_token)
    return _PAGES.page(outcome.key, None, lambda token: _page(outcome, token))


def _page(outcome: Board, token) -> str:
    theme, stage = _filters()
    board = outcome.board
    chart = [(_month_label(label), counts) for label, counts in outcome.chart]
    chart_svg = _chart_svg(chart)
    return render_template("dashboard.html", board=board, chart=chart, chart_svg=chart_svg,
                           chart_bars=_chart_bars(chart_svg),
                           theme=theme, stage=stage, stages=STAGES, call=outcome.call, rows=_dashboard_rows(board),
                           ideas=outcome.ideas, csrf_token=token,
                           page_link=lambda n: url_for("web.dashboard", **{k: v for k, v in
                                                                           (("theme", theme), ("stage", stage),
                                                                            ("page", n)) if v}))


def _month_label(label: str) -> str:
    """'2026-11' -> 'nov. 2026' / 'Nov 2026', in the reader's language."""
    return _month_in(label, get_locale())


@lru_cache(maxsize=256)
def _month_in(label: str, locale: str) -> str:
    try:
        year, month = (int(part) for part in label.split("-"))
    except ValueError:
        return label
    return format_date(date(year, month, 1), "MMM y", locale="fr_FR" if locale == "fr" else "en_GB")


_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")


def consortium_href(slug: str) -> str:
    """``url_for("web.consortium", slug=slug)`` without the routing work per row: a slug
    (lowercase letters, digits, dashes) needs no quoting, so the link is a known prefix."""
    if not _PLAIN_SLUG.fullmatch(slug or ""):
        return url_for("web.consortium", slug=slug)
    prefix = g.get("consortium_href_prefix")
    if prefix is None:
        prefix = g.consortium_href_prefix = url_for("web.consortium", slug="slug")[:-len("slug")]
    return prefix + slug


def _dashboard_rows(board) -> Markup:
    """The table's rows as HTML, written in one pass with every value escaped (``escape_text``), as the
    template wrote them (the same text, whitespace included): a template loop spent ≈2,500 generator
    steps and 1,000 ``Markup`` escapes on 50 rows. Loop-invariant labels are translated once."""
    setup_failed = escape_text(_("set-up failed"))
    progress_label = escape_text(_("Checklist progress"))
    parts = []
    for row in board.rows:
        commitments = str(row.commitments)
        if row.commitments_money:   # as Babel writes them for the reader: 7 500,50 € / €7,500.50
            commitments += f" · {format_amount(Decimal(str(row.commitments_money)), 'euros')}"
        if row.commitments_days:
            commitments += f" · {format_amount(Decimal(str(row.commitments_days)), 'jours')}"
        theme = f"<br><small>{escape_text(row.theme)}</small>" if row.theme else ""
        failed = f'<br><small class="warning">⚠ {setup_failed}</small>' if row.failed_steps else ""
        stage = escape_text(row.stage)
        parts.append(
            f'\n    <tr>\n      <th scope="row"><a href="{escape_text(consortium_href(row.slug))}">'
            f'{escape_text(row.name)}</a>\n        {theme}\n        {failed}</th>\n'
            f'      <td><span class="stage stage-{stage}">{escape_text(stage_label(row.stage))}</span></td>\n'
            f'      <td>{row.member_count}</td>\n'
            f'      <td><progress max="{row.checklist_total or 1}" value="{row.checklist_done}" '
            f'aria-label="{progress_label}"></progress>\n        {row.checklist_done}/{row.checklist_total}</td>\n'
            f'      <td>{escape_text(commitments)}</td>\n      <td>{escape_text(fmt_short(row.next_session))}</td>\n'
            f'      <td>{row.open_dialogues}</td>\n      <td>{escape_text(fmt_short(row.last_activity_at))}</td>\n'
            f'    </tr>\n  ')
    return Markup("".join(parts))


def _chart_svg(series) -> dict:
    """Geometry of a stacked bar chart (rendered as inline SVG with attributes only)."""
    width, height, bar, gap = 560, 200, 56, 30
    peak = max((sum(counts.values()) for _label, counts in series), default=0) or 1
    bars = []
    for index, (label, counts) in enumerate(series):
        x = 40 + index * (bar + gap)
        y = height
        parts = []
        for stage in STAGES:
            value = counts.get(stage, 0)
            h = round(value / peak * (height - 20))
            if value:
                y -= h
                parts.append({"stage": stage, "value": value, "y": y, "h": h, "colour": STAGE_COLOURS[stage]})
        bars.append({"label": label, "x": x, "parts": parts, "total": sum(counts.values())})
    return {"width": width, "height": height + 30, "bar": bar, "bars": bars, "base": height}


def _chart_bars(chart: dict) -> Markup:
    """The chart's bars as SVG, written in one pass with every label escaped, as the template wrote them
    (the same text, whitespace included)."""
    width, base = chart["bar"], chart["base"]
    parts = []
    for bar in chart["bars"]:
        label = escape_text(bar["label"])
        parts.append("\n        ")
        for part in bar["parts"]:
            parts.append(
                f'\n        <rect x="{bar["x"]}" y="{part["y"]}" width="{width}" height="{part["h"]}" '
                f'fill="{part["colour"]}">\n          <title>{label} — {escape_text(stage_label(part["stage"]))}: '
                f'{part["value"]}</title>\n        </rect>\n        ')
        parts.append(f'\n        <text x="{bar["x"] + width / 2}" y="{base + 18}" text-anchor="middle" '
                     f'font-size="12">{label}</text>\n      ')
    return Markup("".join(parts))
