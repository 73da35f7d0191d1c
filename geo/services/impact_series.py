"""The monthly series an intervention is measured on: its target, buffer ring and
control, month by month with their cell keys, and the donors of its matched comparison.

The matched comparison of an intervention is built from **donors**: places and wards
with no intervention at any time between the start of its before-period and the end of
its after-period, leaving out the target, every place within the buffer distance of it,
the wards its buffer ring touches, and the wards holding a place with an intervention in
that window. Their monthly counts come from one counting query per unit kind, shared by
all interventions (:class:`Donors`); the counts near every intervention's place (target
and ring) from one more query (:func:`near_counts`). The assessment is in
:mod:`geo.services.interventions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely
from numpy.typing import NDArray

from geo.filters import Filters
from geo.stats import grid
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


def unit_counts(conn: psycopg.Connection[Any], unit: counts.Unit,
                 params: ImpactParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every place's or ward's monthly counts over the whole data period, and their cell
    keys (months x units): one counting query."""
    rows = counts.counts(conn, unit, Filters(harms=params.harms), by_month=True)
    g = rows.groupby(["month", "unit_id"])
    n = g["n"].sum().unstack(fill_value=0).rename_axis(columns=None)
    ck = (g["ck"].sum() % 256).unstack(fill_value=0).rename_axis(columns=None)
    return n, ck.reindex_like(n).fillna(0).astype(np.int64)


def donors_of(found: DonorCounts, geometry: Geometry) -> Donors:
    pn, pck, wn, wck = found
    return Donors(pn, wn, geometry.place_geom, geometry.place_name, geometry.ward_geom,
                  geometry.ward_name, pck, wck, geometry)


def donor_panel(conn: psycopg.Connection[Any], params: ImpactParams) -> Donors:
    """The donors' monthly counts over the whole data period (two counting queries)."""
    geometry = Geometry.of(counts.units(conn, "place"), counts.units(conn, "ward"))
    return donors_of((*unit_counts(conn, "place", params), *unit_counts(conn, "ward", params)),
                   geometry)


def busy_windows(reg: pd.DataFrame) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Each intervention's place, start and end month (NaT: ongoing), as arrays."""
    return (reg["place_id"].astype(str).to_numpy(),
            pd.to_datetime(reg["start_month"]).to_numpy(),
            pd.to_datetime(reg["end_month"]).to_numpy())


def donors_for(donors: Donors, reg: pd.DataFrame, row: pd.Series | dict[str, Any],
                months: pd.DatetimeIndex, buffer: float,
                busy: tuple[NDArray[Any], NDArray[Any], NDArray[Any]] | None = None,
                ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The donor series of one intervention, one column per donor, one row per month, and
    their cell keys; None when the place has no geometry. ``busy``: :func:`busy_windows` of
    ``reg``, when found already."""
    first, last = months.min(), months.max()
    ids, starts, ends = busy if busy is not None else busy_windows(reg)
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


def where_counted(geometry: Geometry | Donors, place_id: int, start: date,
          params: ImpactParams) -> Near | None:
    place = geometry.place_geom.get(str(place_id))
    if place is None:
        return None
    first, last = _shift(start, -params.before), _shift(start, params.after)
    wards, touched = _region(geometry, str(place_id), place, params.buffer)
    hi, hj = grid.covering_cells(shapely.buffer(place, params.buffer), grid.DEFAULT_SIZE)
    return Near(place_id, start, pd.date_range(first, last, freq="MS"), wards, touched, hi, hj)


def near_rows(conn: psycopg.Connection[Any], wanted: list[tuple[int, Near]],
               params: ImpactParams) -> pd.DataFrame:
    """The counts near the places of ``wanted`` (key, where), one query."""
    return store.near(conn, params.buffer, list(params.harms) if params.harms else None,
                      [(k, f.place_id, f.months[0].date(), f.months[-1].date(), f.touched,
                        f.hex_i, f.hex_j) for k, f in wanted])


def split_near(rows: pd.DataFrame, wanted: list[tuple[int, Near]]) -> dict[int, NearCounts]:
    """The rows of :func:`near_rows` by key, as arrays."""
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


NO_COUNTS = NearCounts(*(np.zeros(0, dtype=np.int64) for _ in range(4)))


def near_counts(conn: psycopg.Connection[Any], donors: Donors,
                wanted: list[tuple[int, date]], params: ImpactParams
                ) -> list[tuple[Near, NearCounts] | None]:
    """For each (place, start month) of ``wanted``: where it is counted and its monthly
    target and ring counts, all from one query; None for a place with no geometry."""
    found = [where_counted(donors, place_id, start, params) for place_id, start in wanted]
    listed = [(k, f) for k, f in enumerate(found) if f is not None]
    split = split_near(near_rows(conn, listed, params), listed) if listed else {}
    return [None if f is None else (f, split.get(k, NO_COUNTS)) for k, f in enumerate(found)]


def near_series(donors: Donors, where: Near, near: NearCounts) -> pd.DataFrame:
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
    return near_series(donors, *near)
