"""CSV that cannot carry a formula into a partner's spreadsheet.

Every download leaves through :func:`geo.services.exports.export` (role, this module's
CSV, audit). CSV cells follow OWASP's rules for CSV injection
(https://owasp.org/www-community/attacks/CSV_Injection): every field is quoted, quotes
inside are doubled, and a text cell is prefixed with an apostrophe when a spreadsheet
could read a formula from it, that is when it starts with ``= + - @``, tab or carriage
return, or when such a character follows a separator inside it (``x;=cmd|' /C calc'!A0``
is two cells to a spreadsheet that splits on ``;``). The bytes made are read back and
checked cell by cell before they leave (:func:`check_csv`).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

#: a formula's first character at the start of the text or after a separator (comma,
#: semicolon, tab, pipe, a line break or a quote), spaces allowed in between
_FORMULA = re.compile(r"(?:^|[,;\t|\r\n\"'])\s*[=+\-@\t\r]")
#: what a safe cell may look like: the apostrophe-prefixed form, or no formula anywhere
_NEUTRALISED = "'"


class UnsafeExport(RuntimeError):
    """The CSV made still holds a cell a spreadsheet could run (never expected)."""


def dangerous(text: str) -> bool:
    """Whether a spreadsheet could read a formula from this text (see the module)."""
    return bool(_FORMULA.search(text))


def neutralise(value: object) -> object:
    """An apostrophe before a text cell a spreadsheet could run as a formula; other
    values (numbers, dates, missing) as they are."""
    if isinstance(value, str) and dangerous(value):
        return _NEUTRALISED + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel): every field quoted, every text cell and
    column name neutralised, and the result checked."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    text: str = out.to_csv(index=False, quoting=csv.QUOTE_ALL)
    data = text.encode("utf-8-sig")
    check_csv(data)
    return data


def check_csv(data: bytes) -> None:
    """Read CSV bytes back as a spreadsheet would and raise :class:`UnsafeExport` if any
    cell could start a formula (the whole content, every cell, the header too)."""
    text = data.decode("utf-8-sig")
    for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for cell in row:
            if dangerous(cell) and not cell.startswith(_NEUTRALISED):
                raise UnsafeExport(f"line {n} of the export holds a formula: not sent")

