"""Validate feature layers: points, lines or polygons an analyst loads for risk terrain
modelling (``contexts load features FILE --name NAME``).

A spatial file (GeoJSON, GeoPackage, zipped Shapefile: read through the same safe reader
as every upload, :mod:`geo.ingest._safe`) or a table with longitude/latitude or
easting/northing columns. Only the geometry and the layer's name are kept: no other column
of the file is stored (a shop's name or address is not needed to say harm gathers near
shops), and the identifier guard still refuses a file that carries identifiers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import shapely

from geo.ingest import _guard
from geo.ingest._columns import match
from geo.ingest._incidents import Context, Prepared, _coordinates, _first, quarantine_frame
from geo.ingest._polygons import check_in_area, to_bng
from geo.ingest._quarantine import Fault
from geo.ingest._read import Table

#: a layer's name: short, plain, and stored (so also passed through the label guard)
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 '&()/-]{0,59}$")
#: geometry types kept: points, lines, polygons and their multi-part forms
KEPT_TYPES = (0, 1, 3, 4, 5, 6)

FAULTS = {
    "no_geometry": Fault((), "the feature has no geometry or coordinates"),
    "bad_coordinates": Fault((), "the coordinates are not numbers"),
    "unsupported_geometry": Fault((), "the feature is not a point, line or polygon"),
}


def check_name(name: str | None) -> str:
    """The layer's name as stored, or ValueError saying what a name may be."""
    text = (name or "").strip()
    if not NAME.match(text) or not _guard.label_is_safe(text):
        raise ValueError(
            "a feature layer needs a short plain name (--name; letters, digits, spaces, "
            "' & ( ) / -, at most 60 characters, starting with a letter, no two capitalised "
            "words in a row), e.g. 'Fast food outlets'; nothing was stored")
    return text


def prepare_features(table: Table, ctx: Context, file_name: str, layer: str | None
                     ) -> Prepared:
    """The layer's rows: ``layer`` and ``geom`` (EWKB hex, EPSG:27700)."""
    layer = check_name(layer)
    df = table.columns
    cols = match(list(df.columns), ("longitude", "latitude", "easting", "northing", "x", "y"))
    _guard.check(df, table.row_numbers, file_name, allowed_names=("name",),
                 skip_values=list(cols.values()), known=ctx.known_words)
    n = len(df)
    reason = np.full(n, None, dtype=object)
    if table.geometry is not None:
        geoms = np.asarray(table.geometry, dtype=object)
        missing = np.array([g is None or g.is_empty for g in geoms], dtype=bool)
        _first(reason, missing, "no_geometry")
        kinds = shapely.get_type_id(np.where(missing, None, geoms))  # type: ignore[call-overload]
        _first(reason, ~missing & ~np.isin(kinds, KEPT_TYPES), "unsupported_geometry")
        ok = reason == None  # noqa: E711
        bng = np.full(n, None, dtype=object)
        if ok.any():
            bng[ok] = to_bng(geoms[ok], table.crs, ctx.boundary, file_name)
            bng[ok] = shapely.make_valid(bng[ok])
    else:
        if not ({"longitude", "latitude"} <= set(cols) or {"easting", "northing"} <= set(cols)
                or {"x", "y"} <= set(cols)):
            raise ValueError(f"{file_name}: a feature layer is a spatial file (GeoJSON, "
                             "GeoPackage, zipped Shapefile) or a table with longitude and "
                             "latitude (or easting and northing) columns; nothing was stored")
        x, y, bad, _lon, _lat = _coordinates(df, cols, n)
        _first(reason, bad, "bad_coordinates")
        _first(reason, np.isnan(x), "no_geometry")
        ok = reason == None  # noqa: E711
        bng = np.full(n, None, dtype=object)
        bng[ok] = shapely.points(x[ok], y[ok])
    ok = reason == None  # noqa: E711
    if ok.any():
        check_in_area(bng[ok], ctx.boundary, file_name, "features")
    wkb = np.full(n, None, dtype=object)
    if ok.any():
        wkb[ok] = shapely.to_wkb(shapely.set_srid(bng[ok], 27700), hex=True, include_srid=True)
    rows = pd.DataFrame({"layer": [layer] * int(ok.sum()), "geom": wkb[ok]})
    return Prepared(rows, quarantine_frame(table, reason, FAULTS), {})
