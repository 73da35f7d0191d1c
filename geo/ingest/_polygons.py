"""Validate polygon extracts: wards, LSOAs and places of concern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.ingest import _guard, _parse
from geo.ingest._columns import match
from geo.ingest._incidents import Context, Prepared, _first, quarantine_frame
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


def to_bng(geoms: np.ndarray, crs: str | None) -> np.ndarray:
    """Geometries in EPSG:27700 (a file with no CRS is taken as already in it)."""
    if crs is None:
        return geoms
    src = CRS.from_user_input(crs)
    if src.to_epsg() == 27700:
        return geoms
    tr = Transformer.from_crs(src, 27700, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _geometry_checks(table: Table, reason: np.ndarray) -> tuple[np.ndarray, int]:
    """EWKB hex in BNG for polygon rows; quarantine missing or non-polygon shapes."""
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
        bng[ok] = to_bng(geoms[ok], table.crs)
    invalid = int((~shapely.is_valid(bng[ok])).sum()) if ok.any() else 0
    wkb = np.full(len(geoms), None, dtype=object)
    if ok.any():
        wkb[ok] = shapely.to_wkb(shapely.set_srid(bng[ok], 27700), hex=True, include_srid=True)
    return wkb, invalid


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
    wkb, invalid = _geometry_checks(table, reason)
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
    return Prepared(rows, quarantine_frame(table, reason), notes)


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
    wkb, invalid = _geometry_checks(table, reason)
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
    return Prepared(rows, quarantine_frame(table, reason), notes)
