"""Hexagons cut by the boundary (issue #30): on uniform random incidents, scoring counts
calls the clipped hexagons cold spots; scoring the excess over each hexagon's area inside
the region does not (pure: shapely geometry, no database)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely

from geo.stats import grid
from geo.stats.hotspots import excess_over_area, hot_spots

SIZE = 250.0


def _city() -> shapely.Geometry:
    """An irregular region about 14 km across (a rounded, dented polygon)."""
    angle = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    radius = 7000 * (1 + 0.15 * np.sin(3 * angle) + 0.08 * np.cos(7 * angle))
    return shapely.Polygon(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))


def _cells(region: shapely.Geometry):
    i, j = grid.covering_cells(region, SIZE)
    polys = grid.hex_polygons(i, j, SIZE)
    share = shapely.area(shapely.intersection(polys, region)) / shapely.area(polys[0])
    keep = share > 0
    i, j, polys, share = i[keep], j[keep], polys[keep], share[keep]
    cx, cy = grid.hex_centres(i, j, SIZE)
    pts = np.column_stack([cx, cy])
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    w = sp.csr_matrix((d > 0) & (d < 2.1 * SIZE))  # the ring of 6 neighbours and the next
    return i, j, share, w


def test_boundary_hexagons_are_not_cold_spots_on_uniform_data() -> None:
    region = _city()
    i, j, share, w = _cells(region)
    boundary = share < 0.99
    assert boundary.sum() > 50
    counted_cold, area_cold, area_hot = [], [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        minx, miny, maxx, maxy = region.bounds
        xs = rng.uniform(minx, maxx, 120_000)
        ys = rng.uniform(miny, maxy, 120_000)
        inside = shapely.contains_xy(region, xs, ys)
        hi, hj = grid.hex_index(xs[inside], ys[inside], SIZE)
        cell = {(a, b): k for k, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True))}
        y = np.zeros(i.size)
        for a, b in zip(hi.tolist(), hj.tolist(), strict=True):
            y[cell[(a, b)]] += 1
        raw = hot_spots(y, w)
        fair = hot_spots(y, w, area=share)
        counted_cold.append(int(((raw["bin"] < 0) & boundary).sum()))
        area_cold.append(int(((fair["bin"] < 0) & boundary).sum()))
        area_hot.append(int((fair["bin"] != 0).sum()))
    print(f"cold boundary hexagons, counts: {counted_cold}; area allowed for: {area_cold}; "
          f"any bin, area allowed for: {area_hot} of {i.size} hexagons")
    # counts: the clipped hexagons come out cold; with their area allowed for, about none
    assert min(counted_cold) > 20, counted_cold
    assert max(area_cold) <= 2, area_cold
    assert max(area_hot) <= 3, area_hot


def test_excess_over_area_by_hand() -> None:
    # 30 incidents over areas 1, 1, 0.5 (total 2.5): 12 per unit area
    np.testing.assert_allclose(excess_over_area([10, 14, 6], [1, 1, 0.5]), [-2, 2, 0])


def test_emerging_with_whole_cells_is_unchanged_and_cut_cells_scored_for_area() -> None:
    from geo.stats.emerging import emerging_hot_spots

    region = _city()
    i, j, share, w = _cells(region)
    rng = np.random.default_rng(3)
    cube = rng.poisson(8.0, (i.size, 12)).astype(float)
    # whole cells everywhere: a constant offset, the same categories and z
    plain = emerging_hot_spots(cube, w)
    whole = emerging_hot_spots(cube, w, area=np.ones(i.size))
    np.testing.assert_allclose(whole["final_z"], plain["final_z"], atol=1e-12)
    assert (whole["category"] == plain["category"]).all()
    # the cut cells hold their share of the incidents: cold by counts, not by area
    thinned = rng.binomial(cube.astype(int), np.clip(share, 0, 1)[:, None]).astype(float)
    cut = share < 0.99
    by_counts = emerging_hot_spots(thinned, w)
    by_area = emerging_hot_spots(thinned, w, area=share)
    print("cut cells with a cold step:", (by_counts["cold_steps"][cut] > 0).sum(),
          (by_area["cold_steps"][cut] > 0).sum())
    assert (by_counts["cold_steps"][cut] > 0).sum() > 20
    assert (by_area["cold_steps"][cut] > 0).sum() <= 2
