"""Intervention impact: WDQ, TNE and WDD by hand; ITS coverage; the planted effects."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from geo.config import PROJECT_ROOT
from geo.services.interventions import ImpactParams, impacts
from geo.services.pooling import pooled_by_type, pooled_sentence
from geo.stats.common_trend import its_common_trend
from geo.stats.displacement import Counts, displacement, total_net_effect, wdd, wdq
from geo.stats.impact import MIN_TARGET_INCIDENTS, assess
from geo.store import db

TRUTH = json.loads((PROJECT_ROOT / "sample_data" / "truth.json").read_text())


def test_wdq_tne_wdd_with_displacement() -> None:
    c = Counts(rb=100, ra=60, db=50, da=60, cb=1000, ca=1000)
    w = wdq(c)
    # success = 60/1000 - 100/1000 = -0.04; buffer = 60/1000 - 50/1000 = 0.01
    assert w["success"] == pytest.approx(-0.04)
    assert w["buffer"] == pytest.approx(0.01)
    assert w["wdq"] == pytest.approx(-0.25)
    assert "smaller than the reduction" in w["reading"]
    # (100 - 60) + (50 - 60) = 30 incidents prevented in target and buffer together
    assert total_net_effect(c) == pytest.approx(30)
    # WDD = dT + dD - 2 dC = -40 + 10 - 0 = -30; var = 60+100+60+50 + 4*(1000+1000) = 8270
    d = wdd(c)
    assert d["wdd"] == -30 and d["variance"] == 8270
    assert d["z"] == pytest.approx(-30 / np.sqrt(8270))
    # with its own control for the buffer: -40 - 0 + 10 - (220 - 200) = -50
    d2 = wdd(c, cdb=200, cda=220)
    assert d2["wdd"] == -50 and d2["variance"] == 60 + 100 + 60 + 50 + 2000 + 420
    assert d2["p"] == pytest.approx(0.335, abs=0.001)


def test_wdq_when_harm_rose_in_the_target() -> None:
    w = wdq(Counts(rb=50, ra=70, db=20, da=20, cb=1000, ca=1000))
    assert w["wdq"] is None and w["reading"].startswith("not meaningful")


def test_wdq_with_no_buffer_incidents() -> None:
    c = Counts(rb=100, ra=60, db=0, da=0, cb=1000, ca=1000)
    assert wdq(c)["wdq"] == 0 and wdq(c)["reading"] == "no displacement or diffusion"
    assert total_net_effect(c) == pytest.approx(40)


def test_wdq_with_no_control_incidents() -> None:
    c = Counts(rb=100, ra=60, db=10, da=5, cb=0, ca=0)
    assert wdq(c)["wdq"] is None and "control" in wdq(c)["reading"]
    assert total_net_effect(c) is None
    assert wdd(c)["wdd"] == -45


def test_wdq_readings_for_diffusion_and_net_loss() -> None:
    assert wdq(Counts(100, 60, 50, 40, 1000, 1000))["wdq"] == pytest.approx(0.25)
    assert "diffusion" in wdq(Counts(100, 60, 50, 40, 1000, 1000))["reading"]
    lossy = wdq(Counts(100, 60, 50, 100, 1000, 1000))
    assert lossy["wdq"] == pytest.approx(-1.25) and "net loss" in lossy["reading"]


def test_its_interval_covers_the_truth_in_about_95_percent_of_simulations() -> None:
    """The verdict's estimate (geo.stats.segmented) on Poisson counts with a shared season
    and monthly shock: honest, and at 15 a month it finds a 30 % fall in 12 % of runs,
    well above the 2.5 % it would by chance (allowing for the place's own trend costs
    power: see tests/test_simulation.py for the traps it guards against)."""
    from geo.stats.segmented import segmented

    truth = -0.30
    post = np.r_[np.zeros(12, bool), np.ones(12, bool)]
    moy = np.r_[np.arange(1, 13), np.arange(1, 13)]
    season = 1 + 0.2 * np.cos(2 * np.pi * (moy - 7) / 12)
    covered, excludes_zero = 0, 0
    runs = 300
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        shock = np.exp(rng.normal(0, 0.05, 24))  # a shared month-to-month shock
        target = rng.poisson(15 * season * shock * np.where(post, 1 + truth, 1))
        control = rng.poisson(120 * season * shock)
        res = segmented(target, control, post)
        covered += res.level_low <= truth <= res.level_high
        excludes_zero += res.level_high < 0
    assert 0.93 <= covered / runs <= 0.995
    assert excludes_zero / runs > 0.07


def test_its_switches_to_negative_binomial_when_overdispersed() -> None:
    rng = np.random.default_rng(4)
    post = np.r_[np.zeros(18, bool), np.ones(18, bool)]
    lam = rng.gamma(shape=2, scale=10, size=36)  # strongly overdispersed counts
    res = its_common_trend(rng.poisson(lam), rng.poisson(200, 36), post,
                           (np.arange(36) % 12) + 1)
    assert res.model == "negative binomial" and res.dispersion > 1.5


def test_too_little_data_says_so() -> None:
    import pandas as pd

    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    frame = pd.DataFrame(
        {
            "month": months,
            "post": np.arange(24) >= 12,
            "target": [1, 0, 0, 1] * 6,
            "buffer": 1,
            "control": 30,
        }
    )
    res = assess("X", "Somewhere", "lighting", frame)
    assert not res.sufficient and res.its is None
    assert res.sentence.startswith("Too little data to say")
    assert str(MIN_TARGET_INCIDENTS) in res.sentence


@pytest.fixture(scope="module")
def sample_impacts(settings):
    with db.connect("dashboard", settings) as conn:
        return {i.intervention: i for i in impacts(conn, ImpactParams())}


def test_planted_forty_percent_fall_is_recovered(sample_impacts) -> None:
    """Aston station: a planted 40 % fall at about 14 incidents a month. Allowing for the
    place's own trend (issue #30), 12 months either side can only detect a fall of more
    than 40 %: the interval holds the truth, the verdict is "no clear change" and the
    sentence says what could have been detected."""
    res = sample_impacts[TRUTH["interventions"]["effective"]["intervention"]]
    assert res.its.level_low <= -0.40 <= res.its.level_high
    assert res.its.level_change < -0.25
    assert res.its.mde > 0.40
    assert res.verdict == "no clear change"
    assert res.sentence.startswith("No clear change in incidents at Aston station")
    assert f"could only have detected a fall of {res.its.mde * 100:.0f}% or more" in res.sentence


def test_planted_displacement_gives_negative_wdq(sample_impacts) -> None:
    res = sample_impacts[TRUTH["interventions"]["displaced"]["intervention"]]
    assert res.its.level_low <= -0.40 <= res.its.level_high
    assert res.wdq["wdq"] < 0
    # the ring's rise (6 incidents before, 22 after) is beyond chance: the claim stands
    assert res.buffer.level_low > 0
    assert "moved to the surrounding streets" in res.sentence


def test_no_effect_interval_covers_zero(sample_impacts) -> None:
    res = sample_impacts[TRUTH["interventions"]["null"]["intervention"]]
    assert res.its.level_low <= 0 <= res.its.level_high
    assert res.sentence.startswith("No clear change")
    assert "this is not evidence that it did not work" in res.sentence


def test_verdicts_match_the_truth_without_contradiction(sample_impacts) -> None:
    planted = TRUTH["interventions"]
    aston = sample_impacts[planted["effective"]["intervention"]]
    lozells = sample_impacts[planted["displaced"]["intervention"]]
    erdington = sample_impacts[planted["null"]["intervention"]]
    # Aston's 40 % fall is below what its comparison can detect (see above)
    assert aston.verdict == "no clear change" and aston.displacement is None
    assert lozells.verdict == "reduced" and lozells.displacement == "moved"
    assert erdington.verdict == "no clear change" and erdington.displacement is None
    for res in sample_impacts.values():
        d = displacement(res.wdq)
        reading = res.wdq["reading"]
        # the WDQ reading and the sentence draw on the same displacement claim
        if "no sign that harm moved" in res.sentence:
            assert d == "none" and reading == "no displacement or diffusion"
        if "moved to the surrounding streets" in res.sentence and "no sign" not in res.sentence:
            assert d == "moved" and "displacement" in reading
            assert res.displacement == "moved" and res.buffer.level_low > 0
        if res.displacement == "unclear":
            assert "not distinguishable from chance" in reading
        if res.verdict != "reduced":  # no reduction: no displacement claim either way
            assert res.displacement is None
            assert "surrounding streets" not in res.sentence
        # WDD is against the matched comparison whenever there is one
        if res.synthetic is not None:
            assert res.wdd["comparison"] == "matched"
            assert res.synthetic.comparison_before == pytest.approx(res.counts.rb)


def test_placebo_p_separates_the_planted_fall_from_no_effect(sample_impacts) -> None:
    planted = TRUTH["interventions"]
    aston = sample_impacts[planted["effective"]["intervention"]].synthetic
    erdington = sample_impacts[planted["null"]["intervention"]].synthetic
    assert aston.placebo_p < 0.05 and aston.placebos >= 30
    assert erdington.placebo_p > 0.2
    assert aston.effect == pytest.approx(-0.40, abs=0.1) and not aston.poor_fit


def test_pooled_effects_recover_the_planted_types(sample_impacts) -> None:
    """Pooled over each type's 4 places, the places' own estimates (their trends allowed
    for, issue #30): both intervals hold their truth; the planted 30 % fall is below what
    4 places at about 10 incidents a month can show with the Hartung-Knapp interval, so
    the sentence says "no clear change" with the estimate beside it."""
    pooled = pooled_by_type(list(sample_impacts.values()))
    labels = {i.intervention: i.intervention_type for i in sample_impacts.values()}
    works, null = TRUTH["pooled"]["works"], TRUTH["pooled"]["no_effect"]
    w = pooled[labels[works["interventions"][0]]]
    n = pooled[labels[null["interventions"][0]]]
    assert w.places == 4 and n.places == 4
    assert w.low <= works["effect"] <= w.high and w.effect < -0.2
    assert n.low <= 0 <= n.high and abs(n.effect) < 0.15
    text = pooled_sentence("Environmental design", w)
    assert text.startswith("Environmental design: no clear change on average over 4 places (")
    assert "fewer incidents)" in text


def test_pooled_and_per_place_results_are_reconciled() -> None:
    """A clear average over places none of which was clear alone gets one sentence saying
    why; so does the reverse."""
    from geo.services.pooling import reconcile
    from geo.stats.synth import Pooled

    clear = Pooled(4, -0.3, -0.45, -0.12, 0.0)
    text = reconcile(clear, ["no clear change"] * 4, [0.55, 0.6, 0.62, 0.7])
    assert text.startswith("4 of these 4 places showed no clear change on its own")
    assert "could only have detected a fall of 55% or more" in text
    assert "pooling the 4 places narrows the interval" in text
    unclear = Pooled(4, -0.1, -0.4, 0.3, 0.05)
    assert reconcile(unclear, ["reduced", "no clear change", "no clear change",
                               "no clear change"], [0.5, 0.6, 0.6, 0.6]).startswith(
        "1 of the 4 places showed a clear change on its own, but the average")
    assert reconcile(unclear, ["no clear change"] * 4, [0.5] * 4) == ""


def test_impact_command_json(settings) -> None:
    ref = TRUTH["interventions"]["displaced"]["intervention"]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo.cli",
            "impact",
            "--intervention",
            ref,
            "--before",
            "12",
            "--after",
            "12",
            "--buffer",
            "200",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    doc = json.loads(out[0])
    assert doc["intervention"] == ref and doc["sufficient"]
    assert set(doc["counts"]) == {"rb", "ra", "db", "da", "cb", "ca"}
    assert {"wdq", "reading"} <= set(doc["wdq"]) and "wdd" in doc["wdd"]
    assert doc["its"]["level_change"] < 0 and doc["its"]["mde"] > 0
    assert doc["sentence"].startswith("Incidents at Lozells Road parade fell by")
    assert doc["verdict"] == "reduced" and doc["buffer"]["level_low"] > 0
    sc = doc["synthetic"]
    assert sc["placebo_p"] < 0.05 and sc["pre_rmspe"] >= 0 and sc["weights"]
    assert doc["wdd"]["comparison"] == "matched"


def test_impact_command_by_type(settings) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "geo.cli", "impact", "--by-type", "--json"],
        check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    rows = {r["type"]: r for r in map(json.loads, out)}
    works = rows["Environmental design"]
    assert works["places"] == 4 and works["low"] <= -0.30 <= works["high"]
    assert works["effect"] < -0.2
    assert works["sentence"].startswith("Environmental design: no clear change on average")
    assert rows["Licensing action"]["low"] <= 0 <= rows["Licensing action"]["high"]


def test_shared_counts_give_the_same_series_as_the_zone_query(settings) -> None:
    """The impact page's series (near counts + the wards' monthly counts) equal those of
    impact_series.sql, which places every incident of the surrounding wards by geometry."""
    from geo.services import impact_series as series
    from geo.services import interventions as iv

    params = ImpactParams()
    with db.connect("dashboard", settings) as conn:
        reg = iv.register(conn)
        donors = series.donor_panel(conn, params)
        for _, row in reg.iterrows():
            slow = series.monthly_series(conn, int(row["place_id"]), row["start_month"], params)
            fast = series.fast_series(conn, donors, int(row["place_id"]), row["start_month"],
                                      params)
            cols = ["month", "target", "buffer", "control", "target_ck", "buffer_ck",
                    "control_ck", "post"]
            assert slow[cols].astype(str).equals(fast[cols].astype(str)), row["ref"]


def _impact(kind: str, verdict: str, rule: str, effect: float, low: float, high: float,
            moved: str | None = None) -> dict[str, object]:
    import math

    return {"intervention_type": kind, "verdict": verdict, "rule": rule,
            "displacement": moved,
            "its": {"log_effect": math.log1p(effect), "log_se": 0.2, "level_change": effect,
                    "level_low": low, "level_high": high, "mde": 0.5}}


def test_a_place_whose_measures_disagree_is_not_pooled_into_what_worked() -> None:
    """A place whose own trend says "fewer" while its matched comparison points the other
    way has the verdict "no clear change"; pooled alone, its interval used to be listed
    under the board's "What worked" (review of issue #34's round). It enters no pool."""
    from geo.render.pooled import is_clear
    from geo.services.pooling import pooled_rows

    rows = pooled_rows([_impact("Patrols", "no clear change", "measures disagree",
                                -0.47, -0.69, -0.10)])
    assert not any(is_clear(r) for r in rows)
    assert [r["type"] for r in rows] == []
    # beside a place whose measures agree, only that one is pooled
    rows = pooled_rows([_impact("Patrols", "no clear change", "measures disagree",
                                -0.47, -0.69, -0.10),
                        _impact("Patrols", "no clear change", "interval includes 0",
                                -0.05, -0.3, 0.25)])
    assert [(r["type"], r["places"], r["clear"]) for r in rows] == [("Patrols", 1, False)]


def test_one_place_is_not_called_an_average_and_its_moved_harm_is_carried() -> None:
    from geo.services.pooling import pooled_rows

    [row] = pooled_rows([_impact("Patrols", "reduced", "interval excludes 0", -0.47, -0.69,
                                 -0.10, moved="moved")])
    assert row["clear"] and row["places"] == 1 and row["moved"] == 1
    assert row["sentence"].startswith("Patrols: 47% fewer incidents at its one place (95% CI")
    assert "on average" not in row["sentence"]
    assert row["sentence"].endswith(
        "At its place some harm appears to have moved to the surrounding streets.")
    [two] = pooled_rows([_impact("Patrols", "reduced", "interval excludes 0", -0.47, -0.69,
                                 -0.10, moved="moved"),
                         _impact("Patrols", "reduced", "interval excludes 0", -0.4, -0.6,
                                 -0.1, moved="none")])
    assert "on average over 2 places" in two["sentence"]
    assert "At 1 of these 2 places some harm appears to have moved" in two["sentence"]


def test_a_place_without_a_usable_error_is_neither_pooled_nor_counted() -> None:
    """What the pooled estimate drops (no finite, positive standard error), the sentence
    does not count either: never "At 1 of these 0 places"."""
    from geo.services.pooling import pooled_rows

    broken = _impact("Patrols", "reduced", "interval excludes 0", -0.5, -0.7, -0.2,
                     moved="moved")
    broken["its"]["log_se"] = 0.0  # type: ignore[index]
    [row] = pooled_rows([broken, _impact("Patrols", "no clear change",
                                         "interval includes 0", -0.1, -0.4, 0.3)])
    assert row["places"] == 1 and row["moved"] == 0
    assert "at its one place" in row["sentence"] and "moved" not in row["sentence"]
