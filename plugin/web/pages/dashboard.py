"""The dashboard: every consortium of the network with its figures, a stage chart, the latest call."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date

from flask import g, render_template, request, url_for

from models import STAGES
from plugin.features.pages.outcomes import Board
from plugin.features.registers.api import format_amount
from plugin.i18n import get_locale

from plugin.web.pages.common import STAGE_COLOURS, admin_page, fmt_short, stage_label


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


@admin_page("pages.dashboard", raw=_read)
def dashboard(outcome: Board):
    theme, stage = _filters()
    board = outcome.board
    chart = [(_month_label(label), counts) for label, counts in outcome.chart]
    return render_template("dashboard.html", board=board, chart=chart, chart_svg=_chart_svg(chart),
                           theme=theme, stage=stage, stages=STAGES, call=outcome.call, rows=_dashboard_rows(board),
                           ideas=outcome.ideas,
                           page_link=lambda n: url_for("web.dashboard", **{k: v for k, v in
                                                                           (("theme", theme), ("stage", stage),
                                                                            ("page", n)) if v}))


def _month_label(label: str) -> str:
    """'2026-11' -> 'nov. 2026' / 'Nov 2026', in the reader's language."""
    try:
        year, month = (int(part) for part in label.split("-"))
    except ValueError:
        return label
    return format_date(date(year, month, 1), "MMM y", locale="fr_FR" if get_locale() == "fr" else "en_GB")


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


@dataclass(frozen=True)
class _BoardRow:
    """One dashboard row with every label ready: the template only places them."""

    href: str
    name: str
    theme: str
    failed: bool
    stage: str
    stage_label: str
    members: int
    checklist_max: int
    checklist_done: int
    checklist_total: int
    commitments: str
    next_session: str
    open_dialogues: int
    last_activity: str


def _dashboard_rows(board) -> list[_BoardRow]:
    rows = []
    for row in board.rows:
        commitments = str(row.commitments)
        if row.commitments_money:   # as Babel writes them for the reader: 7 500,50 € / €7,500.50
            commitments += f" · {format_amount(Decimal(str(row.commitments_money)), 'euros')}"
        if row.commitments_days:
            commitments += f" · {format_amount(Decimal(str(row.commitments_days)), 'jours')}"
        rows.append(_BoardRow(
            href=consortium_href(row.slug), name=row.name, theme=row.theme, failed=bool(row.failed_steps),
            stage=row.stage, stage_label=stage_label(row.stage), members=row.member_count,
            checklist_max=row.checklist_total or 1, checklist_done=row.checklist_done,
            checklist_total=row.checklist_total, commitments=commitments,
            next_session=fmt_short(row.next_session), open_dialogues=row.open_dialogues,
            last_activity=fmt_short(row.last_activity_at)))
    return rows


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
