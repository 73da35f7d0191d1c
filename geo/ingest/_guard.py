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
import pyarrow as pa
import pyarrow.compute as pc

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

# The patterns run on Arrow's RE2 engine (``pyarrow.compute``), which has no backtracking:
# its time grows with the length of the text, never faster (a million-character cell takes
# milliseconds). RE2 has no look-around; ``(?:^|[^\d.])`` stands for "not after a digit".
_EMAIL = r"(?i)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"
_POSTCODE = r"(?i)\b(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})\b"
_PHONE = r"(?:^|[^\d.])(?:\+44\s?|0)(?:\d\s?){9,10}(?:$|[^\d.])"
_NHS_CANDIDATE = r"(?:^|[^\d.])\d{3}[ -]?\d{3}[ -]?\d{4}(?:$|[^\d.])"
#: NHS candidates found by RE2 are confirmed by their check digit with this bounded
#: pattern (fixed-length pieces: it cannot backtrack far)
_NHS = re.compile(r"(?<![\d.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d.])")
#: a word: a run of non-space characters holding a letter (a hex or base-64 blob is one)
_WORD = r"[^\sA-Za-z]*[A-Za-z]\S*"
#: this many words or more make a value free text
FREE_TEXT_WORDS = 8


def _nhs_valid(digits: str) -> bool:
    nums = [int(d) for d in digits]
    check = 11 - sum(n * w for n, w in zip(nums[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == nums[9]


def _has_nhs(value: str) -> bool:
    return any(_nhs_valid("".join(m.groups())) for m in _NHS.finditer(value))


def scan(values: pa.Array | list[str], prose_ok: bool = False) -> np.ndarray:
    """What direct identifier each value holds (an object array of descriptions, ``None``
    where it holds none), vectorised on RE2: linear in the length of the text."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.fill_null(arr, "")
    out = np.full(len(arr), None, dtype=object)
    if not len(arr):
        return out

    def mask(pattern: str) -> np.ndarray:
        return np.asarray(pc.match_substring_regex(arr, pattern).to_numpy(
            zero_copy_only=False), dtype=bool)

    nhs = mask(_NHS_CANDIDATE)
    if nhs.any():  # few values: their check digits in Python
        idx = np.flatnonzero(nhs)
        nhs[idx] = [_has_nhs(v) for v in arr.take(pa.array(idx)).to_pylist()]
    # the first kind found wins, in this order (as before: e-mail, postcode, NHS, phone)
    checks = [(mask(_EMAIL), "an e-mail address"), (mask(_POSTCODE), "a full postcode"),
              (nhs, "an NHS number"), (mask(_PHONE), "a phone number")]
    if not prose_ok:
        words = pc.count_substring_regex(arr, _WORD).to_numpy(zero_copy_only=False)
        checks.append((np.asarray(words) >= FREE_TEXT_WORDS, "free text"))
    for hit, what in reversed(checks):
        out[hit] = what
    return out


def _value_kind(value: str, prose_ok: bool = False) -> str | None:
    found: str | None = scan([value], prose_ok)[0]
    return found


def identifier_in(text: str) -> str | None:
    """What direct identifier ``text`` holds (an e-mail address, a full postcode, an NHS or
    phone number), or ``None``; sentences are allowed. For text typed into a form.
    """
    return _value_kind(text, prose_ok=True)


#: a day-precision date (a date of birth?) in a file name
_FULL_DATE = re.compile(r"(?<!\d)(?:\d{1,2}[-_./ ]\d{1,2}[-_./ ](?:\d{4}|\d{2})|"
                        r"\d{4}[-_./ ]\d{1,2}[-_./ ]\d{1,2})(?!\d)")
#: words that, in a file name, say what follows identifies someone
_NAME_WORDS = {"name", "forename", "firstname", "surname", "lastname", "fullname", "dob",
               "dateofbirth", "birthdate", "birthday", "born", "nhs", "nhsno", "nino", "upn"}
#: two capitalised words in a row: a person's name?
_TWO_NAMES = re.compile(r"\b[A-Z][a-z]+[ _.-]+[A-Z][a-z]+\b")


def name_is_safe(text: str, words: bool = True) -> bool:
    """Whether a file or column name may be stored: it holds no identifier the guard
    finds, no word that names one (``DOB``, ``name``, ...: with ``words``, for a file
    name; a column may be called so), no full date and no two capitalised words in a row
    (a person's name). Strict on purpose: a name that fails is replaced, not refused."""
    text = str(text)
    if len(text) > 120 or not text.isprintable():
        return False
    spaced = " ".join(re.split(r"[^A-Za-z0-9@.+]+", text))
    if any(found is not None for found in scan([text, spaced])):
        return False
    if words and any(t.lower() in _NAME_WORDS for t in re.split(r"[^A-Za-z]+", text) if t):
        return False
    return not (_FULL_DATE.search(text) or _TWO_NAMES.search(text))


def safe_file_name(name: str, sha256: str) -> str:
    """The name to record for an uploaded file: its own if :func:`name_is_safe`, else
    ``upload-<first 8 hex digits of its sha256>``."""
    return name if name_is_safe(name) else f"upload-{sha256[:8]}"


def column_label(column: str, columns: list[str] | None = None) -> str:
    """A column as a message may name it: ``'Crime type'``, or ``column 5`` when its name
    could itself identify someone."""
    if name_is_safe(column, words=False):
        return repr(str(column))
    pos = columns.index(column) + 1 if columns and column in columns else None
    return f"column {pos}" if pos else "a column"


class IdentifierFound(ValueError):
    """A column holds direct identifiers; the file is rejected."""

    def __init__(self, file_name: str, column: str, what: str, row: int | None,
                 columns: list[str] | None = None) -> None:
        where = f" (first seen in row {row})" if row is not None else ""
        super().__init__(
            f"{file_name}: column {column_label(column, columns).removeprefix('column ')} "
            f"holds {what}{where}. Direct identifiers must not "
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
    columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        norm = normalise(col)
        if norm in IDENTIFYING_NAMES and norm not in allowed:
            raise IdentifierFound(file_name, col, IDENTIFYING_NAMES[norm], None, columns)
    for col in frame.columns:
        if col in skip:
            continue
        uniques = pd.unique(frame[col])  # each distinct value once
        found = scan(pa.array(uniques, type=pa.string(), from_pandas=True),
                     prose_ok=col in prose_cols)
        hits = np.flatnonzero(found != None)  # noqa: E711 - element-wise
        if len(hits):
            value = uniques[hits[0]]
            values = frame[col].to_numpy(dtype=object)
            pos = int(np.flatnonzero(values == value)[0])
            raise IdentifierFound(file_name, col, found[hits[0]], int(row_numbers[pos]),
                                  columns)
