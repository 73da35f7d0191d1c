"""The measured impact of interventions: series from :mod:`geo.store.interventions`,
statistics from :mod:`geo.stats.impact`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import psycopg

from geo.stats.disclosure import View, count_formatter, perturbed, publish_one
from geo.stats.impact import (
    MIN_BEFORE_INCIDENTS,
    MIN_TARGET_INCIDENTS,
    Counts,
    Impact,
    assess,
    sentence,
)
from geo.store import counts
from geo.store import interventions as store

ZONES = ("target", "buffer", "control")


@dataclass(frozen=True)
class ImpactParams:
    """The user-changeable defaults of an impact assessment."""

    before: int = 12
    after: int = 12
    buffer: float = 200.0
    harms: tuple[str, ...] | None = None


def register(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Every intervention with its place and type."""
    return store.register(conn)


def _shift(d: date, months: int) -> pd.Timestamp:
    return pd.Timestamp(d) + pd.DateOffset(months=months)


def monthly_series(
    conn: psycopg.Connection[Any], place_id: int, start: date, params: ImpactParams
) -> pd.DataFrame:
    """Target, buffer and control counts per month around a start month (excluded), with
    their cell keys (``target_ck``, ...; see :mod:`geo.stats.disclosure`)."""
    first, last = _shift(start, -params.before), _shift(start, params.after)
    rows = store.series(conn, place_id, params.buffer, first.date(), last.date(),
                        list(params.harms) if params.harms else None)
    months = pd.date_range(first, last, freq="MS")
    rows = rows.assign(month=pd.to_datetime(rows["month"]))

    def by_zone(col: str) -> pd.DataFrame:
        return (rows.pivot_table(index="month", columns="zone", values=col, aggfunc="sum",
                                 fill_value=0)
                .reindex(index=months, columns=list(ZONES), fill_value=0))

    keys = by_zone("ck") % 256
    wide = by_zone("n").join(keys.add_suffix("_ck"))
    wide = wide.drop(index=pd.Timestamp(start)).rename_axis("month").reset_index()
    wide["post"] = wide["month"] > pd.Timestamp(start)
    return wide


def impact(
    conn: psycopg.Connection[Any],
    intervention: pd.Series | dict[str, Any],
    params: ImpactParams = ImpactParams(),
    data_end: date | None = None,
    fmt: Callable[[int], str] = str,
    view: View | None = None,
) -> Impact:
    """The impact of one intervention (a row of :func:`register`).

    When the data stop before the after-period ends, only the months with data are used
    and the sentence says how many. With a ``view``, the result is what that view may see
    (:func:`published_impact`).
    """
    start = intervention["start_month"]
    series = monthly_series(conn, int(intervention["place_id"]), start, params)
    if data_end is not None:
        series = series[series["month"] <= pd.Timestamp(data_end)]
    action = str(intervention["type_label"]).lower()
    if view is not None:
        return published_impact(str(intervention["ref"]), str(intervention["place_name"]),
                                action, series, view)
    return assess(str(intervention["ref"]), str(intervention["place_name"]), action,
                  series[["month", "post", *ZONES]], fmt)


def published_impact(ref: str, place: str, action: str, series: pd.DataFrame, view: View
                     ) -> Impact:
    """An impact as ``view`` may see it, every number from published values.

    For an aggregate view the model is fitted to the monthly series perturbed month by
    month (each month a cell with its own key), the before and after counts are cells of
    their own (perturbed, "<k" when small), and "too little data" is decided on those
    published counts: so changing a setting by one month moves nothing that the gate has
    not perturbed. ``counts_text`` holds the texts of the six counts. Exact views get the
    plain :func:`geo.stats.impact.assess` with exact counts.
    """
    fmt = count_formatter(view)
    if view.exact:
        out = assess(ref, place, action, series[["month", "post", *ZONES]], fmt)
    else:
        shown = series[["month", "post"]].copy()
        for z in ZONES:
            shown[z] = perturbed(series[z].to_numpy(), series[f"{z}_ck"].to_numpy(), view)
        out = assess(ref, place, action, shown, fmt)
        pre, aft = series[~series["post"]], series[series["post"]]
        cells = [(int(part[z].sum()), int(part[f"{z}_ck"].sum()))
                 for z in ZONES for part in (pre, aft)]
        c = Counts(*(int(perturbed(n, ck, view)) for n, ck in cells))
        sufficient = (out.sufficient and c.rb + c.ra >= MIN_TARGET_INCIDENTS
                      and c.rb >= MIN_BEFORE_INCIDENTS)
        out.counts, out.sufficient = c, sufficient
        out.its = out.its if sufficient else None
        out.sentence = sentence(place, action, len(aft), c, out.wdq, out.its, sufficient, fmt)
    out.counts_text = published_counts(series, view)
    return out


def published_counts(series: pd.DataFrame, view: View) -> dict[str, str]:
    """The six counts of an impact (target, buffer and control, before and after: ``rb``,
    ``ra``, ``db``, ``da``, ``cb``, ``ca``) as ``view`` may see them, each a cell of its
    own from a monthly series with cell keys (:func:`monthly_series`)."""
    out = {}
    for name, z, post in (("rb", "target", False), ("ra", "target", True),
                          ("db", "buffer", False), ("da", "buffer", True),
                          ("cb", "control", False), ("ca", "control", True)):
        part = series[series["post"] == post]
        out[name] = publish_one(int(part[z].sum()), int(part[f"{z}_ck"].sum()), view).text
    return out


def impacts(
    conn: psycopg.Connection[Any],
    params: ImpactParams = ImpactParams(),
    place_ref: str | None = None,
    intervention_ref: str | None = None,
    fmt: Callable[[int], str] = str,
    view: View | None = None,
) -> list[Impact]:
    """Impacts of all interventions, or of those at one place, or of one.

    ``fmt`` writes counts in the sentences; with a ``view``, everything is as that view
    may see it (:func:`published_impact`).
    """
    reg = register(conn)
    if place_ref:
        reg = reg[reg["place_ref"] == place_ref]
    if intervention_ref:
        reg = reg[
            (reg["ref"] == intervention_ref)
            | (reg["intervention_id"].astype(str) == intervention_ref)
        ]
    end = counts.data_period(conn)["last"]
    return [impact(conn, row, params, end, fmt, view) for _, row in reg.iterrows()]
