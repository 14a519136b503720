"""CSV exports that open safely in spreadsheets (PRODUCT.md §6: no formula injection)."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value) -> str:
    """Neutralise a cell a spreadsheet would evaluate: prefix it with an apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence], *, semicolon: bool = False, bom: bool = True) -> bytes:
    """UTF-8 CSV (with a BOM so Excel reads accents), ``;`` for French Excel when asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if semicolon else ",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data
