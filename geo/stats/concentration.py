"""Hot spots by rate, and how concentrated and stable harm is (pure functions of arrays).

* **Rates for areas.** Wards and LSOAs differ in size and population, so raw counts make
  big or populous areas "hot". Areas are compared by incidents per 1,000 young people,
  smoothed by global empirical Bayes (Marshall 1991, via ``esda.smoothing.Empirical_Bayes``):
  each area's rate is pulled towards the overall rate, the more so the fewer young people
  live there, so an area of 200 young people with 2 incidents is not the top "hot spot".
  Hexagons are of equal area and keep counts.
* **Labels.** Gi* is a statement about a unit *and its neighbours*. A unit with a high Gi*
  whose own value is below the area's median (or zero) is labelled "hot area around", not
  "hot spot"
  (e.g. a ward with no incidents of its own surrounded by busy ones).
* **Concentration**: the Lorenz curve of harm over area (units ordered by density), the
  Gini coefficient, and the share of harm in the densest 5 % of the area.
* **Stability** between consecutive periods: the share of last period's hot spots still
  hot, and Spearman's rank correlation of the units' values.
* **Forecast accuracy** of last period's hot spots against this period's incidents:
  PAI (Chainey, Tompson & Uhlig 2008) in :func:`geo.stats.hotspots.pai`, PEI* (Hunt 2016;
  White, Hunt & Green 2023) and RRI (Levine 2008) here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import spearmanr

PER = 1000.0
TOP_AREA_SHARE = 0.05
HOT_SPOT = "hot spot"
HOT_AROUND = "hot area around"
COLD_SPOT = "cold spot"
COLD_AROUND = "cold area around"


def eb_rates(counts: ArrayLike, population: ArrayLike, per: float = PER) -> NDArray[np.float64]:
    """Empirical Bayes smoothed rates per ``per`` people (esda's global EB estimator).

    Raises ValueError when any population is missing or not positive: the caller then
    says so and falls back to counts, rather than silently dropping areas.
    """
    from esda.smoothing import Empirical_Bayes

    e = np.asarray(counts, dtype=float)
    b = np.asarray(population, dtype=float)
    if e.size == 0:
        return np.zeros(0)
    if not np.isfinite(b).all() or (b <= 0).any():
        raise ValueError(f"{int((~np.isfinite(b) | (b <= 0)).sum())} areas have no population")
    return np.asarray(Empirical_Bayes(e, b).r, dtype=float).ravel() * per


def raw_rates(counts: ArrayLike, population: ArrayLike, per: float = PER) -> NDArray[np.float64]:
    """Crude rates per ``per`` people (NaN where the population is missing or 0)."""
    e = np.asarray(counts, dtype=float)
    b = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, e / b * per, np.nan)


def labels(bins: ArrayLike, own: ArrayLike) -> NDArray[np.object_]:
    """"hot spot" / "hot area around" / "cold spot" / "cold area around" / "" per unit.

    A unit with a positive Gi* bin is a hot spot only if its own value is above zero and
    at least the median of all units; otherwise it is hot through its neighbours ("hot
    area around"). Mirror rule for cold: a cold spot's own value is at most the median.
    """
    b = np.asarray(bins)
    v = np.asarray(own, dtype=float)
    med = float(np.nanmedian(v)) if v.size else 0.0
    own_hot = (v >= med) & (v > 0)
    out = np.full(b.size, "", dtype=object)
    out[(b > 0) & own_hot] = HOT_SPOT
    out[(b > 0) & ~own_hot] = HOT_AROUND
    out[(b < 0) & (v <= med)] = COLD_SPOT
    out[(b < 0) & ~(v <= med)] = COLD_AROUND
    return out


def lorenz(counts: ArrayLike, areas: ArrayLike | None = None) -> tuple[NDArray[np.float64],
                                                                        NDArray[np.float64]]:
    """Cumulative share of area and of harm, units ordered from the densest down,
    starting at (0, 0). (A concentration curve above the diagonal.)"""
    c = np.asarray(counts, dtype=float)
    a = np.ones(c.size) if areas is None else np.asarray(areas, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(a > 0, c / a, 0.0)
    order = np.argsort(-density, kind="stable")
    ca, cc = a[order].cumsum(), c[order].cumsum()
    ta, tc = ca[-1] if ca.size else 0.0, cc[-1] if cc.size else 0.0
    x = np.r_[0.0, ca / ta] if ta > 0 else np.r_[0.0]
    y = np.r_[0.0, cc / tc] if tc > 0 else np.zeros(x.size)
    return x, y


def gini(counts: ArrayLike, areas: ArrayLike | None = None) -> float:
    """Gini coefficient of harm over area: 0 = spread evenly, 1 = all in one tiny place.
    Twice the area between the concentration curve and the diagonal."""
    x, y = lorenz(counts, areas)
    if x.size < 2 or y[-1] == 0:
        return float("nan")
    under = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    return 2 * under - 1


def share_in_top_area(counts: ArrayLike, areas: ArrayLike | None = None,
                      top: float = TOP_AREA_SHARE) -> float:
    """Share of harm in the densest ``top`` share of the area (the curve read at ``top``,
    interpolated within the unit that straddles it)."""
    x, y = lorenz(counts, areas)
    if x.size < 2 or y[-1] == 0:
        return float("nan")
    return float(np.interp(top, x, y))


def stability(hot_before: ArrayLike, hot_now: ArrayLike, values_before: ArrayLike,
              values_now: ArrayLike) -> dict[str, Any]:
    """Share of last period's hot spots still hot, and Spearman's rho of the values."""
    hb = np.asarray(hot_before, dtype=bool)
    hn = np.asarray(hot_now, dtype=bool)
    vb = np.asarray(values_before, dtype=float)
    vn = np.asarray(values_now, dtype=float)
    still = float((hb & hn).sum() / hb.sum()) if hb.any() else float("nan")
    ok = np.isfinite(vb) & np.isfinite(vn)
    if ok.sum() >= 3 and np.ptp(vb[ok]) > 0 and np.ptp(vn[ok]) > 0:
        rho, p = spearmanr(vb[ok], vn[ok])
        rho, p = float(rho), float(p)
    else:
        rho = p = float("nan")
    return {"hot_before": int(hb.sum()), "still_hot": int((hb & hn).sum()),
            "share_still_hot": still, "spearman": rho, "spearman_p": p}


def forecast_accuracy(hot: ArrayLike, earlier: ArrayLike, later: ArrayLike,
                      areas: ArrayLike | None = None) -> dict[str, float]:
    """How well last period's hot spots (``hot``) forecast this period (``later`` counts).

    * PAI = (n / N) / (a / A): hit rate over area share;
    * PEI* = PAI / PAI*, PAI* the best PAI any set of units with the same area could have
      had, taking the units densest in the later period and leaving out those with no
      incidents (White, Hunt & Green 2023): 1 = as good as hindsight;
    * RRI = (n_later / n_earlier) / (N_later / N_earlier): above 1, harm grew in the hot
      spots faster than elsewhere (the recapture rate index, Levine 2008).
    """
    h = np.asarray(hot, dtype=bool)
    e = np.asarray(earlier, dtype=float)
    c = np.asarray(later, dtype=float)
    a = np.ones(h.size) if areas is None else np.asarray(areas, dtype=float)
    n_total, a_total = c.sum(), a.sum()
    nan = float("nan")
    if not h.any() or n_total <= 0 or a_total <= 0:
        return {"pai": nan, "pei_star": nan, "rri": nan, "hit_rate": nan, "area_share": nan}
    hit = c[h].sum() / n_total
    share = a[h].sum() / a_total
    pai = hit / share
    # PAI*: units by later density, filling the same area, units with no incidents left out
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(a > 0, c / a, 0.0)
    order = [i for i in np.argsort(-density, kind="stable") if c[i] > 0]
    budget, got, used = a[h].sum(), 0.0, 0.0
    for i in order:
        if used >= budget:
            break
        take = min(1.0, (budget - used) / a[i])
        got += take * c[i]
        used += take * a[i]
    pai_star = (got / n_total) / (used / a_total) if used > 0 else nan
    n_before, n_all_before = e[h].sum(), e.sum()
    rri = ((c[h].sum() / n_before) / (n_total / n_all_before)
           if n_before > 0 and n_all_before > 0 else nan)
    return {"pai": float(pai), "pei_star": float(pai / pai_star) if pai_star else nan,
            "rri": float(rri), "hit_rate": float(hit), "area_share": float(share)}
