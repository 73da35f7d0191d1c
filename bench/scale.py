"""Scale run: 1, 5, 10 and 20 million incidents (generated), each in a fresh database:
generation and load time, database size, the pages cold (Map by ward and by hexagon, Hot
spots: real Streamlit runs, as ``bench/dashboard.py``) and the hot-spot computations, to
see how each grows with the rows. ``python -m bench.scale [--sizes 1000000 20000000]``.

The figures go to ``bench/scale_results.json`` (one row per size) and, as the ``scale``
group, to ``bench/results.json`` with the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import Figure, fresh_database
from bench.dashboard import CHILD
from geo.config import PROJECT_ROOT
from geo.filters import Filters, month
from geo.sample import synthetic as sample
from geo.services.analysis import hotspot_table
from geo.store import db

SAMPLE = PROJECT_ROOT / "sample_data"
DB_NAME = "contexts_bench_scale"
#: the pages timed cold at each size: (page file, unit, label)
PAGES = (("views/map.py", "ward", "map_ward"), ("views/map.py", "hex", "map_hex"),
         ("views/hotspots.py", "hex", "hotspots_hex"))


def pages_cold(runs: int = 3) -> dict[str, float]:
    """Server-side run time of each page, cold (Streamlit's cache emptied), median of
    ``runs``, as a partner, in a child process (``bench/dashboard.py``'s)."""
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": DB_NAME, "CONTEXTS_TILES": "none",
           "CONTEXTS_DEMO": "true"}
    app = str(PROJECT_ROOT / "dashboard" / "app.py")
    out = {}
    for page, unit, label in PAGES:
        done = subprocess.run([sys.executable, "-c", CHILD, app, page, unit, str(runs)],
                              env=env, check=True, capture_output=True, text=True)
        out[f"page_{label}_cold_s"] = json.loads(done.stdout.strip().splitlines()[-1])["cold"]
    return out


#: the generator holds about 800 MB per million rows: larger files are made in parts
PART_ROWS = 5_000_000


def incidents_csv(folder: Path, rows: int) -> Path:
    """``folder/incidents.csv`` of ``rows`` generated incidents over 36 months: one
    generation (seed 11) up to :data:`PART_ROWS`, else parts of that size (seeds 11, 12,
    ...) written one after the other into the one file."""
    out = folder / "incidents.csv"
    seed = 11
    with open(out, "wb") as fh:
        left = rows
        while left > 0:
            part = folder / f"part{seed}"
            sample.write(part, rows=min(left, PART_ROWS), months=36, seed=seed)
            with open(part / "incidents.csv", "rb") as src:
                header = src.readline()
                if seed == 11:
                    fh.write(header)
                while block := src.read(2**24):
                    fh.write(block)
            for f in part.iterdir():
                f.unlink()
            part.rmdir()
            left -= PART_ROWS
            seed += 1
    return out


def one(rows: int) -> dict[str, float]:
    from geo.ingest import load

    s = fresh_database(DB_NAME).model_copy(update={"max_upload_mb": 8192})
    for kind, name in (("wards", "birmingham_wards_2018_bng.geojson"),
                       ("lsoas", "birmingham_lsoa21_bng.geojson"), ("places", "places.geojson")):
        load(kind, SAMPLE / name, actor="bench", settings=s)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        incidents_csv(Path(tmp), rows)
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        res = load("incidents", Path(tmp) / "incidents.csv", actor="bench", settings=s)
        load_s = time.perf_counter() - t
    assert res.rows_loaded == rows, res.message
    out: dict[str, float] = {"rows": rows, "generate_s": gen_s, "load_s": load_s,
                             "rows_per_s": rows / load_s}
    with db.connect("superuser", s, autocommit=True) as conn:
        conn.execute("ANALYZE")  # as autovacuum does within a minute of a load
    year = Filters(month("2025-01"), month("2025-12"))
    with db.connect("dashboard", s) as conn:
        for unit in ("ward", "hex"):
            t = time.perf_counter()
            hotspot_table(conn, unit, year)
            out[f"hotspots_{unit}_s"] = time.perf_counter() - t
        t = time.perf_counter()
        hotspot_table(conn, "hex", Filters(), emerging_too=True)
        out["emerging_hex_36m_s"] = time.perf_counter() - t
    out |= pages_cold()
    with db.connect("superuser", s) as conn:
        out["db_mb"] = conn.execute("SELECT pg_database_size(current_database())"
                                    ).fetchone()[0] / 2**20
        out["incident_mb"] = conn.execute(  # a partitioned table: the sum of its parts
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits "
            "WHERE inhparent = 'incident'::regclass").fetchone()[0] / 2**20
        out["rollup_mb"] = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(oid)), 0)::bigint FROM pg_class "
            "WHERE relkind = 'r' AND relname LIKE 'rollup\\_%'").fetchone()[0] / 2**20
    return out


def figures(r: dict[str, float]) -> list[Figure]:
    """One size's row as figures of ``bench/results.json`` (group ``scale``)."""
    n = f"{int(r['rows']):,} incidents"
    return [
        Figure(f"scale: generate {n}", r["generate_s"], "s"),
        Figure(f"scale: load {n}", r["load_s"], "s"),
        Figure(f"scale: hot spots, wards, a year, {n}", r["hotspots_ward_s"], "s", "< 1 s"),
        Figure(f"scale: hot spots, hexagons, a year, {n}", r["hotspots_hex_s"], "s", "< 1 s"),
        Figure(f"scale: emerging hot spots, hexagons, 36 months, {n}",
               r["emerging_hex_36m_s"], "s", "< 1 s"),
        *(Figure(f"scale: {label.replace('_', ' ')} page cold, {n}",
                 r[f"page_{label}_cold_s"], "s", "< 1 s", runs=3) for _, _, label in PAGES),
        Figure(f"scale: database size (pg_database_size), {n}", r["db_mb"], "MB"),
        Figure(f"scale: incident partitions with indexes, {n}", r["incident_mb"], "MB"),
        Figure(f"scale: monthly rollups, {n}", r["rollup_mb"], "MB"),
    ]


def record(rows: list[dict[str, float]]) -> None:
    """Replace the ``scale`` group of ``bench/results.json`` with these rows' figures."""
    out = Path(__file__).parent / "results.json"
    kept: list[dict[str, Any]] = []
    if out.exists():
        try:
            kept = [f for f in json.loads(out.read_text()).get("figures", [])
                    if f.get("group") != "scale"]
        except (ValueError, AttributeError):
            kept = []
    new = [dict(f.as_dict(), group="scale") for r in rows for f in figures(r)]
    out.write_text(json.dumps({"machine": platform.platform(), "quick": False,
                               "figures": kept + new}, indent=2, default=str))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scale")
    p.add_argument("--sizes", nargs="*", type=int,
                   default=[1_000_000, 5_000_000, 10_000_000, 20_000_000])
    args = p.parse_args()
    rows = []
    for n in args.sizes:
        r = one(n)
        rows.append(r)
        print(json.dumps(r), flush=True)
    print(f"\n{'rows':>11} {'gen s':>6} {'load s':>7} {'rows/s':>8} {'ward s':>7} "
          f"{'hex s':>6} {'emerging s':>10} {'map w':>6} {'map h':>6} {'hot s':>6} "
          f"{'db MB':>7} {'inc MB':>7} {'rollup MB':>9}")
    for r in rows:
        print(f"{r['rows']:>11,} {r['generate_s']:>6.1f} {r['load_s']:>7.1f} "
              f"{r['rows_per_s']:>8,.0f} {r['hotspots_ward_s']:>7.2f} {r['hotspots_hex_s']:>6.2f} "
              f"{r['emerging_hex_36m_s']:>10.2f} {r['page_map_ward_cold_s']:>6.2f} "
              f"{r['page_map_hex_cold_s']:>6.2f} {r['page_hotspots_hex_cold_s']:>6.2f} "
              f"{r['db_mb']:>7.0f} {r['incident_mb']:>7.0f} {r['rollup_mb']:>9.0f}")
    (Path(__file__).parent / "scale_results.json").write_text(json.dumps(rows, indent=2))
    record(rows)


if __name__ == "__main__":
    main()
