"""The board pack: the time from "Make the board pack" to the PDF ready, as a board member,
on the dashboard with 1,000,000 incidents (Streamlit's AppTest in a child process: the
page's own reads, caches, HTML and PDF).

Cold: the process's caches emptied first (the first pack of a period); warm: the same pack
again (a second board member, or the same one after a change of mind).
``BENCH_PROFILE=1`` prints where a cold pack's time goes (cProfile of every thread the pack
runs on, merged: cumulative, the project's functions, then by own time; a thread's waits
for another show as lock ``acquire``).
``BENCH_BOARD_BASE=<folder>``: the same packs also made by another checkout of the project
(say ``git archive`` of the commit before a change), on the same database and cluster, run
for run in turn with this one; its medians are the cold and warm figures' baselines.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench._common import Figure
from geo.config import PROJECT_ROOT

CHILD = r"""
import cProfile, json, os, pstats, resource, statistics, sys, threading, time
from streamlit.testing.v1 import AppTest
import streamlit as st
app, runs = sys.argv[1], int(sys.argv[2])

profs = []


def start_profiling(frame, event, arg):
    sys.setprofile(None)
    profs.append(cProfile.Profile())
    profs[-1].enable()


def make(clear, profile=False):
    if clear:
        st.cache_data.clear()
        st.cache_resource.clear()
    at = AppTest.from_file(app, default_timeout=600)
    at.session_state["demo_role"] = "board"
    at.run()
    at.switch_page("views/board_pack.py").run()
    assert not at.exception, at.exception
    button = next(b for b in at.button if b.label == "Make the board pack")
    t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    threading.setprofile(start_profiling if profile else None)
    button.click().run()
    threading.setprofile(None)
    took = time.perf_counter() - t
    c2 = resource.getrusage(resource.RUSAGE_SELF)
    assert not at.exception, at.exception
    assert at.session_state["board_pack_pdf"][:4] == b"%PDF"
    return took, c2.ru_utime + c2.ru_stime - c.ru_utime - c.ru_stime

make(True)  # imports and first-use costs out of the way
if os.environ.get("BENCH_PROFILE") == "1":
    # the page runs on AppTest's script thread and its helpers: a profiler on each thread
    # started during the pack (this thread only sleeps until the script is done), merged
    make(True, profile=True)
    for p in profs:
        p.disable()
    stats = pstats.Stats(profs[0], stream=sys.stderr)
    for p in profs[1:]:
        try:
            stats.add(p)
        except TypeError:  # a thread that ran nothing profiled
            pass
    stats.sort_stats("cumulative").print_stats(r"geo/|dashboard/|weasyprint/__init__", 45)
    stats.sort_stats("tottime").print_stats(25)
cold = [make(True) for _ in range(runs)]
warm = [make(False) for _ in range(runs)]
print(json.dumps({"cold": statistics.median(t for t, _ in cold),
                  "warm": statistics.median(t for t, _ in warm),
                  "cold_cpu": statistics.median(c for _, c in cold),
                  "warm_cpu": statistics.median(c for _, c in warm)}))
"""


def run(quick: bool = False) -> list[Figure]:
    from bench.load import database

    rows = int(os.environ.get("BENCH_BROWSER_ROWS", "200000" if quick else "1000000"))
    name = database(rows)
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": name, "CONTEXTS_TILES": "none",
           "CONTEXTS_DEMO": "true"}
    env.pop("CONTEXTS_READ_REPLICA", None)
    runs = 2 if quick else 3
    other = os.environ.get("BENCH_BOARD_BASE")

    def child(root: Path, n: int, extra: dict[str, str]) -> dict[str, float]:
        out = subprocess.run([sys.executable, "-c", CHILD, str(root / "dashboard" / "app.py"),
                              str(n)], env={**env, **extra}, cwd=root, check=True,
                             capture_output=True, text=True)
        if os.environ.get("BENCH_PROFILE") == "1":
            print(out.stderr[-20000:])
        found: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return found

    if not other:
        r = child(PROJECT_ROOT, runs, {})
        base = None
    else:  # one pack cold and one warm from each checkout in turn, ``runs`` times
        mine: list[dict[str, float]] = []
        theirs: list[dict[str, float]] = []
        for _ in range(runs):
            mine.append(child(PROJECT_ROOT, 1, {}))
            theirs.append(child(Path(other), 1, {"PYTHONPATH": other,
                                                 "CONTEXTS_HOME": str(PROJECT_ROOT)}))
        r, base = ({k: statistics.median(x[k] for x in xs) for k in xs[0]}
                   for xs in (mine, theirs))
    figures = [
        Figure(f"board pack as a board member, {rows:,} incidents, cold", r["cold"], "s",
               "< 3 s", base["cold"] if base else None, runs,
               "the button to the PDF, every cache empty"
               + (f"; baseline: {other}, in turn" if base else "")),
        Figure(f"board pack as a board member, {rows:,} incidents, warm", r["warm"], "s",
               "< 3 s", base["warm"] if base else r["cold"], runs,
               f"baseline: {other}, in turn" if base else "baseline: the same pack cold"),
        Figure(f"board pack as a board member, {rows:,} incidents, cold, CPU", r["cold_cpu"],
               "s", "", r["cold"], runs, "the app's CPU seconds (the database's not "
               "included), against the wall time: on a busy machine the CPU is the steadier"),
        Figure(f"board pack as a board member, {rows:,} incidents, warm, CPU", r["warm_cpu"],
               "s", "", r["warm"], runs, "the app's CPU seconds against the wall time"),
    ]
    if base:
        figures.append(Figure(f"board pack as a board member, {rows:,} incidents, cold, CPU, "
                              "baseline", base["cold_cpu"], "s", "", None, runs,
                              f"the app's CPU seconds of {other}'s cold pack"))
    return figures


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        ratio = f" ratio {f.ratio:.2f}" if f.ratio is not None else ""
        print(f"{f.name:<70} {f.median:8.3f} {f.unit} {f.target}{ratio}")
