"""Feature layers for risk terrain (issue #35): ``contexts load features FILE --name NAME``
loads points, lines or polygons through the one ingest pipeline (the safe reader, the
identifier guard, one transaction, the ledger), keeps only geometry and the layer's name,
and replaces a layer loaded again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.config import PROJECT_ROOT, Settings
from geo.ingest import load
from geo.store import db

pytestmark = pytest.mark.db


def _layer(settings: Settings, name: str) -> list[tuple[str, float, float]]:
    with db.connect("superuser", settings) as conn:
        return [(r[0], round(r[1]), round(r[2])) for r in conn.execute(
            "SELECT GeometryType(geom), ST_X(ST_PointOnSurface(geom)), "
            "ST_Y(ST_PointOnSurface(geom)) FROM feature WHERE layer = %s ORDER BY 2, 3",
            (name,)).fetchall()]


def test_points_and_polygons_load_as_a_layer_and_replace_it(ingest_settings: Settings,
                                                            tmp_path: Path) -> None:
    shops = gpd.GeoDataFrame(
        {"name": ["Chicken shop", "Pizza place", ""], "kind": ["takeaway"] * 3},
        geometry=[shapely.Point(407500, 287500), shapely.Point(407900, 287700), None],
        crs=27700)
    path = tmp_path / "takeaways.geojson"
    shops.to_file(path)
    res = load("features", path, actor="tests", settings=ingest_settings,
               feature="Fast food outlets")
    assert res.status == "loaded", res.message
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (3, 2, 1)
    assert _layer(ingest_settings, "Fast food outlets") == [
        ("POINT", 407500, 287500), ("POINT", 407900, 287700)]
    with db.connect("superuser", ingest_settings) as conn:
        kind = conn.execute("SELECT kind FROM extract WHERE extract_id = %s",
                            (res.extract_id,)).fetchone()[0]
        # no column of the file is stored: the table has none to store it in
        cols = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'feature'")}
    assert kind == "features" and cols == {"feature_id", "layer", "extract_id", "geom"}

    # the same layer again, now a CSV of longitude/latitude: it replaces the points
    csv = tmp_path / "takeaways.csv"
    csv.write_text("longitude,latitude\n-1.8904,52.4862\n")
    again = load("features", csv, actor="tests", settings=ingest_settings,
                 feature="Fast food outlets")
    assert again.status == "loaded", again.message
    got = _layer(ingest_settings, "Fast food outlets")
    assert len(got) == 1 and got[0][0] == "POINT"

    # polygons, as another layer
    parks = gpd.GeoDataFrame({"ref": ["P1"]}, geometry=[shapely.Point(408500, 287000).buffer(90)],
                             crs=27700)
    ppath = tmp_path / "parks.geojson"
    parks.to_file(ppath)
    assert load("features", ppath, actor="tests", settings=ingest_settings,
                feature="Parks").status == "loaded"
    assert _layer(ingest_settings, "Parks")[0][0] == "POLYGON"
    assert len(_layer(ingest_settings, "Fast food outlets")) == 1


@pytest.mark.parametrize(("name", "columns", "said"), [
    (None, "longitude,latitude\n-1.89,52.48\n", "short plain name"),
    ("Jayden Okafor", "longitude,latitude\n-1.89,52.48\n", "short plain name"),
    ("Youth clubs", "longitude,latitude,postcode\n-1.89,52.48,B5 4BU\n", "postcode"),
    ("Youth clubs", "colour\nred\n", "longitude and latitude"),
])
def test_a_refused_layer_stores_nothing(ingest_settings: Settings, tmp_path: Path,
                                        name: str | None, columns: str, said: str) -> None:
    path = tmp_path / "layer.csv"
    path.write_text(columns)
    with db.connect("superuser", ingest_settings) as conn:
        before = conn.execute("SELECT count(*) FROM feature").fetchone()[0]
    res = load("features", path, actor="tests", settings=ingest_settings, feature=name)
    assert res.status == "rejected" and said in res.message, res.message
    with db.connect("superuser", ingest_settings) as conn:
        assert conn.execute("SELECT count(*) FROM feature").fetchone()[0] == before


def test_the_command_line_takes_the_name(ingest_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_text("easting,northing\n406800,286900\n407100,287300\n")
    env = {"CONTEXTS_DATABASE_NAME": ingest_settings.database_name}
    import os

    out = subprocess.run([sys.executable, "-m", "geo.cli", "load", "features", str(path),
                          "--name", "Schools"], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, env=os.environ | env, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 loaded" in out.stdout
    assert len(_layer(ingest_settings, "Schools")) == 2
