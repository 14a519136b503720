"""The results of a call: themes × structures, with each structure's priorities and the suggested grouping."""
from __future__ import annotations

from dataclasses import dataclass, field

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

    @property
    def min_group_size(self) -> int:
        return self.call.min_group_size


_TABLE = CallResponse.__table__
# What the results page and the chat show of an answer; the CSV export reads every column.
SHOWN = ("structure_name", "structure_key", "siae_type", "departement", "contact_name", "themes")
_SHOWN = select(*(_TABLE.c[name] for name in SHOWN))
_EVERY = select(_TABLE)


def _answers_for_matrix(session: Session, call: CallForInterest, *, shown_only: bool):
    """The call's answers as plain rows (attribute access like the model, without the ORM's
    identity map and change tracking: the matrix only reads them), in the order of ``responses``;
    only the columns ``SHOWN`` with ``shown_only``. One statement, built once."""
    return session.execute(_ANSWERS[shown_only], {"call": call.id}).all()


_ANSWERS = {shown: (_SHOWN if shown else _EVERY).where(_TABLE.c.call_id == bindparam("call"))
            .order_by(_TABLE.c.structure_key).limit(MAX_RESPONSES_SHOWN) for shown in (False, True)}


def matrix(session: Session, call: CallForInterest, *, shown_only: bool = False) -> Matrix:
    """Themes × structures in one query and one pass over the answers.

    Each answer adds itself to the columns of its themes (count, first choices, départements,
    structures with their priority) and gets its row of priorities, column by column. The answers
    carry every column (the CSV export), or those of ``SHOWN`` with ``shown_only`` (the page, the chat).
    """
    answers = _answers_for_matrix(session, call, shown_only=shown_only)
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
    return Matrix(call, ordered, rows, multi, groups, below, len(answers), rank_lists)
