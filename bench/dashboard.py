"""Server-side run time of the Map and Hot spots pages with 1,000,000 incidents loaded,
cold (empty cache) and warm, and the size of the map payload sent to the browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench._common import Figure, fresh_database, load_sample
from geo.config import PROJECT_ROOT

CHILD = r"""
import json, statistics, sys, time
from streamlit.testing.v1 import AppTest
import streamlit as st
app, page, unit, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def once(clear):
    if clear:
        st.cache_data.clear()
    at = AppTest.from_file(app, default_timeout=300)
    at.session_state["demo_role"] = "partner"
    at.session_state["map_unit"] = unit
    at.session_state["hs_unit"] = unit
    at.run()
    if clear:
        st.cache_data.clear()
    t = time.perf_counter()
    at.switch_page(page).run()
    took = time.perf_counter() - t
    assert not at.exception, at.exception
    comps = at.get("component_instance")
    size = len(comps[0].proto.json_args) if comps else 0
    return took, size
once(True)  # imports and first-use costs out of the way
cold = [once(True)[0] for _ in range(runs)]
warm = [once(False) for _ in range(runs)]
print(json.dumps({"cold": statistics.median(cold),
                  "warm": statistics.median(w[0] for w in warm), "payload": warm[0][1]}))
"""


def run(quick: bool = False) -> list[Figure]:
    rows = 200_000 if quick else 1_000_000
    name = "contexts_bench_dashboard"
    load_sample(fresh_database(name), rows)
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": name, "CONTEXTS_TILES": "none",
           "CONTEXTS_DEMO": "true"}
    app = str(PROJECT_ROOT / "dashboard" / "app.py")
    figures = []
    runs = 3 if quick else 5
    pages = (("views/map.py", "ward", "Map page, wards", "< 1 s"),
             ("views/map.py", "hex", "Map page, 250 m hexagons", "< 1 s"),
             ("views/hotspots.py", "hex", "Hot spots page, hexagons", "< 1 s"),
             ("views/interventions.py", "hex", "Interventions page (impact of all)", "< 3 s"))
    only = os.environ.get("BENCH_PAGES")  # e.g. "interventions": just those pages
    for page, unit, label, target in pages:
        if only and not any(o in page for o in only.split(",")):
            continue
        out = subprocess.run([sys.executable, "-c", CHILD, app, page, unit, str(runs)],
                             env=env, check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        figures.append(Figure(f"{label}, {rows:,} incidents, cold", r["cold"], "s", target,
                              None, runs))
        figures.append(Figure(f"{label}, {rows:,} incidents, warm", r["warm"], "s", "< 0.3 s",
                              r["cold"], runs, "baseline: the same page cold"))
        if r["payload"]:
            figures.append(Figure(f"{label}: map payload", r["payload"] / 2**20, "MB", "< 2 MB",
                                  None, 1))
    return figures
