"""Did harm move? Displacement and diffusion of benefit around an intervention's place,
from the counts before (b) and after (a) in the target (R), the buffer ring (D) and the
control (C). Each a pure function of counts:

* **Weighted Displacement Quotient** (Bowers & Johnson 2003): success = Ra/Ca - Rb/Cb,
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

The one displacement claim a sentence makes is :func:`displacement_claim`: the WDQ's
reading confirmed by the buffer ring's own change (:func:`buffer_change`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import norm

from geo.stats.segmented import SegmentedResult, segmented
from geo.stats.synth import SynthResult

#: a WDQ this close to 0 is read as "no displacement or diffusion" (by the WDQ reading and
#: the sentence alike: :func:`displacement` is the one source of the displacement claim)
WDQ_DEAD_BAND = 0.1


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

