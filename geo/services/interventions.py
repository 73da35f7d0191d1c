"""The measured impact of interventions: series from :mod:`geo.store.interventions`,
statistics from :mod:`geo.stats.impact` and :mod:`geo.stats.synth`.

The matched comparison of an intervention is built from **donors**: places and wards
with no intervention at any time between the start of its before-period and the end of
its after-period, leaving out the target, every place within the buffer distance of it,
the wards its buffer ring touches, and the wards holding a place with an intervention in
that window. Their monthly counts come from one counting query per unit kind, shared by
all interventions; the counts near every intervention's place (target and ring) from one
more query. A page runs these reads at the same time (:func:`impacts_read`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely
from numpy.typing import NDArray

from geo.filters import Filters
from geo.stats import grid
from geo.stats.disclosure import View, count_formatter, perturbed, publish_one
from geo.stats.impact import (
    MIN_BEFORE_INCIDENTS,
    MIN_TARGET_INCIDENTS,
    Counts,
    Impact,
    assess,
    displacement_claim,
    sentence,
    verdict,
)
from geo.stats.synth import Pooled, pooled_effect
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
    #: the last before-months left out of the estimate (a spike is left out anyway)
    leave_out: int = 0


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


@dataclass
class Geometry:
    """Every place and ward: geometry, names, which wards each place and each ward
    touches, and search trees (found once, for every intervention)."""

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

    @classmethod
    def of(cls, places: pd.DataFrame, wards: pd.DataFrame) -> Geometry:
        """From the place and ward units (:func:`geo.store.counts.units`)."""
        p, w = places.set_index("unit_id"), wards.set_index("unit_id")
        return cls(p["geom_bng"], p["name"], w["geom_bng"], w["name"])

    def wards_touching(self, geom: shapely.Geometry) -> set[int]:
        return {int(i) for i in self._ward_tree.query(geom, predicate="intersects")}

    def places_touching(self, geom: shapely.Geometry) -> set[str]:
        return {str(self.place_ids[i]) for i in
                self._place_tree.query(geom, predicate="intersects")}


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
    places_ck: pd.DataFrame  # the cells' keys (geo.stats.disclosure), as ``places``
    wards_ck: pd.DataFrame
    geometry: Geometry | None = None  # of the same places and wards, when found already

    def __post_init__(self) -> None:
        if self.geometry is None:
            self.geometry = Geometry(self.place_geom, self.place_name, self.ward_geom,
                                     self.ward_name)
        g = self.geometry
        self.ward_codes, self.place_wards, self.ward_touches, self.place_ids = (
            g.ward_codes, g.place_wards, g.ward_touches, g.place_ids)
        # every donor in one matrix (months x places, then wards), as arrays: an
        # intervention's donors are a selection of its columns and rows
        self.months = pd.DatetimeIndex(self.places.index.union(self.wards.index))
        self._month_pos = {m: i for i, m in enumerate(self.months)}
        n_places = self.places.shape[1]

        def matrix(p: pd.DataFrame, w: pd.DataFrame) -> NDArray[np.int64]:
            both = np.zeros((len(self.months) + 1, n_places + w.shape[1]), dtype=np.int64)
            both[self.months.get_indexer(p.index), :n_places] = p.to_numpy(dtype=np.int64)
            both[self.months.get_indexer(w.index), n_places:] = w.to_numpy(dtype=np.int64)
            return both  # the last row: zeros, for months with no counts at all

        self._n = matrix(self.places, self.wards)
        self._ck = matrix(self.places_ck, self.wards_ck)
        self._is_place = np.arange(self._n.shape[1]) < n_places
        self._donor_ids = np.concatenate([self.places.columns.astype(str).to_numpy(),
                                          self.wards.columns.astype(str).to_numpy()])
        names = self.place_name.to_dict()
        self._donor_names = np.array(
            [names.get(c, c) for c in self.places.columns]
            + [f"{self.ward_name[c]} ward" for c in self.wards.columns], dtype=object)
        # the wards' monthly totals, for the controls (rows as ``months``, plus zeros)
        self._ward_n = self._n[:, n_places:]
        self._ward_ck = self._ck[:, n_places:]
        self._ward_col = {str(c): i for i, c in enumerate(self.wards.columns.astype(str))}

    def rows(self, months: pd.DatetimeIndex) -> NDArray[np.intp]:
        """The matrix rows of ``months`` (the row of zeros for a month with no counts)."""
        zero = len(self.months)
        return np.fromiter((self._month_pos.get(m, zero) for m in months), dtype=np.intp,
                           count=len(months))

    def wards_touching(self, geom: shapely.Geometry) -> set[int]:
        assert self.geometry is not None
        return self.geometry.wards_touching(geom)

    def places_touching(self, geom: shapely.Geometry) -> set[str]:
        assert self.geometry is not None
        return self.geometry.places_touching(geom)


DonorCounts = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def _unit_counts(conn: psycopg.Connection[Any], unit: counts.Unit,
                 params: ImpactParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every place's or ward's monthly counts over the whole data period, and their cell
    keys (months x units): one counting query."""
    rows = counts.counts(conn, unit, Filters(harms=params.harms), by_month=True)
    g = rows.groupby(["month", "unit_id"])
    n = g["n"].sum().unstack(fill_value=0).rename_axis(columns=None)
    ck = (g["ck"].sum() % 256).unstack(fill_value=0).rename_axis(columns=None)
    return n, ck.reindex_like(n).fillna(0).astype(np.int64)


def _donors(found: DonorCounts, geometry: Geometry) -> Donors:
    pn, pck, wn, wck = found
    return Donors(pn, wn, geometry.place_geom, geometry.place_name, geometry.ward_geom,
                  geometry.ward_name, pck, wck, geometry)


def donor_panel(conn: psycopg.Connection[Any], params: ImpactParams) -> Donors:
    """The donors' monthly counts over the whole data period (two counting queries)."""
    geometry = Geometry.of(counts.units(conn, "place"), counts.units(conn, "ward"))
    return _donors((*_unit_counts(conn, "place", params), *_unit_counts(conn, "ward", params)),
                   geometry)


def _busy(reg: pd.DataFrame) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Each intervention's place, start and end month (NaT: ongoing), as arrays."""
    return (reg["place_id"].astype(str).to_numpy(),
            pd.to_datetime(reg["start_month"]).to_numpy(),
            pd.to_datetime(reg["end_month"]).to_numpy())


def _donors_for(donors: Donors, reg: pd.DataFrame, row: pd.Series | dict[str, Any],
                months: pd.DatetimeIndex, buffer: float,
                busy: tuple[NDArray[Any], NDArray[Any], NDArray[Any]] | None = None,
                ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The donor series of one intervention, one column per donor, one row per month, and
    their cell keys; None when the place has no geometry. ``busy``: :func:`_busy` of
    ``reg``, when found already."""
    first, last = months.min(), months.max()
    ids, starts, ends = busy if busy is not None else _busy(reg)
    during = (starts <= last.to_datetime64()) & (np.isnat(ends) | (ends >= first.to_datetime64()))
    treated = {str(x) for x in ids[during]} | {str(row["place_id"])}
    target = donors.place_geom.get(str(row["place_id"]))
    if target is None:
        return None
    ring = shapely.buffer(target, buffer)
    near = donors.places_touching(ring)
    touched = donors.wards_touching(ring)
    for t in treated:
        touched |= donors.place_wards.get(t, set())
    bad_wards = {str(c) for c in donors.ward_codes[sorted(touched)]}
    ok = np.where(donors._is_place, ~np.isin(donors._donor_ids, list(treated | near)),
                  ~np.isin(donors._donor_ids, list(bad_wards)))
    cols = np.flatnonzero(ok)
    names = donors._donor_names[cols]
    _, first_of = np.unique(names, return_index=True)  # a name twice: its first column
    cols = cols[np.sort(first_of)]
    index = pd.DatetimeIndex(months, name="month")
    rows = donors.rows(index)
    columns = pd.Index(donors._donor_names[cols].tolist())
    return (pd.DataFrame(donors._n[np.ix_(rows, cols)], index=index, columns=columns),
            pd.DataFrame(donors._ck[np.ix_(rows, cols)], index=index, columns=columns))


def _region(donors: Geometry | Donors, place_id: str, place: shapely.Geometry,
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


@dataclass
class Near:
    """Where one intervention's target and ring are counted: its window of months, the
    surrounding wards (the control) and the wards and hexagon cells its ring touches."""

    place_id: int
    start: date
    months: pd.DatetimeIndex  # every month of the window, the start month included
    wards: list[str]
    touched: list[str]
    hex_i: NDArray[np.int64]
    hex_j: NDArray[np.int64]


@dataclass
class NearCounts:
    """One intervention's incidents by month and zone near its place: the month's place in
    its window (0 = first), the zone (0: target, 1: buffer), the count and its cell key."""

    pos: NDArray[np.int64]
    zone: NDArray[np.int64]
    n: NDArray[np.int64]
    ck: NDArray[np.int64]


def _near(geometry: Geometry | Donors, place_id: int, start: date,
          params: ImpactParams) -> Near | None:
    place = geometry.place_geom.get(str(place_id))
    if place is None:
        return None
    first, last = _shift(start, -params.before), _shift(start, params.after)
    wards, touched = _region(geometry, str(place_id), place, params.buffer)
    hi, hj = grid.covering_cells(shapely.buffer(place, params.buffer), grid.DEFAULT_SIZE)
    return Near(place_id, start, pd.date_range(first, last, freq="MS"), wards, touched, hi, hj)


def _near_rows(conn: psycopg.Connection[Any], wanted: list[tuple[int, Near]],
               params: ImpactParams) -> pd.DataFrame:
    """The counts near the places of ``wanted`` (key, where), one query."""
    return store.near(conn, params.buffer, list(params.harms) if params.harms else None,
                      [(k, f.place_id, f.months[0].date(), f.months[-1].date(), f.touched,
                        f.hex_i, f.hex_j) for k, f in wanted])


def _split_near(rows: pd.DataFrame, wanted: list[tuple[int, Near]]) -> dict[int, NearCounts]:
    """The rows of :func:`_near_rows` by key, as arrays."""
    if not len(rows):
        return {}
    when = pd.DatetimeIndex(pd.to_datetime(rows["month"]))
    month = (when.year * 12 + when.month).to_numpy(dtype=np.int64)
    keys = rows["k"].to_numpy(dtype=np.int64)
    zone = np.where(rows["zone"].to_numpy() == "target", 0, 1)
    n, ck = rows["n"].to_numpy(dtype=np.int64), rows["ck"].to_numpy(dtype=np.int64)
    out = {}
    for k, where in wanted:
        mine = keys == k
        first = where.months[0]
        out[k] = NearCounts(month[mine] - (first.year * 12 + first.month), zone[mine],
                            n[mine], ck[mine])
    return out


_NO_COUNTS = NearCounts(*(np.zeros(0, dtype=np.int64) for _ in range(4)))


def near_counts(conn: psycopg.Connection[Any], donors: Donors,
                wanted: list[tuple[int, date]], params: ImpactParams
                ) -> list[tuple[Near, NearCounts] | None]:
    """For each (place, start month) of ``wanted``: where it is counted and its monthly
    target and ring counts, all from one query; None for a place with no geometry."""
    found = [_near(donors, place_id, start, params) for place_id, start in wanted]
    listed = [(k, f) for k, f in enumerate(found) if f is not None]
    split = _split_near(_near_rows(conn, listed, params), listed) if listed else {}
    return [None if f is None else (f, split.get(k, _NO_COUNTS)) for k, f in enumerate(found)]


def _series(donors: Donors, where: Near, near: NearCounts) -> pd.DataFrame:
    """The monthly series of one intervention (as :func:`monthly_series`) from its counts
    near the place and the surrounding wards' monthly counts."""
    months = where.months
    zone_n = np.zeros((2, len(months)), dtype=np.int64)  # target, buffer
    zone_ck = np.zeros((2, len(months)), dtype=np.int64)
    np.add.at(zone_n, (near.zone, near.pos), near.n)
    np.add.at(zone_ck, (near.zone, near.pos), near.ck)
    inside = np.array([donors._ward_col[w] for w in where.wards if w in donors._ward_col],
                      dtype=np.intp)
    at = donors.rows(months)
    total = donors._ward_n[np.ix_(at, inside)].sum(axis=1)
    total_ck = donors._ward_ck[np.ix_(at, inside)].sum(axis=1)
    # the control's records are the wards' less the target's and ring's: so is its key
    control = np.clip(total - zone_n[0] - zone_n[1], 0, None)
    control_ck = total_ck - zone_ck[0] - zone_ck[1]
    keep = months != pd.Timestamp(where.start)
    wide = pd.DataFrame({
        "month": months[keep], "target": zone_n[0][keep], "buffer": zone_n[1][keep],
        "control": control[keep], "target_ck": zone_ck[0][keep] % 256,
        "buffer_ck": zone_ck[1][keep] % 256, "control_ck": control_ck[keep] % 256})
    wide["post"] = wide["month"] > pd.Timestamp(where.start)
    return wide


def fast_series(conn: psycopg.Connection[Any], donors: Donors, place_id: int, start: date,
                params: ImpactParams,
                near: tuple[Near, NearCounts] | None = None) -> pd.DataFrame:
    """:func:`monthly_series` from the shared ward-month counts of ``donors`` and an
    indexed lookup of the incidents near the place (through the hexagon cells covering its
    ring): ``near`` when found already by :func:`near_counts`, else one query.

    The control is the surrounding wards' monthly count less the target and buffer; unlike
    ``impact_series.sql`` it includes incidents located in those wards by a code only.
    """
    if near is None:
        near = near_counts(conn, donors, [(place_id, start)], params)[0]
        if near is None:
            return monthly_series(conn, place_id, start, params)
    return _series(donors, *near)


def _assessed(intervention: pd.Series | dict[str, Any], series: pd.DataFrame,
              params: ImpactParams, data_end: date | None, fmt: Callable[[int], str],
              view: View | None, donors: Donors | None, reg: pd.DataFrame | None,
              busy: tuple[NDArray[Any], NDArray[Any], NDArray[Any]] | None = None
              ) -> Impact:
    """The impact of one intervention (a row of :func:`register`) from its monthly series.

    When the data stop before the after-period ends, only the months with data are used
    and the sentence says how many. With a ``view``, the result is what that view may see
    (:func:`published_impact`). With ``donors`` (from :func:`donor_panel`) and the
    register, the matched comparison and its placebo tests are part of the verdict.
    """
    if data_end is not None:
        series = series[series["month"] <= pd.Timestamp(data_end)]
    action = str(intervention["type_label"]).lower()
    donor_frame = None
    if donors is not None and reg is not None and len(series):
        donor_frame = _donors_for(donors, reg, intervention,
                                  pd.DatetimeIndex(series["month"]), params.buffer, busy)
    kind = str(intervention.get("type_label", ""))
    if view is not None:
        return published_impact(str(intervention["ref"]), str(intervention["place_name"]),
                                action, series, view, donor_frame, kind, params.leave_out)
    return assess(str(intervention["ref"]), str(intervention["place_name"]), action,
                  series[["month", "post", *ZONES]], fmt,
                  None if donor_frame is None else donor_frame[0], kind, params.leave_out)


def published_impact(ref: str, place: str, action: str, series: pd.DataFrame, view: View,
                     donors: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                     kind: str = "", leave_out: int = 0) -> Impact:
    """An impact as ``view`` may see it, every number from published values.

    For an aggregate view the model is fitted to the monthly series perturbed month by
    month (each month a cell with its own key), the before and after counts are cells of
    their own (perturbed, "<k" when small), and "too little data" is decided on those
    published counts: so changing a setting by one month moves nothing that the gate has
    not perturbed. ``counts_text`` holds the texts of the six counts. Exact views get the
    plain :func:`geo.stats.impact.assess` with exact counts. ``donors``: the donors' monthly
    counts and their cell keys (:func:`_donors_for`); for an aggregate view the matched
    comparison is built from their perturbed values too.
    """
    fmt = count_formatter(view)
    if view.exact:
        out = assess(ref, place, action, series[["month", "post", *ZONES]], fmt,
                     None if donors is None else donors[0], kind, leave_out)
    else:
        shown = pd.DataFrame({"month": series["month"], "post": series["post"]} | {
            z: perturbed(series[z].to_numpy(), series[f"{z}_ck"].to_numpy(), view)
            for z in ZONES})
        donor_shown = None
        if donors is not None:
            n, ck = donors
            donor_shown = pd.DataFrame(perturbed(n.to_numpy(), ck.to_numpy(), view),
                                       index=n.index, columns=n.columns)
        out = assess(ref, place, action, shown, fmt, donor_shown, kind, leave_out)
        c = Counts(*(int(perturbed(n, ck, view)) for n, ck in _cells(series)))
        # and neither side in the class of small counts: 0 and 1-4 are one class to an
        # aggregate view, so a verdict (or its absence) must not tell them apart (#27)
        sufficient = (out.sufficient and c.rb + c.ra >= MIN_TARGET_INCIDENTS
                      and c.rb >= MIN_BEFORE_INCIDENTS and min(c.rb, c.ra) >= view.k)
        out.counts, out.sufficient = c, sufficient
        out.its = out.its if sufficient else None
        decided = verdict(sufficient, out.its, out.synthetic)
        out.verdict, out.rule = decided
        out.displacement = (displacement_claim(out.wdq, out.buffer)
                            if decided[0] == "reduced" else None)
        months_after = int(series["post"].to_numpy(dtype=bool).sum())
        out.sentence = sentence(place, action, months_after, c, out.wdq, out.its, sufficient,
                                fmt, out.synthetic, decided, out.displacement)
    out.counts_text = published_counts(series, view)
    return out


def _cells(series: pd.DataFrame) -> list[tuple[int, int]]:
    """The six counts of a monthly series with cell keys, with their keys: target, buffer
    and control, each before then after the start."""
    post = series["post"].to_numpy(dtype=bool)
    out = []
    for z in ZONES:
        n, ck = series[z].to_numpy(), series[f"{z}_ck"].to_numpy()
        out += [(int(n[~post].sum()), int(ck[~post].sum())),
                (int(n[post].sum()), int(ck[post].sum()))]
    return out


def published_counts(series: pd.DataFrame, view: View) -> dict[str, str]:
    """The six counts of an impact (target, buffer and control, before and after: ``rb``,
    ``ra``, ``db``, ``da``, ``cb``, ``ca``) as ``view`` may see them, each a cell of its
    own from a monthly series with cell keys (:func:`monthly_series`)."""
    names = ("rb", "ra", "db", "da", "cb", "ca")
    return {name: publish_one(n, ck, view).text
            for name, (n, ck) in zip(names, _cells(series), strict=True)}


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
    return impacts_read(lambda fn: fn(conn), params, place_ref, intervention_ref, fmt, view,
                        workers=1)


Read = Callable[[Callable[[psycopg.Connection[Any]], Any]], Any]

#: the reads :func:`impacts_read` runs at the same time, each on a connection of its own
PARALLEL_READS = 3


def impacts_read(
    read: Read,
    params: ImpactParams = ImpactParams(),
    place_ref: str | None = None,
    intervention_ref: str | None = None,
    fmt: Callable[[int], str] = str,
    view: View | None = None,
    workers: int = PARALLEL_READS,
) -> list[Impact]:
    """:func:`impacts` with each query run through ``read`` (``read(fn)`` lends a
    connection to ``fn`` and gives it back; a page's pooled read).

    With ``workers`` > 1, up to that many reads run at the same time, each on its own
    connection and none waiting for another while it holds one: the places' and the
    wards' monthly counts (the donors), and the counts near the places split in
    ``workers`` - 1 parts; each part's interventions are assessed (no connection needed)
    while the next part is still counted.
    """
    def chosen(conn: psycopg.Connection[Any]) -> tuple[pd.DataFrame, Any]:
        return register(conn), counts.data_period(conn)["last"]

    def units(conn: psycopg.Connection[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
        return counts.units(conn, "place"), counts.units(conn, "ward")

    full, end = read(chosen)
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
    rows = [row for _, row in reg.iterrows()]
    busy = _busy(full)
    out: dict[int, Impact] = {}
    with ThreadPoolExecutor(workers, thread_name_prefix="contexts-impact") if workers > 1 \
            else nullcontext() as pool:

        def later(fn: Callable[[psycopg.Connection[Any]], Any]) -> Callable[[], Any]:
            if pool is None:
                found = read(fn)
                return lambda: found
            return pool.submit(read, fn).result

        # the donors' counts while the places and wards are read, then the counts near
        # the places (which need their geometry)
        place_counts = later(partial(_unit_counts, unit="place", params=params))
        ward_counts = later(partial(_unit_counts, unit="ward", params=params))
        geometry = Geometry.of(*read(units))
        found = [_near(geometry, int(r["place_id"]), r["start_month"], params) for r in rows]
        listed = [(k, f) for k, f in enumerate(found) if f is not None]
        n_parts = max(1, workers - 1) if pool is not None else 1
        parts = [p for p in (listed[i::n_parts] for i in range(n_parts)) if p]
        near = [(part, later(partial(_near_rows, wanted=part, params=params)))
                for part in parts]
        donors = _donors((*place_counts(), *ward_counts()), geometry)
        for part, rows_of in near:
            split = _split_near(rows_of(), part)
            for k, where in part:
                series = _series(donors, where, split.get(k, _NO_COUNTS))
                out[k] = _assessed(rows[k], series, params, end, fmt, view, donors, full, busy)
    for k, row in enumerate(rows):
        if k not in out:  # a place with no geometry: counted by its wards' incidents
            series = read(partial(monthly_series, place_id=int(row["place_id"]),
                                  start=row["start_month"], params=params))
            out[k] = _assessed(row, series, params, end, fmt, view, donors, full, busy)
    return [out[k] for k in range(len(rows))]


def _by_type(found: list[Impact] | list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The impacts (as dicts) that enter the pooled effect, by type: those with a verdict
    (not "too little data" or "comparison too poor") and an estimate."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for i in found:
        d = i.as_dict() if isinstance(i, Impact) else i
        est = d.get("its")
        if (d["verdict"] in ("too little data", "comparison too poor") or not est
                or est.get("log_effect") is None or est.get("log_se") is None):
            continue
        groups.setdefault(d["intervention_type"], []).append(d)
    return groups


def pooled_by_type(found: list[Impact] | list[dict[str, Any]]) -> dict[str, Pooled]:
    """The pooled effect of each type of intervention over its places with a verdict
    (those with too little data or too poor a comparison are left out): each place's
    estimate of the verdict (:func:`geo.stats.segmented.segmented`: its own trend allowed
    for, honest standard error), pooled by random effects. Takes impacts or their
    :meth:`Impact.as_dict` forms."""
    out = {}
    for kind, rows in sorted(_by_type(found).items()):
        if len(rows) == 1:  # one place: its own estimate and interval, as its sentence says
            e = rows[0]["its"]
            out[kind] = Pooled(1, e["level_change"], e["level_low"], e["level_high"], 0.0,
                               "one place: its own interval")
            continue
        y = np.array([r["its"]["log_effect"] for r in rows], dtype=float)
        s = np.array([r["its"]["log_se"] for r in rows], dtype=float)
        out[kind] = pooled_effect(y, s)
    return out


def pooled_rows(found: list[Impact] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per type: type, places, effect, low, high and the sentence (with the
    sentence that reconciles it with the places' own verdicts)."""
    groups = _by_type(found)
    return [p.as_dict() | {"type": kind,
                           "sentence": " ".join(filter(None, (
                               pooled_sentence(kind, p),
                               reconcile(p, [r["verdict"] for r in groups.get(kind, [])],
                                         [r["its"]["mde"] for r in groups.get(kind, [])]))))}
            for kind, p in pooled_by_type(found).items()]


def reconcile(p: Pooled | dict[str, Any], verdicts: list[str], mdes: list[float]) -> str:
    """One sentence explaining how the pooled effect and the places' own verdicts fit
    together ("" when there is nothing to explain): pooling places gives a narrower
    interval than any one place has, so a clear average can rest on places none of which
    was clear alone; and a clear place need not make a clear average."""
    d = p.as_dict() if isinstance(p, Pooled) else p
    if not d["places"] or d["effect"] is None or d["places"] < 2:
        return ""
    clear = d["high"] < 0 or d["low"] > 0
    way = "fall" if d["effect"] < 0 else "rise"
    n, k = d["places"], sum(v in ("reduced", "increased") for v in verdicts)
    unclear = [m for m, v in zip(mdes, verdicts, strict=True) if v == "no clear change"]
    if clear and unclear:
        return (f"{len(unclear)} of these {n} places showed no clear change on its own: one "
                f"place alone could only have detected a fall of {min(unclear) * 100:.0f}% or "
                f"more, and pooling the {n} places narrows the interval, so the average {way} "
                f"is clear where single places were not.")
    if not clear and k:
        return (f"{k} of the {n} places showed a clear change on its own, but the average "
                f"over places is not clear: the places differ, or part of that change is "
                f"chance.")
    return ""


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
