"""Hot spots at the edges (issue #22): contiguity that floating-point corners cannot break,
and units an extract does not cover counted as "no data", not as zero.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from libpysal.weights import Queen

from geo import counts as C
from geo import db, grid, weights
from geo.analysis import unit_weights
from geo.config import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "sample_data"
SQRT3 = np.sqrt(3.0)


def same_links(a: sp.spmatrix, b: sp.spmatrix) -> bool:
    a, b = sp.csr_matrix(a) != 0, sp.csr_matrix(b) != 0
    return a.shape == b.shape and (a != b).nnz == 0


# --- contiguity -------------------------------------------------------------------------


def test_hexagon_contiguity_equals_the_sqrt3_band_on_the_birmingham_grid(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        hexes = C.units(conn, "hex", 250.0)
    w = unit_weights(hexes, "hex", "contiguity")
    band = weights.distance_band(np.column_stack([hexes["x"], hexes["y"]]), SQRT3 * 250.0)
    assert same_links(w, band)
    links = np.asarray((w != 0).sum(axis=1)).ravel()
    assert links.min() >= 1 and links.max() == 6  # no cell without a neighbour
    assert w.nnz > 5.5 * len(hexes)  # an inner cell has six: most cells are inner
    # the hexagons' own polygons (corners from cos/sin) give the same links once snapped
    assert same_links(weights.contiguity(hexes["geom_bng"].to_numpy()), w)


@pytest.mark.parametrize("size", [250.0, 100.0, 37.5])
def test_hexagon_polygons_from_float_corners_are_contiguous(size: float) -> None:
    i, j = grid.covering_cells(shapely.Point(401_234.5, 287_654.3).buffer(20 * size), size)
    polys = grid.hex_polygons(i, j, size)
    by_index = weights.hex_contiguity(i, j)
    cx, cy = grid.hex_centres(i, j, size)
    band = weights.distance_band(np.column_stack([cx, cy]), SQRT3 * size)
    assert same_links(by_index, band)
    assert same_links(weights.contiguity(polys), by_index)
    assert same_links(weights.contiguity(polys, rook=True), by_index)  # hexagons share edges


def test_hex_contiguity_by_hand() -> None:
    # an even column's cell (0, 0) and an odd column's cell (1, 0), with all their neighbours
    i = np.array([0, 0, 0, -1, -1, 1, 1, 1, 2, 2, 5])
    j = np.array([0, 1, -1, 0, -1, 0, -1, 1, 0, 1, 5])
    w = weights.hex_contiguity(i, j).tocsr()
    nb = {(int(i[k]), int(j[k])): {(int(i[c]), int(j[c])) for c in w[k].indices}
          for k in range(i.size)}
    assert nb[(0, 0)] == {(0, 1), (0, -1), (-1, 0), (-1, -1), (1, 0), (1, -1)}
    assert nb[(1, 0)] == {(0, 0), (0, 1), (1, -1), (1, 1), (2, 0), (2, 1)}
    assert nb[(5, 5)] == set()


def _touches(geoms: np.ndarray) -> sp.csr_matrix:
    left, right = shapely.STRtree(geoms).query(geoms, predicate="touches")
    return sp.csr_matrix((np.ones(left.size), (left, right)), shape=(len(geoms),) * 2)


def _queen_libpysal(path: str, code: str, order: list[str]) -> sp.csr_matrix:
    frame = gpd.read_file(SAMPLE / path).set_index(code).loc[order].reset_index()
    return Queen.from_dataframe(frame, use_index=False, silence_warnings=True).sparse


@pytest.mark.parametrize(("unit", "path", "code"), [
    ("ward", "birmingham_wards_2018_bng.geojson", "WardCode"),
    ("lsoa", "birmingham_lsoa21_bng.geojson", "LSOA21")])
def test_ward_and_lsoa_queen_lists_equal_libpysal(settings, unit: str, path: str,
                                                  code: str) -> None:
    with db.connect("dashboard", settings) as conn:
        units = C.units(conn, unit)
    want = _queen_libpysal(path, code, units["unit_id"].tolist())
    assert same_links(unit_weights(units, unit, "contiguity"), want)
    # boundaries whose shared corners do not quite coincide (each polygon's coordinates
    # nudged by up to 0.2 mm on its own, as when each was digitised or rounded apart):
    # the same list, not the slivers and overlaps that an exact "touches" test sees
    rng = np.random.default_rng(22)

    def nudge(g: shapely.Geometry) -> shapely.Geometry:
        a = rng.uniform(1, 10, 4)  # a point's nudge depends on the point (rings stay closed)
        return shapely.transform(g, lambda xy: xy + 2e-4 * np.sin(
            xy @ a.reshape(2, 2) + rng.uniform(0, 6.3, 2)))

    nudged = np.array([nudge(g) for g in units["geom_bng"]], dtype=object)
    assert not same_links(_touches(nudged), want)  # the exact test is thrown by them
    assert same_links(weights.contiguity(nudged), want)


def test_rook_leaves_out_corner_contacts_with_float_corners() -> None:
    cells = [shapely.box(c + 1e-11 * r, r, c + 1 + 1e-11 * c, r + 1)
             for r in range(3) for c in range(3)]
    rook = weights.contiguity(cells, rook=True)
    queen = weights.contiguity(cells)
    assert rook.nnz == 2 * 12 and queen.nnz == 2 * 20
