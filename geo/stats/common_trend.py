"""The earlier decision rule, kept for the simulation that compares it with the rule of
:func:`geo.stats.impact.verdict` (:mod:`geo.stats.simulation`, issue #30).

**Interrupted time series** with a common trend: a comparative segmented regression of
the monthly target and control series. Headline (step) model: log mu = b0 + g + b1 t +
b2 post + d g.post (+ a seasonal harmonic when there are 24 months or more); the target's
change after the start relative to the control is exp(d) - 1, with a 95 % interval. A
second model adds the target's own trend and slope changes: g.t, (t - t0).post and
g.(t - t0).post, for the slope change. Poisson, or negative binomial when the Pearson
dispersion exceeds 1.5. The verdict also asks the placebo in space
(:func:`verdict_common_trend`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from geo.stats.synth import SynthResult

#: Pearson chi-square / df above which the count model is negative binomial
OVERDISPERSION = 1.5
#: the placebo-in-space p-value at or below which a change is clear
PLACEBO_ALPHA = 0.10


@dataclass
class ItsResult:
    """The interrupted time series estimate of the target's change relative to control."""

    model: str
    level_change: float  # proportional change at the start, e.g. -0.38
    level_low: float
    level_high: float
    slope_change: float  # proportional change per month after the start
    slope_low: float
    slope_high: float
    p_level: float
    dispersion: float
    months_before: int
    months_after: int


def _design(
    y_t: np.ndarray,
    y_c: np.ndarray,
    post: np.ndarray,
    month_of_year: np.ndarray | None,
    slopes: bool,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The stacked design (target rows, then control rows), the counts and the column
    names: const, g, t, post, g_post [, g_t, since, g_since] [, sin, cos]."""
    n = y_t.size
    t = np.arange(n, dtype=float)
    t0 = float(np.flatnonzero(post)[0]) if post.any() else float(n)
    since = np.where(post, t - t0, 0.0)
    seasonal = month_of_year is not None and n >= 24
    names = ["const", "g", "t", "post", "g_post"]
    if slopes:
        names += ["g_t", "since", "g_since"]
    if seasonal:
        angle = 2 * np.pi * np.asarray(month_of_year, dtype=float) / 12
        names += ["sin", "cos"]
    # filled column by column and returned transposed (column-major), the layout of a
    # data frame's values: the fits see the same numbers in the same order
    x = np.empty((len(names), 2 * n))
    for half, g in ((slice(0, n), 1.0), (slice(n, 2 * n), 0.0)):
        cols = [np.ones(n), np.full(n, g), t, post.astype(float), g * post]
        if slopes:
            cols += [g * t, since, g * since]
        if seasonal:
            cols += [np.sin(angle), np.cos(angle)]
        for r, c in enumerate(cols):
            x[r, half] = c
    return x.T, np.concatenate([y_t, y_c]).astype(float), names


def _fit(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, str, float]:
    """Poisson GLM, or negative binomial when overdispersed: params, SEs (in the columns'
    order), model, dispersion."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, x, family=sm.families.Poisson()).fit()
        dispersion = float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else 1.0
        if dispersion > OVERDISPERSION:
            try:
                nb = sm.NegativeBinomial(y, x).fit(disp=False, maxiter=200)
                se = np.sqrt(np.diag(nb.cov_params()))
                if nb.mle_retvals.get("converged", False) and np.isfinite(se).all():
                    # the last parameter is the dispersion alpha
                    return nb.params[:-1], se[:-1], "negative binomial", dispersion
            except (ValueError, np.linalg.LinAlgError):
                pass
            # the negative binomial did not converge: Pearson-scaled (quasi-Poisson) errors
            quasi = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2")
            return quasi.params, quasi.bse, "quasi-Poisson", dispersion
    return fit.params, fit.bse, "Poisson", dispersion


def its_common_trend(
    target: np.ndarray,
    control: np.ndarray,
    post: np.ndarray,
    month_of_year: np.ndarray | None = None,
) -> ItsResult:
    """Comparative segmented regression (see the module docstring).

    ``target`` and ``control`` are monthly counts of equal length; ``post`` is True for
    months after the start (the start month itself already left out by the caller).
    The level change is the target's average change after the start relative to the
    control (a step model, the headline); the slope change comes from the model with
    separate trends and slope changes.
    """
    y_t = np.asarray(target, dtype=float)
    y_c = np.asarray(control, dtype=float)
    post = np.asarray(post, dtype=bool)
    z975 = norm.ppf(0.975)

    def change(params: np.ndarray, se: np.ndarray, i: int) -> tuple[float, float, float]:
        b, s = params[i], se[i]
        return math.expm1(b), math.expm1(b - z975 * s), math.expm1(b + z975 * s)

    x, y, names = _design(y_t, y_c, post, month_of_year, False)
    params, se, model, dispersion = _fit(y, x)
    g_post = names.index("g_post")
    lvl, lo, hi = change(params, se, g_post)
    p_level = float(2 * norm.sf(abs(params[g_post] / se[g_post])))
    x2, y2, names2 = _design(y_t, y_c, post, month_of_year, True)
    params2, se2, _, _ = _fit(y2, x2)
    slp, slo, shi = change(params2, se2, names2.index("g_since"))
    return ItsResult(
        model, lvl, lo, hi, slp, slo, shi, p_level, dispersion, int((~post).sum()), int(post.sum())
    )


def verdict_common_trend(sufficient: bool, res: ItsResult | None,
                         sc: SynthResult | None) -> tuple[str, str]:
    """The earlier decision rule: one of :data:`geo.stats.impact.VERDICTS` and the rule
    that decided.

    1. too little data: the target's counts are below the minimum (no ITS);
    2. comparison too poor: no matched comparison (fewer than ``MIN_DONORS`` donors or
       before-months), a poor before-period fit, or a placebo-in-time change (the
       comparison drifted apart before the start, see :mod:`geo.stats.synth`);
    3. reduced / increased: the ITS 95 % interval excludes 0, the placebo-in-space p is at
       most :data:`PLACEBO_ALPHA`, and the matched effect has the ITS change's sign;
    4. otherwise no clear change.
    """
    if not sufficient or res is None:
        return "too little data", "counts below the minimum"
    if sc is None:
        return "comparison too poor", "no matched comparison"
    if sc.poor_fit:
        return "comparison too poor", "poor before-period fit"
    if sc.time_drift:
        return "comparison too poor", "placebo in time"
    its_clear = res.level_high < 0 or res.level_low > 0
    placebo_clear = sc.placebo_p is not None and sc.placebo_p <= PLACEBO_ALPHA
    agree = math.copysign(1, sc.effect) == math.copysign(1, res.level_change)
    if its_clear and placebo_clear and agree:
        return ("reduced" if res.level_change < 0 else "increased"), "all measures agree"
    if not its_clear:
        return "no clear change", "ITS interval includes 0"
    if not placebo_clear:
        return "no clear change", "placebo in space"
    return "no clear change", "measures disagree"

