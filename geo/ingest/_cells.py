"""What an incident's 50 m cell already tells, and its point as EWKB for COPY.

When wards, LSOAs or places are loaded, PostGIS decides which 50 m cells lie wholly inside
exactly one ward and one LSOA (``area_cell``) and which lie within the place distance of a
place (``place_cell``; migration 0007). A point's cell is arithmetic, ``floor(x / 50)``, so
a point in an area cell takes that cell's ward and LSOA with no geometry test, and a point
in no place cell is near no place. Only the other points go through PostGIS's polygon
tests during a load. A test checks that every demo incident gets the ward, LSOA and place a
point-in-polygon lookup gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from geo import grid

#: side of the cells of ``area_cell`` and ``place_cell`` (metres; migration 0007)
CELL_M = 50.0


@dataclass(frozen=True)
class Cells:
    """The area cells and place cells as dense grids over their extent: for each cell,
    its row among the area cells' codes (-1: none) and whether it is a place cell."""

    origin: tuple[int, int]
    row: NDArray[np.int32]
    near: NDArray[np.bool_]
    ward_code: NDArray[np.object_]
    lsoa_code: NDArray[np.object_]
    area_code: NDArray[np.object_]

    @classmethod
    def from_frames(cls, area: pd.DataFrame, near: pd.DataFrame) -> Cells:
        """From ``area_cell`` rows (ci, cj, ward_code, lsoa_code, area_code) and
        ``place_cell`` rows (ci, cj)."""
        ai, aj = area["ci"].to_numpy(np.int64), area["cj"].to_numpy(np.int64)
        ni, nj = near["ci"].to_numpy(np.int64), near["cj"].to_numpy(np.int64)
        all_i, all_j = np.concatenate([ai, ni]), np.concatenate([aj, nj])
        if not len(all_i):
            all_i = all_j = np.zeros(1, dtype=np.int64)
        i0, j0 = int(all_i.min()), int(all_j.min())
        shape = (int(all_i.max()) - i0 + 1, int(all_j.max()) - j0 + 1)
        row = np.full(shape, -1, dtype=np.int32)
        row[ai - i0, aj - j0] = np.arange(len(ai), dtype=np.int32)
        grid_near = np.zeros(shape, dtype=bool)
        grid_near[ni - i0, nj - j0] = True
        return cls((i0, j0), row, grid_near, area["ward_code"].to_numpy(object),
                   area["lsoa_code"].to_numpy(object), area["area_code"].to_numpy(object))


def cell_of(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.int64],
                                                                    NDArray[np.int64]]:
    """The cell ``(floor(x / 50), floor(y / 50))`` of each point (finite x, y only)."""
    return (np.floor(x / CELL_M).astype(np.int64), np.floor(y / CELL_M).astype(np.int64))


def settle(cells: Cells, x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[
        NDArray[np.int64], NDArray[np.bool_]]:
    """For points (finite x, y): the row of their cell among the area cells (-1 when it
    does not lie inside one ward and one LSOA), and whether a place may be within the
    place distance (their cell is a place cell)."""
    ci, cj = cell_of(x, y)
    i, j = ci - cells.origin[0], cj - cells.origin[1]
    inside = (i >= 0) & (j >= 0) & (i < cells.row.shape[0]) & (j < cells.row.shape[1])
    i, j = np.where(inside, i, 0), np.where(inside, j, 0)
    return (np.where(inside, cells.row[i, j], -1).astype(np.int64),
            inside & cells.near[i, j])


def split(
    columns: dict[str, Any],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    ward: NDArray[np.object_],
    lsoa: NDArray[np.object_],
    cells: Cells | None,
) -> tuple[pa.Table, pa.Table]:
    """The valid rows of an incidents extract as two Arrow tables for COPY.

    ``columns`` are the validated values (source_row, month, occurred_at, harm_type,
    risk_level, age_band, person_key); ``x``, ``y`` the BNG point (NaN when located by a
    ``ward`` or ``lsoa`` code only). Returns the rows their cell places (a ward, an LSOA,
    near no place: ready for the partition) and the rows PostGIS must place, flagged
    ``unsettled`` (no ward and LSOA yet) and ``near_place``, neighbours together so that
    each polygon finds its points on few pages, rows without a point last.
    """
    n = len(x)
    has_xy = ~np.isnan(x)
    pos = np.full(n, -1, dtype=np.int64)
    near = np.zeros(n, dtype=bool)
    if cells is not None and has_xy.any():
        pos[has_xy], near[has_xy] = settle(cells, x[has_xy], y[has_xy])
    known = pos >= 0
    take = pa.array(np.where(known, pos, 0), mask=~known)

    def code(from_cells: NDArray[np.object_], given: NDArray[np.object_]) -> pa.Array:
        given_arr = pa.array(np.where(has_xy, None, given), type=pa.string())
        if not len(from_cells):
            return given_arr
        return pc.coalesce(pc.take(pa.array(from_cells, type=pa.string()), take), given_arr)

    hex_i, hex_j = grid.hex_index(np.where(has_xy, x, 0.0), np.where(has_xy, y, 0.0),
                                  grid.DEFAULT_SIZE)
    empty = np.array([], dtype=object)
    table = pa.table({
        "source_row": pa.array(columns["source_row"], type=pa.int32()),
        "month": pa.array(columns["month"].astype("datetime64[D]"), type=pa.date32()),
        "occurred_at": pa.array(columns["occurred_at"].astype("datetime64[s]"),
                                type=pa.timestamp("s"), from_pandas=True),
        **{k: pa.array(columns[k], type=pa.string())
           for k in ("harm_type", "risk_level", "age_band", "person_key")},
        "area_code": code(cells.area_code if cells else empty, np.full(n, None)),
        "ward_code": code(cells.ward_code if cells else empty, ward),
        "lsoa_code": code(cells.lsoa_code if cells else empty, lsoa),
        "hex_i": pa.array(hex_i, mask=~has_xy),
        "hex_j": pa.array(hex_j, mask=~has_xy),
        "geom": ewkb_hex(x, y),
    })
    placed = has_xy & known & ~near
    rest = np.flatnonzero(~placed)
    rest = rest[np.lexsort((hex_j[rest], hex_i[rest], ~has_xy[rest]))]
    staged = (table.take(rest)
              .append_column("unsettled", pa.array(has_xy[rest] & ~known[rest]))
              .append_column("near_place", pa.array(near[rest])))
    return table.filter(placed), staged


_POINT_HEADER = {
    # little-endian EWKB point with an SRID: byte order, type 0x20000001, SRID
    27700: bytes.fromhex("01" "01000020") + (27700).to_bytes(4, "little"),
}


def ewkb_hex(x: NDArray[np.float64], y: NDArray[np.float64], srid: int = 27700) -> pa.Array:
    """Points as hex EWKB text (what PostGIS reads in COPY), NULL where x is NaN.

    The same bytes as ``shapely.to_wkb(..., hex=True, include_srid=True)``, written with
    numpy: thirty times faster for a million points (0.09 s against 2.9 s).
    """
    n = len(x)
    header = _POINT_HEADER.get(srid) or bytes.fromhex("0101000020") + srid.to_bytes(4, "little")
    raw = np.empty((n, 25), dtype=np.uint8)
    raw[:, :9] = np.frombuffer(header, dtype=np.uint8)
    raw[:, 9:17] = np.ascontiguousarray(x, dtype="<f8").view(np.uint8).reshape(n, 8)
    raw[:, 17:25] = np.ascontiguousarray(y, dtype="<f8").view(np.uint8).reshape(n, 8)
    text = raw.tobytes().hex().upper().encode()
    offsets = np.arange(0, 50 * (n + 1), 50, dtype=np.int64)
    valid = ~np.isnan(x)
    mask = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text), mask)
