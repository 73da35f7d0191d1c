"""The sample's real geography (Birmingham's wards and railway stations, the LSOA codes) and
what is drawn on it: the places of concern, random points inside an area or its ring, the
young people per ward and LSOA, and the places as GeoJSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.config import PROJECT_ROOT
from geo.sample.plan import (
    CATEGORY_NOUN,
    CATEGORY_RADIUS,
    RING_M,
    STATION_RADIUS_M,
    STATION_ROLES,
    SYNTHETIC,
)


@dataclass
class Geography:
    wards: pd.DataFrame  # ward_code, name, geometry (shapely, BNG)
    stations: pd.DataFrame  # name, crs, x, y
    lsoa_codes: list[str]  # sorted; empty when the LSOA boundaries are not at hand


def reference_geography(shared: Path | None) -> Geography:
    import pyogrio

    src = shared or (PROJECT_ROOT / "sample_data")
    w = pyogrio.read_dataframe(src / "birmingham_wards_2018_bng.geojson")
    wards = pd.DataFrame(
        {
            "ward_code": w["WardCode"],
            "name": w["Ward"],
            "geometry": np.asarray(w.geometry.values, dtype=object),
        }
    )
    wards = wards.sort_values("ward_code").reset_index(drop=True)
    st = pd.read_csv(src / "uk_railway_stations.csv", dtype=str, keep_default_na=False)
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(st["long"].astype(float).to_numpy(), st["lat"].astype(float).to_numpy())
    union = shapely.union_all(wards["geometry"].to_numpy())
    inside = shapely.contains_xy(union, x, y)
    stations = pd.DataFrame(
        {
            "name": st["stationName"][inside].to_numpy(),
            "crs": st["crsCode"][inside].to_numpy(),
            "x": np.round(x[inside], 1),
            "y": np.round(y[inside], 1),
        }
    )
    lsoa_file = src / "birmingham_lsoa21_bng.geojson"
    codes: list[str] = []
    if lsoa_file.exists():
        codes = sorted(pyogrio.read_dataframe(lsoa_file, read_geometry=False,
                                              columns=["LSOA21"])["LSOA21"].astype(str))
    return Geography(wards, stations.sort_values("crs").reset_index(drop=True), codes)


def points_in(poly: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` uniform random points inside ``poly`` (rejection sampling, vectorised)."""
    out = np.empty((0, 2))
    minx, miny, maxx, maxy = shapely.bounds(poly)
    fill = float(shapely.area(poly)) / ((maxx - minx) * (maxy - miny))
    shapely.prepare(poly)
    while len(out) < k:
        m = int((k - len(out)) / fill * 1.2) + 16
        xs = rng.uniform(minx, maxx, m)
        ys = rng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(poly, xs, ys)
        out = np.vstack([out, np.column_stack([xs[keep], ys[keep]])])
    return out[:k]


def place_frame(geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for s in geo.stations.itertuples():
        rows.append(
            {
                "ref": f"STN-{s.crs}",
                "name": f"{s.name} station",
                "category": "transport_hub",
                "x": s.x,
                "y": s.y,
                "radius": STATION_RADIUS_M,
                "synthetic": False,
                "role": STATION_ROLES.get(s.crs),
            }
        )
    taken = np.array([[r["x"], r["y"]] for r in rows])
    by_name = dict(zip(geo.wards["name"], geo.wards["geometry"], strict=True))
    for k, (ward, cat, name, role) in enumerate(SYNTHETIC):
        poly = by_name[ward]
        inner = poly.buffer(-CATEGORY_RADIUS[cat] - RING_M)
        area = inner if not inner.is_empty else poly
        for min_gap in (900.0, 700.0, 500.0, 0.0):
            cand = points_in(area, 200, rng)
            d = np.min(
                np.hypot(
                    cand[:, None, 0] - taken[None, :, 0], cand[:, None, 1] - taken[None, :, 1]
                ),
                axis=1,
            )
            ok = np.flatnonzero(d >= min_gap)
            if ok.size:
                x, y = np.round(cand[ok[0]], 1)
                break
        taken = np.vstack([taken, [x, y]])
        rows.append(
            {
                "ref": f"SYN-{k + 1:02d}",
                "name": name or f"{ward} {CATEGORY_NOUN[cat]}",
                "category": cat,
                "x": x,
                "y": y,
                "radius": CATEGORY_RADIUS[cat],
                "synthetic": True,
                "role": role,
            }
        )
    places = pd.DataFrame(rows)
    places["geometry"] = shapely.buffer(
        shapely.points(places["x"], places["y"]), places["radius"], quad_segs=8
    )
    places["geometry"] = shapely.set_precision(places["geometry"].to_numpy(), 0.1)
    return places


def ring_points(poly: shapely.Geometry, k: int, rng: np.random.Generator) -> np.ndarray:
    ring = shapely.difference(shapely.buffer(poly, RING_M, quad_segs=16), poly)
    return points_in(ring, k, rng)


def population_frame(geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Young people per ward (by area) and per LSOA (LSOAs are drawn to similar
    populations: 200-500 young people each), so areas can be compared by rate."""
    area = shapely.area(geo.wards["geometry"].to_numpy()) / 1e6
    people = np.round(area * rng.uniform(1100, 2400, len(area)) / 10) * 10
    wards = pd.DataFrame(
        {"unit_code": geo.wards["ward_code"], "year": 2024, "young_people": people.astype(int)}
    )
    if not geo.lsoa_codes:
        return wards
    lsoa = pd.DataFrame({"unit_code": geo.lsoa_codes, "year": 2024,
                         "young_people": rng.integers(200, 501, len(geo.lsoa_codes))})
    return pd.concat([wards, lsoa], ignore_index=True)


def places_geojson(places: pd.DataFrame) -> str:
    feats = []
    for p in places.itertuples():
        coords = [[[round(x, 1), round(y, 1)] for x, y in p.geometry.exterior.coords]]
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "ref": p.ref,
                    "name": p.name,
                    "category": p.category,
                    "status": "open",
                    "synthetic": bool(p.synthetic),
                },
                "geometry": {"type": "Polygon", "coordinates": coords},
            }
        )
    doc = {
        "type": "FeatureCollection",
        "name": "places",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": feats,
    }
    return json.dumps(doc, separators=(",", ":")) + "\n"
