"""What an incidents file spans, for the Upload page's coverage question (issue #31).

Before loading, the page suggests what the file covers from the file itself: where its
rows are (a sample of their points, in BNG) and which months they run over. Computed in
the limited child process (:func:`geo.ingest._isolated.extent`), from the columns a load
reads for the location and the month only; nothing else of the file is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from geo.ingest import _parse
from geo.ingest._columns import match
from geo.ingest._incidents import FIELDS, _coordinates
from geo.ingest._read import Table

#: at most this many points are sent back (a random sample, always the same for a file)
SAMPLE = 5_000


@dataclass(frozen=True)
class Extent:
    """A file's rows: how many, how many located by a point, a sample of those points
    (BNG x and y), and the first and last month (``YYYY-MM``; empty when none parse)."""

    rows: int
    located: int
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    first_month: str = ""
    last_month: str = ""


def extent(table: Table) -> Extent:
    """Where and when ``table``'s rows are (see :class:`Extent`)."""
    df = table.columns
    cols = match([str(c) for c in df.columns], FIELDS)
    n = len(df)
    x, y, _, _, _ = _coordinates(df, cols, n)
    ok = np.flatnonzero(~np.isnan(x) & ~np.isnan(y))
    if len(ok) > SAMPLE:
        ok = np.sort(np.random.default_rng(0).choice(ok, SAMPLE, replace=False))
    first = last = ""
    if "month" in cols:
        months, _ = _parse.months(df[cols["month"]])
        months = months[~np.isnat(months)]
        if len(months):
            first, last = (str(m)[:7] for m in (months.min(), months.max()))
    located = int((~np.isnan(x)).sum())
    return Extent(n, located, x[ok].round(1).tolist(), y[ok].round(1).tolist(), first, last)
