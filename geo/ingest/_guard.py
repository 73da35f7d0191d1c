"""The de-identification guard: stop a file that carries direct identifiers.

Names, dates of birth, full postcodes, phone numbers, e-mail addresses, NHS numbers and
free-text notes must never enter the database. A column that is one (by its name) or holds
one (by its values) rejects the whole file, naming the column; the offending values are not
repeated in the message, the quarantine or any log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from geo.ingest._columns import normalise

#: column names that are direct identifiers whatever they hold
IDENTIFYING_NAMES: dict[str, str] = {
    "name": "a name",
    "forename": "a name",
    "firstname": "a name",
    "surname": "a name",
    "lastname": "a name",
    "fullname": "a name",
    "childname": "a name",
    "personname": "a name",
    "youngpersonname": "a name",
    "givenname": "a name",
    "familyname": "a name",
    "dob": "a date of birth",
    "dateofbirth": "a date of birth",
    "birthdate": "a date of birth",
    "birthday": "a date of birth",
    "postcode": "a postcode",
    "postalcode": "a postcode",
    "homepostcode": "a postcode",
    "address": "an address",
    "homeaddress": "an address",
    "street": "an address",
    "phone": "a phone number",
    "telephone": "a phone number",
    "mobile": "a phone number",
    "phonenumber": "a phone number",
    "tel": "a phone number",
    "email": "an e-mail address",
    "emailaddress": "an e-mail address",
    "nhsnumber": "an NHS number",
    "nhsno": "an NHS number",
    "nhs": "an NHS number",
    "upn": "a pupil number",
    "nino": "a National Insurance number",
    "notes": "free-text notes",
    "note": "free-text notes",
    "comments": "free-text notes",
    "comment": "free-text notes",
    "narrative": "free-text notes",
    "freetext": "free-text notes",
    "casenotes": "free-text notes",
    "details": "free-text notes",
}

_POSTCODE = re.compile(r"\b(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})\b", re.I)
_EMAIL = re.compile(r"[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}", re.I)
_PHONE = re.compile(r"(?<![\d.])(?:\+44\s?|0)(?:\d\s?){9,10}(?![\d.])")
_NHS = re.compile(r"(?<![\d.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d.])")
_WORDS = re.compile(r"[A-Za-z]+")


def _nhs_valid(digits: str) -> bool:
    nums = [int(d) for d in digits]
    check = 11 - sum(n * w for n, w in zip(nums[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == nums[9]


def _value_kind(value: str, prose_ok: bool = False) -> str | None:
    if _EMAIL.search(value):
        return "an e-mail address"
    if _POSTCODE.search(value):
        return "a full postcode"
    for m in _NHS.finditer(value):
        if _nhs_valid("".join(m.groups())):
            return "an NHS number"
    if _PHONE.search(value):
        return "a phone number"
    if not prose_ok and len(_WORDS.findall(value)) >= 8:
        return "free text"
    return None


def identifier_in(text: str) -> str | None:
    """What direct identifier ``text`` holds (an e-mail address, a full postcode, an NHS or
    phone number), or ``None``; sentences are allowed. For text typed into a form.
    """
    return _value_kind(text, prose_ok=True)


class IdentifierFound(ValueError):
    """A column holds direct identifiers; the file is rejected."""

    def __init__(self, file_name: str, column: str, what: str, row: int | None) -> None:
        where = f" (first seen in row {row})" if row is not None else ""
        super().__init__(
            f"{file_name}: column {column!r} holds {what}{where}. Direct identifiers must not "
            "be uploaded: remove the column (or use a pseudonymous person key column) and "
            "upload again. Nothing from this file was stored."
        )
        self.column = column
        self.what = what


def check(
    frame: pd.DataFrame,
    row_numbers: np.ndarray,
    file_name: str,
    *,
    allowed_names: Iterable[str] = (),
    skip_values: Iterable[str] = (),
    prose: Iterable[str] = (),
) -> None:
    """Raise :class:`IdentifierFound` for the first column that is or holds an identifier.

    ``allowed_names`` are column names legitimate for this kind of file (a place's
    ``name``); ``skip_values`` are columns already parsed as numbers, dates or codes, whose
    values need no scan; ``prose`` columns may hold sentences (an intervention's
    description) but are still scanned for postcodes, e-mails and numbers.
    """
    allowed = {normalise(a) for a in allowed_names}
    skip = set(skip_values)
    prose_cols = set(prose)
    for col in frame.columns:
        norm = normalise(col)
        if norm in IDENTIFYING_NAMES and norm not in allowed:
            raise IdentifierFound(file_name, col, IDENTIFYING_NAMES[norm], None)
    for col in frame.columns:
        if col in skip:
            continue
        for value in frame[col].unique():  # each distinct value once
            if pd.isna(value) or not str(value):
                continue
            kind = _value_kind(str(value), prose_ok=col in prose_cols)
            if kind is not None:
                values = frame[col].to_numpy(dtype=object)
                pos = int(np.flatnonzero(values == value)[0])
                raise IdentifierFound(file_name, col, kind, int(row_numbers[pos]))
