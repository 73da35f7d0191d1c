"""Matched comparisons, placebo tests, the verdict rule and the pooled effect (pure statistics
on simulated arrays and a published data set; the sample-data checks are in test_impact)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.config import PROJECT_ROOT
from geo.stats.displacement import Counts, displacement, wdq
from geo.stats.impact import assess, verdict
from geo.stats.segmented import SegmentedResult
from geo.stats.synth import (
    MIN_DONORS,
    index,
    permutation_p,
    pooled_effect,
    simplex_weights,
    synthetic_control,
)

BASQUE = PROJECT_ROOT / "tests" / "data" / "basque_gdpcap.csv"
TREATED = "Basque Country (Pais Vasco)"


def test_weights_equal_pysyncon_on_the_basque_data() -> None:
    """Abadie & Gardeazabal (2003): GDP per head of the Basque Country from the other
    Spanish regions over 1955-1969, every year a predictor with equal importance.
    pysyncon scales each predictor by its standard deviation, so its V is the variance."""
    from pysyncon import Dataprep, Synth

    df = pd.read_csv(BASQUE)
    controls = sorted(set(df["region"]) - {TREATED})
    years = list(range(1955, 1970))
    prep = Dataprep(
        foo=df, predictors=[], predictors_op="mean", time_predictors_prior=years,
        special_predictors=[("gdpcap", [y], "mean") for y in years], dependent="gdpcap",
        unit_variable="region", time_variable="year", treatment_identifier=TREATED,
        controls_identifier=controls, time_optimize_ssr=years)
    x0, x1 = prep.make_covariate_mats()
    sd = pd.concat([x0, x1], axis=1).std(axis=1)
    ref = Synth()
    ref.fit(dataprep=prep, custom_V=(sd**2).to_numpy())
    expected = ref.weights(round=9).reindex(controls).to_numpy()

    wide = df.pivot(index="region", columns="year", values="gdpcap")
    ours = simplex_weights(wide.loc[TREATED, years].to_numpy(),
                           wide.loc[controls, years].to_numpy().T)
    assert ours.sum() == pytest.approx(1, abs=1e-9) and (ours >= 0).all()
    np.testing.assert_allclose(ours, expected, atol=1e-3)
    # the donors that matter: Baleares, Madrid and La Rioja
    assert {controls[i] for i in np.flatnonzero(ours > 0.05)} == {
        "Baleares (Islas)", "Madrid (Comunidad De)", "Rioja (La)"}


def test_weights_recover_an_exact_convex_combination() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 5, (12, 6))
    w = np.array([0.5, 0, 0.3, 0, 0.2, 0])
    np.testing.assert_allclose(simplex_weights(x @ w, x), w, atol=1e-6)


def test_index_and_permutation_p() -> None:
    ix = index([[2, 4, 6, 12], [0, 0, 1, 1]], np.array([True, True, False, False]))
    np.testing.assert_allclose(ix[0], [2 / 3, 4 / 3, 2, 4])
    assert np.isnan(ix[1]).all()  # no incidents before: no index
    assert permutation_p(5.0, [1, 2, 3, 6]) == (pytest.approx(2 / 5), 2)
    assert permutation_p(9.0, [1, 2, 3, 6]) == (pytest.approx(1 / 5), 1)


def _world(rng: np.random.Generator, effect: float, n_donors: int = 40, months: int = 24,
           rate: float = 14.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A target and donors sharing a seasonal cycle and a common monthly shock; the target
    changes by ``effect`` after month 12. Donors range from 2 to 40 incidents a month."""
    t = np.arange(months)
    post = t >= months // 2
    season = 1 + 0.25 * np.cos(2 * np.pi * (t - 6) / 12)
    shock = np.exp(rng.normal(0, 0.05, months))
    levels = rng.uniform(2, 40, n_donors)
    trends = 1 + rng.normal(0, 0.01, n_donors)[:, None] * (t - months / 2)
    donors = rng.poisson(levels[:, None] * season * shock * trends)
    target = rng.poisson(rate * season * shock * np.where(post, 1 + effect, 1))
    return target, donors, post


def test_placebo_p_is_small_for_a_forty_percent_fall() -> None:
    """Power against a 40 % fall at 14 incidents a month, 12 months either side (Poisson
    counts, donors with their own trends): at least half the runs reach p <= 0.1."""
    ps = []
    for seed in range(30):
        target, donors, post = _world(np.random.default_rng(seed), -0.40)
        res = synthetic_control(target, donors, post)
        assert res is not None and res.placebos >= 30
        assert res.effect < 0
        ps.append(res.placebo_p)
    assert (np.array(ps) <= 0.10).mean() >= 0.5


def test_placebo_p_is_calibrated_under_no_effect() -> None:
    """Under no effect the placebo p is about uniform: rejections at 0.1 near 10 %."""
    ps = []
    for seed in range(100, 180):
        target, donors, post = _world(np.random.default_rng(seed), 0.0)
        ps.append(synthetic_control(target, donors, post).placebo_p)
    ps = np.array(ps)
    assert (ps <= 0.10).mean() <= 0.2
    assert (ps > 0.2).mean() >= 0.65


def test_too_few_donors_gives_no_comparison() -> None:
    target, donors, post = _world(np.random.default_rng(3), 0.0, n_donors=MIN_DONORS - 1)
    assert synthetic_control(target, donors, post) is None


def test_pooled_effect_equals_statsmodels_dersimonian_laird() -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    y = np.array([-0.1, -0.6, -0.2, -0.5, 0.1])
    se = np.array([0.10, 0.14, 0.12, 0.10, 0.2])
    ref = combine_effects(y, se**2, method_re="dl")
    ours = pooled_effect(y, se)
    assert ours.tau2 == pytest.approx(ref.tau2)
    assert np.log1p(ours.effect) == pytest.approx(ref.mean_effect_re)
    assert ref.scale_hksj_re > 1  # then the modified HKSJ interval is statsmodels' one
    se_hk = np.sqrt(ref.var_hksj_re)
    from scipy.stats import t

    q = t.ppf(0.975, len(y) - 1)
    assert np.log1p(ours.low) == pytest.approx(ref.mean_effect_re - q * se_hk)
    assert np.log1p(ours.high) == pytest.approx(ref.mean_effect_re + q * se_hk)


def test_pooled_interval_covers_the_truth_in_at_least_90_percent_of_200_simulations() -> None:
    """Four places per simulation, staggered windows, a true change of -30 %."""
    truth = -0.30
    covered = excludes_zero = 0
    runs = 200
    for seed in range(runs):
        rng = np.random.default_rng(10_000 + seed)
        logs, ses = [], []
        for _ in range(4):
            target, donors, post = _world(rng, truth, n_donors=25, rate=10.0)
            res = synthetic_control(target, donors, post, placebos=False)
            logs.append(res.log_effect)
            ses.append(res.log_se)
        p = pooled_effect(logs, ses)
        covered += p.low <= truth <= p.high
        excludes_zero += p.high < 0
    assert covered / runs >= 0.9
    assert excludes_zero / runs >= 0.6


def test_pooled_effect_with_no_or_one_place() -> None:
    assert pooled_effect([], []).effect is None
    one = pooled_effect([np.log(0.7)], [0.1])
    assert one.places == 1 and one.effect == pytest.approx(-0.3)
    assert one.low < -0.3 < one.high


def _its(level: float, low: float, high: float, changing: bool = False) -> SegmentedResult:
    return SegmentedResult(level, low, high, np.log1p(level), 0.2, 0.01, 21, 1.0, 0.0, 0.0,
                           -0.03 if changing else 0.0, -0.05, 0.0, 0.01 if changing else 0.5,
                           changing, 0, False, 0.0, 0.6, 1.5, 0.02, 12, 12)


def test_verdict_rule() -> None:
    target, donors, post = _world(np.random.default_rng(5), -0.4)
    sc = synthetic_control(target, donors, post)
    fell = _its(-0.4, -0.55, -0.2)
    sc.placebo_p, sc.effect, sc.poor_fit, sc.time_drift = 0.02, -0.35, False, False
    assert verdict(False, None, sc)[0] == "too little data"
    assert verdict(True, fell, None) == ("comparison too poor", "no matched comparison")
    assert verdict(True, fell, sc) == ("reduced", "interval excludes 0")
    sc.poor_fit = True
    assert verdict(True, fell, sc) == ("comparison too poor", "poor before-period fit")
    sc.poor_fit = False
    sc.time_drift = True
    assert verdict(True, fell, sc) == ("comparison too poor", "placebo in time")
    sc.time_drift = False
    # the place was already changing before the start: no verdict
    assert verdict(True, _its(-0.4, -0.55, -0.2, changing=True), sc) == (
        "comparison too poor", "already changing")
    # the placebo in space is reported, no longer part of the rule (issue #30)
    sc.placebo_p = 0.4
    assert verdict(True, fell, sc) == ("reduced", "interval excludes 0")
    sc.placebo_p = 0.02
    assert verdict(True, _its(-0.1, -0.3, 0.1), sc) == ("no clear change",
                                                         "interval includes 0")
    assert verdict(True, _its(0.5, 0.2, 0.8), sc) == ("no clear change", "measures disagree")


def test_displacement_has_one_source() -> None:
    small = wdq(Counts(rb=100, ra=60, db=50, da=51, cb=1000, ca=1000))  # WDQ -0.025
    assert displacement(small) == "none" and small["reading"] == "no displacement or diffusion"
    moved = wdq(Counts(100, 60, 50, 60, 1000, 1000))
    assert displacement(moved) == "moved" and "displacement" in moved["reading"]
    assert displacement(wdq(Counts(100, 60, 50, 40, 1000, 1000))) == "diffusion"
    assert displacement(wdq(Counts(50, 70, 20, 20, 1000, 1000))) is None


def test_poor_fit_refuses_a_verdict() -> None:
    """A target whose before-months zig-zag unlike any donor: no verdict, a reason."""
    rng = np.random.default_rng(8)
    _, donors, post = _world(rng, 0.0)
    target = np.where(np.arange(24) % 2 == 0, 40, 5) * np.where(post, 0.6, 1)
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    frame = pd.DataFrame({"month": months, "post": post, "target": target.astype(int),
                          "buffer": 5, "control": rng.poisson(200, 24)})
    res = assess("X", "Somewhere", "patrols", frame,
                 donors=pd.DataFrame(donors.T, index=months,
                                     columns=[f"d{i}" for i in range(donors.shape[0])]))
    assert res.synthetic is not None and res.synthetic.poor_fit
    assert res.verdict == "comparison too poor"
    assert res.sentence.startswith("No verdict on patrols at Somewhere")
