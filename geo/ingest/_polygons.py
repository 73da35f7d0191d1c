"""Validate polygon extracts: wards, LSOAs and places of concern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.ingest import _guard, _parse
from geo.ingest._columns import match
from geo.ingest._incidents import Context, Prepared, _first, quarantine_frame
from geo.ingest._quarantine import Fault
from geo.ingest._read import Table

CATEGORY_SYNONYMS = {
    "transport hub": "transport_hub",
    "station": "transport_hub",
    "shopping centre": "shopping_centre",
    "fast food": "fast_food",
    "fast-food outlet": "fast_food",
    "school": "school_vicinity",
    "school vicinity": "school_vicinity",
    "housing estate": "estate",
}


#: where British National Grid coordinates of Great Britain lie (m), and the same in
#: longitude and latitude: the extents a layer is checked against before an area exists
GB_BNG = (1_000.0, 1_000.0, 710_000.0, 1_250_000.0)  # not near the origin: degrees?
GB_LONLAT = (-9.0, 49.0, 2.5, 61.0)
#: a layer with no coordinate system is taken to be in a CRS when all of it lies within
#: the area's extent so widened (m; degrees when longitude and latitude)
EXTENT_MARGIN_M = 10_000.0
_FROM_WGS84 = Transformer.from_crs(4326, 27700, always_xy=True)
_TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


def _within(bounds: np.ndarray, extent: tuple[float, float, float, float]) -> bool:
    return bool(np.all(np.isfinite(bounds)) and bounds[0] >= extent[0]
                and bounds[1] >= extent[1] and bounds[2] <= extent[2] and bounds[3] <= extent[3])


def _fmt(bounds: np.ndarray | tuple[float, ...], digits: int = 0) -> str:
    x0, y0, x1, y1 = (round(float(v), digits) if digits else int(round(float(v)))
                      for v in bounds)
    return f"x {x0} to {x1}, y {y0} to {y1}"


def _lonlat_of(bounds: tuple[float, ...]) -> tuple[float, float, float, float]:
    xs, ys = _TO_WGS84.transform([bounds[0], bounds[2], bounds[0], bounds[2]],
                                 [bounds[1], bounds[1], bounds[3], bounds[3]])
    return (min(xs), min(ys), max(xs), max(ys))


def _transform(geoms: np.ndarray, tr: Transformer) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def to_bng(geoms: np.ndarray, crs: str | None, boundary: shapely.Geometry | None = None,
           file_name: str = "the file") -> np.ndarray:
    """Geometries in EPSG:27700. A file with no CRS (a Shapefile without its ``.prj``) is
    read as British National Grid only if its coordinates fall within the area's extent
    (Great Britain's before an area is loaded), as longitude/latitude if they fall in it
    so, and otherwise rejected with the extent found: never guessed."""
    if crs is not None:
        src = CRS.from_user_input(crs)
        if src.to_epsg() == 27700:
            return geoms
        return _transform(geoms, Transformer.from_crs(src, 27700, always_xy=True))
    found = shapely.total_bounds(geoms)
    if boundary is not None:
        b = shapely.bounds(boundary)
        bng = (b[0] - EXTENT_MARGIN_M, b[1] - EXTENT_MARGIN_M,
               b[2] + EXTENT_MARGIN_M, b[3] + EXTENT_MARGIN_M)
        lonlat = _lonlat_of(bng)
        where = "the area"
    else:
        bng, lonlat, where = GB_BNG, GB_LONLAT, "Great Britain"
    # longitude/latitude first: Great Britain's degrees are also BNG metres (a few metres
    # from the grid's origin, at sea), never the other way round
    if _within(found, lonlat):
        return _transform(geoms, _FROM_WGS84)
    if _within(found, bng):
        return geoms
    raise ValueError(
        f"{file_name}: the file says nothing of its coordinate system (a Shapefile without "
        f"its .prj?) and its coordinates ({_fmt(found, 4)}) are neither British National "
        f"Grid metres within {where} ({_fmt(bng)}) nor longitude/latitude within it "
        f"({_fmt(lonlat, 3)}). Add the .prj file (or save as GeoJSON/GeoPackage with its "
        "CRS) and upload again; nothing was stored."
    )


def check_in_area(bng: np.ndarray, boundary: shapely.Geometry | None, file_name: str,
                  what: str) -> None:
    """Reject a layer whose features mostly fall outside the area: how many, and where."""
    if boundary is None or not len(bng):
        return
    pts = shapely.point_on_surface(bng)
    inside = shapely.contains_xy(boundary, shapely.get_x(pts), shapely.get_y(pts))
    out = int((~inside).sum())
    if out * 2 <= len(bng):
        return
    far = shapely.total_bounds(bng[~inside])
    ll = _lonlat_of(tuple(far))
    area = shapely.bounds(boundary)
    raise ValueError(
        f"{file_name}: {out} of {len(bng)} {what} fall outside the area: they lie at "
        f"{_fmt(far)} (BNG metres; longitude {ll[0]:.3f} to {ll[2]:.3f}, latitude "
        f"{ll[1]:.3f} to {ll[3]:.3f}), the area at {_fmt(area)}. Is it the right file, "
        "or in another coordinate system than it says? Nothing was stored."
    )


def _geometry_checks(table: Table, reason: np.ndarray, boundary: shapely.Geometry | None,
                     file_name: str, what: str) -> tuple[np.ndarray, int]:
    """EWKB hex in BNG for polygon rows; quarantine missing or non-polygon shapes; reject
    a layer that does not land in the area (``boundary``, when one is to be checked)."""
    if table.geometry is None:
        raise ValueError(
            "polygons must come in a spatial file (GeoJSON, GeoPackage or a zipped Shapefile)"
        )
    geoms = np.asarray(table.geometry, dtype=object)
    missing = np.array([g is None or g.is_empty for g in geoms])
    _first(reason, missing, "no_geometry")
    kinds = shapely.get_type_id(np.where(missing, None, geoms))  # type: ignore[call-overload]
    _first(reason, ~missing & ~np.isin(kinds, [3, 6]), "not_a_polygon")
    ok = reason == None  # noqa: E711
    bng = np.full(len(geoms), None, dtype=object)
    if ok.any():
        bng[ok] = to_bng(geoms[ok], table.crs, boundary, file_name)
        check_in_area(bng[ok], boundary, file_name, what)
    invalid = int((~shapely.is_valid(bng[ok])).sum()) if ok.any() else 0
    wkb = np.full(len(geoms), None, dtype=object)
    if ok.any():
        wkb[ok] = shapely.to_wkb(shapely.set_srid(bng[ok], 27700), hex=True, include_srid=True)
    return wkb, invalid


_GEOMETRY_FAULTS = {
    "no_geometry": Fault((), "the feature has no geometry"),
    "not_a_polygon": Fault((), "the feature is not a polygon"),
}


def prepare_boundaries(
    table: Table, ctx: Context, file_name: str, kind: str, default_area: tuple[str, str]
) -> Prepared:
    """Wards or LSOAs: code, name and polygon; area from a column or the configured one."""
    df = table.columns
    cols = match(list(df.columns), ("code", "name", "area_code", "area_name"))
    _guard.check(
        df,
        table.row_numbers,
        file_name,
        allowed_names=("name", "ward", "area"),
        skip_values=[c for c in df.columns if c not in cols.values()],
    )
    for f in ("code", "name"):
        if f not in cols:
            raise ValueError(f"{file_name}: no {f} column for {kind}")
    reason = np.full(len(df), None, dtype=object)
    code = df[cols["code"]].str.strip().str.upper()
    pattern = r"^E05\d{6}$" if kind == "wards" else r"^[EW]01\d{6}$"
    _first(reason, ~code.str.match(pattern).to_numpy(), "bad_code")
    _first(reason, code.duplicated().to_numpy(), "duplicate_code")
    name = df[cols["name"]].str.strip()
    _first(reason, (name == "").to_numpy(), "missing_name")
    # LSOAs must land in the area; so must wards, unless the file names its area (wards
    # make an area: those of a new one are checked against Great Britain only)
    new_area = kind == "wards" and "area_code" in cols
    wkb, invalid = _geometry_checks(table, reason, None if new_area else ctx.boundary,
                                    file_name, "LSOAs" if kind == "lsoas" else "wards")
    area_code = (
        df[cols["area_code"]].str.strip()
        if "area_code" in cols
        else pd.Series([default_area[0]] * len(df))
    )
    area_name = (
        df[cols["area_name"]].str.strip()
        if "area_name" in cols
        else pd.Series([default_area[1]] * len(df))
    )
    ok = reason == None  # noqa: E711
    rows = pd.DataFrame(
        {
            "code": code[ok].to_numpy(),
            "name": name[ok].to_numpy(),
            "area_code": area_code[ok].to_numpy(),
            "area_name": area_name[ok].to_numpy(),
            "geom": wkb[ok],
        }
    )
    notes = {"repaired_geometry": invalid} if invalid else {}
    faults = {
        **_GEOMETRY_FAULTS,
        "bad_code": Fault((cols["code"],), "{column} {value} is not a "
                          + ("ward code (E05 and six digits)" if kind == "wards"
                             else "LSOA code (E01/W01 and six digits)")),
        "duplicate_code": Fault((cols["code"],), "{column} {value} repeats an earlier row's"),
        "missing_name": Fault((cols["name"],), "{column} is blank"),
    }
    return Prepared(rows, quarantine_frame(table, reason, faults), notes)


def prepare_places(table: Table, ctx: Context, file_name: str) -> Prepared:
    df = table.columns
    cols = match(
        list(df.columns),
        ("code", "name", "category", "status", "flagged_on", "synthetic", "description"),
    )
    _guard.check(
        df,
        table.row_numbers,
        file_name,
        allowed_names=("name", "description"),
        skip_values=[cols[f] for f in ("flagged_on",) if f in cols],
        prose=[cols[f] for f in ("description",) if f in cols],
        known=ctx.known_words,
        place_names=[cols[f] for f in ("name",) if f in cols],
    )
    for f in ("code", "name", "category"):
        if f not in cols:
            raise ValueError(f"{file_name}: no {f} column for places")
    reason = np.full(len(df), None, dtype=object)
    ref = df[cols["code"]].str.strip()
    _first(reason, (ref == "").to_numpy(), "missing_ref")
    _first(reason, ref.duplicated().to_numpy(), "duplicate_ref")
    name = df[cols["name"]].str.strip()
    _first(reason, (name == "").to_numpy(), "missing_name")
    cats = {c: c for c in ctx.place_categories} | {
        c.replace("_", " "): c for c in ctx.place_categories
    }
    category, bad_c = _parse.vocabulary(df[cols["category"]], cats | CATEGORY_SYNONYMS)
    _first(reason, bad_c | (category == None), "unknown_category")  # noqa: E711
    status = (
        df[cols["status"]].str.strip().str.lower()
        if "status" in cols
        else pd.Series(["open"] * len(df))
    )
    status = status.replace("", "open")
    _first(reason, ~status.isin(["open", "monitoring", "closed"]).to_numpy(), "unknown_status")
    flagged = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[s]")
    if "flagged_on" in cols:
        flagged, bad_f = _parse.timestamps(df[cols["flagged_on"]])
        _first(reason, bad_f, "bad_date")
    synthetic = (
        df[cols["synthetic"]].str.strip().str.lower().isin(["true", "1", "yes", "y"])
        if "synthetic" in cols
        else pd.Series([False] * len(df))
    )
    wkb, invalid = _geometry_checks(table, reason, ctx.boundary, file_name, "places")
    ok = reason == None  # noqa: E711
    rows = pd.DataFrame(
        {
            "ref": ref[ok].to_numpy(),
            "name": name[ok].to_numpy(),
            "category": category[ok],
            "status": status[ok].to_numpy(),
            "flagged_on": flagged[ok].astype("datetime64[D]"),
            "synthetic": synthetic[ok].to_numpy(),
            "geom": wkb[ok],
        }
    )
    notes = {"repaired_geometry": invalid} if invalid else {}
    faults = {
        **_GEOMETRY_FAULTS,
        "missing_ref": Fault((cols["code"],), "{column} is blank"),
        "duplicate_ref": Fault((cols["code"],), "{column} {value} repeats an earlier row's"),
        "missing_name": Fault((cols["name"],), "{column} is blank"),
        "unknown_category": Fault((cols["category"],), "{column} is not one of the place "
                                  f"categories ({', '.join(sorted(ctx.place_categories))})"),
        "unknown_status": Fault((cols.get("status", ""),), "{column} is not open, monitoring "
                                "or closed"),
        "bad_date": Fault((cols.get("flagged_on", ""),), "{column} {value} is not a date"),
    }
    return Prepared(rows, quarantine_frame(table, reason, faults), notes)
