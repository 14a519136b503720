"""The one CSV writer of every export: files that open right, and safely, in the reader's spreadsheet.

Conventions by the reader’s language:

* French (the default): ``;`` between cells and a decimal comma (``1500,50``), as French Excel and
  LibreOffice expect;
* English: ``,`` and a decimal point (``1500.50``);
* both: UTF-8 with a BOM (so Excel reads accents), ``\\r\\n`` line ends, quotes only where needed,
  numbers without thousands separators (a spreadsheet reads them as numbers), dates as ISO
  (``2027-03-31``, ``2027-03-31 14:30``).

Cells are typed: ``Decimal``/``float`` are written as numbers of the language, dates as dates,
``None`` as empty. Text that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is prefixed with ``'``; other text is written as it is.
Callers write labels in the reader's language, never codes, and usernames bare (``ines``).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Sequence

from plugin.i18n import get_locale

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets (the full-width
# forms too, by some of them).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


class FrenchSpreadsheet(csv.excel):
    """French Excel and LibreOffice: ``;`` between cells (the comma is the decimal separator)."""

    delimiter = ";"


class EnglishSpreadsheet(csv.excel):
    """English spreadsheets: ``,`` between cells."""


DIALECTS: dict[str, type[csv.Dialect]] = {"fr": FrenchSpreadsheet, "en": EnglishSpreadsheet}
DECIMAL_SEPARATORS = {"fr": ",", "en": "."}


def style_of(locale: str | None = None) -> str:
    """``"fr"`` or ``"en"``: the conventions of the reader's language (French unless English)."""
    return "en" if (locale or get_locale() or "fr").lower().startswith("en") else "fr"


def dialect_for(locale: str | None = None) -> type[csv.Dialect]:
    """The csv dialect a file is written in, for reading it back as a spreadsheet does."""
    return DIALECTS[style_of(locale)]


def safe_cell(value) -> str:
    """Text a spreadsheet would evaluate, prefixed with an apostrophe; other text as it is."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def number_cell(value: Decimal | float | int, style: str) -> str:
    """``1500,50`` / ``1500.50``; whole numbers without decimals."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    text = format(number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize(), "f")
    if text.count(".") and len(text.split(".")[1]) == 1:   # 1500.5 -> 1500.50, as amounts are written
        text += "0"
    return text.replace(".", DECIMAL_SEPARATORS[style])


def cell(value, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (Decimal, float, int)):
        return number_cell(value, style)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence], *, locale: str | None = None) -> bytes:
    """The file, in the conventions of ``locale`` (by default the current language)."""
    style = style_of(locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect=DIALECTS[style])
    writer.writerow([safe_cell(title) for title in header])
    for row in rows:
        writer.writerow([cell(value, style) for value in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
