"""What an incident extract covers, as the analyst declares it at load (issue #22).

A partner's extract often covers part of the area only: a transport police force its
stations and lines, a youth service its own patch, a police.uk download the city centre.
Outside that, no incidents means "no data", not zero. The declaration is the whole area
(the default), a list of wards and/or LSOAs (codes or names), or a polygon file; it is
recorded in ``extract_coverage`` (migration 0013) in the load's own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import psycopg
import shapely

from geo.ingest._polygons import to_bng
from geo.ingest._read import SPATIAL, UnreadableFile, read_spatial
from geo.store import db

#: a coverage polygon's file types (the spatial files an upload may be)
POLYGON_SUFFIXES = tuple(sorted(SPATIAL | {".shp"}))
#: words that mean the whole area
WHOLE_WORDS = ("", "all", "area", "whole", "whole area", "the whole area")
#: the label lists at most this many names, then says how many more
LABEL_NAMES = 8

Covers = str | Path | Sequence[str] | None


@dataclass(frozen=True)
class Declared:
    """A resolved declaration: ``area`` (the whole area), ``units`` (ward and LSOA codes)
    or ``polygon`` (its WKB in BNG)."""

    kind: Literal["area", "units", "polygon"] = "area"
    codes: tuple[str, ...] = ()
    label: str = "the whole area"
    wkb: bytes | None = None


WHOLE = Declared()


def _is_polygon_file(item: str | Path) -> bool:
    return isinstance(item, Path) or (
        str(item).lower().endswith(POLYGON_SUFFIXES) and Path(str(item)).is_file())


def resolve(conn: psycopg.Connection[Any], covers: Covers, isolate: bool = False
            ) -> Declared:
    """The declaration ``covers`` means, checked against the wards and LSOAs loaded.

    ``covers``: ``None`` or "all" for the whole area; ward and LSOA codes or names (a list,
    or one string separated by commas); or the path of a polygon file (GeoJSON, GeoPackage,
    zipped Shapefile). Raises ``ValueError`` with a clear message for anything else.
    ``isolate``: read a polygon file in the limited child process
    (:func:`geo.ingest._isolated.coverage`; the Upload page does), not in this one.
    """
    if covers is None:
        return WHOLE
    items: list[str | Path] = [covers] if isinstance(covers, (str, Path)) else list(covers)
    if len(items) == 1 and _is_polygon_file(items[0]):
        return _polygon(conn, Path(items[0]), isolate=isolate)
    tokens = [t.strip() for item in items for t in str(item).split(",")]
    tokens = [t for t in tokens if t]
    if not tokens or all(t.lower() in WHOLE_WORDS for t in tokens):
        return WHOLE
    return _units(conn, tokens)


def _units(conn: psycopg.Connection[Any], tokens: list[str]) -> Declared:
    known = db.frame(conn, "coverage_names")
    by_code = {c.lower(): (k, c, n) for k, c, n in known.itertuples(index=False)}
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for k, c, n in known.itertuples(index=False):
        by_name.setdefault(str(n).lower(), []).append((k, c, n))
    found: dict[str, tuple[str, str]] = {}
    unknown, ambiguous = [], []
    for t in tokens:
        hit = by_code.get(t.lower())
        if hit is None:
            named = by_name.get(t.lower(), [])
            if len(named) > 1:
                ambiguous.append(t)
                continue
            hit = named[0] if named else None
        if hit is None:
            unknown.append(t)
            continue
        found[hit[1]] = (hit[0], hit[2])
    if unknown or ambiguous:
        parts = []
        if unknown:
            parts.append("no ward or LSOA has the code or name "
                         + ", ".join(repr(t) for t in unknown[:10]))
        if ambiguous:
            parts.append("more than one ward or LSOA is called "
                         + ", ".join(repr(t) for t in ambiguous[:10]) + " (give its code)")
        raise ValueError("coverage: " + "; ".join(parts))
    if not found:
        raise ValueError("coverage: no ward or LSOA given")
    wards = sorted(n for k, n in found.values() if k == "ward")
    lsoas = sorted(n for k, n in found.values() if k == "lsoa")
    return Declared("units", tuple(sorted(found)), _label(wards, lsoas))


def _label(wards: list[str], lsoas: list[str]) -> str:
    def some(names: list[str], one: str, many: str) -> str:
        head = ", ".join(names[:LABEL_NAMES])
        more = f" and {len(names) - LABEL_NAMES} more" if len(names) > LABEL_NAMES else ""
        return f"{len(names)} {one if len(names) == 1 else many}: {head}{more}"

    parts = ([some(wards, "ward", "wards")] if wards else []) + (
        [some(lsoas, "LSOA", "LSOAs")] if lsoas else [])
    return "; ".join(parts)


def polygon_wkb(path: Path, name: str | None = None, suffix: str | None = None) -> bytes:
    """The polygons of a coverage file, united, in BNG, as WKB (no database: the Upload
    page runs this in its limited child process). Raises ``ValueError`` saying why a file
    is not a coverage polygon."""
    name = name or path.name
    suffix = (suffix or path.suffix).lower()
    if not path.is_file():
        raise ValueError(f"coverage: {name}: no such file")
    if suffix not in SPATIAL:
        raise ValueError(f"coverage: {name}: a coverage polygon comes as GeoJSON, a "
                         "GeoPackage or a zipped Shapefile")
    table = read_spatial(path, name, suffix)
    geoms = np.asarray([g for g in (table.geometry if table.geometry is not None else [])
                        if g is not None and not g.is_empty], dtype=object)
    polys = geoms[np.isin(shapely.get_type_id(geoms), [3, 6])] if geoms.size else geoms
    if polys.size == 0:
        raise ValueError(f"coverage: {name} holds no polygon")
    shape = shapely.union_all(shapely.make_valid(to_bng(polys, table.crs)))
    return bytes(shapely.to_wkb(shape))


def _polygon(conn: psycopg.Connection[Any], path: Path, name: str | None = None,
             isolate: bool = False) -> Declared:
    name = name or path.name
    if isolate:
        from geo.ingest import _isolated

        try:
            wkb = _isolated.coverage(path, name=name)
        except UnreadableFile as exc:
            raise ValueError(f"coverage: {exc}") from None
    else:
        wkb = polygon_wkb(path, name)
    shape = shapely.from_wkb(wkb)
    area = db.scalar(conn, "area_boundary")
    if area is not None and not shapely.intersects(shapely.from_wkb(bytes(area)), shape):
        raise ValueError(f"coverage: {name} lies wholly outside the area's wards (is it in "
                         "another coordinate system than the one it declares?)")
    return Declared("polygon", (), f"the polygon in {name}", wkb)


def record(conn: psycopg.Connection[Any], extract_id: int, declared: Declared
           ) -> tuple[float, int]:
    """Write the declaration of extract ``extract_id`` (in the caller's transaction);
    returns the share of the area it covers and how many of the extract's incidents fall
    outside it."""
    share = db.scalar(conn, "coverage_insert", {
        "extract_id": extract_id, "kind": declared.kind, "codes": list(declared.codes),
        "label": declared.label, "wkb": declared.wkb})
    outside = db.scalar(conn, "coverage_outside", {"extract_id": extract_id}) or 0
    return float(share), int(outside)


def sentence(declared: Declared | None, recorded: tuple[float, int] | None) -> str:
    """What the load's message adds about a declared coverage (nothing for the whole area)."""
    if declared is None or recorded is None or declared.kind == "area":
        return ""
    share, outside = recorded
    text = f"; covers {declared.label} ({share:.0%} of the area)"
    if outside:
        text += (f"; {outside} of its incidents lie outside it (statistics use only the "
                 "areas it covers)")
    return text
