"""Disclosure control: what each role may see, decided on the server.

These are data about children. Partners and strategy boards see aggregates only: a count
from 1 to k-1 (k = 5 by default) is shown as "<k", with secondary suppression where a
shown total would let someone work a hidden count out; they never get points, exact dates
or pseudonymous keys. Analysts and admins see exact counts and points. Every function
here returns new data with the hidden values removed, never merely hidden in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.roles import AGGREGATE_ROLES


@dataclass(frozen=True)
class View:
    """What a role may see."""

    role: str
    k: int = 5

    @property
    def exact(self) -> bool:
        """Exact counts, points, dates and keys (analysts, admins)."""
        return self.role not in AGGREGATE_ROLES

    @property
    def label(self) -> str:
        return f"<{self.k}"


def suppressed(counts: pd.Series, view: View) -> pd.Series:
    """Counts with 1..k-1 replaced by NaN (for charts and colours); exact views unchanged."""
    c = counts.astype(float)
    if view.exact:
        return c
    return c.mask((c > 0) & (c < view.k))


def display(counts: pd.Series, view: View, total: bool = False) -> pd.Series:
    """Counts as the text a role may see: "<5" for small ones, with secondary suppression.

    With ``total`` the caller will also show the sum; if exactly one cell is hidden the
    smallest shown non-zero cell is hidden too, so the total cannot reveal it.
    """
    c = counts.fillna(0).astype(np.int64)
    if view.exact:
        return c.map(str)
    hide = (c > 0) & (c < view.k)
    if total and hide.sum() == 1:
        shown = c[(~hide) & (c > 0)]
        if not shown.empty:
            hide.loc[shown.idxmin()] = True
    out = c.map(str)
    out[hide] = view.label
    hidden_big = hide & (c >= view.k)
    out[hidden_big] = "suppressed"
    return out


def total_text(counts: pd.Series, view: View) -> str:
    """A total as a role may see it (a total of 1..k-1 is itself suppressed)."""
    t = int(counts.fillna(0).sum())
    if not view.exact and 0 < t < view.k:
        return view.label
    return f"{t:,}"


def count_text(view: View) -> Callable[[int], str]:
    """A formatter of single counts for sentences: "<5" for small ones in aggregate views."""

    def fmt(n: int) -> str:
        if not view.exact and 0 < n < view.k:
            return view.label
        return f"{n:,}"

    return fmt


def chart_frame(frame: pd.DataFrame, value: str, view: View) -> pd.DataFrame:
    """A copy safe to chart: small values removed (not just hidden) for aggregate roles."""
    out = frame.copy()
    out[value] = suppressed(out[value], view)
    return out
