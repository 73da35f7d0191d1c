"""Risk terrain modelling (geo/stats/risk_terrain.py): planted feature effects recovered,
nothing selected when there are none, and the parts by hand."""

from __future__ import annotations

import numpy as np
import pytest

from geo.stats import risk_terrain as rtm


def _grid() -> np.ndarray:
    g = np.arange(50, 6000, 100.0)
    x, y = np.meshgrid(g, g)
    return np.column_stack([x.ravel(), y.ravel()])


def _layers(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"station": rng.uniform(0, 6000, size=(12, 2)),
            "fast food": rng.uniform(0, 6000, size=(40, 2)),
            "school": rng.uniform(0, 6000, size=(20, 2))}


def _cands(centres: np.ndarray, layers: dict[str, np.ndarray]) -> list[rtm.Candidate]:
    out: list[rtm.Candidate] = []
    for name, pts in layers.items():
        counts = {m: rtm.counts_within(centres, pts, m) for m in rtm.DISTANCES}
        out += rtm.candidates(name, rtm.nearest_distance(centres, pts), counts)
    return out


def _counts(rng: np.random.Generator, mu: np.ndarray, alpha: float) -> np.ndarray:
    if alpha <= 0:
        return rng.poisson(mu).astype(float)
    return rng.poisson(rng.gamma(1 / alpha, mu * alpha)).astype(float)


@pytest.mark.parametrize(("seed", "alpha"), [(0, 0.0), (1, 0.0), (2, 0.5), (3, 0.5)])
def test_planted_feature_effects_are_recovered(seed: int, alpha: float) -> None:
    rng = np.random.default_rng(seed)
    centres = _grid()
    layers = _layers(rng)
    near_station = rtm.nearest_distance(centres, layers["station"]) <= 200
    near_food = rtm.nearest_distance(centres, layers["fast food"]) <= 100
    mu = 0.3 * np.where(near_station, 2.4, 1.0) * np.where(near_food, 1.8, 1.0)
    y = _counts(rng, mu, alpha)
    m = rtm.fit(y, _cands(centres, layers))
    got = {(r.feature, r.kind, r.metres): r for r in m.factors.itertuples()}
    assert set(got) == {("station", "proximity", 200.0), ("fast food", "proximity", 100.0)}
    station, food = got[("station", "proximity", 200.0)], got[("fast food", "proximity", 100.0)]
    assert station.low <= 2.4 <= station.high and abs(station.rrv - 2.4) <= 0.5
    assert food.low <= 1.8 <= food.high and abs(food.rrv - 1.8) <= 0.5
    assert m.family == ("negative binomial" if alpha > 0 else "Poisson")
    # the risk map: the product of the cell's factors' RRVs
    both = near_station & near_food
    assert m.risk[both] == pytest.approx(station.rrv * food.rrv)
    assert m.risk[~near_station & ~near_food] == pytest.approx(1.0)
    assert m.bic < m.null_bic


@pytest.mark.parametrize(("seed", "alpha"), [(10, 0.0), (11, 0.0), (12, 0.5), (13, 0.5),
                                             (14, 1.0)])
def test_no_feature_effect_selects_nothing(seed: int, alpha: float) -> None:
    rng = np.random.default_rng(seed)
    centres = _grid()
    y = _counts(rng, np.full(len(centres), 0.3), alpha)
    m = rtm.fit(y, _cands(centres, _layers(rng)))
    assert m.factors.empty, m.steps
    assert np.all(m.risk == 1.0)


def test_too_little_data_refuses() -> None:
    centres = _grid()
    y = np.zeros(len(centres))
    y[:10] = 1
    m = rtm.fit(y, _cands(centres, _layers(np.random.default_rng(0))))
    assert m.refused == "too little data" and m.factors.empty


def test_operationalisations_by_hand() -> None:
    centres = np.array([[0, 0], [150, 0], [1000, 0]], dtype=float)
    pts = np.array([[0, 90], [0, -90], [1000, 450]], dtype=float)
    np.testing.assert_allclose(rtm.nearest_distance(centres, pts),
                               [90, np.hypot(150, 90), 450])
    np.testing.assert_array_equal(rtm.counts_within(centres, pts, 200), [2, 2, 0])
    assert np.isinf(rtm.nearest_distance(centres, np.zeros((0, 2)))).all()
    # 12 cells: density high (>= mean + 2 sd) only in the one cell with 10 features nearby
    v = np.zeros(12)
    v[0] = 10
    c = rtm.candidates("x", np.full(12, 50.0), {100.0: v}, distances=(100.0,))
    # proximity within 100 m is everywhere (no contrast, dropped); density in 1 cell (< 5)
    assert c == []
    words = rtm.factor_sentence("a railway station", "proximity", 200, "2.4")
    assert words == "Harm is 2.4 times as likely within 200 m of a railway station."


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_irls_equals_statsmodels_glm(alpha: float) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    x = np.column_stack([np.ones(2000), rng.integers(0, 2, size=(2000, 3))]).astype(float)
    mu = np.exp(x @ np.array([-1.0, 0.8, 0.3, 0.0]))
    y = _counts(rng, mu, alpha)
    off = np.log(rng.uniform(0.5, 1.0, 2000))
    beta, llf = rtm.irls(y, x, alpha, off)
    family = sm.families.Poisson() if alpha == 0 else sm.families.NegativeBinomial(alpha=alpha)
    ref = sm.GLM(y, x, family=family, offset=off).fit()
    np.testing.assert_allclose(beta, ref.params, atol=1e-7)
    assert llf == pytest.approx(ref.llf, abs=1e-6)
