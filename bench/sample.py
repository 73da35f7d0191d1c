"""The sample generator at benchmark size: 1,000,000 rows over 36 months."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench._common import Figure, timed
from geo.sample import synthetic as sample


def run(quick: bool = False) -> list[Figure]:
    rows = 200_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        t, _ = timed(lambda: sample.write(Path(tmp), rows=rows, months=36, seed=7), runs=3)
    return [Figure(f"generate {rows:,} incidents (write CSVs)", t, "s", "well under 60 s",
                   None, 3)]
