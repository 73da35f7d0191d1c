"""Gi* + FDR on a 5,000-cell grid, emerging hot spots over 36 months, and the first call
in a fresh process; esda's G_Local on the same input is the in-run baseline."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import shapely

from bench._common import Figure, timed
from geo.stats import emerging, grid, hotspots, weights

FIRST_CALL = """
import time
t = time.perf_counter()
import numpy as np
from geo.stats import grid
from geo.stats import hotspots
from geo.stats import weights
import shapely
i, j = grid.covering_cells(shapely.Point(0, 0).buffer(10000), 250)
cx, cy = grid.hex_centres(i, j, 250)
w = weights.distance_band(np.column_stack([cx, cy]))
hotspots.hot_spots(np.random.default_rng(0).poisson(1, i.size), w)
print(time.perf_counter() - t)
"""


def _grid(cells: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    radius = np.sqrt(cells * 3 * np.sqrt(3) / 2 * 250**2 / np.pi)
    i, j = grid.covering_cells(shapely.Point(0, 0).buffer(radius), 250)
    cx, cy = grid.hex_centres(i, j, 250)
    return np.column_stack([cx, cy])[:cells], i[:cells]


def run(quick: bool = False) -> list[Figure]:
    xy, _ = _grid()
    n = len(xy)
    rng = np.random.default_rng(1)
    y = rng.poisson(1.0, n).astype(float)
    runs = 3 if quick else 7

    def ours() -> object:
        w = weights.distance_band(xy)
        return hotspots.hot_spots(y, w, fdr=True)

    def esda_baseline() -> object:
        from esda.getisord import G_Local

        w = weights.distance_band(xy)
        z = G_Local(y, weights.to_libpysal(w), star=True, transform="B", permutations=0).Zs
        return hotspots.confidence_bins(z, 2 * (1 - __import__("scipy").stats.norm.cdf(abs(z))))

    t_ours, _ = timed(ours, runs, warmup=1)
    t_esda, _ = timed(esda_baseline, max(3, runs // 2), warmup=1)
    cube = rng.poisson(0.5, (n, 36)).astype(float)
    w = weights.distance_band(xy)
    t_em, _ = timed(lambda: emerging.emerging_hot_spots(cube, w), 3 if quick else 5, warmup=1)
    firsts = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True, text=True,
                             check=True)
        firsts.append(float(out.stdout.strip()))
    return [
        Figure(f"Gi* + FDR, {n}-cell grid (weights included)", t_ours, "s", "< 0.5 s",
               t_esda, runs, "baseline: esda G_Local on the same weights"),
        Figure(f"emerging hot spots, {n} cells x 36 months", t_em, "s", "< 5 s", None,
               3 if quick else 5),
        Figure("first call in a fresh process (imports + Gi*)", float(np.median(firsts)), "s",
               "< 2 s", None, 3),
    ]
