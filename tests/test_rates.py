"""Hot spots by rate, labels, concentration, stability and forecast accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from geo.config import PROJECT_ROOT
from geo.services.analysis import hotspots_from_counts
from geo.stats import concentration as K

SAMPLE = PROJECT_ROOT / "sample_data"


def test_eb_rates_follow_marshall_by_hand() -> None:
    e = np.array([0.0, 5, 10, 100, 3])
    b = np.array([1000.0, 2000, 500, 10000, 200])
    m = e.sum() / b.sum()
    r = e / b
    s2 = (b * (r - m) ** 2).sum() / b.sum() - m / b.mean()
    w = s2 / (s2 + m / b)
    np.testing.assert_allclose(K.eb_rates(e, b), (w * r + (1 - w) * m) * 1000)
    # the smallest area is pulled furthest towards the overall rate
    pulled = (r * 1000 - K.eb_rates(e, b)) / (r * 1000 - m * 1000)
    assert pulled.argmax() == 4 and pulled.argmin() == 3
    with pytest.raises(ValueError, match="1 areas have no population"):
        K.eb_rates(e, np.r_[b[:4], 0])


def test_labels_split_hot_spots_from_hot_surroundings() -> None:
    bins = np.array([3, 2, 0, -2, -1, 1])
    own = np.array([50, 1, 5, 0, 9, 5])  # median 5
    assert list(K.labels(bins, own)) == [
        "hot spot", "hot area around", "", "cold spot", "cold area around", "hot spot"]


def test_concentration_by_hand() -> None:
    counts = np.array([50, 30, 10, 10, 0])
    areas = np.array([1.0, 1, 1, 1, 1])
    x, y = K.lorenz(counts, areas)
    np.testing.assert_allclose(x, [0, 0.2, 0.4, 0.6, 0.8, 1])
    np.testing.assert_allclose(y, [0, 0.5, 0.8, 0.9, 1.0, 1.0])
    # area under: 0.2 * (0.25 + 0.65 + 0.85 + 0.95 + 1.0) = 0.74 -> Gini 0.48
    assert K.gini(counts, areas) == pytest.approx(0.48)
    assert K.gini(np.ones(5), areas) == pytest.approx(0.0)
    # the densest 5 % of the area is a quarter of the densest unit: 12.5 % of harm
    assert K.share_in_top_area(counts, areas) == pytest.approx(0.125)
    # density, not count, orders units: a small unit with 10 comes first
    assert K.share_in_top_area([10, 90], [0.05, 0.95]) == pytest.approx(0.10)


def test_stability_and_forecast_by_hand() -> None:
    hot_before = np.array([1, 1, 0, 0, 0], bool)
    hot_now = np.array([1, 0, 1, 0, 0], bool)
    s = K.stability(hot_before, hot_now, [9, 8, 3, 2, 1], [9, 7, 8, 2, 1])
    assert s["share_still_hot"] == 0.5 and s["still_hot"] == 1
    assert s["spearman"] == pytest.approx(0.9)
    earlier = np.array([40, 30, 10, 10, 10])
    later = np.array([20, 10, 50, 10, 10])
    f = K.forecast_accuracy(hot_before, earlier, later)
    # hit rate 30/100 over area share 2/5: PAI 0.75; the best two units held 70: PAI* 1.75
    assert f["pai"] == pytest.approx(0.75)
    assert f["pei_star"] == pytest.approx(0.75 / 1.75)
    # RRI: (30/70) / (100/100)
    assert f["rri"] == pytest.approx(30 / 70)
    # units with no incidents later do not count towards the best possible area
    g = K.forecast_accuracy(np.array([1, 1, 1, 0], bool), [1, 1, 1, 1], [5, 0, 0, 0])
    assert g["pei_star"] == pytest.approx((1 / 0.75) / (1 / 0.25))


@pytest.fixture(scope="module")
def police_2017() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The real police.uk 2017 city-centre crimes counted by 2018 ward, the wards as
    analysis units, and the (synthetic) young people per ward."""
    w = pyogrio.read_dataframe(SAMPLE / "birmingham_wards_2018_bng.geojson")
    geoms = np.asarray(w.geometry.values, dtype=object)
    cent = shapely.centroid(geoms)
    units = pd.DataFrame({
        "unit_id": w["WardCode"], "name": w["Ward"], "x": shapely.get_x(cent),
        "y": shapely.get_y(cent), "area_m2": shapely.area(geoms), "geom_bng": geoms})
    crimes = pd.read_csv(SAMPLE / "birmingham_city_centre_crime_2017_api.csv")
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        crimes["longitude"].to_numpy(), crimes["latitude"].to_numpy())
    tree = shapely.STRtree(geoms)
    pt, poly = tree.query(shapely.points(x, y), predicate="within")
    ward = pd.Series(units["unit_id"].to_numpy()[poly], index=pt)
    crimes = crimes.iloc[ward.index].assign(unit_id=ward.to_numpy())
    monthly = (crimes.assign(month=pd.to_datetime(crimes["month"]))
               .groupby(["unit_id", "month"]).size().rename("n").reset_index())
    pop = pd.read_csv(SAMPLE / "population.csv", dtype={"unit_code": str})
    return units, monthly, pop.set_index("unit_code")["young_people"].astype(float)


def test_no_ward_without_incidents_is_called_a_hot_spot(police_2017) -> None:
    units, monthly, pop = police_2017
    months = pd.date_range("2017-01-01", "2017-11-01", freq="MS")
    by_rate = hotspots_from_counts(units, "ward", monthly, months, population=pop)
    assert (by_rate["measure"] == "rate").all()
    assert (by_rate["count"] == 0).sum() > 20  # a city-centre extract: most wards empty
    hot = by_rate[by_rate["label"] == "hot spot"]
    assert len(hot) > 0 and (hot["count"] > 0).all()
    assert set(by_rate["lisa"]) <= {"high-high", "low-high", "low-low", "high-low",
                                    "not significant"}
    # raw counts reproduce the issue: an empty ward is significantly hot through its
    # neighbours, and the label calls it what it is
    by_count = hotspots_from_counts(units, "ward", monthly, months, population=pop,
                                    measure="count")
    empty_hot = by_count[(by_count["count"] == 0) & (by_count["bin"] > 0)]
    assert len(empty_hot) > 0
    assert (empty_hot["label"] == "hot area around").all()


def test_rates_need_a_population_for_every_area(police_2017) -> None:
    units, monthly, pop = police_2017
    months = pd.date_range("2017-01-01", "2017-11-01", freq="MS")
    partial = pop.drop(units["unit_id"].iloc[0])  # one ward without a population
    out = hotspots_from_counts(units, "ward", monthly, months, population=partial)
    assert (out["measure"] == "count").all()
    assert out["measure_note"].iloc[0].startswith("counts used: 1 areas have no population")
    with pytest.raises(ValueError):
        hotspots_from_counts(units, "ward", monthly, months, population=partial,
                             measure="rate")
