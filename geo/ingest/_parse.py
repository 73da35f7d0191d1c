"""Vectorised parsers for the fields of an extract: each returns values and a bad mask.

A parser never raises on a bad value: it marks the row so the caller can quarantine it
with a reason, keeping rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

Mask = NDArray[np.bool_]


def blank(s: pd.Series) -> Mask:
    mask: Mask = (s.str.strip() == "").to_numpy()
    return mask


def _arrow(s: pd.Series) -> pa.Array | None:
    """The Arrow strings behind a column, or None when it holds Python objects."""
    try:
        arr = pa.array(s.array) if not isinstance(s.dtype, np.dtype) else None
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return arr


def numbers(s: pd.Series) -> tuple[NDArray[np.float64], Mask]:
    """Floats; ``bad`` where a non-empty value is not a finite number (``1,234`` is 1234)."""
    raw = _arrow(s)
    if raw is not None:  # a column of plain numbers: one cast, no clean-up
        try:
            arr = pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
            if np.isfinite(arr).all():
                return arr, np.zeros(len(arr), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    text = s.str.strip().str.replace(",", "", regex=False)
    try:  # Arrow parses a clean column ten times faster; any bad value and pandas decides
        empty = pa.array(text == "", type=pa.bool_())
        raw = pa.array(text, type=pa.string())
        parsed = pc.cast(pc.if_else(empty, pa.scalar(None, pa.string()), raw), pa.float64())
        arr = parsed.to_numpy(zero_copy_only=False).astype(float)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        v = pd.to_numeric(text, errors="coerce")
        arr = v.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(arr) & ~blank(s)
    return arr, bad


def _by_value(s: pd.Series) -> tuple[NDArray[np.intp], pd.Series]:
    """Codes into the distinct values of ``s`` (a column of few distinct values is then
    parsed once per value, not once per row)."""
    codes, uniques = pd.factorize(s)
    return np.asarray(codes), pd.Series(np.asarray(uniques, dtype=object), dtype=str)


def months(s: pd.Series) -> tuple[NDArray[np.datetime64], Mask]:
    """First day of the month from ``YYYY-MM``, ``YYYY-MM-DD``, ``MM/YYYY`` or ``DD/MM/YYYY``."""
    codes, uniques = _by_value(s)
    arr, bad = _months(uniques)
    return arr[codes], bad[codes]


def _months(s: pd.Series) -> tuple[NDArray[np.datetime64], Mask]:
    t = s.str.strip()
    out = pd.to_datetime(t, format="%Y-%m", errors="coerce")
    for fmt in ("%Y-%m-%d", "%m/%Y", "%d/%m/%Y", "%Y/%m", "%b %Y", "%B %Y", "%Y-%m-%d %H:%M:%S"):
        todo = out.isna() & (t != "")
        if not todo.any():
            break
        out = out.where(~todo, pd.to_datetime(t.where(todo), format=fmt, errors="coerce"))
    arr = out.dt.to_period("M").dt.to_timestamp().to_numpy(dtype="datetime64[D]")
    bad = np.isnat(arr) & ~blank(s)
    return arr, bad


def timestamps(s: pd.Series) -> tuple[NDArray[np.datetime64], Mask]:
    """ISO 8601 date-times, or UK ``DD/MM/YYYY HH:MM``."""
    raw = _arrow(s)
    if raw is not None:  # the common shapes, parsed by Arrow; anything else by pandas
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
            got = pc.strptime(raw, format=fmt, unit="s", error_is_null=True)
            parsed_or_empty = pc.or_(pc.is_valid(got), pc.equal(raw, ""))
            if pc.all(parsed_or_empty).as_py():
                arr = got.to_numpy(zero_copy_only=False).astype("datetime64[s]")
                return arr, np.zeros(len(arr), dtype=bool)
    t = s.str.strip()
    given = (t != "").to_numpy(dtype=bool, na_value=False)
    arr = np.full(len(t), np.datetime64("NaT"), dtype="datetime64[s]")
    # with a UTC offset (converted to UK local time) or without (UK local time already);
    # parsed apart, as pandas cannot hold both in one column
    aware = t.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).to_numpy(
        dtype=bool, na_value=False)
    for part, utc in ((aware & given, True), (~aware & given, False)):
        if part.any():
            got = pd.to_datetime(t[part], format="ISO8601", errors="coerce", utc=utc)
            if utc:
                got = got.dt.tz_convert("Europe/London").dt.tz_localize(None)
            arr[part] = got.to_numpy(dtype="datetime64[s]")
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        todo = np.isnat(arr) & given
        if not todo.any():
            break
        arr[todo] = pd.to_datetime(t[todo], format=fmt, errors="coerce").to_numpy(
            dtype="datetime64[s]")
    bad = np.isnat(arr) & ~blank(s)
    return arr, bad


def vocabulary(s: pd.Series, mapping: dict[str, str]) -> tuple[NDArray[np.object_], Mask]:
    """Map values through ``mapping`` (keys normalised to lower-case, trimmed)."""
    codes, uniques = _by_value(s)
    keys = [str(v).strip().lower() for v in uniques]
    arr = np.array([mapping.get(k) for k in keys], dtype=object)
    bad = np.array([bool(k) and k not in mapping for k in keys], dtype=bool)
    return arr[codes], bad[codes]


def codes(s: pd.Series, known: set[str]) -> tuple[NDArray[np.object_], Mask]:
    """Area codes (upper-cased) that must be among ``known``."""
    idx, uniques = _by_value(s)
    keys = [str(v).strip().upper() for v in uniques]
    arr = np.array([k if k in known else None for k in keys], dtype=object)
    bad = np.array([bool(k) and k not in known for k in keys], dtype=bool)
    return arr[idx], bad[idx]


#: degrees, optional minutes and seconds, and a compass point before or after:
#: ``52.48°N``, ``N 52.48``, ``1.89° W``, ``52°28'41"N``, ``-1.89°``. Bounded pieces, tried
#: only on short values (a long one is not a coordinate), so it cannot backtrack far.
_DEGREES = re.compile(
    r"""^\s*([NSEW])?\s*([+-]?\d{1,3}(?:[.,]\d+)?)\s*(?:°|º|˚|deg(?:rees)?|d)?\s*"""
    r"""(?:(\d{1,2}(?:\.\d+)?)\s*(?:'|′|’|m(?:in)?)\s*)?"""
    r"""(?:(\d{1,2}(?:\.\d+)?)\s*(?:"|″|''|”|s(?:ec)?)\s*)?([NSEW])?\s*$""",
    re.I,
)


def _degrees(value: str) -> float | None:
    if len(value) > 40:
        return None
    m = _DEGREES.match(value.replace("\u2212", "-").replace("\u2013", "-"))
    if not m or (m.group(1) and m.group(5)):
        return None
    deg = float(m.group(2).replace(",", "."))
    minutes = float(m.group(3) or 0)
    seconds = float(m.group(4) or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    sign = -1.0 if deg < 0 or m.group(2).startswith("-") else 1.0
    val = abs(deg) + minutes / 60 + seconds / 3600
    hemi = (m.group(1) or m.group(5) or "").upper()
    if hemi in ("S", "W"):
        sign = -1.0
    return sign * val


def coordinates(s: pd.Series, degrees: bool = True) -> tuple[NDArray[np.float64], Mask]:
    """Coordinates as :func:`numbers`; with ``degrees``, also degrees with a compass point
    (``52.48°N``, ``1.89°W``: south and west negative), degrees-minutes-seconds, and a
    decimal comma (``52,48``: no longitude or latitude has a thousands separator)."""
    arr, bad = numbers(s)
    if not degrees:
        return arr, bad
    todo = bad.copy()
    big = np.flatnonzero(np.abs(np.nan_to_num(arr)) > 180)  # "52,48" read as 5248?
    if len(big):
        comma = s.iloc[big].str.contains(",", regex=False).to_numpy(dtype=bool,
                                                                    na_value=False)
        todo[big[comma]] = True
    if not todo.any():
        return arr, bad
    arr, bad = arr.copy(), bad.copy()
    codes, uniques = _by_value(s[todo])
    got = np.array([_degrees(str(v).strip()) for v in uniques], dtype=float)
    got = got[codes]
    arr[todo] = got
    bad[todo] = np.isnan(got)
    return arr, bad
