"""Risk terrain: which features of the landscape harm gathers near, and by how much.

Risk terrain modelling as Caplan & Kennedy describe it (Caplan, Kennedy & Miller 2011;
Kennedy, Caplan & Piza 2011; the RTMDx diagnostics of Caplan & Kennedy 2016):

* the area is a **grid** of small cells (here the project's hexagons, at a size chosen for
  the question: 100 m by default, about half a street block), each with its incident count;
* every **feature layer** (a place category such as railway stations, or points or polygons
  an analyst loads: fast-food outlets, parks, schools) is **operationalised** as candidate
  binary variables, one per distance tested: *proximity* (the cell's centre within d metres
  of the nearest feature) and *density* (the number of features within d of the centre at
  least two standard deviations above its mean over the grid, RTMDx's "high density");
* **selection** as RTMDx: candidates enter by bidirectional stepwise regression on the
  Bayesian information criterion (BIC), at most one operationalisation a feature, only
  with a positive coefficient (a *risk* factor; RTMDx's default), in a negative binomial
  model when the counts are overdispersed and a Poisson model when not; a step changes the
  model only when it lowers the BIC, so a variable must buy its place by at least log(n)
  of deviance (a penalty ≈ chi-square p < 0.005 at n = 3,000 cells);
* each selected factor's **relative risk value** (RRV) = exp(coefficient), with a 95 %
  interval: harm is RRV times as likely in a cell with the factor as in one without, the
  others held equal; the **risk map** is each cell's exp(Xβ), the product of its factors'
  RRVs (1 where none is present).

Pure: arrays in, frames out. The distances to polygons come in as arrays (the caller
measures them: :func:`geo.services.why` with shapely).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

#: the distances tested (metres), as RTMDx tests multiples of a block length
DISTANCES = (100.0, 200.0, 300.0, 400.0)
#: a density variable is "high" at mean + HIGH_SD standard deviations (RTMDx: 2)
HIGH_SD = 2.0
#: below this many incidents, or with fewer cells than this, no model (too little data)
MIN_INCIDENTS = 50
MIN_CELLS = 50
#: overdispersion above which the negative binomial model is used (its alpha > this)
NB_ALPHA = 0.05
#: a candidate present in fewer cells than this is not tested (no information)
MIN_PRESENT = 5


@dataclass(frozen=True)
class Candidate:
    """One operationalisation of a feature layer: a 0/1 value per cell."""

    feature: str
    kind: str  # "proximity" or "density"
    metres: float
    x: NDArray[np.float64]

    @property
    def name(self) -> str:
        return f"{self.feature}|{self.kind}|{self.metres:g}"


def nearest_distance(centres: ArrayLike, points: ArrayLike) -> NDArray[np.float64]:
    """Each cell centre's distance (m) to the nearest point (inf with no points)."""
    c = np.asarray(centres, dtype=float).reshape(-1, 2)
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    if p.shape[0] == 0:
        return np.full(c.shape[0], np.inf)
    d, _ = cKDTree(p).query(c, k=1)
    return np.asarray(d, dtype=float)


def counts_within(centres: ArrayLike, points: ArrayLike, metres: float) -> NDArray[np.float64]:
    """How many points lie within ``metres`` of each cell centre."""
    c = np.asarray(centres, dtype=float).reshape(-1, 2)
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    if p.shape[0] == 0:
        return np.zeros(c.shape[0])
    found = cKDTree(p).query_ball_point(c, r=metres, return_length=True)
    return np.asarray(found, dtype=float)


def candidates(feature: str, distance: ArrayLike, counts: dict[float, ArrayLike] | None = None,
               distances: tuple[float, ...] = DISTANCES) -> list[Candidate]:
    """The candidate variables of one feature layer: proximity at each of ``distances``
    from ``distance`` (each cell's distance to the nearest feature), and density at each
    distance from ``counts`` (features within d of each cell, by d; points only)."""
    d = np.asarray(distance, dtype=float)
    out = [Candidate(feature, "proximity", m, (d <= m).astype(float)) for m in distances]
    for m, c in (counts or {}).items():
        v = np.asarray(c, dtype=float)
        sd = float(v.std())
        if sd > 0:
            out.append(Candidate(feature, "density", float(m),
                                 (v >= v.mean() + HIGH_SD * sd).astype(float)))
    return [c for c in out if MIN_PRESENT <= c.x.sum() <= c.x.size - MIN_PRESENT]


@dataclass
class RiskTerrain:
    """A fitted risk terrain model (:func:`fit`)."""

    factors: pd.DataFrame  # feature, kind, metres, rrv, low, high, coef, se, p, cells
    family: str  # "negative binomial", "Poisson" or "" (no model)
    alpha: float  # the negative binomial's dispersion (0 for Poisson)
    bic: float
    null_bic: float
    n_cells: int
    n_incidents: int
    tested: int
    refused: str = ""
    risk: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    steps: list[str] = field(default_factory=list)


def _fit(y: NDArray[np.float64], x: NDArray[np.float64], alpha: float,
         offset: NDArray[np.float64] | None) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                       float]:
    """A Poisson (alpha 0) or negative binomial (alpha fixed) GLM: coefficients, standard
    errors and log-likelihood."""
    import statsmodels.api as sm

    family = (sm.families.Poisson() if alpha <= 0
              else sm.families.NegativeBinomial(alpha=alpha))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = sm.GLM(y, x, family=family, offset=offset).fit()
    return (np.asarray(r.params, dtype=float), np.asarray(r.bse, dtype=float),
            float(r.llf))


def irls(y: NDArray[np.float64], x: NDArray[np.float64], alpha: float,
         offset: NDArray[np.float64] | None = None, iterations: int = 50,
         tol: float = 1e-10) -> tuple[NDArray[np.float64], float]:
    """A Poisson (``alpha`` 0) or negative binomial (NB2, ``alpha`` fixed) regression with
    the log link by iteratively reweighted least squares: coefficients and log-likelihood.
    The stepwise search fits hundreds of small models; this is the same estimate as
    statsmodels' GLM (tested) without its per-fit overhead."""
    from scipy.special import gammaln

    off = np.zeros(y.size) if offset is None else offset
    mu = (y + y.mean()) / 2.0 + 1e-3
    eta = np.log(mu)
    beta = np.zeros(x.shape[1])
    last = -np.inf
    llf = -np.inf
    for _ in range(iterations):
        w = mu / (1.0 + alpha * mu)
        z = eta - off + (y - mu) / mu
        xw = x * w[:, None]
        beta = np.linalg.solve(xw.T @ x + 1e-12 * np.eye(x.shape[1]), xw.T @ z)
        eta = np.clip(x @ beta + off, -30.0, 30.0)
        mu = np.exp(eta)
        if alpha > 0:
            r = 1.0 / alpha
            llf = float(np.sum(gammaln(y + r) - gammaln(r) - gammaln(y + 1.0)
                               + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))))
        else:
            llf = float(np.sum(y * eta - mu - gammaln(y + 1.0)))
        if abs(llf - last) < tol * (1.0 + abs(llf)):
            break
        last = llf
    return beta, llf


def _alpha(y: NDArray[np.float64], x: NDArray[np.float64],
           offset: NDArray[np.float64] | None) -> float:
    """The negative binomial dispersion (NB2, maximum likelihood) given columns ``x``;
    0 when the counts are not overdispersed (alpha below :data:`NB_ALPHA`)."""
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = sm.NegativeBinomial(y, x, offset=offset).fit(disp=0, maxiter=200)
            a = float(np.asarray(r.params)[-1])
        except (np.linalg.LinAlgError, ValueError):
            return 0.0
    return a if np.isfinite(a) and a > NB_ALPHA else 0.0


def _bic(llf: float, k: int, n: int, alpha: float) -> float:
    return -2.0 * llf + (k + (1 if alpha > 0 else 0)) * math.log(n)


def fit(y: ArrayLike, cands: list[Candidate], offset: ArrayLike | None = None,
        max_steps: int = 20) -> RiskTerrain:
    """Select and estimate a risk terrain model of cell counts ``y`` on ``cands``.

    ``offset``: log exposure per cell (e.g. the log of its share inside the area, for
    hexagons cut by the boundary), or None. Refuses ("too little data") below
    :data:`MIN_INCIDENTS` incidents or :data:`MIN_CELLS` cells.
    """
    yy = np.asarray(y, dtype=float)
    n = yy.size
    off = None if offset is None else np.asarray(offset, dtype=float)
    empty = pd.DataFrame(columns=["feature", "kind", "metres", "rrv", "low", "high", "coef",
                                  "se", "p", "cells"])
    if n < MIN_CELLS or yy.sum() < MIN_INCIDENTS:
        return RiskTerrain(empty, "", 0.0, float("nan"), float("nan"), n, int(yy.sum()),
                           len(cands), refused="too little data", risk=np.ones(n))
    ones = np.ones((n, 1))
    # the family: overdispersion judged given every candidate's best single entry would be
    # costly; judged on the null model, and again at the end on the chosen model
    alpha = _alpha(yy, ones, off)

    def score(cols: list[int], a: float) -> tuple[float, NDArray[np.float64]]:
        x = np.column_stack([ones] + [cands[c].x for c in cols]) if cols else ones
        coef, llf = irls(yy, x, a, off)
        return _bic(llf, x.shape[1], n, a), coef

    null_bic, _ = score([], alpha)
    chosen: list[int] = []
    current = null_bic
    steps: list[str] = []
    for _ in range(max_steps):
        best: tuple[float, str, int] | None = None
        used = {cands[c].feature for c in chosen}
        for c in range(len(cands)):  # forward: the best new factor, one per feature
            if c in chosen or cands[c].feature in used:
                continue
            b, coef = score(chosen + [c], alpha)
            if coef[-1] > 0 and b < current and (best is None or b < best[0]):
                best = (b, "add", c)
        for c in chosen:  # backward: drop a factor that no longer pays its way
            b, _ = score([k for k in chosen if k != c], alpha)
            if b < current and (best is None or b < best[0]):
                best = (b, "drop", c)
        if best is None:
            break
        current = best[0]
        if best[1] == "add":
            chosen.append(best[2])
        else:
            chosen.remove(best[2])
        steps.append(f"{best[1]} {cands[best[2]].name} (BIC {current:.1f})")

    # the final model: the dispersion re-estimated with the chosen factors
    x = np.column_stack([ones] + [cands[c].x for c in chosen]) if chosen else ones
    alpha = _alpha(yy, x, off)
    coef, se, llf = _fit(yy, x, alpha, off)
    # a factor the refit turns non-positive is a risk factor no more (RTMDx keeps risks)
    keep = [k for k in range(len(chosen)) if coef[k + 1] > 0]
    if len(keep) < len(chosen):
        chosen = [chosen[k] for k in keep]
        x = np.column_stack([ones] + [cands[c].x for c in chosen]) if chosen else ones
        coef, se, llf = _fit(yy, x, alpha, off)
    from scipy.stats import norm

    rows = []
    for k, c in enumerate(chosen, start=1):
        rows.append({"feature": cands[c].feature, "kind": cands[c].kind,
                     "metres": cands[c].metres, "rrv": math.exp(coef[k]),
                     "low": math.exp(coef[k] - 1.96 * se[k]),
                     "high": math.exp(coef[k] + 1.96 * se[k]),
                     "coef": coef[k], "se": se[k],
                     "p": float(2 * norm.sf(abs(coef[k] / se[k]))),
                     "cells": int(cands[c].x.sum())})
    factors = pd.DataFrame(rows) if rows else empty
    if rows:
        factors = factors.sort_values("rrv", ascending=False, ignore_index=True)
    risk = np.exp(x[:, 1:] @ coef[1:]) if chosen else np.ones(n)
    return RiskTerrain(factors, "negative binomial" if alpha > 0 else "Poisson", alpha,
                       _bic(llf, x.shape[1], n, alpha), null_bic, n, int(yy.sum()),
                       len(cands), risk=np.asarray(risk, dtype=float), steps=steps)


def factor_sentence(feature_label: str, kind: str, metres: float, rrv_text: str) -> str:
    """One factor in plain words: "harm is 2.4 times as likely within 200 m of a railway
    station" (``feature_label`` written as it reads after "of", e.g. "a railway station")."""
    if kind == "density":
        return (f"Harm is {rrv_text} times as likely where {feature_label} are densest "
                f"(many within {metres:g} m).")
    return f"Harm is {rrv_text} times as likely within {metres:g} m of {feature_label}."
