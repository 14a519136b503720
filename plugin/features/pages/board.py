"""The dashboard, kept per network and board stamp.

Database triggers give a network a new random ``board_stamp`` whenever anything the dashboard shows
changes (migration 0022). The stamp is read with the network, before any data: a board kept under a
stamp is never older than what the stamp stands for. What the clock changes is kept in the entry as
the moment it stops being true: the next month (the chart's months), a row's next session once it
has started, a stage change dated later than the page was computed.
"""
from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from models import Network
from plugin.features.ami import api as ami
from plugin.features.ideas.api import ideas_with_supports
from plugin.kernel.lru import Lru

from plugin.features.pages.outcomes import Board, ShownCall
from plugin.features.pages.readmodels import Dashboard, dashboard, stage_chart

# (network, stamp, filters, page) -> (computed at, true until, the board). Locale-free: the web page
# keeps its HTML per language beside it (``web/pages/dashboard.py``).
_KEPT: Lru[tuple[datetime, datetime, Board]] = Lru(128)
_COMPUTED = itertools.count(1)


def board_of(session: Session, network: Network, *, theme: str, stage: str, page: int, per_page: int,
             now: datetime) -> Board:
    """One page of the dashboard: the one kept for the network's stamp, or read (four statements)."""
    stamp = network.board_stamp
    key = (network.id, stamp, theme, stage, page, per_page)
    kept = _KEPT.get(key) if stamp else None
    if kept is not None and kept[0] <= now < kept[1]:
        return kept[2]
    board = dashboard(session, network, theme=theme, stage=stage, page=page, per_page=per_page, now=now)
    chart = stage_chart(session, network, current=board.stage_counts, changes=board.changes, now=now)
    call = ami.latest_call(session, network)
    outcome = Board(board, chart, ShownCall(call.id, call.title) if call is not None else None,
                    ideas_with_supports(session, network.id), key=(*key, next(_COMPUTED)) if stamp else None)
    if stamp:
        _KEPT.put(key, (now, _true_until(board, now), outcome))
    return outcome


def _true_until(board: Dashboard, now: datetime) -> datetime:
    """When the clock alone changes the page: the next month, or earlier a row's next session or a
    stage change still to come (the chart counts it from its moment)."""
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    moments = [row.next_session for row in board.rows if row.next_session is not None]
    moments += [at for _from, _to, at in board.changes or () if at > now]
    return min([datetime(year, month, 1, tzinfo=now.tzinfo), *moments])


def forget_boards() -> None:
    _KEPT.clear()
