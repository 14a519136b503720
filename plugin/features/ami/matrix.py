"""The results of a call: themes × structures, with each structure's priorities and the suggested grouping."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import CallForInterest, CallResponse

from plugin.features.ami.calls import MAX_RESPONSES_SHOWN


@dataclass
class ThemeColumn:
    theme: str
    count: int = 0
    first_choice: int = 0
    departements: dict[str, int] = field(default_factory=dict)
    structures: list[CallResponse] = field(default_factory=list)
    formed_id: int | None = None


@dataclass
class Matrix:
    call: CallForInterest
    themes: list[ThemeColumn]
    rows: list[tuple[CallResponse, dict[str, int]]]   # answer, theme -> priority (1 = top)
    multi: list[CallResponse]                           # structures interested in several themes
    groups: list[ThemeColumn]                           # suggested grouping (>= min_group_size)
    below: list[ThemeColumn]                            # themes without enough structures
    total: int
    rank_lists: list[list[int]] = field(default_factory=list)  # per row, the priority under each column (0: none)
    computed: object = None   # the memo entry it comes from (the page keeps its HTML beside it); None: not memoised

    @property
    def min_group_size(self) -> int:
        return self.call.min_group_size


_TABLE = CallResponse.__table__
# What the results page and the chat show of an answer; the CSV export reads every column. A change to any of
# these moves the call's ``answers_stamp`` (database triggers, migration 0023): a column added here needs them too.
SHOWN = ("structure_name", "structure_key", "siae_type", "departement", "contact_name", "themes")
_EVERY = (select(_TABLE).where(_TABLE.c.call_id == bindparam("call"))
          .order_by(_TABLE.c.structure_key).limit(MAX_RESPONSES_SHOWN))
_SHOWN = (select(*(_TABLE.c[name] for name in SHOWN))
          .where(_TABLE.c.call_id == bindparam("call")).order_by(_TABLE.c.structure_key).limit(MAX_RESPONSES_SHOWN))


class ShownAnswer(NamedTuple):
    """An answer as the page and the chat show it (attribute access like the model)."""

    structure_name: str
    structure_key: str
    siae_type: str | None
    departement: str | None
    contact_name: str
    themes: list | None


@dataclass(frozen=True)
class _Computed:
    inputs: tuple   # what the matrix was computed from: the call's answers stamp, themes, group size, formed
    parts: tuple    # Matrix's fields but the call


# call id -> its last matrix shown. A memo of a pure function keyed by all its inputs: the call's own fields,
# read with the call, and its ``answers_stamp``, which database triggers change with every change to what the
# matrix shows of its answers (migration 0023). The answers are read only when the memo misses.
_MEMO: dict[int, _Computed] = {}
_MEMO_SIZE = 32


def matrix(session: Session, call: CallForInterest, *, shown_only: bool = False) -> Matrix:
    """Themes × structures in one query and one pass over the answers.

    Each answer adds itself to the columns of its themes (count, first choices, départements,
    structures with their priority) and gets its row of priorities, column by column. The answers
    carry every column (the CSV export), or those of ``SHOWN`` with ``shown_only`` (the page, the chat).

    ``call`` is as read in this transaction, after any write to its answers (its stamp is read with it, so
    before the answers: a memo entry never holds answers older than its stamp).
    """
    if not shown_only:
        return Matrix(call, *_compute(call, session.execute(_EVERY, {"call": call.id}).all()))
    inputs = (call.answers_stamp, tuple(call.themes), call.min_group_size,
              tuple(sorted((call.formed or {}).items())))
    computed = _MEMO.get(call.id)
    if computed is None or computed.inputs != inputs:
        answers = [ShownAnswer(*row) for row in session.execute(_SHOWN, {"call": call.id})]
        computed = _Computed(inputs, _compute(call, answers))
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[call.id] = computed
    return Matrix(call, *computed.parts, computed=computed)


def _compute(call: CallForInterest, answers) -> tuple:
    columns = {theme: ThemeColumn(theme) for theme in call.themes}
    position_of = {theme: index for index, theme in enumerate(columns)}
    width = len(columns)
    formed = call.formed or {}
    ranked: dict[str, list[tuple[int, str, object]]] = {theme: [] for theme in columns}
    rows, rank_lists, multi = [], [], []
    for answer in answers:
        ranks = {}
        cells = [0] * width
        departement = answer.departement
        for position, theme in enumerate(answer.themes or [], start=1):
            column = columns.get(theme)
            if column is None:  # a theme removed since: ignored
                continue
            first = ranks.get(theme, position)  # a column lists the answer under its first priority
            ranks[theme] = position
            cells[position_of[theme]] = position
            column.count += 1
            if position == 1:
                column.first_choice += 1
            ranked[theme].append((first, answer.structure_key, answer))
            if departement:
                column.departements[departement] = column.departements.get(departement, 0) + 1
        rows.append((answer, ranks))
        rank_lists.append(cells)
        if len(ranks) > 1:
            multi.append(answer)
    for theme, column in columns.items():
        column.departements = dict(sorted(column.departements.items()))
        column.structures = [answer for _p, _k, answer in sorted(ranked[theme], key=lambda t: (t[0], t[1]))]
        column.formed_id = formed.get(theme)
    ordered = list(columns.values())
    groups = sorted((c for c in ordered if c.count >= call.min_group_size), key=lambda c: (-c.count, c.theme))
    below = [c for c in ordered if c.count < call.min_group_size]
    return ordered, rows, multi, groups, below, len(answers), rank_lists
