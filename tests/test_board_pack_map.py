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
