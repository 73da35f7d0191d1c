"""The verdict on simulated series with a known truth (issue #30): pure statistics, seeded,
no database. The traps: no effect, a place already falling, a start right after a spike,
autocorrelated and overdispersed counts (geo/stats/simulation.py).

Each scenario runs :data:`REPS` replicates of the full decision rule (the segmented
estimate, the matched comparison and its checks, the displacement claim). The limits
allow for Monte Carlo error: a rate p measured on REPS replicates has a standard error
of sqrt(p (1 - p) / REPS), about 1.3 points at 5 %; the figures are in the failure
message, and ``python -m geo.stats.simulation`` prints the whole table.
"""

from __future__ import annotations

import math

import pytest

from geo.stats import simulation as sim

REPS = 240
SEED = 30


def _limit(p: float) -> float:
    """p plus two Monte Carlo standard errors."""
    return p + 2 * math.sqrt(p * (1 - p) / REPS)


@pytest.fixture(scope="module")
def rates() -> dict[str, sim.Rates]:
    found = sim.table(sim.rule_after, REPS, SEED)
    print("\n" + sim.markdown(found))  # shown with -rA / -s
    return {r.scenario: r for r in found}


def _table(rates: dict[str, sim.Rates]) -> str:
    return "\n" + sim.markdown(list(rates.values()))


def test_no_effect_is_rarely_called_reduced(rates) -> None:
    for name in ("null (Poisson)", "null (overdispersed)", "autocorrelated noise (AR(1) 0.6)"):
        r = rates[name]
        assert r.reduced <= _limit(0.05), f"{name}: {r.reduced:.3f}" + _table(rates)
        assert r.increased <= _limit(0.05), f"{name}: {r.increased:.3f}" + _table(rates)


def test_the_traps_are_rarely_called_reduced(rates) -> None:
    for name in ("already falling 2.5 %/month", "already falling 1 %/month",
                 "start after a x2 spike"):
        r = rates[name]
        assert r.reduced <= _limit(0.10), f"{name}: {r.reduced:.3f}" + _table(rates)
    # a place picked as a hot spot over the last 6 months: a raised spell of 6 months,
    # which a check of the last 3 missed (12 % and 7 % "reduced"; the spike check now
    # looks at up to 6, geo.stats.segmented.SPIKE_MONTHS)
    for name in ("start after 6 raised months (x1.5)", "start after 6 raised months (x2)"):
        r = rates[name]
        assert r.reduced <= _limit(0.05), f"{name}: {r.reduced:.3f}" + _table(rates)


def test_intervals_cover_the_truth_in_every_scenario(rates) -> None:
    for name, r in rates.items():
        # a 6-month raised spell the check does not pick out (1 run in 3 refused, half the
        # before-months left out) leaves a raised baseline in some runs: 92.5 % covered
        # (74.6 % when only 3 months were checked)
        least = 0.90 if name.startswith("start after 6 raised months") else 0.93
        assert r.covered >= least, f"{name}: {r.covered:.3f}" + _table(rates)


def test_harm_moved_is_said_only_when_the_ring_changed(rates) -> None:
    # a 50 % fall and nothing moved: "some harm moved" at most at the test's level
    still = rates["fall of 50 %"]
    assert still.moved <= _limit(0.05), _table(rates)
    moved = rates["fall of 50 %, harm moved (+40 % in the ring)"]
    assert moved.moved >= still.moved, _table(rates)


def test_power_and_what_could_be_detected(rates) -> None:
    """Power is reported, not promised: at about 10 incidents a month, overdispersed,
    12 months either side and the place's own trend allowed for, one place can only
    detect large falls. The minimum detectable effect must say so, and power must grow
    with the effect."""
    small, large = rates["fall of 30 %"], rates["fall of 50 %"]
    assert small.reduced <= large.reduced, _table(rates)
    assert large.reduced > rates["null (overdispersed)"].reduced, _table(rates)
    # the design's stated MDE is above the 50 % fall it mostly misses, and below 100 %
    assert large.mde is not None and 0.5 < large.mde < 1.0, _table(rates)
    print(f"power: fall of 30 % {small.reduced:.0%}, fall of 50 % {large.reduced:.0%}, "
          f"median MDE {large.mde:.0%}")


# --- the estimator on exact series (known answers) ------------------------------------

def _exact(ratio_trend: float, effect: float, spike: float = 1.0, months: int = 12,
           control: float = 2000.0) -> tuple:
    """A target whose odds against a flat control change by ``ratio_trend`` a month and
    by ``effect`` after the start: log(target / control) is linear, so the share's logit
    is exactly the model's."""
    import numpy as np

    t = np.arange(2 * months, dtype=float)
    post = t >= months
    c = np.full(t.size, control)
    y = 0.1 * control * (1 + ratio_trend) ** (t - months) * np.where(post, 1 + effect, 1.0)
    y[months - 2:months] *= spike
    return y, c, post


def test_the_estimate_recovers_a_level_change_beside_a_trend() -> None:
    from geo.stats.segmented import segmented

    y, c, post = _exact(-0.03, -0.40)
    res = segmented(y, c, post)
    assert res.level_change == pytest.approx(-0.40, abs=1e-6)
    assert res.trend == pytest.approx(-0.03, abs=1e-6)
    assert res.pretrend == pytest.approx(-0.03, abs=1e-6)
    assert res.already_changing  # a clear trend before the start, large counts
    assert res.level_low < -0.40 < res.level_high and res.left_out == 0
    # a flat place: no trend, not changing
    flat = segmented(*_exact(0.0, -0.40))
    assert not flat.already_changing and flat.trend == pytest.approx(0, abs=1e-6)


def test_a_spike_before_the_start_is_left_out() -> None:
    from geo.stats.segmented import segmented

    y, c, post = _exact(0.0, 0.0, spike=2.0)
    res = segmented(y, c, post)
    assert res.spike and res.left_out == 2
    assert res.level_change == pytest.approx(0.0, abs=1e-6)
    # without the check the spike drags the before-level up: a false fall
    kept = segmented(y, c, post, check_spike=False)
    assert kept.level_change < -0.05
    # the user's own choice of months to leave out
    assert segmented(y, c, post, leave_out=2, check_spike=False).level_change == \
        pytest.approx(0.0, abs=1e-6)


def test_the_sensitivity_bend_is_the_estimators_own_response() -> None:
    """The breakdown bend is first order: a small bend in the after-months (a trend of
    delta a month from the start, against the effect) moves the estimate by
    log(1 + delta) x (the estimate's edge / log(1 + breakdown)), within 10 %. Larger bends
    are partly absorbed by the fitted trend, so the stated breakdown errs on the side of
    fragility."""
    import numpy as np

    from geo.stats.segmented import segmented

    y, c, post = _exact(0.0, -0.40, control=600.0)
    res = segmented(y, c, post)
    assert res.breakdown_slope is not None and res.breakdown_slope > 0
    per_unit = -np.log1p(res.level_high) / np.log1p(res.breakdown_slope)
    t = np.arange(y.size)
    for delta in (0.005, 0.01):
        bent = y * np.where(post, (1 + delta) ** (t - 11), 1.0)
        moved = segmented(bent, c, post, check_spike=False).log_effect - res.log_effect
        assert moved == pytest.approx(np.log1p(delta) * per_unit, rel=0.1)
        big = y * np.where(post, (1 + res.breakdown_slope) ** (t - 11), 1.0)
        assert segmented(big, c, post, check_spike=False).log_effect - res.log_effect <= \
            -np.log1p(res.level_high)


def test_a_fall_the_size_of_the_stated_mde_is_found_about_80_percent_of_the_time() -> None:
    """The minimum detectable effect means what it says: plant a fall equal to the median
    stated MDE and the estimate's interval excludes 0 in about 80 % of runs (a little
    more: the intervals are slightly conservative)."""
    import numpy as np

    from geo.stats.segmented import segmented

    base = sim.Scenario("null", shape=sim.SHAPE)
    mdes = [segmented(w.target, w.control, w.post).mde
            for w in (sim.simulate(base, np.random.default_rng([SEED, i])) for i in range(100))]
    mde = float(np.median(mdes))
    planted = sim.Scenario("fall of the MDE", effect=-mde)
    found = 0
    runs = 200
    for i in range(runs):
        w = sim.simulate(planted, np.random.default_rng([SEED + 1, i]))
        found += segmented(w.target, w.control, w.post).level_high < 0
    assert 0.70 <= found / runs <= 0.95, f"MDE {mde:.2f}: found in {found / runs:.2f}"
    print(f"a fall of {mde:.0%} (the median stated MDE) found in {found / runs:.0%} of runs")


def test_pooled_what_works_is_not_fooled_by_places_already_falling() -> None:
    """Issue #30: pooled over places already falling 2.5 % a month with no effect, the
    type was called effective. Pooled from the places' own estimates (as
    geo.services.pooling.pooled_by_type does: places refused as already changing
    left out), 4 places at a time: a clear fall at most 10 % of the time; power for a
    30 % fall at 4 places printed."""
    import numpy as np

    from geo.stats.segmented import segmented
    from geo.stats.synth import pooled_effect

    def pooled_rate(s: sim.Scenario, runs: int, seed: int) -> tuple[float, float]:
        clear = covered = 0
        for r in range(runs):
            logs, ses = [], []
            for k in range(4):
                w = sim.simulate(s, np.random.default_rng([seed, r, k]))
                res = segmented(w.target, w.control, w.post)
                if res is not None and not res.already_changing:
                    logs.append(res.log_effect)
                    ses.append(res.log_se)
            if len(logs) >= 2:
                p = pooled_effect(logs, ses)
                clear += p.high < 0
                covered += p.low <= s.effect <= p.high
            else:
                covered += 1  # no pooled claim at all
        return clear / runs, covered / runs

    falling, covered = pooled_rate(sim.Scenario("falling", trend=-0.025), 150, SEED)
    assert falling <= _limit(0.10) and covered >= 0.9, (falling, covered)
    power, _ = pooled_rate(sim.Scenario("fall of 30 %", effect=-0.30), 150, SEED + 2)
    print(f"pooled over 4 places: falling 2.5 %/month called a clear fall in {falling:.0%}, "
          f"interval covers 0 in {covered:.0%}; a 30 % fall found in {power:.0%}")


def test_no_incidents_on_one_side_gives_no_estimate_and_says_why() -> None:
    import numpy as np
    import pandas as pd

    from geo.stats.impact import assess
    from geo.stats.segmented import segmented

    post = np.arange(24) >= 12
    gone = np.r_[np.full(12, 10), np.zeros(12)]
    assert segmented(gone, np.full(24, 100), post) is None
    frame = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=24, freq="MS"),
                          "post": post, "target": gone, "buffer": 2, "control": 100})
    res = assess("X", "Somewhere", "patrols", frame)
    assert res.verdict == "too little data" and res.its is None
    assert res.sentence.startswith("No estimate for patrols at Somewhere (120 incidents "
                                   "before, 0 after): too few incidents on one side")
