"""The board pack's map drawn with fewer points (#34): the outlines of the areas neither hot
nor cold drawn as lines, each edge two of them share once, and every edge there."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import shapely

from geo.render import board_pack
from geo.stats import grid


def _edges(d: str) -> list[frozenset[str]]:
    out = []
    for part in re.findall(r"M[^M]*", d):
        pts = part[1:].rstrip("Z").split("L")
        if part.endswith("Z"):
            pts.append(pts[0])
        out += [frozenset(e) for e in zip(pts, pts[1:], strict=False) if e[0] != e[1]]
    return out


def test_each_edge_of_the_blank_areas_is_drawn_once_and_the_coloured_as_before() -> None:
    i, j = np.meshgrid(np.arange(6), np.arange(5))
    polys = grid.hex_polygons(i.ravel(), j.ravel(), 250.0)
    # hexagons in degrees, about where Birmingham is
    areas = gpd.GeoDataFrame(geometry=shapely.transform(
        polys, lambda xy: xy * [1.5e-5, 9e-6] + [-1.9, 52.4]), crs=4326)
    fills = np.full(len(areas), board_pack.BLANK_FILL, dtype=object)
    fills[[3, 11, 12]] = "#b2182b"
    svg = board_pack.svg_map(areas, fills)
    blank, = re.findall(r'<path d="([^"]*)" fill="none" stroke="#a0a0a0"', svg)
    hot, = re.findall(r'<path d="([^"]*)" fill="#b2182b"', svg)
    # the same edges as every blank hexagon's ring drawn alone, each once
    alone = board_pack.svg_map(areas, np.where(fills == board_pack.BLANK_FILL, "#123456",
                                               fills))
    rings, = re.findall(r'<path d="([^"]*)" fill="#123456"', alone)
    drawn, wanted = _edges(blank), _edges(rings)
    assert len(drawn) == len(set(drawn)) and set(drawn) == set(wanted)
    assert len(set(wanted)) < len(wanted)  # (they do share edges)
    assert hot.count("M") == 3 and hot.count("Z") == 3  # a ring each, as before
    assert 'fill="#ffffff"' not in svg


def test_every_ring_of_a_multipolygon_with_a_hole_is_drawn_closed() -> None:
    square = shapely.box(-1.90, 52.40, -1.88, 52.42)
    holed = shapely.Polygon(shapely.box(-1.86, 52.40, -1.84, 52.42).exterior.coords,
                            [shapely.box(-1.855, 52.405, -1.845, 52.415).exterior.coords])
    areas = gpd.GeoDataFrame(geometry=[shapely.MultiPolygon([square, holed]),
                                       shapely.box(-1.90, 52.43, -1.88, 52.45)], crs=4326)
    svg = board_pack.svg_map(areas, ["#b2182b", "#2166ac"])
    red, = re.findall(r'<path d="([^"]*)" fill="#b2182b"', svg)
    blue, = re.findall(r'<path d="([^"]*)" fill="#2166ac"', svg)
    # two outer rings and the hole, each closed; the other area a ring of its own
    assert red.count("M") == 3 and red.count("Z") == 3
    assert blue.count("M") == 1 and blue.count("Z") == 1
    # a ring's points: its four corners and the first again, then Z
    assert all(len(part.split("L")) == 5 for part in re.findall(r"M([^MZ]*)Z", red + blue))
