"""Hot-spot analysis of the data in PostGIS: counts from :mod:`geo.counts`, statistics from
:mod:`geo.hotspots` and :mod:`geo.emerging`. Used by ``contexts hotspots`` and the pages.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import scipy.sparse as sp

from geo.filters import Filters
from geo.stats import emerging, hotspots, weights
from geo.stats.complex_strategy import flag_places
from geo.store import counts as C

Weights = Literal["distance", "contiguity"]


def unit_weights(
    units: gpd.GeoDataFrame,
    unit: C.Unit,
    kind: Weights = "distance",
    threshold: float | None = None,
) -> sp.csr_matrix:
    """Binary weights of the units: fixed distance band on centroids, or queen contiguity."""
    if kind == "contiguity" and unit != "place":
        return weights.contiguity(units["geom_bng"].to_numpy())
    return weights.distance_band(np.column_stack([units["x"], units["y"]]), threshold)


def _months(filters: Filters, conn: psycopg.Connection[Any]) -> pd.DatetimeIndex:
    start, end = filters.start, filters.end
    if start is None or end is None:
        period = C.data_period(conn)
        start, end = start or period["first"], end or period["last"]
    if start is None or end is None:
        return pd.DatetimeIndex([])
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")


def cube(
    units: gpd.GeoDataFrame,
    monthly: pd.DataFrame,
    months: pd.DatetimeIndex,
    step: Literal["month", "quarter"] = "month",
) -> tuple[np.ndarray, list[pd.Timestamp]]:
    """The space-time cube (units x steps) of the ``monthly`` counts (``unit_id``,
    ``month``, ``n``) over ``months``; months outside them are left out.
    """
    inside = monthly[monthly["month"].isin(months)]
    table = inside.pivot_table(
        index="unit_id", columns="month", values="n", aggfunc="sum", fill_value=0
    )
    table = table.reindex(index=units["unit_id"], columns=months, fill_value=0)
    if step == "quarter":
        table = table.T.groupby(table.columns.to_period("Q")).sum().T
        steps = [p.start_time for p in table.columns]
    else:
        steps = list(table.columns)
    return table.to_numpy(dtype=float), steps


def hotspots_from_counts(
    units: gpd.GeoDataFrame,
    unit: C.Unit,
    monthly: pd.DataFrame,
    months: pd.DatetimeIndex,
    fdr: bool = True,
    weight_kind: Weights = "distance",
    emerging_too: bool = False,
    step: Literal["month", "quarter"] = "month",
) -> gpd.GeoDataFrame:
    """Every unit with its count (and cell key ``ck`` when the counts have them) over
    ``months``, Gi* z, p and bin, and optionally its
    emerging category and trend, from counts by unit and month.

    Pure: the monthly counts may cover more months than asked (the dashboard fetches them
    once for every period). Exact counts: disclosure control is the caller's.
    """
    data, steps = cube(units, monthly, months, step)
    y = data.sum(axis=1)
    w = unit_weights(units, unit, weight_kind)
    res = hotspots.hot_spots(y, w, fdr)
    out = units.drop(columns=["geom_bng"]).copy()
    out["count"] = y.astype(np.int64)
    if "ck" in monthly:  # the cell key of each unit's count over the months (geo.stats.disclosure)
        inside = monthly[monthly["month"].isin(months)]
        keys = inside.groupby("unit_id")["ck"].sum() % 256
        out["ck"] = keys.reindex(units["unit_id"], fill_value=0).to_numpy(dtype=np.int64)
    out[["z", "p", "bin"]] = res[["z", "p", "bin"]].to_numpy()
    out["bin"] = out["bin"].astype(int)
    if emerging_too:
        if len(steps) >= 4:
            em = emerging.emerging_hot_spots(data, w, fdr=fdr)
            for c in ("category", "trend_z", "trend_p", "final_bin"):
                out[c] = em[c].to_numpy()
        else:
            out["category"] = "too little data"
    return out


def hotspot_table(
    conn: psycopg.Connection[Any],
    unit: C.Unit = "hex",
    filters: Filters = Filters(),
    size: float = C.DEFAULT_HEX_SIZE,
    fdr: bool = True,
    weight_kind: Weights = "distance",
    emerging_too: bool = False,
    step: Literal["month", "quarter"] = "month",
) -> gpd.GeoDataFrame:
    """:func:`hotspots_from_counts` of the incidents in PostGIS that pass ``filters``
    (one counting query, by unit and month).
    """
    units = C.units(conn, unit, size)
    monthly = C.counts(conn, unit, filters, size, by_month=True)
    return hotspots_from_counts(units, unit, monthly, _months(filters, conn), fdr,
                                weight_kind, emerging_too, step)


def prediction_check(
    conn: psycopg.Connection[Any],
    unit: C.Unit,
    period_a: Filters,
    period_b: Filters,
    size: float = C.DEFAULT_HEX_SIZE,
) -> dict[str, float]:
    """PAI of period A's hot spots (bins +2 and +3) against period B's incidents."""
    table = hotspot_table(conn, unit, period_a, size)
    later = C.counts(conn, unit, period_b, size).set_index("unit_id")["n"]
    b = later.reindex(table["unit_id"], fill_value=0).to_numpy(dtype=float)
    return hotspots.pai(table["bin"].to_numpy() >= 2, b, table["area_m2"].to_numpy())


def complex_strategy(
    conn: psycopg.Connection[Any],
    filters: Filters = Filters(),
    min_people: int = 3,
    window_days: int = 90,
) -> pd.DataFrame:
    """Places with their most distinct young people in any window, flagged at ``min_people``."""
    flags = flag_places(C.keyed_at_places(conn, filters), min_people, window_days)
    places = C.units(conn, "place")[["unit_id", "name", "ref", "category"]]
    flags["unit_id"] = flags["place_id"].astype(str)
    return places.merge(flags.drop(columns=["place_id"]), on="unit_id", how="inner")
