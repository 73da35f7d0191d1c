"""Throughput of the identifier guard (``geo/ingest/_guard.py``) on a 1,000,000-row
incident file: every column's distinct values scanned for e-mail addresses, postcodes,
NHS and phone numbers and free text, on RE2 (Arrow), whose time grows linearly with the
text. Two figures: every column scanned (the worst case: most values distinct), and the
columns a load of this file scans (the others are parsed as numbers, dates or keys). Then
linearity, timed here rather than in a test (a busy machine must not fail a test): the
guard on 500,000 distinct values against 250,000 (the time ratio, about 2 when linear;
tests/test_ingest_real.py counts the work instead), and a million-character cell of each
worst-case shape (milliseconds on RE2)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench._common import Figure, timed
from geo.ingest import _guard
from geo.ingest._read import read_table
from geo.sample import synthetic


def run(quick: bool = False) -> list[Figure]:
    rows = 200_000 if quick else 1_000_000
    runs = 1 if quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        synthetic.write(Path(tmp), rows=rows, months=36, seed=3)
        table = read_table(Path(tmp) / "incidents.csv")
    frame = table.columns
    numbers = np.arange(2, len(frame) + 2)
    size_mb = sum(frame[c].str.len().sum() for c in frame.columns) / 1e6
    parsed = ["month", "occurred_at", "person_id", "easting", "northing"]
    scanned_mb = sum(frame[c].str.len().sum() for c in frame.columns if c not in parsed) / 1e6

    def median(skip: list[str]) -> float:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            _guard.check(frame, numbers, "bench.csv", skip_values=skip)
            times.append(time.perf_counter() - t)
        return float(np.median(times))

    t_all = median([])
    t_load = median(parsed)

    def guard_on(values: list[str]) -> float:
        column = pd.DataFrame({"ref": values})
        return timed(lambda: _guard.check(column, np.arange(2, len(values) + 2), "b.csv"),
                     runs=runs)[0]

    small = guard_on([f"R{k:07d} seen" for k in range(250_000)])
    large = guard_on([f"R{k:07d} seen" for k in range(500_000)])
    cells = {"e-mail": "a." * 500_000, "at": "x" * 999_999 + "@", "digits": "0" * 1_000_000,
             "words": "ab " * 333_333 + "a", "postcode": "B1" * 500_000}
    # scanned (``check`` would stop at the first one found: the words are free text)
    worst = max((timed(lambda c=c: _guard.scan([c, "ok"]), runs=runs)[0], k)
                for k, c in cells.items())
    return [
        Figure("guard: 500,000 distinct values / 250,000 (time ratio)", large / small, "x",
               "about 2 (linear)", None, runs, f"{small:.2f} s and {large:.2f} s"),
        Figure("guard: a million-character cell, slowest shape", worst[0], "s", "< 0.5 s",
               None, runs, f"the {worst[1]} shape"),
        Figure(f"guard: every column of {rows:,} rows scanned", size_mb / t_all, "MB/s",
               "linear (RE2)", None, runs,
               f"{size_mb:.0f} MB of cells in {t_all:.2f} s; "
               f"{sum(frame[c].nunique() for c in frame.columns):,} distinct values"),
        Figure(f"guard: the columns a load of {rows:,} rows scans", t_load, "s", "", None,
               runs, f"{scanned_mb:.0f} MB of cells ({scanned_mb / max(t_load, 1e-9):.0f} MB/s)"),
    ]
