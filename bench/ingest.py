"""Ingest of a 1,000,000-row incident CSV end to end, against the floor measured in the
same run (a plain COPY of the same rows into an unindexed table plus one PostGIS ward
join), and against the path an analyst would otherwise write in a notebook (pandas
``read_csv``, geopandas ``sjoin`` with the wards, ``to_postgis``). Peak memory of the load
is measured in a child process.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._common import Figure, fresh_database, timed
from geo.config import PROJECT_ROOT
from geo.sample import synthetic as sample
from geo.store import db

SAMPLE = PROJECT_ROOT / "sample_data"

CHILD = """
import json, resource, sys, time
from geo.config import get_settings
from geo.ingest import load
s = get_settings().model_copy(update={"database_name": sys.argv[1]})
steps = {}
t = time.perf_counter()
res = load("incidents", sys.argv[2], actor="bench", settings=s,
           on_step=lambda step: steps.setdefault(step, time.perf_counter() - t))
took = time.perf_counter() - t
print(json.dumps({"seconds": took, "rows": res.rows_loaded, "status": res.status,
                  "steps": steps,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

#: the load's steps, as the time between its stages (``load``'s ``on_step`` hook)
PHASES = (("read and check", None, "ledger"), ("validate and copy", "ledger", "copied"),
          ("place, index and attach", "copied", "attached"),
          ("rollups", "attached", "inserted"), ("quarantine and audit", "inserted", "audited"))


def _phases(results: list[dict]) -> str:
    """Median seconds of each step of the loads."""
    out = []
    for label, start, end in PHASES:
        took = [r["steps"][end] - (r["steps"][start] if start else 0.0) for r in results]
        out.append(f"{label} {statistics.median(took):.2f} s")
    return "; ".join(out)

FLOOR_TABLE = """
DROP TABLE IF EXISTS bench_floor, bench_floor_joined;
CREATE UNLOGGED TABLE bench_floor (month text, occurred_at text, harm_type text,
    risk_level text, age_band text, person_id text, easting double precision,
    northing double precision)
"""
FLOOR_JOIN = """
CREATE UNLOGGED TABLE bench_floor_joined AS
SELECT f.*, w.ward_code FROM bench_floor f
LEFT JOIN ward w ON ST_Intersects(w.geom, ST_SetSRID(ST_MakePoint(f.easting, f.northing), 27700))
"""


def _reset(s) -> None:
    """No incidents: the rows, their rollups and the extracts' own tables gone."""
    from geo.ingest._rollups import LEVELS, UNITS

    with db.connect("superuser", s) as conn:
        conn.execute("DELETE FROM quarantine; DELETE FROM incident; "
                     "DELETE FROM rollup_place_person")
        for unit in UNITS:
            for suffix, _ in LEVELS:
                conn.execute(f"DELETE FROM rollup_{unit}{suffix}")  # noqa: S608 (fixed names)
        db.scalar(conn, "purge_partitions")  # the extracts' own tables, emptied
        conn.execute("DELETE FROM extract WHERE kind = 'incidents'")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE incident")


def run(quick: bool = False) -> list[Figure]:
    rows = 200_000 if quick else 1_000_000
    runs = 1 if quick else 5
    s = fresh_database("contexts_bench_ingest")
    from geo.ingest import load

    for kind, name in (("wards", "birmingham_wards_2018_bng.geojson"),
                       ("lsoas", "birmingham_lsoa21_bng.geojson"), ("places", "places.geojson")):
        load(kind, SAMPLE / name, actor="bench", settings=s)
    with tempfile.TemporaryDirectory() as tmp:
        sample.write(Path(tmp), rows=rows, months=36, seed=3)
        csv = Path(tmp) / "incidents.csv"

        def ours() -> dict:
            _reset(s)
            out = subprocess.run([sys.executable, "-c", CHILD, s.database_name, str(csv)],
                                 check=True, capture_output=True, text=True)
            return json.loads(out.stdout.strip().splitlines()[-1])

        def floor() -> None:
            with db.connect("superuser", s) as conn:
                conn.execute(FLOOR_TABLE)
                with conn.cursor() as cur, cur.copy(
                        "COPY bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as cp, \
                        open(csv, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        cp.write(chunk)
                conn.execute(FLOOR_JOIN)
                conn.commit()

        def notebook() -> None:
            import geopandas as gpd
            import pandas as pd
            from sqlalchemy import create_engine

            df = pd.read_csv(csv)
            pts = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.easting, df.northing),
                                   crs=27700)
            wards = gpd.read_file(SAMPLE / "birmingham_wards_2018_bng.geojson")
            joined = gpd.sjoin(pts, wards[["WardCode", "geometry"]], how="left",
                               predicate="within")
            engine = create_engine(db.dsn("superuser", s).replace("postgresql://",
                                                              "postgresql+psycopg://"))
            joined.drop(columns=["index_right"]).to_postgis("bench_notebook", engine,
                                                           if_exists="replace", chunksize=50_000)
            engine.dispose()

        # the floor and ours in turn, so that the machine's drift (it is shared) weighs
        # on both alike; medians of each
        floors, results = [], []
        for _ in range(runs):
            floors.append(timed(floor, 1)[0])
            results.append(ours())
        t_floor = statistics.median(floors)
        t_ours = statistics.median(r["seconds"] for r in results)
        peak = max(r["peak_mb"] for r in results)
        t_nb, _ = timed(notebook, 1)
    assert all(r["rows"] == rows for r in results), results
    return [
        Figure(f"ingest {rows:,} incidents end to end (validated, assigned)", t_ours, "s",
               "<= 1.5 x floor", t_floor, runs,
               f"floor: COPY + one ward join; {rows / t_ours:,.0f} rows/s; steps: "
               + _phases(results)),
        Figure("ingest peak memory (child process, max RSS)", peak, "MB", "< 1,000 MB", None,
               runs),
        Figure("notebook path (read_csv, sjoin, to_postgis) vs ours", t_nb, "s",
               ">= 3 x ours", t_ours, 1, "ratio > 1: ours is that many times faster"),
    ]
