"""Counts of incidents by unit (hexagon, ward, LSOA, place) x month x harm type, from PostGIS.

The counting happens in the database (named queries ``counts_*``); this module passes the
filters and shapes the rows. Units come with their centroid (BNG metres) for distance
weights, their area, and a display geometry in WGS84.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from pyproj import Transformer

from geo.filters import Filters
from geo.stats import grid
from geo.store import db
from geo.store.data import DISPLAY_TOLERANCE_M

Unit = Literal["hex", "ward", "lsoa", "place"]
UNITS: tuple[Unit, ...] = ("hex", "ward", "lsoa", "place")
DEFAULT_HEX_SIZE = grid.DEFAULT_SIZE
_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


@functools.cache
def _proj_thread() -> ThreadPoolExecutor:
    """pyproj makes its transformer again on every thread that uses one (0.1-0.2 s reading
    PROJ's database), and Streamlit runs each rerun on a new thread: the transforms run on
    one thread of their own, where it is made once (made on first use: importing the
    package starts nothing)."""
    return ThreadPoolExecutor(1, thread_name_prefix="contexts-proj")


def _to_wgs84(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(
        geoms, lambda xy: np.column_stack(_TO_WGS84.transform(xy[:, 0], xy[:, 1]))
    )


def to_wgs84(geoms: np.ndarray) -> np.ndarray:
    """BNG geometries in WGS84 (longitude, latitude)."""
    return _proj_thread().submit(_to_wgs84, geoms).result()


def _polygon_units(conn: psycopg.Connection[Any], unit: Unit) -> gpd.GeoDataFrame:
    frame = db.frame(conn, f"units_{unit}", {"tolerance": DISPLAY_TOLERANCE_M})
    frame["geom_bng"] = shapely.from_wkb([bytes(g) for g in frame["geom_bng"]])
    geoms = shapely.from_wkb([bytes(g) for g in frame.pop("geom")])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)


#: a hexagon is named by the place of concern nearest its centre within this distance
#: (metres); farther from every place, by its ward
NAME_PLACE_WITHIN_M = 2000.0
COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west",
           "north-west")


def compass(dx: float, dy: float) -> str:
    """The 8-point compass direction of an offset (BNG metres east, north)."""
    angle = float(np.degrees(np.arctan2(dx, dy))) % 360.0
    return COMPASS[int((angle + 22.5) // 45) % 8]


def distance_text(metres: float) -> str:
    """"300 m" (to 50 m) under a kilometre, else "1.2 km"."""
    if metres < 975:
        return f"{max(50, int(round(metres / 50.0)) * 50)} m"
    return f"{metres / 1000:.1f} km"


def grid_reference(easting: float, northing: float) -> str:
    """The Ordnance Survey grid reference of a BNG point to 100 m: "SP 071 925"."""
    e, n = int(easting), int(northing)
    e100k, n100k = e // 100_000, n // 100_000
    first = (19 - n100k) - (19 - n100k) % 5 + (e100k + 10) // 5
    second = (19 - n100k) * 5 % 25 + e100k % 5
    letters = "".join(chr(c + 65 + (c > 7)) for c in (first, second))  # no letter I
    return f"{letters} {e % 100_000 // 100:03d} {n % 100_000 // 100:03d}"


def hex_names(size: float, x: np.ndarray, y: np.ndarray, ward_name: np.ndarray,
              place_name: np.ndarray, place_x: np.ndarray, place_y: np.ndarray,
              at_place: np.ndarray) -> list[str]:
    """The one display name of each hexagon (centres ``x``, ``y``), distinct from every
    other: "250 m area at Aston station, Aston" (the place is in it), "250 m area 300 m
    north-east of Aston station, Aston" (its nearest place, ``place_name`` at
    ``place_x``, ``place_y``; "" for none near), or "250 m area in Aston"; a name that
    would still be shared gets the area's grid reference, "(grid ref SP 071 925)"."""
    names = []
    for k in range(len(x)):
        w, p = ward_name[k], place_name[k]
        if not p:
            names.append(f"{size:g} m area in {w}")
        elif at_place[k]:
            names.append(f"{size:g} m area at {p}, {w}")
        else:
            dx, dy = float(x[k] - place_x[k]), float(y[k] - place_y[k])
            names.append(f"{size:g} m area {distance_text(float(np.hypot(dx, dy)))} "
                         f"{compass(dx, dy)} of {p}, {w}")
    seen = pd.Series(names).duplicated(keep=False).to_numpy()
    return [f"{n} (grid ref {grid_reference(x[k], y[k])})" if seen[k] else n
            for k, n in enumerate(names)]


def hex_inside_share(conn: psycopg.Connection[Any], i: np.ndarray, j: np.ndarray,
                     size: float = DEFAULT_HEX_SIZE) -> np.ndarray:
    """The share of each hexagon ``(i, j)`` lying inside the area boundary (1 for a whole
    one, 0 for one that only touches it), computed in PostGIS (``hex_inside_share``)."""
    frame = db.frame(conn, "hex_inside_share", {"size": size})
    share = dict(zip(zip(frame["i"].astype(int), frame["j"].astype(int), strict=True),
                     frame["inside_share"].astype(float), strict=True))
    return np.array([min(share.get((a, b), 0.0), 1.0)
                     for a, b in zip(i.tolist(), j.tolist(), strict=True)], dtype=float)


def hex_units(conn: psycopg.Connection[Any], size: float = DEFAULT_HEX_SIZE) -> gpd.GeoDataFrame:
    """The hexagons covering the area, each with a name no other has (:func:`hex_names`:
    the nearest place of concern, if one is within :data:`NAME_PLACE_WITHIN_M` of the
    centre, and the ward holding their centre), with ``inside_share``, the share of the
    hexagon inside the area boundary (Gi* scores hexagons for that area:
    :func:`geo.services.analysis.hotspots_from_counts`)."""
    wkb = db.scalar(conn, "area_boundary")
    if wkb is None:
        raise ValueError("no area boundary is loaded: load wards first")
    boundary = shapely.from_wkb(bytes(wkb))
    i, j = grid.covering_cells(boundary, size)
    cx, cy = grid.hex_centres(i, j, size)
    polys = grid.hex_polygons(i, j, size)
    wards = _polygon_units(conn, "ward")
    tree = shapely.STRtree(wards["geom_bng"].to_numpy())
    centres = shapely.points(cx, cy)
    near = tree.query_nearest(centres, return_distance=False)
    ward_name = np.full(i.size, "", dtype=object)
    ward_name[near[0]] = wards["name"].to_numpy()[near[1]]
    place_name = np.full(i.size, "", dtype=object)
    px, py = np.full(i.size, np.nan), np.full(i.size, np.nan)
    at_place = np.zeros(i.size, dtype=bool)
    places = db.frame(conn, "units_place")
    if len(places):
        xs, ys = places["x"].to_numpy(float), places["y"].to_numpy(float)
        spots = shapely.points(xs, ys)
        hit = shapely.STRtree(spots).query_nearest(centres, max_distance=NAME_PLACE_WITHIN_M,
                                                   all_matches=False)
        place_name[hit[0]] = places["name"].astype(str).to_numpy()[hit[1]]
        px[hit[0]], py[hit[0]] = xs[hit[1]], ys[hit[1]]
        at_place[hit[0]] = shapely.contains_xy(polys[hit[0]], xs[hit[1]], ys[hit[1]])
    frame = pd.DataFrame(
        {
            "unit_id": [f"{a}:{b}" for a, b in zip(i, j, strict=True)],
            "name": hex_names(size, cx, cy, ward_name, place_name, px, py, at_place),
            "ward": ward_name,
            "x": cx,
            "y": cy,
            "area_m2": shapely.area(polys),
            "inside_share": hex_inside_share(conn, i, j, size),
            "geom_bng": polys,
        }
    )
    return gpd.GeoDataFrame(frame, geometry=to_wgs84(polys), crs=4326)


def units(
    conn: psycopg.Connection[Any], unit: Unit, size: float = DEFAULT_HEX_SIZE
) -> gpd.GeoDataFrame:
    """Every unit of a kind (including those with no incidents)."""
    if unit == "hex":
        return hex_units(conn, size)
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; one of {', '.join(UNITS)}")
    return _polygon_units(conn, unit)


def counts(
    conn: psycopg.Connection[Any],
    unit: Unit,
    filters: Filters = Filters(),
    size: float = DEFAULT_HEX_SIZE,
    by_month: bool = False,
    by_harm: bool = False,
) -> pd.DataFrame:
    """Incident counts: ``unit_id`` [, ``month``] [, ``harm_type``], ``n``, ``ck`` (the
    cell key, for :mod:`geo.stats.disclosure`)."""
    params = filters.params() | {"by_month": by_month, "by_harm": by_harm, "size": size}
    name = f"counts_{unit}"
    if unit == "hex" and size != DEFAULT_HEX_SIZE:
        name = "counts_hex_sized"
    frame = db.frame(conn, name, params)
    if unit == "hex":
        frame.insert(0, "unit_id", frame.pop("i").astype(str) + ":" + frame.pop("j").astype(str))
    keep = ["unit_id"] + (["month"] if by_month else []) + (["harm_type"] if by_harm else [])
    frame["n"] = frame["n"].astype(np.int64)
    frame["ck"] = frame["ck"].astype(np.int64)
    if by_month:
        frame["month"] = pd.to_datetime(frame["month"])
    return frame[keep + ["n", "ck"]]


def data_period(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """First and last month with incidents (``None`` for both when there are none)."""
    row = db.frame(conn, "data_period").iloc[0]
    return {"first": row["first"], "last": row["last"]}


def data_months(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Incidents per month (``month``, ``n``), in order; empty when none are loaded."""
    return db.frame(conn, "data_months")


def keyed_at_places(conn: psycopg.Connection[Any], filters: Filters = Filters()) -> pd.DataFrame:
    """``place_id``, ``person_key``, ``when`` of keyed incidents at places (analyst use)."""
    return db.frame(conn, "keyed_at_places", filters.params())


def population(conn: psycopg.Connection[Any], unit: Unit) -> pd.Series | None:
    """Young people per ward or LSOA (latest year loaded for each), or None when none is
    loaded for that kind of unit."""
    frame = db.frame(conn, "population_latest", {"kind": unit})
    if frame.empty:
        return None
    return frame.set_index("unit_id")["young_people"].astype(float)
