"""GeoPackages of several layers (issue #29): a load without ``layer`` is refused with a
message naming the layers found (reading the first would be a guess, and the error used to
blame a missing column); with ``layer`` (``contexts load --layer``, the Upload page's
choice) that layer loads; a file of one layer loads as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.config import PROJECT_ROOT, Settings
from geo.ingest import load
from geo.services import actions

pytestmark = pytest.mark.db


def two_layers(path: Path) -> Path:
    """Places in a layer ``youth_places``, and a layer of points ``notes_points`` (not
    places: polygons are needed) first, so that reading the first layer would be wrong."""
    points = gpd.GeoDataFrame({"label": ["a", "b"]},
                              geometry=[shapely.Point(407500, 287500),
                                        shapely.Point(407600, 287600)], crs=27700)
    places = gpd.GeoDataFrame(
        {"ref": ["L-1", "L-2"], "name": ["Layered park", "Layered yard"],
         "category": ["park", "park"]},
        geometry=[shapely.Point(407500, 287500).buffer(80),
                  shapely.Point(408000, 288000).buffer(60)], crs=27700)
    points.to_file(path, layer="notes_points")
    places.to_file(path, layer="youth_places", mode="a")
    return path


def test_a_geopackage_of_two_layers_names_them_and_loads_the_one_chosen(
        ingest_settings: Settings, tmp_path: Path) -> None:
    gpkg = two_layers(tmp_path / "layers.gpkg")
    assert actions.gpkg_layers(gpkg.read_bytes()) == ["notes_points", "youth_places"]
    res = load("places", gpkg, settings=ingest_settings)
    assert res.status == "rejected"
    assert "holds 2 layers ('notes_points', 'youth_places')" in res.message
    assert "--layer" in res.message and "column" not in res.message
    wrong = load("places", gpkg, settings=ingest_settings, layer="nope")
    assert wrong.status == "rejected" and "no layer named 'nope'" in wrong.message
    ok = load("places", gpkg, settings=ingest_settings, layer="youth_places")
    assert (ok.status, ok.rows_loaded) == ("loaded", 2), ok.message


def test_the_command_line_takes_a_layer(ingest_settings: Settings, tmp_path: Path) -> None:
    gpkg = two_layers(tmp_path / "cli_layers.gpkg")
    env = {**__import__("os").environ, "CONTEXTS_DATABASE_NAME": ingest_settings.database_name}
    base = [sys.executable, "-m", "geo.cli", "load", "places", str(gpkg), "--json"]
    refused = subprocess.run(base, capture_output=True, text=True, env=env,
                             cwd=PROJECT_ROOT, check=False)
    assert refused.returncode == 1 and "holds 2 layers" in refused.stdout, refused.stderr
    done = subprocess.run([*base, "--layer", "youth_places"], capture_output=True, text=True,
                          env=env, cwd=PROJECT_ROOT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"status": "loaded"' in done.stdout


def test_a_geopackage_of_one_layer_loads_as_before(ingest_settings: Settings,
                                                   tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"ref": ["O-1"], "name": ["Only layer"], "category": ["park"]},
                           geometry=[shapely.Point(407700, 287700).buffer(50)], crs=27700)
    gpkg = tmp_path / "one.gpkg"
    gdf.to_file(gpkg, layer="whatever")
    res = load("places", gpkg, settings=ingest_settings)
    assert (res.status, res.rows_loaded) == ("loaded", 1), res.message
