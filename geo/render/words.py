"""Words a person reads: vocabulary labels instead of codes, months as "Apr 2024", open-ended
periods as "ongoing", plural-aware phrases ("1 area is", "3 areas are").

Pure functions (no Streamlit, no database): pages and the board pack call them so every
screen says things the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from geo.stats.complex_strategy import MIN_PEOPLE as MIN_PEOPLE
from geo.stats.complex_strategy import WINDOW_DAYS as WINDOW_DAYS
from geo.stats.grid import DEFAULT_SIZE
from geo.stats.hotspots import HOT_SPOT_BIN as HOT_SPOT_BIN
from geo.stats.hotspots import is_hot_spot

#: the default hexagon's size in words, "250 m" (:data:`geo.stats.grid.DEFAULT_SIZE`): every
#: text that names it ("250 m hexagons", "250 m areas") is built from this
HEX_SIZE = f"{DEFAULT_SIZE:g} m"

#: each unit of analysis as a heading or a choice names one and many of it: the one list
#: (the map's and Hot spots' choices, the map's tooltips, the detail rule's sentences)
UNIT_LABELS: Mapping[str, tuple[str, str]] = {
    "ward": ("Ward", "Wards"),
    "lsoa": ("LSOA", "LSOAs"),
    "hex": (f"{HEX_SIZE} hexagon", f"{HEX_SIZE} hexagons"),
    "place": ("Place", "Places"),
}


def unit_label(unit: str, many: bool = True) -> str:
    """A unit of analysis as a heading or a choice names it: "Wards", "250 m hexagons"
    (``many``), "Ward", "250 m hexagon"; an unknown unit as it is."""
    one, more = UNIT_LABELS.get(unit, (unit, unit))
    return more if many else one


def unit_words(unit: str) -> str:
    """Units of analysis in running text: "wards", "LSOAs", "250 m hexagons", "places"."""
    label = unit_label(unit)
    return label if label[:2].isupper() or not label[:1].isupper() else \
        label[0].lower() + label[1:]


#: the irregular plurals the dashboard writes
_PLURALS = {"is": "are", "was": "were", "has": "have", "person": "people",
            "young person": "young people", "hot spot": "hot spots", "this": "these"}


def hot_spots(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a hot-spot table (``bin``) that are hot spots (95 % confidence or
    more): what every page and the board pack count as "hot spots"."""
    hot: np.ndarray = is_hot_spot(table["bin"].fillna(0).to_numpy()) if len(table) else \
        np.zeros(0, dtype=bool)
    return table[hot]


def hot_spot_count(table: pd.DataFrame) -> int:
    """How many hot spots a hot-spot table has (:func:`hot_spots`), counted without
    taking the rows (a copy of a map's table, geometries and all)."""
    return int(is_hot_spot(table["bin"].fillna(0).to_numpy()).sum()) if len(table) else 0


#: the heading of the expandable note on a page (and the closing note of the board pack)
#: that names each statistic and its method: outside it a partner or board member reads
#: words, not technical names
HOW_WORKED_OUT = "How this is worked out"

#: how counts reach partners and the board, in a sentence for :data:`HOW_WORKED_OUT`
PUBLISHED_COUNTS = ("Counts partners and the board see are published by the cell key method: "
                    "each may differ from the true count by a small amount, the same way "
                    "every time, and small counts are not published.")

#: technical names and repository paths that belong only in :data:`HOW_WORKED_OUT`
#: (issue #31): Gi*, PAI, PEI*, Gini, Mann-Kendall, WDQ, RRI and repository paths
JARGON = re.compile(r"Gi\*|Getis|\bPAI\b|\bPEI\b|\bGini\b|Mann|Kendall|\bWDQ\b|\bRRI\b"
                    r"|\bdocs/|\b[\w-]+\.md\b")


def plain_sentence(sentence: str) -> str:
    """A verdict's sentence without the displacement quotient's technical name and figure
    ("(WDQ -0.40, their rise beyond chance)" -> "(their rise beyond chance)"; "(WDQ 0.05)"
    left out): the words around it say what it means."""
    out = re.sub(r"\(WDQ [-+\u2212]?[\d.]+, ", "(", sentence)
    return re.sub(r" \(WDQ [-+\u2212]?[\d.]+\)", "", out)


def signed_percent(x: float | None) -> str:
    """A change as "-34%", "+12%"; one that rounds to zero as "0%"; none as "-"."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "\u2013"
    p = round(x * 100)
    return "0%" if p == 0 else f"{p:+d}%"


def could_detect(its: Mapping[str, Any] | None) -> str:
    """What a result's comparison could have detected, from its minimum detectable
    effects (``mde``, ``mde_rise``: fractions): "a fall of 34% or more (or a rise of 52%)";
    "\u2013" without an estimate."""
    if not its or its.get("mde") is None:
        return "\u2013"
    fall, rise = float(its["mde"]), its.get("mde_rise")
    head = (f"a fall of {abs(fall) * 100:.0f}% or more" if np.isfinite(fall)
            else "no fall at all")
    if rise is None:
        return head
    return head + (f" (or a rise of {abs(rise) * 100:.0f}% or more)" if np.isfinite(rise)
                   else " (no rise)")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``one`` for 1, else ``many`` (default: ``one`` + "s" or the known irregular form)."""
    if n == 1:
        return one
    return many if many is not None else _PLURALS.get(one, one + "s")


def count_phrase(n: int, one: str, many: str | None = None, verb: str | None = None,
                 shown: str | None = None) -> str:
    """"1 area", "3 areas"; with ``verb`` ("is"), "1 area is", "3 areas are". ``shown`` is
    the count as written (a role may see "<5"; then the plural is used)."""
    text = shown if shown is not None else f"{n:,}"
    k = n if shown is None or shown == f"{n:,}" else 2
    out = f"{text} {plural(k, one, many)}"
    return f"{out} {plural(k, verb)}" if verb else out


def month_text(value: Any) -> str:
    """A month as "Apr 2024"; a missing value (an open-ended period) as "ongoing"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "ongoing"
    when = pd.Timestamp(value)
    return f"{when:%b %Y}"


def axis_labels(months: Sequence[Any], step: str = "month") -> list[str]:
    """The labels of a chart's axis of months ("Jan 2025") or quarters ("Q1 2025"), one
    per value, read as calendar months whatever the reader's time zone: a chart's axis
    takes them as they are, so every month of a period has its one label (a time axis
    chose its own ticks: weeks in a short period, "Mar 2025" four times and the last
    month without one)."""
    out = []
    for value in months:
        when = pd.Timestamp(value)
        out.append(f"Q{when.quarter} {when.year}" if step == "quarter" else f"{when:%b %Y}")
    return out


def day_text(value: Any) -> str:
    """A date as "3 Apr 2024" ("" when missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    when = pd.Timestamp(value)
    return f"{when.day} {when:%b %Y}"


def period_text(start: Any, end: Any) -> str:
    """"Apr 2024 to Mar 2025", "from Apr 2024, ongoing"."""
    if end is None or (not isinstance(end, str) and pd.isna(end)):
        return f"from {month_text(start)}, ongoing"
    return f"{month_text(start)} to {month_text(end)}"


#: why a row of an upload was quarantined, in words (the codes the loader stores)
QUARANTINE_REASONS = {
    "formula_cell": "Spreadsheet formula", "bad_month": "Not a month",
    "future_month": "Month in the future", "missing_month": "No month",
    "unknown_harm_type": "Unknown harm type", "missing_harm_type": "No harm type",
    "unknown_risk_level": "Unknown risk level", "unknown_age_band": "Unknown age band",
    "bad_age": "Not an age", "bad_timestamp": "Not a date and time",
    "bad_coordinates": "Not coordinates", "swapped_coordinates": "Coordinates swapped",
    "outside_area": "Outside the area", "unknown_ward_code": "Unknown ward code",
    "unknown_lsoa_code": "Unknown LSOA code", "no_location": "No location",
    "missing_crime_id": "No crime id", "missing_outcome": "No outcome",
    "bad_code": "Not an area code", "bad_count": "Not a count", "bad_date": "Not a date",
    "bad_end_month": "End not a month", "bad_start_month": "Start not a month",
    "bad_ref": "Not a reference", "bad_year": "Not a year", "duplicate_code": "Code twice",
    "duplicate_ref": "Reference twice", "missing_agency": "No agency",
    "missing_name": "No name", "missing_ref": "No reference", "no_geometry": "No shape",
    "not_a_polygon": "Not a polygon", "unknown_category": "Unknown category",
    "unknown_intervention_type": "Unknown intervention type",
    "unknown_place": "Unknown place", "unknown_rating": "Unknown rating",
    "unknown_status": "Unknown status", "unknown_unit_code": "Unknown area code",
}
#: the quarantine report's columns, in words
QUARANTINE_COLUMNS = {"row_number": "Row", "reason": "Reason", "column_name": "Column",
                      "detail": "What is wrong"}


def quarantine_table(report: pd.DataFrame,
                     vocabularies: Mapping[str, Sequence[tuple[str, str]]]) -> pd.DataFrame:
    """A quarantine report as people read it: reasons in words, headings in words, and the
    rows' known values (harm type, risk level, age band) as their vocabularies' labels."""
    out = report.copy()
    if "reason" in out:
        out["reason"] = out["reason"].map(lambda c: label(QUARANTINE_REASONS, c))
    for name in ("harm_type", "risk_level", "age_band"):
        if name in out:
            out[name] = labels(vocabularies.get(name, []), out[name])
    return out.rename(columns={c: QUARANTINE_COLUMNS.get(str(c), heading(str(c)))
                               for c in out.columns})


def label(vocab: Mapping[str, str], code: Any) -> str:
    """The vocabulary's label for ``code``; an unknown code as readable words."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    text = str(code)
    return vocab.get(text) or text.replace("_", " ").capitalize()


def labels(vocab: Mapping[str, str] | Sequence[tuple[str, str]], codes: pd.Series) -> pd.Series:
    """A column of codes as their labels."""
    table = dict(vocab)
    return codes.map(lambda c: label(table, c))


def percent_change(change: float) -> str:
    """A change as "+12%", "−8%" or "no change" (never "−0%" or "+0%")."""
    if pd.isna(change):
        return "n/a"
    pct = round(change * 100)
    if pct == 0:
        return "no change"
    return f"+{pct}%" if pct > 0 else f"\u2212{abs(pct)}%"


def heading(column: str) -> str:
    """A column name as a table heading: "start_month" -> "Start month"."""
    return column.replace("_", " ").strip().capitalize()


def readable_table(frame: pd.DataFrame, dates: Sequence[str] = (),
                   months: Sequence[str] = ()) -> pd.DataFrame:
    """A copy with headings in words, ``dates`` as "3 Apr 2024", ``months`` as "Apr 2024"
    (missing ones "ongoing")."""
    out = frame.copy()
    for c in dates:
        if c in out:
            out[c] = out[c].map(day_text)
    for c in months:
        if c in out:
            out[c] = out[c].map(month_text)
    return out.rename(columns={c: heading(str(c)) for c in out.columns})


def detail_text(detail: Any) -> str:
    """An audit entry's detail (JSON) as "key: value; key: value"."""
    if detail is None or (not isinstance(detail, (str, dict, list)) and pd.isna(detail)):
        return ""
    value = detail
    if isinstance(detail, str):
        try:
            value = json.loads(detail)
        except ValueError:
            return detail
    if isinstance(value, dict):
        return "; ".join(f"{heading(str(k))}: "
                         f"{label({}, v) if isinstance(v, str) and _CODE.match(v) else v}"
                         for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


#: a code (``board_pack``, ``sign_in``) where a person expects words
_CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")


def audit_table(log: pd.DataFrame, role_labels: Mapping[str, str],
                targets: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The audit log as people read it: when (to the minute), who, their role in words, what
    they did, to what (``targets``: names of codes such as pages, "Board pack" for
    ``board_pack``), the outcome and the details as text, not JSON."""
    when = pd.to_datetime(log["at"]) if "at" in log else pd.Series(dtype="datetime64[ns]")
    return pd.DataFrame({
        "When": [f"{t.day} {t:%b %Y %H:%M}" if not pd.isna(t) else "" for t in when],
        "Who": log.get("actor", pd.Series(dtype=str)).astype(str).to_numpy(),
        "Role": [role_labels.get(str(r), str(r) or "") for r in log.get("role", [])],
        "Action": [heading(str(a)) for a in log.get("action", [])],
        "What": [label(targets or {}, t) if _CODE.match(str(t)) else str(t)
                 for t in log.get("target", pd.Series(dtype=str)).astype(str)],
        "Outcome": [heading(str(o)) for o in log.get("outcome", [])],
        "Details": [detail_text(d) for d in log.get("detail", [])],
    })


def now_text(when: datetime | date) -> str:
    return f"{when.day} {when:%B %Y}"
