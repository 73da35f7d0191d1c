"""Shared helpers: a benchmark database, medians of repeated timings, result rows."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from geo.config import Settings, get_settings
from geo.store import cluster, db


@dataclass
class Figure:
    """One measured figure: its median over runs, target, and ratio to an in-run baseline."""

    name: str
    median: float
    unit: str
    target: str = ""
    baseline: float | None = None
    runs: int = 1
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.median / self.baseline if self.baseline else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": self.ratio}


def timed(fn: Callable[[], Any], runs: int = 5, warmup: int = 0) -> tuple[float, Any]:
    """Median wall time of ``fn`` over ``runs`` (after ``warmup`` untimed calls)."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def fresh_database(name: str) -> Settings:
    """A new, migrated database of the private cluster (dropped first if it exists)."""
    base = get_settings()
    s = base.model_copy(update={"database_name": name})
    server = cluster.up(s).url("postgres")
    ident = psycopg.sql.Identifier(name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(ident))
    with db.connect("superuser", s) as conn:
        db.migrate(conn)
    return s


def load_sample(s: Settings, rows: int) -> None:
    """Generate ``rows`` synthetic incidents over 36 months (seed 5) and load them, with the
    real boundaries, places and interventions, into the database of ``s``."""
    import tempfile
    from pathlib import Path

    from geo.config import PROJECT_ROOT
    from geo.ingest import load
    from geo.sample import synthetic as sample

    shared = PROJECT_ROOT / "sample_data"
    with tempfile.TemporaryDirectory() as tmp:
        sample.write(Path(tmp), rows=rows, months=36, seed=5)
        for kind, path in (("wards", shared / "birmingham_wards_2018_bng.geojson"),
                           ("lsoas", shared / "birmingham_lsoa21_bng.geojson"),
                           ("places", Path(tmp) / "places.geojson"),
                           ("incidents", Path(tmp) / "incidents.csv"),
                           ("interventions", Path(tmp) / "interventions.csv")):
            res = load(kind, path, actor="bench", settings=s)
            assert res.status == "loaded", res.message

