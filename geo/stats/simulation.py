"""Simulated monthly series with a known truth, and the rates at which a decision rule
says "reduced" or "increased" and its interval covers the truth (pure: no database).

Every scenario is a target place (about :data:`RATE` incidents a month, gamma-Poisson:
overdispersed), its surrounding area (the control, about 12 times larger), a buffer ring
and :data:`DONORS` donor places and areas, all sharing a seasonal cycle and a common
monthly shock, 12 months before and 12 after the start (the start month already left
out). The scenarios are the traps of issue #30: no effect; falls of 30 % and 50 %; a place
already falling 2.5 % or 1 % a month with no effect; a start right after a two-month
doubling (a spike) with no effect; month-to-month autocorrelated noise (AR(1)) with no
effect; and a 50 % fall with part of the harm moved to the buffer ring.

:func:`run` applies a rule to ``reps`` seeded replicates of one scenario; the rules are
:func:`rule_before` (the decision rule before issue #30: a common-trend ITS, the placebo
in space and sign agreement) and :func:`rule_after` (:func:`geo.stats.impact.verdict` on
:func:`geo.stats.segmented.segmented`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from geo.stats.common_trend import its_common_trend, verdict_common_trend
from geo.stats.displacement import Counts, buffer_change, displacement, displacement_claim, wdq
from geo.stats.impact import verdict
from geo.stats.segmented import segmented
from geo.stats.synth import synthetic_control

#: the target's incidents a month before any effect
RATE = 10.0
#: gamma shape of the month-to-month rate: variance mu + mu^2 / SHAPE (about 2.2 x Poisson)
SHAPE = 8.0
#: the control's (surrounding area's) incidents a month
CONTROL_RATE = 120.0
#: the buffer ring's incidents a month
BUFFER_RATE = 8.0
#: donors for the matched comparison
DONORS = 15
MONTHS_BEFORE = 12
MONTHS_AFTER = 12


@dataclass(frozen=True)
class Scenario:
    """One simulated world. ``effect``: the true proportional change at the start (the
    truth an interval must cover); ``trend``: the target's own change a month throughout
    (no effect of the intervention); ``spike``: the target's rate multiplied in the last
    ``spike_months`` before-months; ``rho``: AR(1) correlation of the target's log-rate
    noise (standard deviation ``noise_sd``); ``moved``: the buffer ring's change after the
    start (harm moved there); ``shape``: gamma shape (None: plain Poisson)."""

    name: str
    effect: float = 0.0
    trend: float = 0.0
    spike: float = 1.0
    spike_months: int = 2
    rho: float = 0.0
    noise_sd: float = 0.0
    moved: float = 0.0
    shape: float | None = SHAPE


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("null (Poisson)", shape=None),
    Scenario("null (overdispersed)"),
    Scenario("fall of 30 %", effect=-0.30),
    Scenario("fall of 50 %", effect=-0.50),
    Scenario("already falling 2.5 %/month", trend=-0.025),
    Scenario("already falling 1 %/month", trend=-0.01),
    Scenario("start after a x2 spike", spike=2.0),
    Scenario("start after 6 raised months (x1.5)", spike=1.5, spike_months=6),
    Scenario("start after 6 raised months (x2)", spike=2.0, spike_months=6),
    Scenario("autocorrelated noise (AR(1) 0.6)", rho=0.6, noise_sd=0.2),
    Scenario("fall of 50 %, harm moved (+40 % in the ring)", effect=-0.50, moved=0.40),
)


@dataclass
class World:
    """One replicate: monthly target, buffer, control, donors (units x months), post."""

    target: NDArray[np.int64]
    buffer: NDArray[np.int64]
    control: NDArray[np.int64]
    donors: NDArray[np.int64]
    post: NDArray[np.bool_]
    month_of_year: NDArray[np.int64]


def _counts(rng: np.random.Generator, mu: NDArray[np.float64], shape: float | None
            ) -> NDArray[np.int64]:
    if shape is None:
        return rng.poisson(mu)
    return rng.poisson(rng.gamma(shape, mu / shape))


def simulate(s: Scenario, rng: np.random.Generator) -> World:
    """One replicate of scenario ``s``."""
    n = MONTHS_BEFORE + MONTHS_AFTER
    t = np.arange(n)
    post = t >= MONTHS_BEFORE
    moy = (t + rng.integers(0, 12)) % 12 + 1
    season = 1 + 0.2 * np.cos(2 * np.pi * (moy - 7) / 12)
    shock = np.exp(rng.normal(0, 0.05, n))
    common = season * shock
    noise = np.zeros(n)
    if s.noise_sd > 0:
        innov = rng.normal(0, s.noise_sd * math.sqrt(1 - s.rho**2), n)
        noise[0] = rng.normal(0, s.noise_sd)
        for i in range(1, n):
            noise[i] = s.rho * noise[i - 1] + innov[i]
        noise -= s.noise_sd**2 / 2  # mean 1 on the rate scale
    level = RATE * (1 + s.trend) ** (t - MONTHS_BEFORE + 0.5)
    level = level * np.where(post, 1 + s.effect, 1.0) * np.exp(noise)
    if s.spike != 1.0:
        level[MONTHS_BEFORE - s.spike_months:MONTHS_BEFORE] *= s.spike
    target = _counts(rng, level * common, s.shape)
    buffer = _counts(rng, BUFFER_RATE * common * np.where(post, 1 + s.moved, 1.0), s.shape)
    control = _counts(rng, CONTROL_RATE * common, s.shape and 4 * s.shape)
    levels = rng.uniform(4, 40, DONORS)
    trends = 1 + rng.normal(0, 0.005, DONORS)[:, None] * (t - n / 2)
    donors = _counts(rng, levels[:, None] * common * trends, s.shape)
    return World(target, buffer, control, donors, post, moy)


@dataclass
class Decision:
    """What one rule said about one replicate."""

    verdict: str
    low: float | None  # the headline interval (proportional change)
    high: float | None
    moved: bool = False  # said "some harm moved"
    mde: float | None = None


Rule = Callable[[World], Decision]


def rule_before(w: World) -> Decision:
    """The decision rule before issue #30 (common-trend ITS, placebo, sign agreement)."""
    res = its_common_trend(w.target, w.control, w.post, w.month_of_year)
    sc = synthetic_control(w.target, w.donors, w.post)
    v, _ = verdict_common_trend(True, res, sc)
    c = _six(w)
    moved = v == "reduced" and displacement(wdq(c)) == "moved"
    return Decision(v, res.level_low, res.level_high, moved)


def rule_after(w: World) -> Decision:
    """The decision rule of :func:`geo.stats.impact.verdict` on the segmented estimate."""
    res = segmented(w.target, w.control, w.post)
    sc = synthetic_control(w.target, w.donors, w.post)
    v, _ = verdict(True, res, sc)
    c = _six(w)
    moved = False
    if v == "reduced":
        moved = displacement_claim(wdq(c), buffer_change(w.buffer, w.control, w.post)) == "moved"
    if res is None:
        return Decision(v, None, None, moved)
    return Decision(v, res.level_low, res.level_high, moved, res.mde)


def _six(w: World) -> Counts:
    p = w.post
    return Counts(int(w.target[~p].sum()), int(w.target[p].sum()), int(w.buffer[~p].sum()),
                  int(w.buffer[p].sum()), int(w.control[~p].sum()), int(w.control[p].sum()))


@dataclass
class Rates:
    """The rates of one rule on one scenario."""

    scenario: str
    truth: float
    reps: int
    reduced: float
    increased: float
    refused: float
    covered: float  # of the replicates with an interval
    moved: float  # said "some harm moved"
    mde: float | None  # median minimum detectable fall
    verdicts: dict[str, int] = field(default_factory=dict)

    def row(self) -> str:
        mde = "" if self.mde is None else f"{self.mde * 100:.0f} %"
        return (f"| {self.scenario} | {self.truth * 100:+.0f} % | {self.reduced * 100:.1f} % | "
                f"{self.increased * 100:.1f} % | {self.refused * 100:.1f} % | "
                f"{self.covered * 100:.1f} % | {self.moved * 100:.1f} % | {mde} |")


HEADER = ("| scenario | truth | said \"reduced\" | said \"increased\" | refused | "
          "95 % interval covers truth | said \"harm moved\" | median MDE (80 % power) |\n"
          "|---|---|---|---|---|---|---|---|")


def run(rule: Rule, s: Scenario, reps: int, seed: int = 0) -> Rates:
    """``rule`` on ``reps`` replicates of ``s`` (replicate i seeded with (seed, i))."""
    verdicts: dict[str, int] = {}
    covered = intervals = moved = 0
    mdes = []
    for i in range(reps):
        d = rule(simulate(s, np.random.default_rng([seed, i])))
        verdicts[d.verdict] = verdicts.get(d.verdict, 0) + 1
        if d.low is not None and d.high is not None:
            intervals += 1
            covered += d.low <= s.effect <= d.high
        moved += d.moved
        if d.mde is not None:
            mdes.append(d.mde)
    refused = sum(v for k, v in verdicts.items()
                  if k in ("comparison too poor", "too little data"))
    return Rates(s.name, s.effect, reps, verdicts.get("reduced", 0) / reps,
                 verdicts.get("increased", 0) / reps, refused / reps,
                 covered / intervals if intervals else float("nan"), moved / reps,
                 float(np.median(mdes)) if mdes else None, verdicts)


def table(rule: Rule, reps: int, seed: int = 0,
          scenarios: tuple[Scenario, ...] = SCENARIOS) -> list[Rates]:
    """:func:`run` for every scenario."""
    return [run(rule, s, reps, seed) for s in scenarios]


def markdown(rates: list[Rates]) -> str:
    return "\n".join([HEADER, *(r.row() for r in rates)])


def main(argv: list[str] | None = None) -> None:
    """``python -m geo.stats.simulation [--reps N] [--seed S] [--before]``: the table."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--before", action="store_true",
                    help="the decision rule before issue #30 (slow: about 35 ms a replicate)")
    args = ap.parse_args(argv)
    print(markdown(table(rule_before if args.before else rule_after, args.reps, args.seed)))


if __name__ == "__main__":
    main()
