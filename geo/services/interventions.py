"""The measured impact of interventions: series from :mod:`geo.store.interventions`,
statistics from :mod:`geo.stats.impact` and :mod:`geo.stats.synth`.

The matched comparison of an intervention is built from **donors**: places and wards
with no intervention at any time between the start of its before-period and the end of
its after-period, leaving out the target, every place within the buffer distance of it,
the wards its buffer ring touches, and the wards holding a place with an intervention in
that window. Their monthly counts come from one counting query per unit kind, shared by
all interventions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely

from geo.filters import Filters
from geo.stats import grid
from geo.stats.impact import Impact, assess
from geo.stats.synth import Pooled, pooled_effect
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


@dataclass
class Donors:
    """Monthly counts of every place and ward (months x units), with their geometry and
    which wards each place and each ward touches (found once, for every intervention)."""

    places: pd.DataFrame  # columns: place_id (str)
    wards: pd.DataFrame  # columns: ward_code
    place_geom: pd.Series  # place_id -> shapely (BNG)
    place_name: pd.Series
    ward_geom: pd.Series  # ward_code -> shapely (BNG)
    ward_name: pd.Series

    def __post_init__(self) -> None:
        self.ward_codes = np.asarray(self.ward_geom.index.astype(str))
        self._ward_tree = shapely.STRtree(self.ward_geom.to_numpy())
        p, w = self._ward_tree.query(self.place_geom.to_numpy(), predicate="intersects")
        ids = self.place_geom.index.astype(str).to_numpy()
        self.place_wards: dict[str, set[int]] = {}
        for a, b in zip(p, w, strict=True):
            self.place_wards.setdefault(str(ids[a]), set()).add(int(b))
        a2, b2 = self._ward_tree.query(self.ward_geom.to_numpy(), predicate="intersects")
        self.ward_touches: list[set[int]] = [set() for _ in range(len(self.ward_codes))]
        for a, b in zip(a2, b2, strict=True):
            self.ward_touches[int(a)].add(int(b))
        self._place_tree = shapely.STRtree(self.place_geom.to_numpy())
        self.place_ids = ids
        self.places_named = self.places.rename(columns=self.place_name.to_dict())
        self.wards_named = self.wards.rename(columns=lambda c: f"{self.ward_name[c]} ward")

    def wards_touching(self, geom: shapely.Geometry) -> set[int]:
        return {int(i) for i in self._ward_tree.query(geom, predicate="intersects")}

    def places_touching(self, geom: shapely.Geometry) -> set[str]:
        return {str(self.place_ids[i]) for i in
                self._place_tree.query(geom, predicate="intersects")}


def donor_panel(conn: psycopg.Connection[Any], params: ImpactParams) -> Donors:
    """The donors' monthly counts over the whole data period (two counting queries)."""
    f = Filters(harms=params.harms)

    def wide(unit: counts.Unit) -> pd.DataFrame:
        rows = counts.counts(conn, unit, f, by_month=True)
        return (rows.groupby(["month", "unit_id"])["n"].sum().unstack(fill_value=0)
                .rename_axis(columns=None))

    places = counts.units(conn, "place").set_index("unit_id")
    wards = counts.units(conn, "ward").set_index("unit_id")
    return Donors(wide("place"), wide("ward"), places["geom_bng"], places["name"],
                  wards["geom_bng"], wards["name"])


def _donors_for(donors: Donors, reg: pd.DataFrame, row: pd.Series | dict[str, Any],
                months: pd.DatetimeIndex, buffer: float) -> pd.DataFrame:
    """The donor series of one intervention, one column per donor, one row per month."""
    first, last = months.min(), months.max()
    starts = pd.to_datetime(reg["start_month"])
    ends = pd.to_datetime(reg["end_month"])
    busy = reg[(starts <= last) & (ends.isna() | (ends >= first))]
    treated = {str(x) for x in busy["place_id"]} | {str(row["place_id"])}
    target = donors.place_geom.get(str(row["place_id"]))
    if target is None:
        return pd.DataFrame(index=months)
    ring = shapely.buffer(target, buffer)
    near = donors.places_touching(ring)
    touched = donors.wards_touching(ring)
    for t in treated:
        touched |= donors.place_wards.get(t, set())
    place_ok = ~donors.places.columns.astype(str).isin(list(treated | near))
    bad_wards = set(donors.ward_codes[sorted(touched)])
    ward_ok = ~donors.wards.columns.astype(str).isin(list(bad_wards))
    frame = pd.concat([donors.places_named.loc[:, place_ok],
                       donors.wards_named.loc[:, ward_ok]], axis=1)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    return frame.reindex(months, fill_value=0)


def _region(donors: Donors, place_id: str, place: shapely.Geometry,
            buffer: float) -> tuple[list[str], list[str]]:
    """The surrounding wards, as in ``impact_series.sql`` (the wards the place touches,
    the wards next to them, and any the ring reaches), and the wards the ring touches."""
    home = donors.place_wards.get(place_id, set())
    region = set(home)
    for h in home:
        region |= donors.ward_touches[h]
    ring = donors.wards_touching(shapely.buffer(place, buffer))
    region |= ring
    codes = donors.ward_codes
    return [str(codes[i]) for i in sorted(region)], [str(codes[i]) for i in sorted(ring)]


def fast_series(conn: psycopg.Connection[Any], donors: Donors, place_id: int, start: date,
                params: ImpactParams) -> pd.DataFrame:
    """:func:`monthly_series` from the shared ward-month counts of ``donors`` and one indexed
    lookup of the incidents near the place (through the hexagon cells covering its ring).

    The control is the surrounding wards' monthly count less the target and buffer; unlike
    ``impact_series.sql`` it includes incidents located in those wards by a code only.
    """
    place = donors.place_geom.get(str(place_id))
    if place is None:
        return monthly_series(conn, place_id, start, params)
    first, last = _shift(start, -params.before), _shift(start, params.after)
    months = pd.date_range(first, last, freq="MS")
    # the target and ring lie in the wards the ring touches: only those are scanned
    wards, touched = _region(donors, str(place_id), place, params.buffer)
    ring = shapely.buffer(place, params.buffer)
    hi, hj = grid.covering_cells(ring, grid.DEFAULT_SIZE)
    rows = store.near(conn, place_id, params.buffer, first.date(), last.date(),
                      list(params.harms) if params.harms else None, touched,
                      [int(x) for x in hi], [int(x) for x in hj])
    wide = (
        rows.assign(month=pd.to_datetime(rows["month"]))
        .groupby(["month", "zone"])["n"].sum().unstack(fill_value=0)
        .reindex(index=months, columns=["target", "buffer"], fill_value=0)
    )
    region = donors.wards.loc[:, donors.wards.columns.astype(str).isin(wards)]
    total = region.sum(axis=1).reindex(months, fill_value=0)
    wide["control"] = (total - wide["target"] - wide["buffer"]).clip(lower=0)
    wide = wide.astype(np.int64).drop(index=pd.Timestamp(start)).rename_axis("month")
    wide = wide.reset_index()
    wide["post"] = wide["month"] > pd.Timestamp(start)
    return wide


def impact(
    conn: psycopg.Connection[Any],
    intervention: pd.Series | dict[str, Any],
    params: ImpactParams = ImpactParams(),
    data_end: date | None = None,
    fmt: Callable[[int], str] = str,
    donors: Donors | None = None,
    reg: pd.DataFrame | None = None,
) -> Impact:
    """The impact of one intervention (a row of :func:`register`).

    When the data stop before the after-period ends, only the months with data are used
    and the sentence says how many. With ``donors`` (from :func:`donor_panel`) and the
    register, the matched comparison and its placebo tests are part of the verdict.
    """
    start = intervention["start_month"]
    series = (fast_series(conn, donors, int(intervention["place_id"]), start, params)
              if donors is not None else
              monthly_series(conn, int(intervention["place_id"]), start, params))
    if data_end is not None:
        series = series[series["month"] <= pd.Timestamp(data_end)]
    action = str(intervention["type_label"]).lower()
    donor_frame = None
    if donors is not None and reg is not None and len(series):
        donor_frame = _donors_for(donors, reg, intervention,
                                  pd.DatetimeIndex(series["month"]), params.buffer)
    return assess(str(intervention["ref"]), str(intervention["place_name"]), action, series,
                  fmt, donor_frame, str(intervention.get("type_label", "")))


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
    full = register(conn)
    reg = full
    if place_ref:
        reg = reg[reg["place_ref"] == place_ref]
    if intervention_ref:
        reg = reg[
            (reg["ref"] == intervention_ref)
            | (reg["intervention_id"].astype(str) == intervention_ref)
        ]
    if reg.empty:
        return []
    end = counts.data_period(conn)["last"]
    donors = donor_panel(conn, params)
    return [impact(conn, row, params, end, fmt, donors, full) for _, row in reg.iterrows()]


def pooled_by_type(found: list[Impact] | list[dict[str, Any]]) -> dict[str, Pooled]:
    """The pooled effect of each type of intervention over its places with a verdict
    (those with too little data or too poor a comparison are left out). Takes impacts or
    their :meth:`Impact.as_dict` forms."""
    groups: dict[str, list[tuple[float, float]]] = {}
    for i in found:
        d = i.as_dict() if isinstance(i, Impact) else i
        sc = d.get("synthetic")
        if (d["verdict"] in ("too little data", "comparison too poor") or not sc
                or sc["log_effect"] is None or sc["log_se"] is None):
            continue
        groups.setdefault(d["intervention_type"], []).append((sc["log_effect"], sc["log_se"]))
    out = {}
    for kind, pairs in sorted(groups.items()):
        y, s = np.array(pairs).T
        out[kind] = pooled_effect(y, s)
    return out


def pooled_rows(found: list[Impact] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per type: type, places, effect, low, high and the sentence."""
    return [p.as_dict() | {"type": kind, "sentence": pooled_sentence(kind, p)}
            for kind, p in pooled_by_type(found).items()]


def pooled_sentence(kind: str, p: Pooled | dict[str, Any]) -> str:
    """"Patrols: 22% fewer incidents on average over 4 places (95% CI 8% to 34% fewer)"."""
    d = p.as_dict() if isinstance(p, Pooled) else p
    if not d["places"] or d["effect"] is None:
        return f"{kind}: no place with enough data and a matched comparison."
    n = d["places"]
    places = f"{n} place" + ("s" if n != 1 else "")

    def pct(x: float) -> str:
        return f"{abs(x) * 100:.0f}% " + ("fewer" if x < 0 else "more")

    lo, hi = d["low"], d["high"]
    if hi < 0 or lo > 0:
        head = f"{kind}: {pct(d['effect'])} incidents on average over {places}"
    else:
        head = (f"{kind}: no clear change on average over {places} "
                f"({pct(d['effect'])} incidents)")
    return f"{head} (95% CI {pct(lo)} to {pct(hi)})."
