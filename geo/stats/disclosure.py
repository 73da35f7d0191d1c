"""Disclosure control: the one gate every number a partner or board member sees goes through.

These are data about children. Partners and strategy boards must never learn that 1 to 4
children were harmed in a small area, not even by subtracting one shown number from
another. The gate is the **cell key method** of the ONS (Census 2021) and the ABS
(TableBuilder), with perturbation probabilities built as the ``ptable`` R package builds
them (maximum entropy under a maximum perturbation ``D`` and a variance ``V``):

* every incident carries a fixed, secret, random **record key** 0..255 (a keyed hash of
  its id, computed in the counting queries: ``sql/migrations/0011_cell_keys.sql``);
* a cell (any set of incidents that is counted: a ward in a period, a month, a harm type,
  a total) has the **cell key** = the sum of its records' keys mod 256, which the
  counting queries return beside the count (``ck``); cell keys add, so the key of a total
  is the sum of its parts' keys mod 256, the same as if the total were counted directly;
* the published value is ``n + ptable[min(n, D+1), ck]``: the same cell always gets the
  same answer, however often and in whatever company it is asked for, so the noise does
  not average away over repeated queries, and two different cells get independent noise,
  so a difference of two published cells is the hidden difference plus noise;
* a published value from 0 to k-1 (``CONTEXTS_SUPPRESSION_K``, 5 by default) is shown
  as "<5": a true zero and a count of 1-4 are **one class** (issue #27). A zero stays
  zero under the perturbation and a positive count never becomes zero, so publishing
  zero as itself would let anyone count the non-zero parts of a small cell (the filter
  values, months or day-hour cells it is not "0" in) and read its count;
* a total is perturbed as a cell of its own, never summed from the shown parts;
* percentages and changes are computed from published values and are not shown when
  either side is suppressed.

Analysts and admins (exact views) get the true counts. Every value the pages show for an
aggregate view is a :class:`Published` (or :class:`PublishedCounts`) made here, and the
formatting helpers refuse anything else. See ``docs/disclosure.md`` for the parameters,
the table and the measured cost.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from geo.roles import AGGREGATE_ROLES
from geo.stats.complex_strategy import MIN_PEOPLE

#: record and cell keys are integers 0..KEYS-1
KEYS = 256
#: the perturbation table's parameters: largest change D and variance V of the change
#: (for counts above D; smaller counts get less, see :func:`ptable`)
MAX_PERTURBATION = 3
VARIANCE = 2.0
#: distinct young people at a flagged place are shown as this, never as a number: the
#: complex-strategy threshold
FLAG_PEOPLE = MIN_PEOPLE


# --- the perturbation table -----------------------------------------------------------


@dataclass(frozen=True)
class PTable:
    """A perturbation table for counts: ``change[row, ck]`` is the change of a cell with
    true count ``n`` (row ``min(n, D + 1)``) and cell key ``ck``; ``probs[row]`` are the
    probabilities of the changes ``-D..D`` (multiples of 1/256)."""

    d: int
    v: float
    probs: np.ndarray  # (D + 2, 2D + 1)
    change: np.ndarray  # (D + 2, KEYS)

    def row(self, n: np.ndarray) -> np.ndarray:
        return np.minimum(np.asarray(n, dtype=np.int64), self.d + 1)

    def frame(self) -> pd.DataFrame:
        """The table as published in docs/disclosure.md: one row per true count."""
        cols = [f"{c:+d}" for c in range(-self.d, self.d + 1)]
        out = pd.DataFrame(self.probs * KEYS, columns=cols).astype(int)
        out.insert(0, "count", [str(i) for i in range(self.d + 1)] + [f"{self.d + 1}+"])
        return out


def _max_entropy(support: np.ndarray, variance: float) -> np.ndarray:
    """The distribution on ``support`` of largest entropy with mean 0 and ``variance``
    (p ∝ exp(a v + b v²); found by minimising the convex dual)."""
    v = support.astype(float)

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray]:
        w = lam[0] * v + lam[1] * v * v
        m = w.max()
        e = np.exp(w - m)
        z = e.sum()
        p = e / z
        return m + np.log(z) - lam[1] * variance, np.array([p @ v, p @ (v * v) - variance])

    res = minimize(dual, np.zeros(2), jac=True, method="L-BFGS-B")
    w = res.x[0] * v + res.x[1] * v * v
    p: np.ndarray = np.exp(w - w.max())
    return p / float(p.sum())


def _quantise(p: np.ndarray) -> np.ndarray:
    """Probabilities as whole numbers of 1/256 summing to 256 (largest remainders)."""
    raw = p * KEYS
    out: np.ndarray = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out))[: KEYS - int(out.sum())]:
        out[i] += 1
    return out


@lru_cache(maxsize=8)
def ptable(d: int = MAX_PERTURBATION, v: float = VARIANCE) -> PTable:
    """The perturbation table of maximum perturbation ``d`` and variance ``v``.

    Row 0 keeps zeros at zero. Row n (1..d) may not go below 1, so its changes run from
    1-n to d; with mean zero its variance can be at most (n-1)·d, and it gets
    min(v, (n-1)·d/2) (row 1 therefore never changes: a 1 stays a 1, which is shown as
    "<k" anyway). Rows from d+1 on are all the same: changes -d..d with variance ``v``.
    """
    probs = np.zeros((d + 2, 2 * d + 1))
    probs[0, d] = 1.0
    for n in range(1, d + 2):
        lo = max(1 - n, -d)
        support = np.arange(lo, d + 1)
        var = min(v, (-lo) * d / 2)
        if var <= 0:
            probs[n, d] = 1.0
            continue
        probs[n, lo + d:] = _max_entropy(support, var)
    counts = np.array([_quantise(r) for r in probs])
    change = np.array([np.repeat(np.arange(-d, d + 1), c) for c in counts], dtype=np.int64)
    return PTable(d, v, counts / KEYS, change)


# --- who sees what --------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """What a role may see: exact counts (analysts, admins) or published ones."""

    role: str
    k: int = 5
    d: int = MAX_PERTURBATION
    v: float = VARIANCE

    @property
    def exact(self) -> bool:
        """Exact counts, points, dates and keys (analysts, admins)."""
        return self.role not in AGGREGATE_ROLES

    @property
    def label(self) -> str:
        """The one text of the class of small counts (0 to k-1) for aggregate views."""
        return f"<{self.k}"

    @property
    def words(self) -> str:
        """The class of small counts in running text ("fewer than 5")."""
        return f"fewer than {self.k}"

    @property
    def table(self) -> PTable:
        return ptable(self.d, self.v)


# --- the gate -------------------------------------------------------------------------


#: the audit event (PEP 578, :func:`sys.audit`) the gate raises with the texts it issues
#: (an array or list of str): whoever audits what is shown listens with an audit hook. The
#: page x role test records them (``tests/_gate.py``): every count a partner or board
#: member saw must be one of them. With no hook, raising it costs next to nothing.
ISSUED_EVENT = "contexts.disclosure.issued"


def _issue(texts: Iterable[str]) -> None:
    sys.audit(ISSUED_EVENT, texts)


@dataclass(frozen=True)
class Published:
    """One count as a viewer may see it: ``value`` (None when suppressed) and its text."""

    value: int | None
    text: str
    exact: bool = False

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PublishedCounts:
    """Many counts as a viewer may see them: ``value`` (float, NaN when suppressed) and
    ``text``, in the order of the counts given to :func:`publish`."""

    value: np.ndarray
    text: np.ndarray
    exact: bool = False

    def __len__(self) -> int:
        return int(self.value.size)

    def __getitem__(self, i: int) -> Published:
        v = self.value[i]
        return Published(None if np.isnan(v) else int(v), str(self.text[i]), self.exact)

    def total(self) -> float:
        """Only for exact views: the sum (aggregate views publish totals as cells)."""
        if not self.exact:
            raise TypeError("a published total is a cell of its own: use publish() on it")
        return float(np.nansum(self.value))


@lru_cache(maxsize=1)
def _texts(upto: int = 10_000) -> np.ndarray:
    return np.array([f"{i:,}" for i in range(upto)], dtype=object)


def _fmt(values: np.ndarray) -> np.ndarray:
    """Counts as text with thousands separators (looked up: tables have many cells)."""
    table = _texts()
    small = (values >= 0) & (values < table.size)
    out = np.empty(values.size, dtype=object)
    out[small] = table[values[small]]
    out[~small] = [f"{int(x):,}" for x in values[~small]]
    return out


def publish(n: Any, ck: Any, view: View) -> PublishedCounts:
    """THE gate: true counts ``n`` of cells with cell keys ``ck`` as ``view`` may see them.

    Exact views get the counts. Aggregate views get each cell's perturbed value (the same
    for the same cell, always), with 0..k-1 shown as "<k" and valued NaN: a true zero and
    a small count look the same (issue #27), so no caller can tell them apart.
    """
    n = np.asarray(n, dtype=np.int64).reshape(-1)
    if view.exact:
        return PublishedCounts(n.astype(float), _fmt(n), True)
    if np.any(n < 0):
        raise ValueError("counts cannot be negative")
    ck = np.asarray(ck, dtype=np.int64).reshape(-1) % KEYS
    table = view.table
    p = n + table.change[table.row(n), ck]
    small = p < view.k
    value = np.where(small, np.nan, p).astype(float)
    text = _fmt(p)
    text[small] = view.label
    _issue(text)
    return PublishedCounts(value, text, False)


def publish_one(n: int, ck: int, view: View) -> Published:
    """:func:`publish` of one cell."""
    return publish([n], [ck], view)[0]


def publish_frame(frame: pd.DataFrame, view: View, n: str = "n", ck: str = "ck"
                  ) -> PublishedCounts:
    """:func:`publish` of a frame's count and cell key columns (a frame from a counting
    query, or one aggregated with :func:`cell_sum`)."""
    return publish(frame[n].to_numpy(), frame[ck].to_numpy() if ck in frame else
                   np.zeros(len(frame), np.int64), view)


def cell_sum(frame: pd.DataFrame, by: str | list[str] | None = None, n: str = "n",
             ck: str = "ck") -> pd.DataFrame:
    """Cells merged into bigger cells: counts add, and so do cell keys (mod 256), so the
    merged cell's key is the sum of its records' keys, as if it had been counted whole."""
    if by is None:
        return pd.DataFrame({n: [int(frame[n].sum())],
                             ck: [int(frame[ck].sum()) % KEYS if len(frame) else 0]})
    out = frame.groupby(by, as_index=False)[[n, ck]].sum()
    out[ck] = out[ck] % KEYS
    return out


# --- formatting helpers: they take only what the gate made ----------------------------


def _require(p: Any) -> None:
    if not isinstance(p, Published | PublishedCounts):
        raise TypeError(f"only the disclosure gate's values may be shown, not {type(p).__name__}")


def text(p: Published) -> str:
    """The text of one published count."""
    _require(p)
    return p.text if isinstance(p, Published) else str(p.text[0])


def texts(p: PublishedCounts) -> np.ndarray:
    """The texts of published counts (for tables, tooltips)."""
    _require(p)
    return np.asarray(p.text, dtype=object)


def chart_values(p: PublishedCounts) -> np.ndarray:
    """Published values for charts and colours: NaN where suppressed (0..k-1 for aggregate
    views: one class, drawn alike)."""
    _require(p)
    return np.asarray(p.value, dtype=float)


def change_text(now: Published, before: Published) -> str:
    """The change from ``before`` to ``now`` as a percentage of published values; "n/a"
    when either is suppressed or ``before`` is zero. Never "-0%"."""
    _require(now)
    _require(before)
    if now.value is None or before.value is None or before.value == 0:
        out = "n/a"
    else:
        pct = round((now.value - before.value) / before.value * 100)
        out = "0%" if pct == 0 else f"{pct:+d}%"
    _issue([out])
    return out


def people_text(n: int, view: View) -> str:
    """Distinct young people at a place: exact for exact views; otherwise "3 or more"
    at the flag threshold and above, "fewer than 3" below (never a number)."""
    if view.exact:
        out = f"{int(n):,}"
    else:
        out = f"{FLAG_PEOPLE} or more" if n >= FLAG_PEOPLE else f"fewer than {FLAG_PEOPLE}"
    _issue([out])
    return out


def shown_flags(flags: pd.DataFrame, view: View) -> pd.DataFrame:
    """The complex-strategy flags ``view`` may see listed (rows of
    :func:`geo.stats.complex_strategy.flag_places`; a frame without ``flagged`` holds
    flagged places only).

    A flag proves that some window of the flag holds at least ``fewest_rows`` keyed
    incidents, so any period containing that window counts at least as many. Listed
    beside a place's count shown as "<k", a flag of 3 people said "3 or 4" (a review
    found 5 of 6 such guesses right). An aggregate view is shown a flag only where every
    window that makes it holds at least k incidents: then every period containing one
    counts k or more, and no count the gate hides as small (1 to k-1) is narrowed by it
    (a count of k or more perturbed under k may be: that says "k or more", which the
    small class does not protect). Exact views see every flag.
    """
    flagged = flags[flags["flagged"].astype(bool)] if "flagged" in flags else flags
    if view.exact or flagged.empty:
        return flagged
    return flagged[flagged["fewest_rows"].to_numpy() >= view.k]


#: bands of distinct young people an aggregate view sees on a network link: lower bounds
PEOPLE_BANDS = (10, 20, 50)


def people_band(n: int, view: View) -> str:
    """Distinct young people on a link between places: exact for exact views; otherwise a
    band ("5-9", "10-19", "20-49", "50 or more", from k), and "fewer than k" below k
    (never a number a partner could difference down to a child)."""
    if view.exact:
        out = f"{int(n):,}"
    elif n < view.k:
        out = f"fewer than {view.k}"
    else:
        bounds = [view.k, *[b for b in PEOPLE_BANDS if b > view.k]]
        i = max(j for j, b in enumerate(bounds) if n >= b)
        out = (f"{bounds[i]}–{bounds[i + 1] - 1}" if i + 1 < len(bounds)
               else f"{bounds[i]} or more")
    _issue([out])
    return out


#: a ratio (a relative risk, a Knox ratio) an aggregate view sees must rest on at least
#: this many times k incidents (or pairs), and is rounded to one decimal (issue #35)
RATIO_SUPPORT_K = 4


def ratio_text(value: float | None, support: int, view: View) -> str | None:
    """A ratio of rates (a risk terrain factor's relative risk, a near-repeat Knox ratio)
    as ``view`` may see it: two decimals for exact views; for aggregate views one decimal,
    and None (not shown) when it rests on fewer than ``RATIO_SUPPORT_K`` x k incidents or
    pairs (``support``, never shown itself), so no ratio stands for a handful of children.
    Ratios carry no count: what they rest on is said in words ("at least 20")."""
    if value is None or not np.isfinite(value):
        return None
    if view.exact:
        out = f"{value:.2f}"
    elif support < RATIO_SUPPORT_K * view.k:
        return None
    else:
        out = f"{value:.1f}"
    _issue([out])
    return out


def count_formatter(view: View) -> Callable[[int], str]:
    """For sentences whose counts are already published values (perturbed for aggregate
    views; see :func:`geo.services.interventions.published_impact`): 0..k-1 written as
    "<k" (a zero too: "no incidents" is not sayable to an aggregate view)."""

    def fmt(value: int) -> str:
        out = view.label if not view.exact and value < view.k else f"{int(value):,}"
        _issue([out])
        return out

    return fmt


def perturbed(n: Any, ck: Any, view: View) -> np.ndarray:
    """The perturbed values of cells, unsuppressed, for statistics computed *from*
    published cells (the impact model's monthly series for aggregate views); never shown
    themselves. Exact views get the counts."""
    counts: np.ndarray = np.asarray(n, dtype=np.int64)
    if view.exact:
        return counts
    table = view.table
    out: np.ndarray = counts + table.change[table.row(counts),
                                            np.asarray(ck, dtype=np.int64) % KEYS]
    return out


def class_value(view: View) -> float:
    """The one value statistics give the class of small counts (0..k-1) for aggregate
    views: 0, its lowest member. (Its middle, 2, would make patterns out of nothing: with
    every unit small, rates per young person would then differ by population alone.)"""
    return 0.0


def published_values(n: Any, ck: Any, view: View) -> np.ndarray:
    """Values for statistics shown to an aggregate view (Gi* and its bins and labels,
    Local Moran, emerging categories, rates, concentration): each cell's published value
    where a number is published, and :func:`class_value` for the whole class of small
    counts, so every derived figure is a function of what is published (changing a hidden
    count between 0 and k-1 changes nothing; issue #27). Exact views get the counts."""
    counts = np.asarray(n, dtype=np.int64)
    if view.exact:
        return counts.astype(float)
    p = perturbed(counts, ck, view).astype(float)
    out: np.ndarray = np.where(p < view.k, class_value(view), p)
    return out


#: the text of a count withheld by the detail rule (:mod:`geo.services.detail`): a
#: filtered count of a unit whose whole is too small to break down
WITHHELD = "—"


def withhold(p: PublishedCounts, mask: Any) -> PublishedCounts:
    """``p`` with the counts at ``mask`` withheld (text :data:`WITHHELD`, value NaN): a
    breakdown not offered at this detail (:mod:`geo.services.detail`). Exact views and a
    ``mask`` of None are returned unchanged."""
    _require(p)
    if p.exact or mask is None:
        return p
    m = np.asarray(mask, dtype=bool).reshape(-1)
    if not m.any():
        return p
    text = np.asarray(p.text, dtype=object).copy()
    text[m] = WITHHELD
    _issue([WITHHELD])
    return PublishedCounts(np.where(m, np.nan, p.value), text, False)


def withhold_one(p: Published, held: bool) -> Published:
    """:func:`withhold` of one published count (when ``held``)."""
    _require(p)
    if p.exact or not held:
        return p
    _issue([WITHHELD])
    return Published(None, WITHHELD, False)
