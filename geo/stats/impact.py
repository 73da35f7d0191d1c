"""Did it work? The effect of an intervention at a place, from monthly counts: the
verdict (:func:`verdict`), its plain sentence (:func:`sentence`) and everything a page
shows for one intervention (:func:`assess`), each a pure function of counts.

The estimate is the segmented regression of :mod:`geo.stats.segmented` (the place's own
trend, overdispersion and autocorrelation allowed for), checked against the matched
comparison of :mod:`geo.stats.synth`; displacement to the surrounding streets is measured
by :mod:`geo.stats.displacement` (WDQ, total net effect, WDD).

A result states the data it rests on, and says "too little data" below
:data:`MIN_TARGET_INCIDENTS` target incidents (before and after together) or
:data:`MIN_BEFORE_INCIDENTS` before, rather than print a number from three incidents.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from geo.stats.displacement import (
    Counts,
    buffer_change,
    displacement_claim,
    total_net_effect,
    wdd,
    wdd_matched,
    wdq,
)
from geo.stats.segmented import SegmentedResult, segmented
from geo.stats.synth import SynthResult, synthetic_control

#: below these the result is "too little data to say"
MIN_TARGET_INCIDENTS = 20
MIN_BEFORE_INCIDENTS = 10
VERDICTS = ("reduced", "no clear change", "increased", "too little data",
            "comparison too poor")


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
    #: the buffer ring's change against the control
    #: (:func:`geo.stats.displacement.buffer_change`)
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
    and, for a reduction, the displacement claim ``moved``
    (:func:`geo.stats.displacement.displacement_claim`)."""
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
