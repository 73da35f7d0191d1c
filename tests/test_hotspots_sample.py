"""On the sample data in PostGIS, the analysis finds what ``truth.json`` says was planted."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import shapely

from geo.config import PROJECT_ROOT
from geo.filters import Filters, month
from geo.services.analysis import complex_strategy, hotspot_table, prediction_check
from geo.stats import grid
from geo.store import db
from geo.store.counts import counts

SAMPLE = PROJECT_ROOT / "sample_data"
TRUTH = json.loads((SAMPLE / "truth.json").read_text())
PLACES = {
    f["properties"]["ref"]: shapely.geometry.shape(f["geometry"])
    for f in json.loads((SAMPLE / "places.geojson").read_text())["features"]
}


def centre_cell(ref: str) -> str:
    c = PLACES[ref].centroid
    i, j = grid.hex_index([c.x], [c.y], 250)
    return f"{i[0]}:{j[0]}"


@pytest.fixture(scope="module")
def hex_table(settings):
    with db.connect("dashboard", settings) as conn:
        return hotspot_table(conn, "hex", emerging_too=True).set_index("unit_id")


def test_hex_grid_covers_the_city(hex_table) -> None:
    assert 1600 < len(hex_table) < 1900
    assert hex_table["count"].sum() == 20_000
    assert (hex_table["area_m2"].round() == round(3 * np.sqrt(3) / 2 * 250**2)).all()


@pytest.mark.parametrize("ref", TRUTH["hotspots"]["persistent"])
def test_persistent_hot_spots(hex_table, ref: str) -> None:
    row = hex_table.loc[centre_cell(ref)]
    assert row["bin"] == 3
    assert row["category"] == "persistent hot spot"


@pytest.mark.parametrize("role", ["new", "intensifying", "diminishing"])
def test_emerging_categories(hex_table, role: str) -> None:
    ref = TRUTH["hotspots"][role]
    assert hex_table.loc[centre_cell(ref), "category"] == f"{role} hot spot"


def test_new_hot_spots_are_only_around_the_planted_one(hex_table) -> None:
    new = hex_table[hex_table["category"] == "new hot spot"]
    i, j = zip(*(map(int, u.split(":")) for u in new.index), strict=True)
    cx, cy = grid.hex_centres(i, j, 250)
    c = PLACES[TRUTH["hotspots"]["new"]].centroid
    assert np.hypot(cx - c.x, cy - c.y).max() < 700
    assert (hex_table["category"] == "no pattern").mean() > 0.9


def test_ward_hot_spots_with_contiguity(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        t = hotspot_table(conn, "ward", weight_kind="contiguity",
                          measure="count").set_index("unit_id")
        rated = hotspot_table(conn, "ward", weight_kind="contiguity").set_index("unit_id")
    assert len(t) == 69 and (t["measure"] == "count").all()
    assert t.loc["E05011151", "bin"] == 3  # Ladywood, the city centre
    assert t.loc["E05011174", "bin"] <= 0  # Sutton Four Oaks, a quiet suburb
    # by default wards are compared by EB-smoothed rates per 1,000 young people
    assert (rated["measure"] == "rate").all() and rated["rate"].notna().all()
    assert rated.loc["E05011151", "bin"] >= 1 and rated.loc["E05011174", "bin"] <= 0
    spots = rated[rated["label"] == "hot spot"]
    assert (spots["count"] > 0).all() and (spots["value"] >= rated["value"].median()).all()


def test_filters_change_the_counts(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        everything = counts(conn, "ward")["n"].sum()
        cse = counts(conn, "ward", Filters(harms=("cse",)))["n"].sum()
        year = counts(conn, "ward", Filters(start=month("2024-01"), end=month("2024-12")))
        high_teen = counts(conn, "ward", Filters(risks=("high",), ages=("16-17",)))["n"].sum()
        by = counts(conn, "hex", Filters(harms=("cse", "cce")), by_month=True, by_harm=True)
    assert everything == 20_000
    assert 0.05 * everything < cse < 0.12 * everything
    assert 0.25 * everything < year["n"].sum() < 0.42 * everything
    assert 0 < high_teen < 0.12 * everything
    assert set(by["harm_type"]) == {"cse", "cce"} and by["month"].nunique() == 36


def test_prediction_check_pai(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        res = prediction_check(
            conn,
            "hex",
            Filters(start=month("2024-01"), end=month("2024-12")),
            Filters(start=month("2025-01"), end=month("2025-12")),
        )
    assert res["hot_locations"] > 0
    assert res["pai"] > 3  # last year's hot spots hold far more than their area's share


def test_complex_strategy_places(settings) -> None:
    cs = TRUTH["complex_strategy"]
    with db.connect("dashboard", settings) as conn:
        res = complex_strategy(conn).set_index("ref")
    assert res.loc[cs["flagged"], "flagged"]
    assert res.loc[cs["flagged"], "max_people"] == 4
    assert res.loc[cs["not_flagged"], "max_people"] == 2
    assert not res.loc[cs["not_flagged"], "flagged"]


def test_hotspots_command_json(settings) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo.cli",
            "hotspots",
            "--unit",
            "ward",
            "--from",
            "2024-01",
            "--to",
            "2025-12",
            "--emerging",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    assert len(rows) == 69
    assert set(rows[0]) == {
        "unit_id",
        "name",
        "count",
        "covered",
        "z",
        "p",
        "bin",
        "category",
        "trend_z",
        "trend_p",
        "measure",
        "value",
        "label",
        "lisa",
    }
    assert rows[0]["z"] >= rows[-1]["z"]
    assert all(r["covered"] for r in rows)  # the demo covers the whole area
    assert {r["measure"] for r in rows} == {"rate"}  # wards: rates per 1,000 by default


def test_lsoa_hot_spots_on_rates_with_outliers(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        t = hotspot_table(conn, "lsoa")
    assert len(t) > 600 and (t["measure"] == "rate").all()
    spots = t[t["label"] == "hot spot"]
    assert len(spots) > 0 and (spots["count"] > 0).all()
    assert (t.loc[t["label"] == "hot area around", "bin"] > 0).all()
    assert {"high-high", "low-low"} <= set(t["lisa"])
