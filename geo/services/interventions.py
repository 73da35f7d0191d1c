"""The measured impact of interventions: series from :mod:`geo.store.interventions`,
statistics from :mod:`geo.stats.impact`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import psycopg

from geo.stats.impact import Impact, assess
from geo.store import counts
from geo.store import interventions as store


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
    """Target, buffer and control counts per month around a start month (excluded)."""
    first, last = _shift(start, -params.before), _shift(start, params.after)
    rows = store.series(conn, place_id, params.buffer, first.date(), last.date(),
                        list(params.harms) if params.harms else None)
    months = pd.date_range(first, last, freq="MS")
    wide = (
        rows.assign(month=pd.to_datetime(rows["month"]))
        .pivot_table(index="month", columns="zone", values="n", aggfunc="sum", fill_value=0)
        .reindex(index=months, columns=["target", "buffer", "control"], fill_value=0)
    )
    wide = wide.drop(index=pd.Timestamp(start)).rename_axis("month").reset_index()
    wide["post"] = wide["month"] > pd.Timestamp(start)
    return wide


def impact(
    conn: psycopg.Connection[Any],
    intervention: pd.Series | dict[str, Any],
    params: ImpactParams = ImpactParams(),
    data_end: date | None = None,
    fmt: Callable[[int], str] = str,
) -> Impact:
    """The impact of one intervention (a row of :func:`register`).

    When the data stop before the after-period ends, only the months with data are used
    and the sentence says how many.
    """
    start = intervention["start_month"]
    series = monthly_series(conn, int(intervention["place_id"]), start, params)
    if data_end is not None:
        series = series[series["month"] <= pd.Timestamp(data_end)]
    action = str(intervention["type_label"]).lower()
    return assess(str(intervention["ref"]), str(intervention["place_name"]), action, series,
                  fmt)


def impacts(
    conn: psycopg.Connection[Any],
    params: ImpactParams = ImpactParams(),
    place_ref: str | None = None,
    intervention_ref: str | None = None,
    fmt: Callable[[int], str] = str,
) -> list[Impact]:
    """Impacts of all interventions, or of those at one place, or of one.

    ``fmt`` writes counts in the sentences (see :func:`geo.stats.disclosure.count_text`).
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
    return [impact(conn, row, params, end, fmt) for _, row in reg.iterrows()]
