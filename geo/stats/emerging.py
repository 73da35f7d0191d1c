"""Emerging hot spots, as ArcGIS Pro's Emerging Hot Spot Analysis.

1. A space-time cube: locations x time steps (months or quarters) of counts.
2. Gi* for every bin, with neighbours in space (the location and its spatial neighbours)
   and in time (the same and the ``time_window`` previous steps), against the mean and
   spread of the whole cube; bins from FDR-corrected confidence levels as in
   :func:`geo.stats.hotspots.confidence_bins`. A bin is "significant" at 90 % or more.
3. A Mann-Kendall trend test on each location's series of Gi* z-scores.
4. A category per location, with Esri's definitions (hot shown; cold mirrors with the
   signs reversed):

new
    hot in the final step and never before.
consecutive
    a single uninterrupted run of at least two hot steps ending with the final step, never
    hot before that run, and fewer than 90 % of all steps hot.
intensifying
    hot in at least 90 % of the steps including the final one, with a significant
    increasing trend in the z-scores.
persistent
    hot in at least 90 % of the steps including the final one, with no significant trend
    (Esri's text does not name the final step; requiring it keeps persistent and
    historical apart, as their definitions intend).
diminishing
    hot in at least 90 % of the steps including the final one, with a significant
    decreasing trend.
sporadic
    hot in the final step, an on-and-off history of being hot, fewer than 90 % of steps hot,
    and never a significant cold spot.
oscillating
    hot in the final step, fewer than 90 % of steps hot, and a significant cold spot in
    some earlier step.
historical
    not hot in the final step, but hot in at least 90 % of the steps.
no pattern
    none of the above, hot or cold.

The trend test is significant at ``trend_alpha`` (default 0.05).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from geo.stats.hotspots import confidence_bins

CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)


def space_time_gi(
    cube: ArrayLike, w: sp.spmatrix, time_window: int = 1
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gi* z and p for every bin of an ``n x T`` cube (rows: locations, columns: steps)."""
    x = np.asarray(cube, dtype=float)
    n, t = x.shape
    a = (sp.csr_matrix(w) != 0).astype(float) + sp.identity(n, format="csr")
    spatial = a @ x  # n x T: sum over the location and its neighbours at each step
    card_s = np.asarray(a.sum(axis=1)).ravel()
    lag = spatial.copy()
    steps = np.ones(t)
    for k in range(1, time_window + 1):
        lag[:, k:] += spatial[:, :-k]
        steps[k:] += 1
    card = card_s[:, None] * steps[None, :]
    big_n = x.size
    mean = x.mean()
    s = np.sqrt(max((x**2).mean() - mean**2, 0.0))
    if s == 0:
        return np.zeros_like(x), np.ones_like(x)
    denom = s * np.sqrt((big_n * card - card**2) / (big_n - 1))
    z = (lag - mean * card) / denom
    return z, 2 * norm.sf(np.abs(z))


def mann_kendall(
    series: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Mann-Kendall trend test on each row: S statistic, z (with tie correction), p."""
    x = np.atleast_2d(np.asarray(series, dtype=float))
    x = np.round(x, 10)  # equal values computed along different paths count as ties
    rows, t = x.shape
    i, j = np.triu_indices(t, k=1)
    s = np.sign(x[:, j] - x[:, i]).sum(axis=1)
    # tie correction: sum over tie groups of g(g-1)(2g+5), per row
    srt = np.sort(x, axis=1)
    new_run = np.ones_like(srt, dtype=bool)
    new_run[:, 1:] = srt[:, 1:] != srt[:, :-1]
    starts = np.flatnonzero(new_run.ravel())
    lengths = np.diff(np.append(starts, srt.size))
    run_row = starts // t
    ties = np.bincount(run_row, weights=lengths * (lengths - 1) * (2 * lengths + 5), minlength=rows)
    var = (t * (t - 1) * (2 * t + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0))
    z = np.where(var > 0, z, 0.0)
    return s, z, 2 * norm.sf(np.abs(z))


def _classify_one(
    hot: NDArray[np.bool_], cold: NDArray[np.bool_], trend_z: float, trend_sig: bool
) -> str:
    t = hot.size
    share = hot.sum() / t
    final = bool(hot[-1])
    up, down = trend_sig and trend_z > 0, trend_sig and trend_z < 0
    if final and hot.sum() == 1:
        return "new"
    if final and share < 0.9:
        run = t - (np.flatnonzero(~hot)[-1] + 1) if (~hot).any() else t
        if run >= 2 and not hot[: t - run].any():
            return "consecutive"
    if share >= 0.9 and final and up:
        return "intensifying"
    if share >= 0.9 and final and not trend_sig:
        return "persistent"
    if share >= 0.9 and final and down:
        return "diminishing"
    if final and share < 0.9:
        return "oscillating" if cold[:-1].any() else "sporadic"
    if share >= 0.9 and not final:
        return "historical"
    return ""


def classify(
    z: ArrayLike, bins: ArrayLike, trend_z: ArrayLike, trend_p: ArrayLike, trend_alpha: float = 0.05
) -> NDArray[np.object_]:
    """Category of each location from its bins (n x T) and its Mann-Kendall result."""
    b = np.asarray(bins)
    tz = np.asarray(trend_z, dtype=float)
    sig = np.asarray(trend_p, dtype=float) < trend_alpha
    out = np.full(b.shape[0], "no pattern", dtype=object)
    # a location never significantly hot or cold has no pattern: only the others are read
    for k in np.flatnonzero((b != 0).any(axis=1)).tolist():
        hot, cold = b[k] > 0, b[k] < 0
        hot_cat = _classify_one(hot, cold, tz[k], bool(sig[k]))
        cold_cat = _classify_one(cold, hot, -tz[k], bool(sig[k]))
        if hot[-1] or (not cold[-1] and hot_cat):
            cat, kind = hot_cat, "hot"
        else:
            cat, kind = cold_cat, "cold"
        if cat:
            out[k] = f"{cat} {kind} spot"
    return out


def emerging_hot_spots(
    cube: ArrayLike,
    w: sp.spmatrix,
    time_window: int = 1,
    fdr: bool = True,
    trend_alpha: float = 0.05,
    area: ArrayLike | None = None,
) -> pd.DataFrame:
    """Category, trend and final-step bin of every location of an ``n x T`` cube.

    ``area``: each location's area (or share of a full cell) inside the study region. With
    it, every step of a location is scored on its count less its share of the cube's
    average count per step for that area (a constant per location, so the changes over
    time are kept): a hexagon cut by the boundary is not cold merely for being small
    (issue #30, as :func:`geo.stats.hotspots.hot_spots`).

    Returns columns ``category``, ``trend_z``, ``trend_p``, ``final_z``, ``final_bin``,
    ``hot_steps`` and ``cold_steps`` (counts of significant steps).
    """
    x = np.asarray(cube, dtype=float)
    if area is not None and x.size:
        a = np.asarray(area, dtype=float)
        total = float(a.sum())
        expected = a * x.sum() / total if total > 0 else np.full(a.size, x.sum() / a.size)
        x = x - expected[:, None] / x.shape[1]
    z, p = space_time_gi(x, w, time_window)
    bins = confidence_bins(z.ravel(), p.ravel(), fdr).reshape(z.shape)
    _, tz, tp = mann_kendall(z)
    return pd.DataFrame(
        {
            "category": classify(z, bins, tz, tp, trend_alpha),
            "trend_z": tz,
            "trend_p": tp,
            "final_z": z[:, -1],
            "final_bin": bins[:, -1],
            "hot_steps": (bins > 0).sum(axis=1),
            "cold_steps": (bins < 0).sum(axis=1),
        }
    )
