"""The sample data set: deterministic, equal to the committed files, truths present."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.config import PROJECT_ROOT
from geo.sample import synthetic as sample
from geo.sample.plan import CENTRE

SAMPLE = PROJECT_ROOT / "sample_data"
GENERATED = (
    "places.geojson",
    "incidents.csv",
    "interventions.csv",
    "assessments.csv",
    "population.csv",
    "truth.json",
)


def digests(folder: Path) -> dict[str, str]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in GENERATED}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    sample.write(out, rows=20_000, months=36, seed=20171)
    return out


def test_committed_files_equal_the_generator_output(regenerated: Path) -> None:
    assert digests(regenerated) == digests(SAMPLE)


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sample.write(a, rows=3000, months=30, seed=7)
    sample.write(b, rows=3000, months=30, seed=7)
    sample.write(c, rows=3000, months=30, seed=8)
    assert digests(a) == digests(b)
    assert digests(a)["incidents.csv"] != digests(c)["incidents.csv"]


def test_shape_of_the_data_set() -> None:
    inc = pd.read_csv(SAMPLE / "incidents.csv", dtype=str, keep_default_na=False)
    assert len(inc) == 20_000
    assert inc["month"].min() == "2023-01" and inc["month"].max() == "2025-12"
    assert inc["month"].nunique() == 36
    stamped = (inc["occurred_at"] != "").mean()
    assert 0.6 < stamped < 0.85
    assert 0.05 < (inc["person_id"] != "").mean() < 0.4
    places = json.loads((SAMPLE / "places.geojson").read_text())["features"]
    cats = pd.Series([f["properties"]["category"] for f in places])
    synthetic = pd.Series([f["properties"]["synthetic"] for f in places])
    assert (cats == "transport_hub").sum() == 37
    assert not synthetic[cats == "transport_hub"].any()
    assert synthetic[cats != "transport_hub"].all() and (cats != "transport_hub").sum() == 40
    assert set(cats) == {
        "transport_hub",
        "park",
        "shopping_centre",
        "fast_food",
        "school_vicinity",
        "estate",
        "street",
    }


def _place_polys() -> dict[str, shapely.Geometry]:
    feats = json.loads((SAMPLE / "places.geojson").read_text())["features"]
    return {f["properties"]["ref"]: shapely.geometry.shape(f["geometry"]) for f in feats}


def _monthly_at(ref: str, inc: pd.DataFrame, buffer: float = 0.0) -> pd.Series:
    poly = _place_polys()[ref].buffer(buffer) if buffer else _place_polys()[ref]
    inside = shapely.contains_xy(
        poly, inc["easting"].to_numpy(float), inc["northing"].to_numpy(float)
    )
    months = sorted(inc["month"].unique())
    return inc[inside].groupby("month").size().reindex(months, fill_value=0)


@pytest.fixture(scope="module")
def incidents() -> pd.DataFrame:
    return pd.read_csv(
        SAMPLE / "incidents.csv",
        dtype={"person_id": str, "occurred_at": str},
        keep_default_na=False,
    )


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLE / "truth.json").read_text())


def _before_after(series: pd.Series, start: str) -> tuple[int, int]:
    months = list(series.index)
    k = months.index(start)
    return int(series.iloc[k - 12 : k].sum()), int(series.iloc[k + 1 : k + 13].sum())


@pytest.mark.parametrize("role", ["effective", "displaced"])
def test_planted_fall_of_forty_percent(incidents, truth, role: str) -> None:
    t = truth["interventions"][role]
    before, after = _before_after(_monthly_at(t["place"], incidents), t["start_month"])
    assert after / before == pytest.approx(0.6, abs=0.04)


def test_no_effect_place_is_flat(incidents, truth) -> None:
    t = truth["interventions"]["null"]
    before, after = _before_after(_monthly_at(t["place"], incidents), t["start_month"])
    assert after / before == pytest.approx(1.0, abs=0.06)


def test_displacement_goes_to_the_ring_only_where_planted(incidents, truth) -> None:
    ratios = {}
    for role in ("displaced", "effective"):
        t = truth["interventions"][role]
        poly = _place_polys()[t["place"]]
        ring = poly.buffer(200).difference(poly)
        inside = shapely.contains_xy(
            ring, incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float)
        )
        s = (
            incidents[inside]
            .groupby("month")
            .size()
            .reindex(sorted(incidents["month"].unique()), fill_value=0)
        )
        before, after = _before_after(s, t["start_month"])
        ratios[role] = (before, after)
    b, a = ratios["displaced"]
    # a quarter of the 40 % fall (14/month at the place) moves: about +1.4 a month
    assert a - b == pytest.approx(12 * 0.25 * 0.4 * 14, abs=12)
    b, a = ratios["effective"]
    assert abs(a - b) < 12


def test_trends_and_new_hot_spot(incidents, truth) -> None:
    hs = truth["hotspots"]
    up = _monthly_at(hs["intensifying"], incidents).to_numpy()
    down = _monthly_at(hs["diminishing"], incidents).to_numpy()
    assert up[-6:].mean() > 1.8 * up[:6].mean()
    assert down[:6].mean() > 1.8 * down[-6:].mean()
    new = _monthly_at(hs["new"], incidents).to_numpy()
    assert new[-1] >= 15 and new[:-1].max() <= 2
    for ref in hs["persistent"]:
        s = _monthly_at(ref, incidents).to_numpy()
        assert (s >= 5).mean() > 0.9


def test_complex_strategy_people(incidents, truth) -> None:
    cs = truth["complex_strategy"]
    for ref, people in ((cs["flagged"], 4), (cs["not_flagged"], 2)):
        poly = _place_polys()[ref].buffer(50)
        inside = shapely.contains_xy(
            poly, incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float)
        )
        keyed = incidents[inside & (incidents["person_id"] != "")]
        assert keyed["person_id"].nunique() == people
        when = pd.to_datetime(keyed["occurred_at"])
        assert (when.max() - when.min()).days <= 90


def test_background_is_busier_in_the_centre(incidents) -> None:
    d = np.hypot(incidents["easting"] - CENTRE[0], incidents["northing"] - CENTRE[1])
    near = (d < 3000).sum() / (np.pi * 3**2)
    far = ((d > 8000) & (d < 11000)).sum() / (np.pi * (11**2 - 8**2))
    assert near > 3 * far


def test_seasonal_and_weekly_rhythm(incidents) -> None:
    moy = incidents["month"].str[5:].astype(int)
    summer = moy.isin([6, 7, 8]).sum()
    winter = moy.isin([12, 1, 2]).sum()
    assert summer > 1.3 * winter
    ts = pd.to_datetime(incidents.loc[incidents["occurred_at"] != "", "occurred_at"])
    dow = ts.dt.day_of_week.value_counts()
    assert dow[5] > 1.4 * dow[0]
    hours = ts.dt.hour.value_counts()
    assert hours[16] > 5 * hours[5]
