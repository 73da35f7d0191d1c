"""Run every benchmark and print one table; write it to bench/results.json.

``python -m bench [--quick] [--only NAME ...]``: medians of several runs, each with its
target and its ratio to a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path

MODULES = ("sample", "hotspots", "ingest", "guard", "dashboard", "load", "board_pack", "browser")


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--quick", action="store_true", help="smaller inputs, fewer runs")
    p.add_argument("--only", nargs="*", choices=MODULES)
    args = p.parse_args()
    figures = []
    for name in args.only or MODULES:
        t = time.perf_counter()
        mod = importlib.import_module(f"bench.{name}")
        found = mod.run(quick=args.quick)
        print(f"[{name}: {time.perf_counter() - t:.0f} s]", flush=True)
        figures += [(name, f) for f in found]
    print()
    print(f"{'benchmark':<62} {'median':>10} {'target':>16} {'baseline':>10} {'ratio':>7}")
    for _, f in figures:
        base = f"{f.baseline:.3f}" if f.baseline is not None else ""
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        print(f"{f.name:<62} {f.median:>8.3f} {f.unit:<1} {f.target:>16} {base:>10} {ratio:>7}")
        if f.note:
            print(f"    {f.note}")
    out = Path(__file__).parent / "results.json"
    ran = {g for g, _ in figures}
    kept = []  # the figures of the benchmarks not run this time stay
    if out.exists():
        try:
            kept = [f for f in json.loads(out.read_text()).get("figures", [])
                    if f.get("group") not in ran]
        except (ValueError, AttributeError):
            kept = []
    out.write_text(json.dumps({"machine": platform.platform(), "quick": args.quick,
                               "figures": kept + [dict(f.as_dict(), group=g)
                                                  for g, f in figures]},
                              indent=2, default=str))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
