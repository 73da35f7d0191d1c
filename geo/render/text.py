"""What pages write: counts as a viewer may see them, every number through the gate.

The pages (Map, Hot spots, Place profile, Interventions, Board pack) and the exports take
their counts from these functions only; each turns true counts with their cell keys into
:class:`geo.stats.disclosure.Published` values. The same cell (the same incidents) gets the same
published number on every page, because its count and cell key are the same wherever it is
counted. The disclosure attack suite (tests/test_disclosure_attacks.py) calls these same
functions. Pages format no count themselves; the gate's types and formatting helpers are
re-exported here for them (the dashboard imports no :mod:`geo.stats`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from geo.render.words import WINDOW_DAYS
from geo.stats.coverage import Coverage
from geo.stats.disclosure import (
    Published,
    PublishedCounts,
    View,
    cell_sum,
    change_text,
    chart_values,
    people_band,
    people_text,
    publish,
    publish_frame,
    publish_one,
    shown_flags,
    text,
    texts,
    withhold,
    withhold_one,
)

__all__ = ["Published", "PublishedCounts", "View", "chart_values", "text", "texts",
           "coverage_text", "flags", "flags_note", "flags_rule_text", "harm_mix",
           "monthly_trend", "no_flags_text", "people_band", "people_text", "period_change",
           "periods", "profile", "profile_trend", "shown_flags", "small_class", "time_grid",
           "total", "unit_counts", "unit_rows", "withhold_one"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: the periods partners and board members may choose: the last L months of the data
PERIOD_MONTHS = (1, 3, 6, 12, 24, 36)


def periods(first: date, last: date) -> list[tuple[str, date, date]]:
    """The periods an aggregate view may choose: the last 1, 3, 6, 12, 24 or 36 months
    of the data (as far as the data go back), as (label, first month, last month).

    Free choice of periods would let someone average the noise of the cell key method
    away: month x is the difference of [x, y] and [x+1, y] for every y, and the average
    of thirty such differences is nearly exact (docs/disclosure.md measures it). Windows
    that all end at the latest month never differ by one month, and no month lies in more
    than six of them.
    """
    months = pd.date_range(first, last, freq="MS")
    out = []
    for n in PERIOD_MONTHS:
        if n > len(months):
            break
        start = months[-n].date()
        label = ("Latest month" if n == 1 else f"Last {n} months") + (
            f" ({start:%b %Y})" if n == 1 else f" ({start:%b %Y} – {last:%b %Y})")
        out.append((label, start, months[-1].date()))
    return out  # no "all N months": with N = 25 it would differ from 24 by one month


def small_class(view: View) -> str:
    """The class of small counts as legends and captions name it, the same on every page:
    "<5 (0 to 4: not published)". For an aggregate view a true zero is in it (issue #27):
    "none" is never said of a count it is shown."""
    return f"{view.label} (0 to {view.k - 1}: not published)"


def unit_counts(table: pd.DataFrame, view: View) -> PublishedCounts:
    """Each unit's count over the period (a hot-spot table: ``count``, ``ck``), withheld
    ("—") where the table's ``withheld`` says so for an aggregate view (the detail rule,
    :mod:`geo.services.detail`)."""
    pub = publish_frame(table, view, n="count")
    if "withheld" in table:
        pub = withhold(pub, table["withheld"].to_numpy(dtype=bool))
    return pub


def total(frame: pd.DataFrame, view: View, n: str = "n") -> Published:
    """The total of a table as a cell of its own (its key: the sum of the parts' keys)."""
    if frame.empty:
        return publish_one(0, 0, view)
    # the two columns alone: renaming the table copied every column, a map's thousands
    # of hexagons' geometries with them (7% of a busy server's CPU at 100 people)
    cell = cell_sum(pd.DataFrame({"n": frame[n].to_numpy(), "ck": frame["ck"].to_numpy()}))
    return publish_one(int(cell["n"].iloc[0]), int(cell["ck"].iloc[0]), view)


def period_change(now: Published, before: Published) -> str:
    """The change on the previous period, from the two published totals."""
    return change_text(now, before)


def unit_rows(table: pd.DataFrame, view: View) -> pd.DataFrame:
    """The units' counts as a table may show them: ``incidents`` (text), ``value``."""
    pub = unit_counts(table, view)
    return pd.DataFrame({"incidents": texts(pub), "value": chart_values(pub)},
                        index=table.index)


def monthly_trend(monthly: pd.DataFrame, months: pd.DatetimeIndex, view: View
                  ) -> pd.DataFrame:
    """One row per month of the period: ``month``, ``n`` (published value, NaN when
    suppressed: the chart leaves it blank), ``incidents`` (text)."""
    by = cell_sum(monthly, "month") if not monthly.empty else pd.DataFrame(
        {"month": pd.Series(dtype="datetime64[ns]"), "n": [], "ck": []})
    by = by.set_index("month").reindex(months, fill_value=0)
    pub = publish(by["n"].to_numpy(), by["ck"].to_numpy(), view)
    return pd.DataFrame({"month": months, "n": chart_values(pub), "incidents": texts(pub)})


def profile_trend(monthly: pd.DataFrame, months: pd.DatetimeIndex, view: View
                  ) -> tuple[pd.DataFrame, str, str]:
    """The Place profile's trend as shown: by month (:func:`monthly_trend`), or for an
    aggregate view with more than a third of its months not published, by quarter (each
    quarter a cell of its own, through the gate), so the chart shows a trend, not gaps.
    Returns the frame, the step ("month" or "quarter") and the axis' date format."""
    trend = monthly_trend(monthly, months, view)
    if view.exact or not len(months) or trend["n"].isna().mean() <= 1 / 3:
        return trend, "month", "%b %Y"
    quarters = pd.date_range(months[0].to_period("Q").start_time, months[-1], freq="QS")
    by_quarter = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.to_period("Q")
                                .dt.start_time)
    return monthly_trend(by_quarter, quarters, view), "quarter", "Q%q %Y"


def harm_mix(monthly: pd.DataFrame, view: View, labels: dict[str, str] | None = None
             ) -> pd.DataFrame:
    """One row per harm type with incidents: ``harm_type``, ``n`` (published, NaN when
    suppressed), ``incidents`` (text)."""
    if monthly.empty:
        return pd.DataFrame({"harm_type": [], "n": [], "incidents": []})
    by = cell_sum(monthly, "harm_type")
    pub = publish(by["n"].to_numpy(), by["ck"].to_numpy(), view)
    names = by["harm_type"].map(lambda c: (labels or {}).get(c, c))
    return pd.DataFrame({"harm_type": names.to_numpy(), "n": chart_values(pub),
                         "incidents": texts(pub)})


def time_grid(times: pd.DataFrame, view: View) -> pd.DataFrame:
    """The day × hour grid: ``day``, ``hour``, ``n`` (published), ``incidents`` (text)."""
    pub = publish(times["n"].to_numpy(), times["ck"].to_numpy(), view)
    return pd.DataFrame({"day": times["day"].to_numpy(), "hour": times["hour"].to_numpy(),
                         "n": chart_values(pub), "incidents": texts(pub)})


def profile(monthly: pd.DataFrame, times: pd.DataFrame, months: pd.DatetimeIndex,
            view: View, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the Place profile shows of counts."""
    return {"total": total(monthly, view), "trend": monthly_trend(monthly, months, view),
            "mix": harm_mix(monthly, view, labels), "times": time_grid(times, view)}


def flags(flags: pd.DataFrame, view: View) -> pd.DataFrame:
    """Flagged places: ``Place``, ``Category``, ``Distinct young people`` ("3 or more"
    for aggregate views, never a number)."""
    flagged = shown_flags(flags, view) if not flags.empty else flags
    return pd.DataFrame({
        "Place": flagged.get("name", pd.Series(dtype=str)).to_numpy(),
        "Category": flagged.get("category", pd.Series(dtype=str)).to_numpy(),
        "Distinct young people": [people_text(int(n), view)
                                  for n in flagged.get("max_people", [])]})


def flags_rule_text(view: View) -> str:
    """What a partner or board member reads of the flags not listed to them: the rule,
    the same whatever the data (no count of places withheld, which the gate never saw;
    :func:`geo.stats.disclosure.shown_flags`); "" for exact views, which see every flag."""
    if view.exact:
        return ""
    return (f"Places that crossed the threshold with fewer than {view.k} incidents in their "
            f"{WINDOW_DAYS} days are listed to analysts only: beside their counts they would "
            "tell a small count.")


def no_flags_text(view: View) -> str:
    """The sentence for an empty list of flags: none crossed (exact views); none to list
    at this level of detail (aggregate views, where some may be withheld)."""
    return ("No place meets the threshold in this period." if view.exact
            else "No place to list at this level of detail in this period.")


def flags_note(view: View, filtered: bool) -> str:
    """The words under a table of :func:`flags`: the rule for flags not listed to
    ``view``, and, when a harm, risk or age filter is on, that the flags count every
    harm, risk and age (the keyed rollup they are counted from has no harm: a review found
    a CSE filter listing places with no CSE incident)."""
    parts = [flags_rule_text(view)]
    if filtered:
        parts.append("The flags count young people linked to a place for any harm, risk "
                     "level or age: the harm, risk and age filters do not apply to them.")
    return " ".join(p for p in parts if p)


def coverage_text(coverage: Coverage) -> str:
    """What a page or command says about the coverage of the data it shows (issue #22)."""
    if coverage.whole:
        return "The data selected covers the whole area."
    return (f"The data selected covers {coverage.share:.0%} of the area ({coverage.labels}). "
            "Areas outside it have no data (not zero incidents) and are left out of the "
            "statistics.")
