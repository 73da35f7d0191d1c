"""Read-side data access for the dashboard: a connection in, frames out.

Each function runs one named query from ``sql/queries`` and shapes its rows; none decides
what a role may see (that is :mod:`geo.stats.disclosure`) and none does statistics.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import shapely

from geo.store import db

#: display simplification tolerance in metres (invisible at city zoom, ~10x smaller payload)
DISPLAY_TOLERANCE_M = 15.0


def _geoframe(frame: pd.DataFrame, crs: int = 4326) -> gpd.GeoDataFrame:
    geoms = shapely.from_wkb([bytes(g) for g in frame.pop("geom")])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)


def wards(
    conn: psycopg.Connection[Any], tolerance: float = DISPLAY_TOLERANCE_M
) -> gpd.GeoDataFrame:
    """The wards in WGS84, simplified for display."""
    return _geoframe(db.frame(conn, "wards_display", {"tolerance": tolerance}))
