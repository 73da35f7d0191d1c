"""Where a visit's time goes: one page opened twice in headless Chromium as
:mod:`bench.browser` does (a first visit, then the same page again in that context), the
second visit traced with Chromium's timeline (through Playwright).

For each run: the first and second visit's time to usable (:data:`bench.browser.READY`)
and the CPU time of the renderer's main thread over the second visit (thread clock: what
the page cost the browser, whatever else the machine was doing; on a shared machine the
wall time is often three times that). For the last run: the main thread's busy time by
kind of work (script, style and layout, paint, HTML parse, GC) and by event, the
websocket frames (time received, bytes), the requests made (any not to the server would
wait on a network the machine cannot reach), and the size of the map frame's document.

``python -m bench.trace_visit [path, default /] [--role partner] [--rows 200000]
[--runs 3] [--trace out.json] [--profile]`` (``--profile``: V8's sampling profiler in
the last trace too, for a look in Chromium's DevTools). Run from another checkout (with
``PYTHONPATH`` and ``CONTEXTS_HOME`` as in :mod:`bench.browser`) for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import defaultdict
from typing import Any

from bench.browser import CHROMIUM, MAP_FRAME, READY, Counter, visit

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute",
              "blink.user_timing", "loading", "toplevel",
              "disabled-by-default-devtools.timeline.frame"]
PROFILER = "disabled-by-default-v8.cpu_profiler"
TASK = "ThreadControllerImpl::RunTask"

#: trace event names by kind of work
KINDS = {
    "script": ("EvaluateScript", "FunctionCall", "v8.compile", "v8.compileModule",
               "TimerFire", "EventDispatch", "FireAnimationFrame", "RunMicrotasks",
               "v8.evaluateModule", "v8.produceCache", "v8.produceModuleCache"),
    "style and layout": ("Layout", "UpdateLayoutTree", "ParseAuthorStyleSheet", "PrePaint"),
    "paint": ("Paint", "UpdateLayer", "UpdateLayerTree", "Layerize", "Commit"),
    "html": ("ParseHTML",),
    "gc": ("MinorGC", "MajorGC"),
}
_KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}


def _mains(events: list[dict[str, Any]]) -> set[tuple[int, int]]:
    return {(e["pid"], e["tid"]) for e in events if e.get("ph") == "M"
            and e.get("name") == "thread_name" and e["args"]["name"] == "CrRendererMain"}


def renderer_cpu(trace: dict[str, Any]) -> float:
    """The CPU time (thread clock, ms) of the renderers' main threads' tasks."""
    events = trace["traceEvents"]
    mains = _mains(events)
    return sum(e.get("tdur", 0) for e in events if e.get("ph") == "X"
               and e["name"] == TASK and (e["pid"], e["tid"]) in mains) / 1000


def summarise(trace: dict[str, Any]) -> dict[str, Any]:
    """The main threads' busy time (ms, wall) by kind of work and by event name (an event
    inside another of the same kind counted once)."""
    events = trace["traceEvents"]
    mains = _mains(events)
    spans: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and (e["pid"], e["tid"]) in mains:
            spans[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e.get("dur", 0), e["name"]))
    by_kind: dict[str, float] = defaultdict(float)
    by_name: dict[str, float] = defaultdict(float)
    for ss in spans.values():
        ss.sort(key=lambda s: (s[0], -s[1]))
        for kind in KINDS:
            end = -1.0
            for a, b, name in ss:
                if _KIND_OF.get(name) != kind or b <= end:
                    continue
                took = b - max(a, end)
                by_kind[kind] += took
                by_name[name] += took
                end = b
    return {"by kind (ms)": {k: round(v / 1000) for k, v in sorted(by_kind.items())},
            "by event (ms)": {k: round(v / 1000) for k, v in
                              sorted(by_name.items(), key=lambda kv: -kv[1])[:12]}}


def _watch(page: Any) -> tuple[list[str], list[tuple[float, int]]]:
    """The page's requests from now on, and its websocket frames (seconds from now, bytes)."""
    requests: list[str] = []
    frames: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(
        (time.perf_counter() - t0, len(f) if f else 0))))
    return requests, frames


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default="/")
    ap.add_argument("--role", default="partner")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--trace", default="")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from bench.load import Server, database

    target = next(t for t in READY if t.path == args.path)
    env = {**os.environ, "CONTEXTS_DATABASE_NAME": database(args.rows),
           "CONTEXTS_TILES": "none", "CONTEXTS_DEMO": "true"}
    env.pop("CONTEXTS_READ_REPLICA", None)
    server = Server(1, env)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    url = f"{base}{args.path}{'&' if '?' in args.path else '?'}role={args.role}"
    firsts: list[float] = []
    seconds: list[float] = []
    cpu: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            for run in range(args.runs):
                last = run == args.runs - 1
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = ctx.new_page()
                counter = Counter(page)
                firsts.append(visit(page, counter, url, target.ready).seconds)
                requests, frames = _watch(page)
                browser.start_tracing(page=page, categories=CATEGORIES + (
                    [PROFILER] if last and args.profile else []))
                second = visit(page, counter, url, target.ready)
                seconds.append(second.seconds)
                raw = browser.stop_tracing()
                trace = json.loads(raw)
                cpu.append(renderer_cpu(trace))
                if last:
                    if args.trace:
                        with open(args.trace, "wb") as f:
                            f.write(raw)
                    print(json.dumps(summarise(trace), indent=1))
                    print(f"second visit: {second.seconds:.2f} s, HTTP {second.http:,} B, "
                          f"websocket {second.ws:,} B")
                    print(f"websocket frames: {len(frames)};", " ".join(
                        f"{t:.2f}s:{n}" for t, n in frames))
                    print("requests:", len(requests), "not to the server:",
                          [r for r in requests if not r.startswith(base)][:10])
                    if page.locator(MAP_FRAME).count():
                        size = page.frame_locator(MAP_FRAME).locator("body").evaluate(
                            "b => b.ownerDocument.documentElement.outerHTML.length")
                        print(f"map frame document: {size:,} characters")
                ctx.close()
            browser.close()
    finally:
        server.stop()
    print("first visits (s)", [round(x, 2) for x in firsts], "median",
          round(statistics.median(firsts), 2))
    print("second visits (s)", [round(x, 2) for x in seconds], "median",
          round(statistics.median(seconds), 2))
    print("renderer main thread CPU, second visits (ms)", [round(x) for x in cpu], "median",
          round(statistics.median(cpu)))


if __name__ == "__main__":
    main()
