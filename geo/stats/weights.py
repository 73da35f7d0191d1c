"""Spatial weights as sparse binary matrices (no self-neighbours), from coordinates or shapes.

Kept as plain ``scipy.sparse`` matrices so the statistics stay fast and free of any
start-up cost; :func:`to_libpysal` converts for the PySAL functions that need a ``W``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree


def min_threshold(xy: ArrayLike) -> float:
    """The smallest distance that gives every point at least one neighbour.

    ArcGIS Pro's default fixed distance band for Hot Spot Analysis (and libpysal's
    ``min_threshold_distance``): the largest of the nearest-neighbour distances.
    """
    pts = np.asarray(xy, dtype=float)
    if len(pts) < 2:
        raise ValueError("at least two locations are needed for a distance band")
    d, _ = cKDTree(pts).query(pts, k=2)
    return float(d[:, 1].max())


def distance_band(xy: ArrayLike, threshold: float | None = None) -> sp.csr_matrix:
    """Binary weights: 1 for pairs closer than or at ``threshold`` (default: min_threshold)."""
    pts = np.asarray(xy, dtype=float)
    t = min_threshold(pts) if threshold is None else float(threshold)
    tree = cKDTree(pts)
    # a hair of tolerance so a regular grid's equal spacings all count
    pairs = tree.query_pairs(t * (1 + 1e-9), output_type="ndarray")
    n = len(pts)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


#: how far apart (m) two boundaries may be and still count as touching: coordinates computed
#: in floating point (hexagon corners from cos/sin, reprojected boundaries) leave neighbours
#: a few 1e-11 m apart, so an exact "touches" test misses them
SNAP_M = 0.001


def contiguity(geoms: ArrayLike, rook: bool = False, snap: float = SNAP_M) -> sp.csr_matrix:
    """Queen (a shared point) or rook (a shared edge) contiguity of polygons.

    Boundaries within ``snap`` metres of each other count as touching (floating-point
    coordinates rarely coincide exactly). For rook, the boundary the two share (one's
    boundary within ``snap`` of the other) must be longer than ``10 * snap``: a corner
    contact is about ``2 * snap`` long.
    """
    g = np.asarray(geoms, dtype=object)
    n = len(g)
    tree = shapely.STRtree(g)
    left, right = tree.query(g, predicate="dwithin", distance=snap)
    keep = left < right  # each pair once, no self-pairs
    left, right = left[keep], right[keep]
    if rook and left.size:
        near = shapely.buffer(g[right], snap)
        shared = shapely.length(shapely.intersection(shapely.boundary(g[left]), near))
        keep = shared > 10 * snap
        left, right = left[keep], right[keep]
    rows = np.concatenate([left, right])
    cols = np.concatenate([right, left])
    return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))


def hex_offsets(i: ArrayLike) -> NDArray[np.int64]:
    """The six ``(di, dj)`` steps to the neighbours of cells in columns ``i``: shape (n, 6, 2).

    In the grid of :mod:`geo.stats.grid` (flat-topped, odd columns half a cell up), a cell shares
    an edge with the cells above and below it, and with two cells in each neighbouring
    column: rows ``j`` and ``j - 1`` from an even column, ``j`` and ``j + 1`` from an odd one.
    """
    odd = (np.asarray(i, dtype=np.int64) & 1)[:, None]
    di = np.array([0, 0, -1, -1, 1, 1])[None, :]
    dj = np.array([1, -1, 0, -1, 0, -1])[None, :] + np.array([0, 0, 1, 1, 1, 1])[None, :] * odd
    return np.stack(np.broadcast_arrays(di, dj), axis=-1)


def hex_contiguity(i: ArrayLike, j: ArrayLike) -> sp.csr_matrix:
    """Contiguity of hexagon cells ``(i, j)`` from their indices: each cell's (up to) six
    neighbours among the cells given, with no geometry (so no rounding can lose one)."""
    ii = np.asarray(i, dtype=np.int64)
    jj = np.asarray(j, dtype=np.int64)
    n = ii.size
    if n == 0:
        return sp.csr_matrix((0, 0))
    steps = hex_offsets(ii)
    ni = (ii[:, None] + steps[..., 0]).ravel()
    nj = (jj[:, None] + steps[..., 1]).ravel()
    # look the neighbours up among the cells: one sorted key per cell
    base_i, base_j = ii.min() - 1, jj.min() - 1
    span = int(jj.max() - base_j) + 2
    key = (ii - base_i) * span + (jj - base_j)
    order = np.argsort(key)
    sorted_key = key[order]
    nkey = (ni - base_i) * span + (nj - base_j)
    pos = np.clip(np.searchsorted(sorted_key, nkey), 0, n - 1)
    found = sorted_key[pos] == nkey
    rows = np.repeat(np.arange(n), 6)[found]
    cols = order[pos[found]]
    return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))


def to_libpysal(w: sp.spmatrix) -> Any:  # libpysal is imported lazily
    """A libpysal ``W`` with the same neighbours (for esda)."""
    from libpysal.weights import WSP

    return WSP(sp.csr_matrix(w)).to_W(silence_warnings=True)
