"""Spatial weights as sparse binary matrices (no self-neighbours), from coordinates or shapes.

Kept as plain ``scipy.sparse`` matrices so the statistics stay fast and free of any
start-up cost; :func:`to_libpysal` converts for the PySAL functions that need a ``W``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely
from numpy.typing import ArrayLike
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


def contiguity(geoms: ArrayLike, rook: bool = False) -> sp.csr_matrix:
    """Queen (shared point) or rook (shared edge) contiguity of polygons."""
    g = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(g)
    left, right = tree.query(g, predicate="touches")
    if rook:
        shared = shapely.intersection(g[left], g[right])
        keep = shapely.length(shared) > 0
        left, right = left[keep], right[keep]
    n = len(g)
    return sp.csr_matrix((np.ones(len(left)), (left, right)), shape=(n, n))


def to_libpysal(w: sp.spmatrix) -> Any:  # libpysal is imported lazily
    """A libpysal ``W`` with the same neighbours (for esda)."""
    from libpysal.weights import WSP

    return WSP(sp.csr_matrix(w)).to_W(silence_warnings=True)
