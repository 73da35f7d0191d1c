"""Did it work? The effect of an intervention at a place, from monthly counts.

Three views, each a pure function of counts:

* **Weighted Displacement Quotient** (Bowers & Johnson 2003). With R the target, D the
  buffer ring and C the control, before (b) and after (a): success = Ra/Ca - Rb/Cb,
  buffer = Da/Ca - Db/Cb, WDQ = buffer / success. Only meaningful when harm fell in the
  target relative to the control (success < 0). WDQ > 0: the buffer also improved
  (diffusion of benefit); -1 < WDQ < 0: some harm moved to the buffer but less than was
  prevented; WDQ < -1: more moved than was prevented; WDQ = 0: neither.
* **Total net effect** (Guerette 2009): incidents prevented in target and buffer together,
  relative to what the control's change predicts: (Rb*Ca/Cb - Ra) + (Db*Ca/Cb - Da).
* **Weighted Displacement Difference** (Wheeler & Ratcliffe 2018):
  WDD = dT - dCT + dD - dCD, with Poisson variance the sum of the counts' variances
  (a control used for both target and buffer enters twice, so its variance four times);
  z = WDD / sqrt(var), two-sided p. Negative WDD: fewer incidents than the controls imply.
* **Interrupted time series**: a comparative segmented regression of the monthly target
  and control series. Headline (step) model: log mu = b0 + g + b1 t + b2 post + d g.post
  (+ a seasonal harmonic when there are 24 months or more); the target's change after the
  start relative to the control is exp(d) - 1, with a 95 % interval. A second model adds
  the target's own trend and slope changes: g.t, (t - t0).post and g.(t - t0).post, for
  the slope change. Poisson, or negative binomial when the Pearson dispersion exceeds 1.5.

A result states the data it rests on, and says "too little data" below
:data:`MIN_TARGET_INCIDENTS` target incidents (before and after together) or
:data:`MIN_BEFORE_INCIDENTS` before, rather than print a number from three incidents.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from geo.stats.segmented import SegmentedResult, segmented
from geo.stats.synth import SynthResult, synthetic_control

#: below these the result is "too little data to say"
MIN_TARGET_INCIDENTS = 20
MIN_BEFORE_INCIDENTS = 10
#: Pearson chi-square / df above which the count model is negative binomial
OVERDISPERSION = 1.5
#: a WDQ this close to 0 is read as "no displacement or diffusion" (by the WDQ reading and
#: the sentence alike: :func:`displacement` is the one source of the displacement claim)
WDQ_DEAD_BAND = 0.1
#: the placebo-in-space p-value at or below which a change is clear
PLACEBO_ALPHA = 0.10
VERDICTS = ("reduced", "no clear change", "increased", "too little data",
            "comparison too poor")


@dataclass
class Counts:
    """Incidents before (b) and after (a) in the target, buffer and control."""

    rb: int
    ra: int
    db: int
    da: int
    cb: int
    ca: int


def wdq(c: Counts) -> dict[str, Any]:
    """Success, buffer measure, WDQ and its reading (Bowers & Johnson 2003)."""
    if c.cb == 0 or c.ca == 0:
        return {
            "success": None,
            "buffer": None,
            "wdq": None,
            "reading": "not meaningful: no incidents in the control area in one period",
        }
    success = c.ra / c.ca - c.rb / c.cb
    buffer = c.da / c.ca - c.db / c.cb
    if success >= 0:
        return {
            "success": success,
            "buffer": buffer,
            "wdq": None,
            "reading": "not meaningful: harm did not fall in the target relative to the control",
        }
    q = buffer / success
    if abs(q) <= WDQ_DEAD_BAND:
        reading = "no displacement or diffusion"
    elif q > 0:
        reading = "diffusion of benefit: harm also fell in the surrounding area"
    elif q >= -1:
        reading = "some displacement, smaller than the reduction: a net gain"
    else:
        reading = "displacement larger than the reduction: a net loss"
    return {"success": success, "buffer": buffer, "wdq": q, "reading": reading}


def total_net_effect(c: Counts) -> float | None:
    """Incidents prevented in target and buffer, given the control's change (None if Cb=0)."""
    if c.cb == 0:
        return None
    ratio = c.ca / c.cb
    return (c.rb * ratio - c.ra) + (c.db * ratio - c.da)


def wdd(c: Counts, cdb: int | None = None, cda: int | None = None) -> dict[str, float]:
    """Weighted Displacement Difference with its variance, z and p.

    ``cdb``/``cda`` are the buffer's own control counts; without them the target's control
    serves both, and its variance counts four times.
    """
    d_t, d_d, d_c = c.ra - c.rb, c.da - c.db, c.ca - c.cb
    if cdb is None or cda is None:
        value = d_t + d_d - 2 * d_c
        var = c.ra + c.rb + c.da + c.db + 4 * (c.ca + c.cb)
    else:
        value = d_t - d_c + d_d - (cda - cdb)
        var = c.ra + c.rb + c.da + c.db + c.ca + c.cb + cda + cdb
    z = value / math.sqrt(var) if var > 0 else 0.0
    return {"wdd": float(value), "variance": float(var), "z": z, "p": 2 * norm.sf(abs(z))}


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


def displacement(w: dict[str, Any]) -> str | None:
    """The one displacement claim, from the WDQ: "moved", "diffusion", "none", or None
    when the WDQ is not meaningful (harm did not fall in the target, or no control).
    """
    q = w.get("wdq")
    if q is None:
        return None
    if abs(q) <= WDQ_DEAD_BAND:
        return "none"
    return "diffusion" if q > 0 else "moved"


def wdd_matched(c: Counts, sc: SynthResult) -> dict[str, Any]:
    """WDD against the matched comparison, scaled to the target's and the buffer's own
    before-levels (Wheeler & Ratcliffe 2018 intend a control of similar size).

    The comparison's change r = after / before; the target's control expects Rb * r after,
    the buffer's Db * r. Variance: the four counts plus the comparison's Poisson variance
    (on the target's scale, rescaled to target + buffer).
    """
    if sc.comparison_before <= 0:
        return {"wdd": float("nan"), "variance": float("nan"), "z": float("nan"),
                "p": float("nan"), "comparison": "matched"}
    r = sc.comparison_after / sc.comparison_before
    value = (c.ra - c.rb * r) + (c.da - c.db * r)
    k = (c.rb + c.db) / c.rb if c.rb > 0 else 1.0
    var = c.ra + c.rb + c.da + c.db + k**2 * sc.comparison_variance
    z = value / math.sqrt(var) if var > 0 else 0.0
    return {"wdd": float(value), "variance": float(var), "z": z, "p": 2 * norm.sf(abs(z)),
            "comparison": "matched"}


def verdict_common_trend(sufficient: bool, res: ItsResult | None,
                         sc: SynthResult | None) -> tuple[str, str]:
    """The decision rule (docs/methods.md): one of :data:`VERDICTS` and the rule that decided.

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


def verdict(sufficient: bool, res: SegmentedResult | None,
            sc: SynthResult | None) -> tuple[str, str]:
    """The decision rule (docs/methods.md): one of :data:`VERDICTS` and the rule that decided.

    1. too little data: the target's counts are below the minimum (no estimate);
    2. comparison too poor: no matched comparison (fewer than ``MIN_DONORS`` donors or
       before-months), a poor before-period fit, the comparison drifted apart before the
       start (placebo in time, :mod:`geo.stats.synth`), or the place was already changing
       relative to its surrounding area before the start (the parallel-paths test of
       :func:`geo.stats.segmented.segmented`);
    3. reduced / increased: the 95 % interval of the segmented estimate (own trend,
       overdispersion and autocorrelation allowed for) excludes 0 and the matched
       comparison's effect has the same sign;
    4. otherwise no clear change.

    The placebo in space is reported but no longer decides (one pre-specified estimator,
    issue #30; it did not guard against the traps the simulation sets).
    """
    if not sufficient or res is None:
        return "too little data", "counts below the minimum"
    if sc is None:
        return "comparison too poor", "no matched comparison"
    if sc.poor_fit:
        return "comparison too poor", "poor before-period fit"
    if sc.time_drift:
        return "comparison too poor", "placebo in time"
    if res.already_changing:
        return "comparison too poor", "already changing"
    clear = res.level_high < 0 or res.level_low > 0
    agree = math.copysign(1, sc.effect) == math.copysign(1, res.level_change)
    if clear and agree:
        return ("reduced" if res.level_change < 0 else "increased"), "interval excludes 0"
    if not clear:
        return "no clear change", "interval includes 0"
    return "no clear change", "measures disagree"


def buffer_change(buffer: np.ndarray, control: np.ndarray,
                  post: np.ndarray) -> SegmentedResult | None:
    """The buffer ring's change against the control: the same honest interval as the
    target's (overdispersion, autocorrelation), as a level comparison without the ring's
    own trend and without the spike check: the ring was not chosen for its trend or a
    spike, and at a few incidents a month a trend cannot be estimated from it."""
    return segmented(buffer, control, post, check_spike=False, own_trend=False)


def displacement_claim(w: dict[str, Any], buf: SegmentedResult | None) -> str | None:
    """The one displacement claim: "moved" or "diffusion" only when the WDQ says so
    **and** the buffer ring's own change is distinguishable from zero (its 95 % interval
    excludes 0, :func:`buffer_change`); "unclear" when the WDQ points one way but the
    ring's change is within chance; "none" when the WDQ is within the dead band; None when
    the WDQ is not meaningful."""
    d = displacement(w)
    if d in (None, "none"):
        return d
    if buf is None:
        return "unclear"
    if d == "moved" and buf.level_low > 0:
        return "moved"
    if d == "diffusion" and buf.level_high < 0:
        return "diffusion"
    return "unclear"


@dataclass
class Impact:
    """Everything a page or the command line shows for one intervention."""

    intervention: str
    place: str
    counts: Counts
    sufficient: bool
    sentence: str
    wdq: dict[str, Any] = field(default_factory=dict)
    total_net_effect: float | None = None
    wdd: dict[str, Any] = field(default_factory=dict)
    its: SegmentedResult | None = None
    verdict: str = "too little data"
    rule: str = ""
    displacement: str | None = None
    synthetic: SynthResult | None = None
    wdd_surrounding: dict[str, float] = field(default_factory=dict)
    intervention_type: str = ""
    #: the six counts as the viewer may see them (geo.services.interventions.published_impact)
    counts_text: dict[str, str] = field(default_factory=dict)
    #: the buffer ring's change against the control (:func:`buffer_change`)
    buffer: SegmentedResult | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["its"] = self.its.as_dict() if self.its else None
        out["buffer"] = self.buffer.as_dict() if self.buffer else None
        out["synthetic"] = self.synthetic.as_dict() if self.synthetic else None
        return out


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.0f}%"


def _signed_pct(x: float) -> str:
    """A signed percentage; one that rounds to zero is "0%", never "-0%" or "+0%"."""
    p = round(x * 100)
    return "0%" if p == 0 else f"{p:+d}%"


def _could_detect(res: SegmentedResult, action: str) -> str:
    """What the comparison could have detected, in plain words."""
    fall = (f"a fall of {_pct(res.mde)} or more" if math.isfinite(res.mde)
            else "no fall at all")
    rise = (f"a rise of {_pct(res.mde_rise)} or more" if math.isfinite(res.mde_rise)
            else "no rise")
    return (f"this comparison could only have detected {fall} (or {rise}), 4 times in 5")


def _left_out_clause(res: SegmentedResult, action: str) -> str:
    if not res.left_out:
        return ""
    months = f"{res.left_out} month" + ("s" if res.left_out != 1 else "")
    if res.spike:
        return (f"; the {months} just before {action} began were unusually high and were "
                f"left out (a spike tends to fall back on its own)")
    return f"; the last {months} before {action} began were left out"


def _sensitivity_clause(res: SegmentedResult, action: str, fell: bool) -> str:
    if res.breakdown_slope is None:
        return ""
    what = "fall" if fell else "rise"
    bend = (f"{res.breakdown_slope * 100:.1f}%" if res.breakdown_slope >= 0.001
            else "less than 0.1%")
    return (f"; the {what} would be explained away if the place's own trend had bent by "
            f"{bend} a month just as {action} began")


def _moved_clause(d: str | None, w: dict[str, Any]) -> str:
    return {
        None: "",
        "moved": f"; some harm appears to have moved to the surrounding streets "
                 f"(WDQ {w.get('wdq') or 0:.2f}, their rise beyond chance)",
        "diffusion": "; the surrounding streets saw less harm too (diffusion of benefit)",
        "none": "; no sign that harm moved to the surrounding streets",
        "unclear": f"; the surrounding streets' change is within chance (WDQ "
                   f"{w.get('wdq') or 0:.2f}): no clear sign that harm moved there",
    }[d]


def sentence(
    place: str,
    action: str,
    months_after: int,
    c: Counts,
    w: dict[str, Any],
    res: SegmentedResult | None,
    sufficient: bool,
    fmt: Callable[[int], str] = str,
    sc: SynthResult | None = None,
    decided: tuple[str, str] | None = None,
    moved: str | None = None,
) -> str:
    """One plain sentence a board member can read (counts written with ``fmt``), saying
    the verdict of :func:`verdict`, its reason, what the comparison could have detected
    and, for a reduction, the displacement claim ``moved`` (:func:`displacement_claim`)."""
    v, rule = decided or verdict(sufficient, res, sc)
    if (v == "too little data" or res is None) and (
            c.rb + c.ra >= MIN_TARGET_INCIDENTS and c.rb >= MIN_BEFORE_INCIDENTS):
        return (f"No estimate for {action} at {place} ({fmt(c.rb)} incidents before, "
                f"{fmt(c.ra)} after): too few incidents on one side of the start, or in the "
                "surrounding area, for the model to put an interval on the change.")
    if v == "too little data" or res is None:
        return (
            f"Too little data to say whether harm changed at {place}: "
            f"{fmt(c.rb)} {'incident' if fmt(c.rb) == '1' else 'incidents'} in the period "
            f"before {action} began and {fmt(c.ra)} after "
            f"(at least {MIN_TARGET_INCIDENTS} are needed)."
        )
    if v == "comparison too poor":
        if rule == "already changing":
            way = "falling" if res.pretrend < 0 else "rising"
            return (f"No verdict on {action} at {place}: comparison too poor: the place was "
                    f"already changing (its incidents were {way} by about "
                    f"{_pct(res.pretrend)} a month relative to the surrounding area before "
                    f"{action} began, p = {res.pretrend_p:.2f}), so a change after it cannot "
                    f"be told from the change already under way.")
        if sc is None:
            why = ("fewer than enough places or areas without an intervention had incidents "
                   "to build a comparison from")
        elif rule == "poor before-period fit":
            why = (f"no mix of places and areas without an intervention followed its incidents "
                   f"before {action} began (fit error {sc.pre_rmspe:.2f}, "
                   f"{sc.noise_floor:.2f} expected by chance)")
        else:
            why = (f"the matched comparison had already drifted apart before {action} began "
                   f"(a fake earlier start shows a change, p = {sc.time_placebo_p:.2f})")
        return f"No verdict on {action} at {place}: {why}."
    lo, hi = sorted((res.level_low, res.level_high))
    left = _left_out_clause(res, action)
    if v == "reduced":
        head = (
            f"Incidents at {place} fell by {_pct(res.level_change)} (95% CI "
            f"{abs(res.level_high) * 100:.0f}–{_pct(res.level_low)}) in the {months_after} months "
            f"after {action} began, compared with the surrounding area and its own earlier "
            f"trend{left}{_sensitivity_clause(res, action, True)}"
        )
    elif v == "increased":
        head = (
            f"Incidents at {place} rose by {_pct(res.level_change)} (95% CI "
            f"{res.level_low * 100:.0f}–{_pct(res.level_high)}) in the {months_after} months "
            f"after {action} began, compared with the surrounding area and its own earlier "
            f"trend{left}{_sensitivity_clause(res, action, False)}"
        )
    else:
        head = (
            f"No clear change in incidents at {place} in the {months_after} months after "
            f"{action} began ({fmt(c.rb)} before, {fmt(c.ra)} after; 95% CI "
            f"{_signed_pct(lo)} to {_signed_pct(hi)}"
        )
        if rule == "measures disagree":
            head += "; the matched comparison points the other way"
        head += f"){left}; this is not evidence that it did not work: {_could_detect(res, action)}"
        return head + "."
    tail = _moved_clause(moved, w) if v == "reduced" else ""
    return f"{head}{tail}; {_could_detect(res, action)}."


def assess(intervention: str, place: str, action: str, monthly: pd.DataFrame,
           fmt: Callable[[int], str] = str, donors: pd.DataFrame | None = None,
           kind: str = "", leave_out: int = 0) -> Impact:
    """The full impact of one intervention from its monthly series.

    ``monthly`` has one row per month (start month already excluded) with columns
    ``month`` (timestamps), ``post`` (bool), ``target``, ``buffer``, ``control``.
    ``donors`` (optional) has one column per donor (places and areas without an
    intervention in the window) and one row per month of ``monthly``, for the matched
    comparison and its placebo tests; without it the verdict is "comparison too poor".
    ``leave_out``: the last before-months left out of the estimate (besides a spike,
    which is left out whatever this says).
    """
    post = monthly["post"].to_numpy(dtype=bool)
    target = monthly["target"].to_numpy()
    buffer = monthly["buffer"].to_numpy()
    control = monthly["control"].to_numpy()
    c = Counts(
        int(target[~post].sum()),
        int(target[post].sum()),
        int(buffer[~post].sum()),
        int(buffer[post].sum()),
        int(control[~post].sum()),
        int(control[post].sum()),
    )
    months_after = int(post.sum())
    sufficient = (
        c.rb + c.ra >= MIN_TARGET_INCIDENTS
        and c.rb >= MIN_BEFORE_INCIDENTS
        and months_after < post.size
        and months_after > 0
    )
    w = wdq(c)
    res = None
    sc = None
    buf = None
    if sufficient:
        res = segmented(target, control, post, leave_out=leave_out)
        sufficient = res is not None
    if sufficient:
        buf = buffer_change(buffer, control, post)
        if donors is not None and donors.shape[1] > 0:
            sc = synthetic_control(
                target,
                donors.to_numpy(dtype=float).T,
                post,
                [str(x) for x in donors.columns],
            )
    decided = verdict(sufficient, res, sc)
    moved = displacement_claim(w, buf) if decided[0] == "reduced" else None
    if moved == "unclear":
        w = w | {"reading": f"{w['reading']} (not distinguishable from chance)"}
    surrounding = wdd(c)
    return Impact(
        intervention,
        place,
        c,
        sufficient,
        sentence(place, action, months_after, c, w, res, sufficient, fmt, sc, decided, moved),
        w,
        total_net_effect(c),
        wdd_matched(c, sc) if sc is not None else surrounding,
        res,
        decided[0],
        decided[1],
        moved,
        sc,
        surrounding,
        kind,
        buffer=buf,
    )
