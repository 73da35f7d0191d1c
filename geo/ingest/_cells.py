"""What an incident's cell already tells, and its rows shaped for a binary COPY.

When wards, LSOAs or places are loaded, PostGIS decides which 50 m cells lie wholly inside
exactly one ward and one LSOA (``area_cell``) and which lie within the place distance of a
place (``place_cell``; migration 0007), and, in the 50 m cells these do not settle, which
10 m cells lie wholly inside one ward and one LSOA (``area_cell_fine``) and which have
their place settled (``place_cell_fine``: none, or the only place within the distance of
every point of the cell; migration 0009). A point's cell is arithmetic, ``floor(x / 50)``
and ``floor(x / 10)``, so a point in such cells takes their ward, LSOA and place with no
geometry test. Only the other points go through PostGIS's polygon tests during a load. A
test checks that every demo incident gets the ward, LSOA and place a point-in-polygon
lookup gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from geo.stats import grid

#: sides of the cells of ``area_cell`` and ``place_cell``, and of their ``_fine`` cells
#: (metres; migrations 0007 and 0009)
CELL_M = 50.0
FINE_M = 10.0
#: ``settle``'s place for a point whose place PostGIS must find
PLACE_UNKNOWN = -2


#: a grid of cells is a dense array up to this many cells (64 MB of int32: a city's 10 m
#: cells); a larger extent (a region, a country) is looked up in sorted keys instead
DENSE_MAX = 16_000_000


@dataclass(frozen=True)
class _Grid:
    """Values of cells (i, j) over their extent: a dense array, or sorted keys when the
    extent is too large for one (``DENSE_MAX``)."""

    origin: tuple[int, int]
    shape: tuple[int, int]
    values: NDArray[Any]
    keys: NDArray[np.int64] | None
    missing: Any

    @classmethod
    def of(cls, i: NDArray[np.int64], j: NDArray[np.int64], values: NDArray[Any],
           missing: Any) -> _Grid:
        if not len(i):
            return cls((0, 0), (1, 1), np.full((1, 1), missing, dtype=values.dtype), None,
                       missing)
        i0, j0 = int(i.min()), int(j.min())
        shape = (int(i.max()) - i0 + 1, int(j.max()) - j0 + 1)
        if shape[0] * shape[1] > DENSE_MAX:
            keys = (i - i0) * shape[1] + (j - j0)
            order = np.argsort(keys)
            return cls((i0, j0), shape, values[order], keys[order], missing)
        dense = np.full(shape, missing, dtype=values.dtype)
        dense[i - i0, j - j0] = values
        return cls((i0, j0), shape, dense, None, missing)

    def at(self, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[Any]:
        a, b = i - self.origin[0], j - self.origin[1]
        inside = (a >= 0) & (b >= 0) & (a < self.shape[0]) & (b < self.shape[1])
        a, b = np.where(inside, a, 0), np.where(inside, b, 0)
        if self.keys is None:
            return np.where(inside, self.values[a, b], self.missing)
        key = a * self.shape[1] + b
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return np.where(inside & (self.keys[pos] == key), self.values[pos], self.missing)


Frame: TypeAlias = pd.DataFrame | pa.Table


def _ints(frame: Frame, name: str) -> NDArray[np.int64]:
    col = frame[name]
    return np.asarray(col.to_numpy() if isinstance(frame, pd.DataFrame)
                      else col.to_numpy(zero_copy_only=False), dtype=np.int64)


def _strings(frame: Frame, name: str) -> pa.Array:
    col = frame[name]
    if isinstance(col, pa.ChunkedArray):
        return pc.cast(col.combine_chunks() if col.num_chunks else pa.array([], pa.string()),
                       pa.string())
    return pa.array(col.to_numpy(object), type=pa.string())


@dataclass(frozen=True)
class Cells:
    """The cells as dense grids: for each area cell its row among the codes (the 50 m
    cells' rows first, then the 10 m cells'), the 50 m place cells, and the place of each
    settled 10 m place cell (-1: none)."""

    row: _Grid
    near: _Grid
    fine_row: _Grid
    fine_place: _Grid
    ward_code: pa.Array
    lsoa_code: pa.Array
    area_code: pa.Array

    @classmethod
    def from_frames(cls, area: Frame, near: Frame, fine: Frame | None = None,
                    pairs: Frame | None = None, place_fine: Frame | None = None) -> Cells:
        """From ``area_cell`` rows (ci, cj, ward_code, lsoa_code, area_code), ``place_cell``
        rows (ci, cj), and optionally the 10 m cells inside one ward and one LSOA as
        (fi, fj, pair) rows with ``area_pair`` rows (pair, ward_code, lsoa_code,
        area_code; pairs numbered from 0), and ``place_cell_fine`` rows (fi, fj,
        place_id)."""
        n50 = len(area)
        if fine is None or pairs is None:
            fine = pd.DataFrame({"fi": [], "fj": [], "pair": []})
            pairs = pd.DataFrame({"pair": [], "ward_code": [], "lsoa_code": [], "area_code": []})
        places = place_fine if place_fine is not None else pd.DataFrame(
            {"fi": [], "fj": [], "place_id": []})
        place_ids = (places["place_id"].to_numpy(dtype=float, na_value=np.nan)
                     if isinstance(places, pd.DataFrame)
                     else places["place_id"].to_numpy(zero_copy_only=False).astype(float))
        return cls(
            row=_Grid.of(_ints(area, "ci"), _ints(area, "cj"),
                         np.arange(n50, dtype=np.int32), -1),
            near=_Grid.of(_ints(near, "ci"), _ints(near, "cj"),
                          np.ones(len(near), dtype=bool), False),
            fine_row=_Grid.of(_ints(fine, "fi"), _ints(fine, "fj"),
                              (n50 + _ints(fine, "pair")).astype(np.int32), -1),
            fine_place=_Grid.of(_ints(places, "fi"), _ints(places, "fj"),
                                np.where(np.isnan(place_ids), -1, place_ids).astype(np.int64),
                                PLACE_UNKNOWN),
            **{k: pa.concat_arrays([_strings(area, k), _strings(pairs, k)])
               for k in ("ward_code", "lsoa_code", "area_code")},
        )


def unpack(packed: Frame) -> pd.DataFrame:
    """The (fi, fj, pair) rows of ``area_cell_fine_pack`` rows (ci, cj, cells), whose
    ``cells`` are "slot pair slot pair ..." with slot = 5 * (fi - 5 ci) + (fj - 5 cj)."""
    texts = (pa.chunked_array([packed["cells"]]) if isinstance(packed, pd.DataFrame)
             else packed["cells"])
    if len(texts) == 0:
        return pd.DataFrame({"fi": [], "fj": [], "pair": []})
    tokens = pc.split_pattern(pc.cast(texts, pa.string()), " ")
    per_row = pc.list_value_length(tokens).to_numpy(zero_copy_only=False) // 2
    flat = pc.cast(pc.list_flatten(tokens), pa.int64()).to_numpy(zero_copy_only=False)
    slot, pair = flat[0::2], flat[1::2]
    row = np.repeat(np.arange(len(per_row)), per_row)
    ci, cj = _ints(packed, "ci")[row], _ints(packed, "cj")[row]
    return pd.DataFrame({"fi": ci * 5 + slot // 5, "fj": cj * 5 + slot % 5, "pair": pair})


def settle(cells: Cells, x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[
        NDArray[np.int64], NDArray[np.int64]]:
    """For points (finite x, y): the row of their cell's ward, LSOA and area codes (-1 when
    no cell of theirs lies inside one ward and one LSOA), and their place: its id, -1 for
    none, or ``PLACE_UNKNOWN`` when PostGIS must find it."""
    ci, cj = np.floor(x / CELL_M).astype(np.int64), np.floor(y / CELL_M).astype(np.int64)
    row = cells.row.at(ci, cj).astype(np.int64)
    near = cells.near.at(ci, cj)
    place = np.full(len(x), -1, dtype=np.int64)
    fine = (row < 0) | near  # only these need their 10 m cell
    fi = np.floor(x[fine] / FINE_M).astype(np.int64)
    fj = np.floor(y[fine] / FINE_M).astype(np.int64)
    row[fine] = np.where(row[fine] >= 0, row[fine], cells.fine_row.at(fi, fj))
    place[fine] = np.where(near[fine], cells.fine_place.at(fi, fj), -1)
    return row, place


def split(
    columns: dict[str, Any],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    ward: NDArray[np.object_],
    lsoa: NDArray[np.object_],
    cells: Cells | None,
) -> tuple[pa.Table, pa.Table]:
    """The valid rows of an incidents extract as two Arrow tables for a binary COPY (their
    types those of the columns they go to: int4, date, timestamp, text, int8, EWKB).

    ``columns`` are the validated values (source_row, month, occurred_at, harm_type,
    risk_level, age_band, person_key, crime_key); ``x``, ``y`` the BNG point (NaN when located by a
    ``ward`` or ``lsoa`` code only). Returns the rows their cells place (ward, LSOA and
    place or none: ready for the partition) and the rows PostGIS must place, flagged
    ``unsettled`` (no ward and LSOA yet) and ``near_place`` (place not known yet),
    neighbours together so that each polygon finds its points on few pages, rows without
    a point last.
    """
    n = len(x)
    has_xy = ~np.isnan(x)
    pos = np.full(n, -1, dtype=np.int64)
    place = np.full(n, PLACE_UNKNOWN, dtype=np.int64)
    if cells is not None and has_xy.any():
        pos[has_xy], place[has_xy] = settle(cells, x[has_xy], y[has_xy])
    place[~has_xy] = -1  # located by a code only: never at a place
    known = pos >= 0
    near = place == PLACE_UNKNOWN
    hex_i, hex_j = grid.hex_index(np.where(has_xy, x, 0.0), np.where(has_xy, y, 0.0),
                                  grid.DEFAULT_SIZE)
    placed = has_xy & known & ~near
    direct = np.flatnonzero(placed)
    rest = np.flatnonzero(~placed)
    rest = rest[np.lexsort((hex_j[rest], hex_i[rest], ~has_xy[rest]))]

    def table(idx: NDArray[np.intp]) -> pa.Table:
        """The rows ``idx``, each column built from its values (no filtering afterwards)."""
        m = len(idx)
        point, found = has_xy[idx], known[idx]
        take = pa.array(np.where(found, pos[idx], 0), mask=~found)

        def code(name: str, given: NDArray[np.object_] | None) -> pa.Array:
            out = (pc.take(getattr(cells, name), take) if cells is not None
                   else pa.nulls(m, pa.string()))
            if given is None or point.all():
                return out
            return pc.coalesce(out, pa.array(np.where(point, None, given[idx]),  # type: ignore[call-overload]
                                             type=pa.string()))

        return pa.table({
            "source_row": pa.array(columns["source_row"][idx], type=pa.int32()),
            "month": pa.array(columns["month"][idx].astype("datetime64[D]"), type=pa.date32()),
            "occurred_at": pa.array(columns["occurred_at"][idx].astype("datetime64[us]"),
                                    type=pa.timestamp("us"), from_pandas=True),
            **{k: pa.array(columns[k][idx], type=pa.string())
               for k in ("harm_type", "risk_level", "age_band", "person_key")},
            "crime_key": (pa.array(columns["crime_key"][idx], type=pa.string())
                          if "crime_key" in columns else pa.nulls(m, pa.string())),
            "area_code": code("area_code", None),
            "ward_code": code("ward_code", ward),
            "lsoa_code": code("lsoa_code", lsoa),
            "place_id": pa.array(place[idx], mask=place[idx] < 0),
            "hex_i": pa.array(hex_i[idx].astype(np.int32), mask=~point),
            "hex_j": pa.array(hex_j[idx].astype(np.int32), mask=~point),
            "geom": ewkb(x[idx], y[idx]),
        })

    staged = (table(rest)
              .append_column("unsettled", pa.array(has_xy[rest] & ~known[rest]))
              .append_column("near_place", pa.array(near[rest])))
    return table(direct), staged


def ewkb(x: NDArray[np.float64], y: NDArray[np.float64], srid: int = 27700) -> pa.Array:
    """Points as EWKB (what PostGIS reads in a binary COPY), NULL where x is NaN.

    The same bytes as ``shapely.to_wkb(..., include_srid=True)``, written with numpy:
    thirty times faster for a million points (0.09 s against 2.9 s).
    """
    n = len(x)
    # little-endian point with an SRID: byte order, type 0x20000001, SRID, x, y
    header = bytes.fromhex("0101000020") + srid.to_bytes(4, "little")
    raw = np.empty((n, 25), dtype=np.uint8)
    raw[:, :9] = np.frombuffer(header, dtype=np.uint8)
    raw[:, 9:17] = np.ascontiguousarray(x, dtype="<f8").view(np.uint8).reshape(n, 8)
    raw[:, 17:25] = np.ascontiguousarray(y, dtype="<f8").view(np.uint8).reshape(n, 8)
    offsets = np.arange(0, 25 * (n + 1), 25, dtype=np.int32)
    valid = ~np.isnan(x)
    mask = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.BinaryArray.from_buffers(pa.binary(), n, [mask, pa.py_buffer(offsets),
                                                        pa.py_buffer(raw.tobytes())])
