"""Scale run: 1, 5 and 10 million incidents (generated), each in a fresh database: load
time, database size, and the time of the map and hot-spot computations, to see how each
grows with the rows. ``python -m bench.scale [--sizes 1000000 5000000]``."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench._common import fresh_database
from geo.config import PROJECT_ROOT
from geo.filters import Filters, month
from geo.sample import synthetic as sample
from geo.services.analysis import hotspot_table
from geo.store import db

SAMPLE = PROJECT_ROOT / "sample_data"


def one(rows: int) -> dict[str, float]:
    from geo.ingest import load

    s = fresh_database("contexts_bench_scale").model_copy(update={"max_upload_mb": 4096})
    for kind, name in (("wards", "birmingham_wards_2018_bng.geojson"),
                       ("lsoas", "birmingham_lsoa21_bng.geojson"), ("places", "places.geojson")):
        load(kind, SAMPLE / name, actor="bench", settings=s)
    with tempfile.TemporaryDirectory() as tmp:
        sample.write(Path(tmp), rows=rows, months=36, seed=11)
        t = time.perf_counter()
        res = load("incidents", Path(tmp) / "incidents.csv", actor="bench", settings=s)
        load_s = time.perf_counter() - t
    assert res.rows_loaded == rows, res.message
    out: dict[str, float] = {"rows": rows, "load_s": load_s, "rows_per_s": rows / load_s}
    year = Filters(month("2025-01"), month("2025-12"))
    with db.connect("dashboard", s) as conn:
        for unit in ("ward", "hex"):
            t = time.perf_counter()
            hotspot_table(conn, unit, year)
            out[f"hotspots_{unit}_s"] = time.perf_counter() - t
        t = time.perf_counter()
        hotspot_table(conn, "hex", Filters(), emerging_too=True)
        out["emerging_hex_36m_s"] = time.perf_counter() - t
    with db.connect("admin", s) as conn:
        out["db_mb"] = conn.execute("SELECT pg_database_size(current_database())"
                                    ).fetchone()[0] / 2**20
        out["incident_mb"] = conn.execute(  # a partitioned table: the sum of its parts
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits "
            "WHERE inhparent = 'incident'::regclass").fetchone()[0] / 2**20
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scale")
    p.add_argument("--sizes", nargs="*", type=int, default=[1_000_000, 5_000_000, 10_000_000])
    args = p.parse_args()
    rows = []
    for n in args.sizes:
        r = one(n)
        rows.append(r)
        print(json.dumps(r), flush=True)
    print(f"\n{'rows':>11} {'load s':>8} {'rows/s':>8} {'ward s':>7} {'hex s':>7} "
          f"{'emerging s':>10} {'db MB':>8} {'incident MB':>11}")
    for r in rows:
        print(f"{r['rows']:>11,} {r['load_s']:>8.1f} {r['rows_per_s']:>8,.0f} "
              f"{r['hotspots_ward_s']:>7.2f} {r['hotspots_hex_s']:>7.2f} "
              f"{r['emerging_hex_36m_s']:>10.2f} {r['db_mb']:>8.0f} {r['incident_mb']:>11.0f}")
    (Path(__file__).parent / "scale_results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
