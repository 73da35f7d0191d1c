"""Hot-spot analysis of the data in PostGIS: counts from :mod:`geo.store.counts`,
statistics from :mod:`geo.stats.hotspots` and :mod:`geo.stats.emerging`. Used by
``contexts hotspots`` and the pages.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geo.filters import Filters
from geo.stats import concentration, emerging, hotspots, weights
from geo.stats import coverage as cov
from geo.stats.complex_strategy import MIN_PEOPLE, WINDOW_DAYS, flag_places
from geo.stats.disclosure import KEYS, View, class_value, published_values
from geo.store import counts as C
from geo.store import coverage as store_coverage

Weights = Literal["distance", "contiguity"]
#: what Gi* runs on: EB-smoothed rates per 1,000 young people (areas with a population
#: table), raw counts, or "auto" (rates for wards and LSOAs when every one has a
#: population, counts otherwise and for hexagons and places)
Measure = Literal["auto", "rate", "count"]


def unit_weights(
    units: gpd.GeoDataFrame,
    unit: C.Unit,
    kind: Weights = "distance",
    threshold: float | None = None,
) -> sp.csr_matrix:
    """Binary weights of the units: fixed distance band on centroids, or queen contiguity
    (hexagons: their six neighbours by grid index; wards and LSOAs: shared boundaries)."""
    if kind == "contiguity" and unit == "hex":
        ij = units["unit_id"].str.split(":", expand=True).astype(np.int64)
        return weights.hex_contiguity(ij[0].to_numpy(), ij[1].to_numpy())
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


def _key_cube(units: gpd.GeoDataFrame, monthly: pd.DataFrame, months: pd.DatetimeIndex,
              step: Literal["month", "quarter"] = "month") -> np.ndarray:
    """The cell keys of :func:`cube`'s cells (the sum of their records' keys mod 256)."""
    keys, _ = cube(units, monthly.drop(columns=["n"]).rename(columns={"ck": "n"}), months,
                   step)
    out: np.ndarray = keys.astype(np.int64) % KEYS
    return out


def _published_cube(units: gpd.GeoDataFrame, monthly: pd.DataFrame, data: np.ndarray,
                    months: pd.DatetimeIndex, step: Literal["month", "quarter"],
                    view: View, withheld: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For an aggregate view, what the statistics run on (issue #27): each unit's
    published count over the period and each unit-step's published count, the class of
    small counts (0 to k-1) and the withheld units valued alike
    (:func:`geo.stats.disclosure.published_values`)."""
    keys = _key_cube(units, monthly, months, step)
    y = published_values(data.sum(axis=1), keys.sum(axis=1) % KEYS, view)
    by_step = published_values(data.astype(np.int64), keys, view)
    y[withheld] = class_value(view)
    by_step[withheld] = class_value(view)
    return y, by_step


def hotspots_from_counts(
    units: gpd.GeoDataFrame,
    unit: C.Unit,
    monthly: pd.DataFrame,
    months: pd.DatetimeIndex,
    fdr: bool = True,
    weight_kind: Weights = "distance",
    emerging_too: bool = False,
    step: Literal["month", "quarter"] = "month",
    covered: ArrayLike | None = None,
    population: pd.Series | None = None,
    measure: Measure = "auto",
    outliers: bool | None = None,
    view: View | None = None,
    withheld: ArrayLike | None = None,
) -> gpd.GeoDataFrame:
    """Every unit with its count (and cell key ``ck`` when the counts have them) over
    ``months``, Gi* z, p and bin, its label ("hot spot", "hot area around", ...), and
    optionally its emerging category and trend, from counts by unit and month.

    For wards and LSOAs with a ``population`` (unit_id -> young people) Gi* runs on
    empirical Bayes rates per 1,000 (``measure`` "auto" or "rate"); columns ``measure``
    (what Gi* ran on), ``value``, ``rate`` (crude, per 1,000) and ``measure_note`` say so.
    ``outliers`` (default: for wards and LSOAs) adds Local Moran's I clusters (``lisa``).

    Hexagons with an ``inside_share`` column (:func:`geo.store.counts.hex_units`) are
    scored, in Gi* and the emerging analysis, on their count less what their area inside
    the boundary would hold at the average density (issue #30); ``count``, ``value`` and
    the labels stay on counts. Wards, LSOAs and places are not adjusted.

    ``covered``: which units the data covers (default all; :func:`geo.stats.coverage.covered`).
    The statistics run over those only, with their own weights; the others are "no data":
    ``covered`` False, z and p NaN, bin 0, category "no data" (their count is what was
    counted there, usually nothing).

    Pure: the monthly counts may cover more months than asked (the dashboard fetches them
    once for every period). ``count`` is exact: publishing it is the caller's (the
    disclosure gate). With an aggregate ``view`` every derived figure (Gi* z, p and bin,
    the label, Local Moran, rates, the emerging category) is computed from published
    values, not exact counts (issue #27): each unit's and unit-month's published count,
    with the class of small counts (0 to k-1) and the ``withheld`` units (the detail
    rule, :mod:`geo.services.detail`; column ``withheld``) all valued alike, so changing a
    hidden count between 0 and k-1 changes no label.
    """
    data, steps = cube(units, monthly, months, step)
    y = data.sum(axis=1)
    n = len(units)
    held = (np.zeros(n, dtype=bool) if withheld is None
            else np.asarray(withheld, dtype=bool))
    stat_y, stat_data = y.astype(float), data
    if view is not None and not view.exact and "ck" in monthly:
        stat_y, stat_data = _published_cube(units, monthly, data, months, step, view, held)
    inside = np.ones(n, dtype=bool) if covered is None else np.asarray(covered, dtype=bool)
    value, used, note = stat_y.copy(), "count", ""
    rate = np.full(n, np.nan)
    if unit in ("ward", "lsoa") and measure != "count":
        pop = (population.reindex(units["unit_id"]).to_numpy(dtype=float)
               if population is not None else np.full(n, np.nan))
        rate = concentration.raw_rates(stat_y, pop)
        try:  # smoothed towards the mean of the units the data cover
            value[inside], used = concentration.eb_rates(stat_y[inside], pop[inside]), "rate"
        except ValueError as exc:
            note = f"counts used: {exc} (load a population table for rates per 1,000)"
            if measure == "rate":
                raise
    out = units.drop(columns=["geom_bng"]).copy()
    out["count"] = y.astype(np.int64)
    out["covered"] = inside
    if withheld is not None:
        out["withheld"] = held
    out["measure"] = used
    out["measure_note"] = note
    out["value"] = value
    out["rate"] = rate
    if "ck" in monthly:  # the cell key of each unit's count over the months (geo.stats.disclosure)
        in_period = monthly[monthly["month"].isin(months)]
        keys = in_period.groupby("unit_id")["ck"].sum() % 256
        out["ck"] = keys.reindex(units["unit_id"], fill_value=0).to_numpy(dtype=np.int64)
    z, p, bins = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=int)
    # hexagons cut by the boundary are scored for their area inside it (issue #30)
    share = (units["inside_share"].to_numpy(dtype=float)
             if unit == "hex" and "inside_share" in units else None)
    w = None
    if inside.sum() >= 2:
        w = unit_weights(units[inside], unit, weight_kind)
        res = hotspots.hot_spots(value[inside], w, fdr,
                                 area=None if share is None else share[inside])
        z[inside], p[inside] = res["z"].to_numpy(), res["p"].to_numpy()
        bins[inside] = res["bin"].to_numpy()
    out["z"], out["p"], out["bin"] = z, p, bins
    labels = np.full(n, "no data", dtype=object)
    if inside.any():
        labels[inside] = concentration.labels(bins[inside], value[inside])
    out["label"] = labels
    if outliers if outliers is not None else unit in ("ward", "lsoa"):
        lisa = np.full(n, "no data", dtype=object)
        if w is not None and inside.sum() > 2 and np.ptp(value[inside]) > 0:
            lisa[inside] = hotspots.local_moran(value[inside], w)["cluster"].to_numpy()
        elif inside.any():
            lisa[inside] = "not significant"
        out["lisa"] = lisa
    if emerging_too:
        if len(steps) >= 4 and w is not None:
            em = emerging.emerging_hot_spots(stat_data[inside], w, fdr=fdr,
                                             area=None if share is None else share[inside])
            for c, empty in (("category", "no data"), ("trend_z", np.nan),
                             ("trend_p", np.nan), ("final_bin", 0)):
                col = np.full(n, empty, dtype=object if c == "category" else type(empty))
                col[inside] = em[c].to_numpy()
                out[c] = col
        else:
            out["category"] = np.where(inside, "too little data", "no data")
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
    measure: Measure = "auto",
    view: View | None = None,
) -> gpd.GeoDataFrame:
    """:func:`hotspots_from_counts` of the incidents in PostGIS that pass ``filters``
    (one counting query, by unit and month), over the units their extracts cover; with
    an aggregate ``view``, the statistics from published values.
    """
    units = C.units(conn, unit, size)
    monthly = C.counts(conn, unit, filters, size, by_month=True)
    inside = cov.covered(units["geom_bng"].to_numpy(), coverage(conn, filters))
    pop = population(conn, unit) if unit in ("ward", "lsoa") and measure != "count" else None
    return hotspots_from_counts(units, unit, monthly, _months(filters, conn), fdr,
                                weight_kind, emerging_too, step, inside, pop, measure,
                                view=view)


def covered_units(units: gpd.GeoDataFrame, coverage: cov.Coverage) -> np.ndarray:
    """Which of ``units`` (with ``geom_bng``) lie inside ``coverage``."""
    return cov.covered(units["geom_bng"].to_numpy(), coverage)


def coverage(conn: psycopg.Connection[Any], filters: Filters = Filters()) -> cov.Coverage:
    """What the incidents passing ``filters`` cover (their extracts' declared coverage)."""
    return store_coverage.of_selection(conn, filters)


def population(conn: psycopg.Connection[Any], unit: C.Unit) -> pd.Series | None:
    """Young people per ward or LSOA (latest year loaded), or None when none is loaded."""
    if unit not in ("ward", "lsoa"):
        return None
    return C.population(conn, unit)


def prediction_check(
    conn: psycopg.Connection[Any],
    unit: C.Unit,
    period_a: Filters,
    period_b: Filters,
    size: float = C.DEFAULT_HEX_SIZE,
) -> dict[str, float]:
    """PAI of period A's hot spots (bins +2 and +3) against period B's incidents, over
    the units period A's data covers."""
    table = hotspot_table(conn, unit, period_a, size)
    table = table[table["covered"].to_numpy()]
    later = C.counts(conn, unit, period_b, size).set_index("unit_id")["n"]
    b = later.reindex(table["unit_id"], fill_value=0).to_numpy(dtype=float)
    return hotspots.pai(hotspots.is_hot_spot(table["bin"]), b, table["area_m2"].to_numpy())


def complex_strategy(
    conn: psycopg.Connection[Any],
    filters: Filters = Filters(),
    min_people: int = MIN_PEOPLE,
    window_days: int = WINDOW_DAYS,
) -> pd.DataFrame:
    """Places with their most distinct young people in any window, flagged at ``min_people``."""
    flags = flag_places(C.keyed_at_places(conn, filters), min_people, window_days)
    places = C.units(conn, "place")[["unit_id", "name", "ref", "category"]]
    flags["unit_id"] = flags["place_id"].astype(str)
    return places.merge(flags.drop(columns=["place_id"]), on="unit_id", how="inner")


def concentration_summary(now: pd.DataFrame, before: pd.DataFrame) -> dict[str, float]:
    """How concentrated harm is this period and how stable last period's hot spots were,
    from two :func:`hotspots_from_counts` tables of the same units (this period, the one
    before): share of harm in the densest 5 % of the area, Gini, share of last period's hot
    spots (95 %+) still hot, Spearman's rho of the counts, and PAI, PEI* and RRI of last
    period's hot spots against this period's incidents.
    """
    b = before.set_index("unit_id").reindex(now["unit_id"])
    areas = now["area_m2"].to_numpy(dtype=float) if "area_m2" in now else None
    c_now = now["count"].to_numpy(dtype=float)
    c_before = b["count"].fillna(0).to_numpy(dtype=float)
    hot_before = hotspots.is_hot_spot(b["bin"].fillna(0))
    hot_now = hotspots.is_hot_spot(now["bin"])
    stab = concentration.stability(hot_before, hot_now, c_before, c_now)
    fc = concentration.forecast_accuracy(hot_before, c_before, c_now, areas)
    return {
        "top_share": concentration.share_in_top_area(c_now, areas),
        "gini": concentration.gini(c_now, areas),
        "hot_before": stab["hot_before"],
        "share_still_hot": stab["share_still_hot"],
        "spearman": stab["spearman"],
        "pai": fc["pai"],
        "pei_star": fc["pei_star"],
        "rri": fc["rri"],
    }
