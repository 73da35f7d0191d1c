"""Matched comparisons: synthetic control, placebo tests and a pooled effect by type.

Pure functions of monthly count arrays (no database).

**Synthetic control** (Abadie, Diamond & Hainmueller 2010). Each series is first put on
an index scale, divided by its own mean over the before-period, so a station with 14
incidents a month and a ward with 300 can be compared by shape (trend, seasonality) rather
than size. The weights w >= 0, sum(w) = 1 minimise the squared distance between the
target's index and the weighted donors' index over the before-months (every before-month
is a predictor, the predictor weights V are equal: the "outcome path" specification).
Only the :data:`MAX_FIT_DONORS` donors nearest the target over the before-months enter
the fit (fewer than the before-months, so that it cannot interpolate noise exactly).
The weights are found by non-negative least squares with the sum-to-one constraint appended as a
heavily weighted row, checked against ``pysyncon.Synth`` (custom V) on the Basque data.

The **effect** is a ratio of ratios: (target after / target before) / (synthetic after /
synthetic before) - 1, so the synthetic is scaled to the target's own before-level; on
the count scale this is the matched comparison of the target's size that the Weighted
Displacement Difference needs.

**Fit**: the root mean squared prediction error (RMSPE) of the index over the
before-months. A perfect comparison still leaves the target's own Poisson noise,
about 1/sqrt(mean monthly count); the fit is *poor* when the RMSPE exceeds
:data:`POOR_FIT_FACTOR` times that floor plus :data:`POOR_FIT_SLACK`.

**Placebo in space** (Abadie et al. 2010, section 4): every donor in turn is treated as
if it had the intervention, with the other donors as its pool. The statistic is the mean
after-period gap, in absolute value, divided by the before-period RMSPE or, if larger, the
unit's own Poisson noise floor: a t-like statistic aimed at a sustained change of level
(Firpo & Possebom 2018 discuss the choice). On simulated data it has more power than
Abadie's after/before RMSPE ratio (which is reported too), and the floor stops a unit
whose before-months happen to be fitted closer than chance allows from ranking high on
a small gap. The permutation p-value is
(1 + number of placebos with a statistic at least the target's) / (1 + number of
placebos), and the rank is the target's place among them (1 = most extreme).

**Placebo in time**: the same analysis with a fake start half-way through the
before-period, using only before-months. The comparison *drifted* when the fake start
ranks among the donors' fake starts with p < :data:`TIME_PLACEBO_ALPHA` and the fake change
exceeds the target's own Poisson noise (|log change| / (floor x sqrt(1/n1 + 1/n2)) >= 1.96,
n1, n2 the months either side of the fake start): the ratio alone ranks a smooth target
high however small its fake change.

**Pooled effect by type**: each place's log ratio of ratios with its variance
(Poisson, delta method, inflated by the before-period overdispersion of the target about
its synthetic), combined by a random-effects meta-analysis (DerSimonian & Laird 1986)
with the Hartung-Knapp-Sidik-Jonkman interval (t with k - 1 degrees of freedom, the
scale not below 1), which keeps its coverage with as few as 3-4 places. Each place has
its own window, so staggered starts are compared only with places not yet (or never)
treated in that window: the concern behind Callaway & Sant'Anna (2021) with two-way fixed
effects does not arise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import nnls
from scipy.stats import t as student_t

#: a fit is poor above POOR_FIT_FACTOR x the Poisson noise floor + POOR_FIT_SLACK (index)
POOR_FIT_FACTOR = 1.5
POOR_FIT_SLACK = 0.05
#: at least this many donors for a comparison (and a placebo p that can reach 0.1)
MIN_DONORS = 9
#: at least this many before-months for a synthetic control, and 3 either side of a fake start
MIN_BEFORE_MONTHS = 6
#: a donor needs at least this many incidents a month on average before the start
MIN_DONOR_MONTHLY = 1.0
#: the fit uses the donors nearest the target over the before-months: at most this many,
#: and at most the number of before-months less 2 (so that the fit cannot interpolate
#: noise exactly; repeated for every placebo)
MAX_FIT_DONORS = 10
#: the placebo-in-time p below which (with a fake change beyond the target's own noise,
#: |z| >= 1.96) the comparison is judged to have drifted apart before the start
TIME_PLACEBO_ALPHA = 0.05
#: the weight of the sum-to-one row relative to the data
_SUM_WEIGHT = 1e4


def simplex_weights(y: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    """w >= 0 with sum 1 minimising ||y - x w||^2 (``x``: months x donors)."""
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    if k == 0:
        return np.zeros(0)
    if k == 1:
        return np.ones(1)
    scale = max(float(np.abs(x).max()), float(np.abs(y).max()), 1.0) * _SUM_WEIGHT
    a = np.vstack([x, np.full((1, k), scale)])
    b = np.r_[y, scale]
    w, _ = nnls(a, b, maxiter=50 * k)
    total = w.sum()
    return w / total if total > 0 else np.full(k, 1.0 / k)


def index(series: ArrayLike, pre: ArrayLike) -> NDArray[np.float64]:
    """Each row of ``series`` (units x months) divided by its mean over the ``pre`` months."""
    s = np.atleast_2d(np.asarray(series, dtype=float))
    pre = np.asarray(pre, dtype=bool)
    m = s[:, pre].mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(m > 0, s / m, np.nan)


@dataclass
class Fit:
    """One synthetic control: weights, fit and effect (index scale unless said)."""

    weights: NDArray[np.float64]
    synthetic: NDArray[np.float64]  # the synthetic index per month
    pre_rmspe: float
    post_rmspe: float
    ratio: float  # post / pre RMSPE
    effect: float  # ratio of ratios - 1
    stat: float  # |mean after-gap| / max(pre RMSPE, noise floor): the placebo statistic


def _fit(target_ix: NDArray[np.float64], donors_ix: NDArray[np.float64],
         pre: NDArray[np.bool_], post: NDArray[np.bool_], floor: float = 0.0) -> Fit:
    k = max(1, min(MAX_FIT_DONORS, int(pre.sum()) - 2))
    dist = np.sqrt(np.mean((donors_ix[:, pre] - target_ix[pre]) ** 2, axis=1))
    nearest = np.argsort(dist, kind="stable")[:k]
    w_near = simplex_weights(target_ix[pre], donors_ix[nearest][:, pre].T)
    w = np.zeros(donors_ix.shape[0])
    w[nearest] = w_near
    synth = w_near @ donors_ix[nearest]
    gap = target_ix - synth
    pre_r = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_r = float(np.sqrt(np.mean(gap[post] ** 2))) if post.any() else float("nan")
    sb, sa = synth[pre].sum() / pre.sum(), synth[post].mean() if post.any() else np.nan
    tb, ta = target_ix[pre].mean(), target_ix[post].mean() if post.any() else np.nan
    effect = float((ta / tb) / (sa / sb) - 1) if sa > 0 and sb > 0 and tb > 0 else float("nan")
    ratio = post_r / pre_r if pre_r > 0 else float("inf")
    den = max(pre_r, floor)
    stat = float(abs(gap[post].mean()) / den) if post.any() and den > 0 else float("nan")
    return Fit(w, synth, pre_r, post_r, ratio, effect, stat)


def _placebo_stats(donors_ix: NDArray[np.float64], floors: NDArray[np.float64],
                   pre: NDArray[np.bool_], post: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The placebo statistic of every donor treated as if it had the intervention, the
    others as its pool: the same as ``_fit(donors_ix[j], others, ...).stat``, with the
    donors' before-period distances, nearest donors and largest values found once for
    all (the weights as :func:`simplex_weights` finds them, on the same arrays)."""
    n = donors_ix.shape[0]
    out = np.full(n, np.nan)
    if n < 2:
        return out
    k = max(1, min(MAX_FIT_DONORS, int(pre.sum()) - 2, n - 1))
    bp = donors_ix[:, pre]
    sq = (bp**2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * bp @ bp.T, 0.0)
    np.fill_diagonal(d2, np.inf)
    order = np.argsort(d2, axis=1, kind="stable")[:, :k]
    largest = np.abs(bp).max(axis=1)
    has_post = bool(post.any())
    m = bp.shape[1]
    a = np.empty((m + 1, k))  # the donors' before-months, then the sum-to-one row
    b = np.empty(m + 1)
    for j in range(n):
        nearest = order[j]
        if k == 1:
            w = np.ones(1)
        else:
            scale = max(float(largest[nearest].max()), float(largest[j]), 1.0) * _SUM_WEIGHT
            a[:m] = bp[nearest].T
            a[m] = scale
            b[:m] = bp[j]
            b[m] = scale
            w, _ = nnls(a, b, maxiter=50 * k)
            total = w.sum()
            w = w / total if total > 0 else np.full(k, 1.0 / k)
        synth = w @ donors_ix[nearest]
        gap = donors_ix[j] - synth
        den = max(float(np.sqrt(np.mean(gap[pre] ** 2))), float(floors[j]))
        if has_post and den > 0:
            out[j] = abs(gap[post].mean()) / den
    return out


def permutation_p(stat: float, placebo: ArrayLike) -> tuple[float, int]:
    """(1 + #placebos >= stat) / (1 + #placebos), and the rank of stat (1 = largest)."""
    pl = np.asarray(placebo, dtype=float)
    pl = pl[np.isfinite(pl)]
    p = (1 + int((pl >= stat).sum())) / (1 + pl.size)
    return p, 1 + int((pl > stat).sum())


@dataclass
class SynthResult:
    """What the verdict and the analysts' figures need from the matched comparison."""

    donors: int
    weights: dict[str, float]  # donor name -> weight (the largest, summing to ~1)
    pre_rmspe: float
    post_rmspe: float
    rmspe_ratio: float
    noise_floor: float
    poor_fit: bool
    effect: float  # proportional change against the matched comparison
    placebo_p: float | None
    placebo_rank: int | None
    placebos: int
    time_placebo_effect: float | None
    time_placebo_p: float | None
    time_drift: bool  # the fake start shows a change beyond chance: the comparison drifted
    log_effect: float | None
    log_se: float | None
    comparison_before: float  # the synthetic's counts on the target's scale
    comparison_after: float
    comparison_variance: float  # Poisson variance of the two, added

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _log_effect(target: NDArray[np.float64], donors: NDArray[np.float64],
                w: NDArray[np.float64], pre: NDArray[np.bool_], post: NDArray[np.bool_],
                synth_counts: NDArray[np.float64]) -> tuple[float | None, float | None, float]:
    """Log ratio of ratios, its standard error, and the variance of the comparison counts."""
    rb, ra = target[pre].sum(), target[post].sum()
    m = donors[:, pre].mean(axis=1)
    coef = w / m  # synthetic index = coef @ donors
    sb, sa = coef @ donors[:, pre].sum(axis=1), coef @ donors[:, post].sum(axis=1)
    var_sb = float((coef**2) @ donors[:, pre].sum(axis=1))
    var_sa = float((coef**2) @ donors[:, post].sum(axis=1))
    scale = rb / sb if sb > 0 else 0.0
    comparison_var = scale**2 * (var_sb + var_sa)
    if rb <= 0 or ra <= 0 or sb <= 0 or sa <= 0:
        return None, None, comparison_var
    fitted = synth_counts[pre]
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = float(np.nanmean(np.where(fitted > 0, (target[pre] - fitted) ** 2 / fitted, np.nan)))
    phi = max(1.0, phi) if np.isfinite(phi) else 1.0
    var = phi * (1 / ra + 1 / rb) + var_sa / sa**2 + var_sb / sb**2
    return float(math.log((ra / rb) / (sa / sb))), float(math.sqrt(var)), comparison_var


def synthetic_control(
    target: ArrayLike,
    donors: ArrayLike,
    post: ArrayLike,
    names: list[str] | None = None,
    placebos: bool = True,
) -> SynthResult | None:
    """The matched comparison of ``target`` (monthly counts) from ``donors`` (units x months).

    ``post`` marks the after-months. Donors with fewer than :data:`MIN_DONOR_MONTHLY`
    incidents a month before the start are left out (their index would be mostly noise).
    Returns None when there are fewer than :data:`MIN_DONORS` usable donors or fewer than
    :data:`MIN_BEFORE_MONTHS` before-months, or the target had no incidents before.
    """
    y = np.asarray(target, dtype=float)
    x = np.atleast_2d(np.asarray(donors, dtype=float))
    post = np.asarray(post, dtype=bool)
    pre = ~post
    names = names if names is not None else [str(i) for i in range(x.shape[0])]
    usable = x[:, pre].mean(axis=1) >= MIN_DONOR_MONTHLY
    x, names = x[usable], [n for n, u in zip(names, usable, strict=True) if u]
    if x.shape[0] < MIN_DONORS or pre.sum() < MIN_BEFORE_MONTHS or y[pre].sum() <= 0:
        return None
    y_ix = index(y, pre)[0]
    x_ix = index(x, pre)
    level = y[pre].mean()
    floor = 1 / math.sqrt(level)
    floors = 1 / np.sqrt(x[:, pre].mean(axis=1))
    fit = _fit(y_ix, x_ix, pre, post, floor)
    synth_counts = fit.synthetic * level
    poor = fit.pre_rmspe > POOR_FIT_FACTOR * floor + POOR_FIT_SLACK
    p = rank = None
    n_placebo = 0
    tp_effect = tp_p = None
    time_drift = False
    if placebos:
        stats = _placebo_stats(x_ix, floors, pre, post)
        p, rank = permutation_p(fit.stat, stats)
        n_placebo = int(np.isfinite(stats).sum())
        # placebo in time: a fake start half-way through the before-months
        pre_idx = np.flatnonzero(pre)
        if pre_idx.size >= 2 * 3:
            cut = pre_idx[pre_idx.size // 2]
            fake_post = pre & (np.arange(y.size) >= cut)
            fake_pre = pre & ~fake_post
            fy, fx = index(y, fake_pre)[0], index(x, fake_pre)
            ok = np.isfinite(fx).all(axis=1)
            if np.isfinite(fy).all() and ok.sum() >= MIN_DONORS:
                tfit = _fit(fy, fx[ok], fake_pre, fake_post, floor)
                tp_effect = tfit.effect
                tp_p, _ = permutation_p(
                    tfit.stat, _placebo_stats(fx[ok], floors[ok], fake_pre, fake_post))
                # a fake change within the target's own Poisson noise is no drift: the
                # ratio ranks a smooth target high however small its fake change
                se = floor * math.sqrt(1 / fake_pre.sum() + 1 / fake_post.sum())
                tp_z = abs(math.log1p(tp_effect)) / se if tp_effect > -1 else float("inf")
                time_drift = tp_z >= 1.96 and tp_p < TIME_PLACEBO_ALPHA
    log_eff, log_se, comp_var = _log_effect(y, x, fit.weights, pre, post, synth_counts)
    scale = y[pre].sum() / synth_counts[pre].sum() if synth_counts[pre].sum() > 0 else 0.0
    order = np.argsort(-fit.weights)
    top = {names[i]: round(float(fit.weights[i]), 3) for i in order[:5] if fit.weights[i] >= 0.01}
    return SynthResult(
        donors=int(x.shape[0]),
        weights=top,
        pre_rmspe=fit.pre_rmspe,
        post_rmspe=fit.post_rmspe,
        rmspe_ratio=fit.ratio,
        noise_floor=floor,
        poor_fit=bool(poor),
        effect=fit.effect,
        placebo_p=p,
        placebo_rank=rank,
        placebos=n_placebo,
        time_placebo_effect=tp_effect,
        time_placebo_p=tp_p,
        time_drift=bool(time_drift),
        log_effect=log_eff,
        log_se=log_se,
        comparison_before=float(scale * synth_counts[pre].sum()),
        comparison_after=float(scale * synth_counts[post].sum()),
        comparison_variance=float(comp_var),
    )


@dataclass
class Pooled:
    """The pooled effect of one type of intervention over its places."""

    places: int
    effect: float | None  # proportional change, e.g. -0.22
    low: float | None
    high: float | None
    tau2: float | None  # between-place variance of the log effects
    method: str = "random effects (DerSimonian-Laird), Hartung-Knapp interval"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pooled_effect(log_effects: ArrayLike, ses: ArrayLike, level: float = 0.95) -> Pooled:
    """Random-effects pooled proportional change with a Hartung-Knapp-Sidik-Jonkman interval.

    Needs at least 2 places; with one the estimate is that place's with a normal interval.
    """
    y = np.asarray(log_effects, dtype=float)
    s = np.asarray(ses, dtype=float)
    keep = np.isfinite(y) & np.isfinite(s) & (s > 0)
    y, s = y[keep], s[keep]
    k = y.size
    if k == 0:
        return Pooled(0, None, None, None, None)
    v = s**2
    if k == 1:
        z = 1.959963984540054
        return Pooled(1, math.expm1(y[0]), math.expm1(y[0] - z * s[0]),
                      math.expm1(y[0] + z * s[0]), 0.0, "one place: its own interval")
    w = 1 / v
    mu_fe = (w * y).sum() / w.sum()
    q = float((w * (y - mu_fe) ** 2).sum())
    c = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (q - (k - 1)) / c)
    ws = 1 / (v + tau2)
    mu = float((ws * y).sum() / ws.sum())
    hk = float((ws * (y - mu) ** 2).sum() / (k - 1))
    se = math.sqrt(max(hk, 1.0) / ws.sum())
    tq = float(student_t.ppf(0.5 + level / 2, k - 1))
    return Pooled(k, math.expm1(mu), math.expm1(mu - tq * se), math.expm1(mu + tq * se), tau2)
