"""Quarantined rows, kept with nothing that could identify anyone.

A quarantined row is stored as its row number, its reason, the column at fault and a
description of what was wrong ("month '13/2025' is not a month"), with the values of the
file's known, non-identifying fields only: month, harm type, risk level and age band as
parsed (codes of our vocabularies) and coordinates rounded to about 100 m. The value at
fault appears in the description only when its shape rules out an identifier (digits and
separators, a month name, an area code) and not that of an identifier (a full date, which
may be a date of birth, or a long run of digits); a column the load does not know is never
stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.ingest._guard import column_label
from geo.ingest._read import Table

#: a value made of digits, separators, a month name, a compass point or an area code
_SHOWABLE = re.compile(
    r"(?i)^(?:[\d\s.,:;/+\-−–°′″'\"()TZ]|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|"
    r"june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"[NSEW])*$"
)
_AREA_CODE = re.compile(r"^[A-Z]\d{8}$")
#: a day-precision date (a date of birth?): ``14/05/2010``, ``2010-05-14``, ``14.5.10``
_DAY_DATE = re.compile(r"(?<!\d)(?:\d{1,2}[-_./ ]\d{1,2}[-_./ ](?:\d{4}|\d{2})|"
                       r"\d{4}[-_./ ]\d{1,2}[-_./ ]\d{1,2})(?!\d)")
#: more digits than a coordinate's whole part, a year or a count have: a phone, NHS or
#: case number? (the digits after a decimal point are not counted)
_MANY_DIGITS = 6


def identifying_shape(text: str) -> bool:
    """Whether a value has the shape of an identifier although it is all digits and
    separators: a full date, or a run of digits (a phone, NHS or case number)."""
    whole = re.sub(r"[.,]\d+", "", text)  # decimals' fractions are not identifiers
    return bool(_DAY_DATE.search(text)) or sum(c.isdigit() for c in whole) > _MANY_DIGITS


def shown(value: object) -> str:
    """``'13/2025'`` when the value's shape rules out an identifier, else a description
    that keeps nothing of it."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = text.strip()
    if not text:
        return "(blank)"
    if _AREA_CODE.match(text.upper()) or (
            len(text) <= 32 and _SHOWABLE.match(text) and not identifying_shape(text)):
        return repr(text)
    if _SHOWABLE.match(text) and identifying_shape(text):
        return "(a date or a number that could identify someone, not kept)"
    return f"(a value of {len(text)} characters, not kept)"


@dataclass(frozen=True)
class Fault:
    """What a reason means for one file: the column(s) at fault and a description, in
    which ``{value}`` is the value at fault (:func:`shown`) and ``{column}`` its column."""

    columns: tuple[str, ...]
    text: str


def frame(
    table: Table,
    reason: np.ndarray,
    faults: Mapping[str, Fault],
    values: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The quarantined rows of ``table`` (``reason`` not None): row number, reason, column
    at fault, description, and ``values`` (known fields' safe values) of each."""
    idx = np.flatnonzero(reason != None)  # noqa: E711 - element-wise on an object array
    reasons = reason[idx].astype(str) if len(idx) else np.array([], dtype=str)
    names = [str(c) for c in table.columns.columns]
    col_out: list[str] = []
    details: list[str] = []
    for i, r in zip(idx.tolist(), reasons.tolist(), strict=True):
        fault = faults.get(r) or Fault((), r.replace("_", " "))
        cols = [c for c in fault.columns if c]
        if r == "formula_cell":
            cols = table.formula_cells.get(int(table.row_numbers[i]), cols)
        labels = ", ".join(column_label(c, names).strip("'") for c in cols)
        value = " / ".join(shown(table.columns[c].iloc[i]) if c in table.columns else "(none)"
                           for c in cols)
        col_out.append(labels)
        details.append(fault.text.format(value=value or "(none)", column=labels or "the row"))
    kept: list[dict[str, object]] = []
    if values:
        sub = {k: _months_text(v[idx]) if np.asarray(v).dtype.kind == "M"
               else np.asarray(v, dtype=object)[idx] for k, v in values.items()}
        for k in range(len(idx)):
            kept.append({f: _plain(v[k]) for f, v in sub.items() if _present(v[k])})
    else:
        kept = [{} for _ in range(len(idx))]
    return pd.DataFrame({
        "row_number": table.row_numbers[idx].astype(int),
        "reason": reasons,
        "column_name": col_out,
        "detail": details,
        "row_values": kept,
    })


def _months_text(v: np.ndarray) -> np.ndarray:
    """Months as ``YYYY-MM`` (None where missing)."""
    text = np.datetime_as_string(v.astype("datetime64[M]")).astype(object)
    text[np.isnat(v)] = None
    return text


def _present(v: object) -> bool:
    if v is None:
        return False
    if isinstance(v, float | np.floating):
        return bool(np.isfinite(v))
    if isinstance(v, np.datetime64):
        return not np.isnat(v)
    return v != ""


def _plain(v: object) -> object:
    if isinstance(v, np.datetime64):
        return str(v.astype("datetime64[M]"))
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def rounded(x: np.ndarray, y: np.ndarray, lon: np.ndarray,
            lat: np.ndarray) -> dict[str, np.ndarray]:
    """Coordinates to about 100 m: longitude and latitude to 3 decimals when given so,
    else easting and northing to the nearest 100 m."""
    given_ll = ~np.isnan(lon)
    return {
        "longitude": np.where(given_ll, np.round(lon, 3), np.nan),
        "latitude": np.where(given_ll, np.round(lat, 3), np.nan),
        "easting": np.where(~given_ll, np.round(x, -2), np.nan),
        "northing": np.where(~given_ll, np.round(y, -2), np.nan),
    }
