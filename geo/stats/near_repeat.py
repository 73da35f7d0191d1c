"""Near repeat: after an incident, is another nearby soon more likely than chance says?

The Knox test with Monte Carlo significance, as Ratcliffe's Near Repeat Calculator (NRC;
Ratcliffe 2009, after Knox 1964 and Johnson et al. 2007) computes it:

* every pair of incidents falls in one cell of a table of **space bands** (rows: the same
  location, then 1 to ``bw`` metres, ``bw`` + 1 to 2 ``bw``, ..., and "further") by
  **time bands** (columns: 0 to ``tw`` days, ``tw`` + 1 to 2 ``tw``, ..., and "later");
* the **observed** table counts the pairs; the **expected** table is the mean of the tables
  given by the same places with their dates shuffled among them (each permutation keeps
  where harm happened and when, and breaks only which happened when *where*);
* the **Knox ratio** of a cell is observed / expected (above 1: more pairs close in space
  and time than the places and dates alone explain), and its **pseudo p-value** is
  (1 + permutations with at least the observed count) / (1 + permutations), as the NRC.

Vectorised: the pairs within the largest band come from a k-d tree
(:class:`scipy.spatial.cKDTree`) once; each permutation only recomputes their time gaps.
The pairs further apart than every band are not enumerated: their count in a time band is
all pairs' count in it (fixed under any permutation of the dates, found by sorting the
dates) less the pairs within the bands.

:func:`window` turns the table into the one sentence practitioners use ("after an
incident, another within 200 m is 2.1 times as likely in the next 14 days"): the nearest
space band and the first time band, extended outwards while the next band is itself
significantly raised, and the ratio and p-value of the whole window from the same
permutations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

#: a cell is called raised when p <= ALPHA and its Knox ratio >= RAISED (the NRC's
#: guidance: ratios above 1.2 that are significant at 5 %)
ALPHA = 0.05
RAISED = 1.2
#: fewer incidents than this and the test refuses (the NRC's tables over a handful of
#: pairs say nothing)
MIN_INCIDENTS = 30


@dataclass(frozen=True)
class KnoxTable:
    """The result of :func:`knox`: tables indexed by space band (rows) x time band (columns).

    ``observed`` and ``expected`` are pair counts, ``ratio`` the Knox ratio (NaN where the
    expected count is 0), ``p`` the pseudo p-value; ``sims`` holds each permutation's table
    (permutations x rows x columns), so any union of cells can be tested (:func:`window`).
    """

    space_edges: NDArray[np.float64]
    time_edges: NDArray[np.int64]
    same_location: bool
    observed: NDArray[np.int64]
    sims: NDArray[np.int64]
    n_incidents: int
    #: what the times count: "days", or "months" when incidents carry only a month
    unit: str = "days"

    @property
    def expected(self) -> NDArray[np.float64]:
        return np.asarray(self.sims.mean(axis=0), dtype=float)

    @property
    def ratio(self) -> NDArray[np.float64]:
        e = self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(e > 0, self.observed / np.where(e > 0, e, 1.0), np.nan)

    @property
    def p(self) -> NDArray[np.float64]:
        n_perm = self.sims.shape[0]
        at_least = (self.sims >= self.observed[None, :, :]).sum(axis=0)
        return np.asarray((1.0 + at_least) / (1.0 + n_perm), dtype=float)

    @property
    def space_labels(self) -> list[str]:
        e = self.space_edges
        out = ["same location"] if self.same_location else []
        lo = 0 if not self.same_location else 1
        for k in range(e.size):
            out.append(f"{lo:g} to {e[k]:g} m")
            lo = int(e[k]) + 1
        return out + [f"more than {e[-1]:g} m"]

    @property
    def time_labels(self) -> list[str]:
        e = self.time_edges
        out, lo = [], 0
        for k in range(e.size):
            out.append(f"{lo} to {e[k]} {self.unit}")
            lo = int(e[k]) + 1
        return out + [f"more than {e[-1]} {self.unit}"]

    def frame(self) -> pd.DataFrame:
        """One row per cell: ``space``, ``time``, ``observed``, ``expected``, ``ratio``,
        ``p`` and ``raised`` (significantly more pairs than chance: p <= 0.05, ratio >= 1.2)."""
        rows, cols = self.observed.shape
        s, t = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        ratio, p = self.ratio, self.p
        return pd.DataFrame({
            "space": np.asarray(self.space_labels, dtype=object)[s.ravel()],
            "time": np.asarray(self.time_labels, dtype=object)[t.ravel()],
            "space_band": s.ravel(), "time_band": t.ravel(),
            "observed": self.observed.ravel(), "expected": self.expected.ravel(),
            "ratio": ratio.ravel(), "p": p.ravel(),
            "raised": ((p <= ALPHA) & (ratio >= RAISED)).ravel(),
        })


def _days(times: ArrayLike) -> NDArray[np.int64]:
    t = np.asarray(times)
    if np.issubdtype(t.dtype, np.datetime64):
        return np.asarray(t.astype("datetime64[D]").astype(np.int64), dtype=np.int64)
    return np.asarray(np.floor(t.astype(float)), dtype=np.int64)


def _time_band(dt: NDArray[np.int64], edges: NDArray[np.int64]) -> NDArray[np.int64]:
    """The time band of integer day gaps: 0..edges[0] is band 0, edges[k-1]+1..edges[k]
    band k, later than edges[-1] the last band (index edges.size)."""
    if edges.size and np.array_equal(edges, edges[0] * np.arange(1, edges.size + 1)):
        # equal bands (the NRC's): the same band by arithmetic, a few times faster than a
        # search over the millions of pairs of each permutation
        return np.asarray(np.clip((dt - 1) // edges[0], 0, edges.size), dtype=np.int64)
    return np.asarray(np.searchsorted(edges, dt, side="left"), dtype=np.int64)


def _space_band(d: NDArray[np.float64], edges: NDArray[np.float64],
                same_location: bool) -> NDArray[np.int64]:
    """The space band of distances: with ``same_location`` row 0 is d == 0 (to the
    centimetre) and the bands follow; a distance on an edge belongs to the band it ends."""
    band = np.searchsorted(edges, d, side="left").astype(np.int64)
    if same_location:
        band = np.where(d < 0.01, 0, band + 1)
    return np.asarray(band, dtype=np.int64)


def _time_totals(days: NDArray[np.int64], edges: NDArray[np.int64]) -> NDArray[np.int64]:
    """All pairs' counts per time band (the same for every permutation of the dates)."""
    s = np.sort(days)
    n = s.size
    below = np.zeros(edges.size + 1, dtype=np.int64)  # pairs with gap <= edge
    for k, e in enumerate(edges):
        # for each i, the j > i with s[j] - s[i] <= e
        upto = np.searchsorted(s, s + e, side="right")
        below[k] = int((upto - np.arange(1, n + 1)).sum())
    below[-1] = n * (n - 1) // 2
    return np.diff(np.concatenate([[0], below]))


def knox(xy: ArrayLike, times: ArrayLike, *, space_bw: float = 200.0, space_bands: int = 5,
         time_bw: int = 14, time_bands: int = 5, same_location: bool = True,
         permutations: int = 99, seed: int = 0,
         perms: NDArray[np.int64] | None = None, unit: str = "days") -> KnoxTable:
    """The Knox table of incidents at ``xy`` (metres, n x 2) on ``times`` (dates or days).

    Bands as the NRC: ``space_bands`` of ``space_bw`` metres (plus the same location, if
    ``same_location``, and "further"), ``time_bands`` of ``time_bw`` days (plus "later").
    ``permutations`` shuffles of the dates (seeded), or the explicit index permutations
    ``perms`` (permutations x n; e.g. all of them, for an exact expectation). ``unit``
    names what ``times`` count when they are plain numbers ("months": month indices).
    """
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    days = _days(times)
    n = pts.shape[0]
    if days.size != n:
        raise ValueError("xy and times differ in length")
    s_edges = space_bw * np.arange(1, space_bands + 1, dtype=float)
    t_edges = time_bw * np.arange(1, time_bands + 1, dtype=np.int64)
    rows = space_bands + 1 + int(same_location)
    cols = time_bands + 1
    if perms is None:
        rng = np.random.default_rng(seed)
        perms = np.stack([rng.permutation(n) for _ in range(permutations)]) if permutations \
            else np.zeros((0, n), dtype=np.int64)
    perms = np.asarray(perms, dtype=np.int64)

    if n >= 2:
        pairs = cKDTree(pts).query_pairs(float(s_edges[-1]), output_type="ndarray")
    else:
        pairs = np.zeros((0, 2), dtype=np.int64)
    i, j = pairs[:, 0], pairs[:, 1]
    d = np.hypot(*(pts[i] - pts[j]).T)
    sband = _space_band(d, s_edges, same_location)
    totals = _time_totals(days, t_edges)

    scell = sband * cols

    def table(t: NDArray[np.int64]) -> NDArray[np.int64]:
        tband = _time_band(np.abs(t[i] - t[j]), t_edges)
        near = np.bincount(scell + tband, minlength=(rows - 1) * cols)
        near = near.reshape(rows - 1, cols)
        return np.vstack([near, totals - near.sum(axis=0)])

    observed = table(days)
    sims = np.stack([table(days[p]) for p in perms]) if len(perms) else \
        np.zeros((0, rows, cols), dtype=np.int64)
    return KnoxTable(s_edges, t_edges, same_location, observed, sims, n, unit)


@dataclass(frozen=True)
class Window:
    """The near-repeat window: within ``metres`` and ``days`` of an incident, another is
    ``ratio`` times as likely as chance (pseudo p-value ``p``); None fields when no
    window is raised."""

    metres: float | None
    days: int | None
    ratio: float | None
    p: float | None
    observed: int
    expected: float
    unit: str = "days"


def window(k: KnoxTable) -> Window:
    """The near-repeat window of a Knox table.

    Starts from the nearest distinct-location band (1 to ``bw`` m; the same location is a
    repeat, not a near repeat) and the first time band; when that cell is raised
    (p <= 0.05 and ratio >= 1.2), extends in time along it and in space along the first
    time band while the next cell is raised too; the window's ratio and p come from the
    summed cells of the observed and permuted tables.
    """
    r0 = int(k.same_location)
    raised = (k.p <= ALPHA) & (k.ratio >= RAISED)
    last_s = k.space_edges.size + r0 - 1  # the last real band (not "further")
    last_t = k.time_edges.size - 1
    if not raised[r0, 0]:
        o = int(k.observed[r0, 0])
        return Window(None, None, None, None, o, float(k.expected[r0, 0]), k.unit)
    s = r0
    while s < last_s and raised[s + 1, 0]:
        s += 1
    t = 0
    while t < last_t and raised[r0, t + 1]:
        t += 1
    o = int(k.observed[r0:s + 1, :t + 1].sum())
    sims = k.sims[:, r0:s + 1, :t + 1].sum(axis=(1, 2))
    e = float(sims.mean())
    p = float((1 + (sims >= o).sum()) / (1 + sims.size))
    return Window(float(k.space_edges[s - r0]), int(k.time_edges[t]),
                  o / e if e > 0 else None, p, o, e, k.unit)


def sentence(w: Window, ratio_text: str | None = None) -> str:
    """The window in plain words. ``ratio_text`` replaces the ratio as written (e.g. a
    rounded value for partners)."""
    if w.metres is None or w.ratio is None:
        return ("No near-repeat pattern: after an incident, another nearby soon is no more "
                "likely than chance would make it.")
    r = ratio_text if ratio_text is not None else f"{w.ratio:.1f}"
    unit = w.unit.removesuffix("s") if w.days == 1 else w.unit
    return (f"After an incident, another within {w.metres:g} m is {r} times as likely "
            f"in the next {w.days} {unit}.")
