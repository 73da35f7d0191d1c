"""Hexagon grid in British National Grid metres, identical to PostGIS ``ST_HexagonGrid``.

Cells are flat-topped hexagons of circumradius (edge length) ``size`` metres. Cell
``(i, j)`` is centred at ``(1.5·size·i, √3·size·(j + (i mod 2)/2))``, the convention of
PostGIS ``ST_Hexagon(size, i, j)``; the SQL function ``contexts_hex_i/j`` in
``sql/migrations`` computes the same index, so cells made here and in the database agree.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

SQRT3 = float(np.sqrt(3.0))
#: the default grid: hexagons of 250 m circumradius (edge), assigned to incidents at load
DEFAULT_SIZE = 250.0


def hex_index(
    x: ArrayLike, y: ArrayLike, size: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The ``(i, j)`` cell holding each point (cube rounding of axial coordinates)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    q = (2.0 / 3.0) * x / size
    r = (-x / 3.0 + SQRT3 / 3.0 * y) / size
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_z = ~fix_x & ~(dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(fix_z, -rx - ry, rz)
    qi = rx.astype(np.int64)
    ri = rz.astype(np.int64)
    j = ri + (qi - (qi & 1)) // 2
    return qi, j


def hex_centres(
    i: ArrayLike, j: ArrayLike, size: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    return 1.5 * size * i, SQRT3 * size * (j + 0.5 * (i & 1))


def hex_polygons(i: ArrayLike, j: ArrayLike, size: float) -> NDArray[np.object_]:
    """Shapely polygons of cells ``(i, j)``, vertices in the order PostGIS writes them."""
    cx, cy = hex_centres(i, j, size)
    angles = np.deg2rad([180, 240, 300, 0, 60, 120, 180])
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    coords = np.stack([xs, ys], axis=-1)
    polys: NDArray[np.object_] = np.asarray(shapely.polygons(coords), dtype=object)
    return polys


def covering_cells(
    boundary: shapely.Geometry, size: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every cell that intersects ``boundary`` (sorted by i, then j)."""
    minx, miny, maxx, maxy = shapely.bounds(boundary)
    i0, i1 = int(np.floor(minx / (1.5 * size))) - 1, int(np.ceil(maxx / (1.5 * size))) + 1
    j0 = int(np.floor(miny / (SQRT3 * size))) - 1
    j1 = int(np.ceil(maxy / (SQRT3 * size))) + 1
    gi, gj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ii, jj = gi.reshape(-1), gj.reshape(-1)
    polys = hex_polygons(ii, jj, size)
    shapely.prepare(boundary)
    keep = shapely.intersects(boundary, polys)
    return ii[keep], jj[keep]
