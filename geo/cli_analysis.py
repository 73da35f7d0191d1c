"""Analysis subcommands of ``contexts`` (hot spots, impact), kept apart from set-up ones."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any


def _jsonable(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _filters(args: argparse.Namespace):  # noqa: ANN202
    from geo.counts import Filters, month

    return Filters(
        start=month(args.start) if args.start else None,
        end=month(args.end) if args.end else None,
        harms=tuple(args.harm) if args.harm else None,
        risks=tuple(args.risk) if args.risk else None,
        ages=tuple(args.age) if args.age else None,
    )


def _hotspots(args: argparse.Namespace) -> int:
    from geo import db
    from geo.analysis import hotspot_table
    from geo.cli import _ensure_db

    _ensure_db()
    with db.connect("dashboard") as conn:
        table = hotspot_table(
            conn,
            args.unit,
            _filters(args),
            args.size,
            fdr=not args.no_fdr,
            weight_kind=args.weights,
            emerging_too=args.emerging,
            step=args.step,
        )
    cols = ["unit_id", "name", "count", "z", "p", "bin"]
    if args.emerging:
        cols += ["category", "trend_z", "trend_p"]
    table = table.sort_values("z", ascending=False)
    for row in table[cols].itertuples(index=False):
        rec = {c: _jsonable(v) for c, v in zip(cols, row, strict=True)}
        if args.json:
            print(json.dumps(rec))
        else:
            extra = f"  {rec['category']}" if args.emerging else ""
            print(
                f"{rec['unit_id']:>12}  {rec['count']:>6}  z={rec['z']:7.2f}  "
                f"bin={rec['bin']:+d}  {rec['name']}{extra}"
            )
    sys.stdout.flush()
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the analysis subcommands on the main parser."""
    h = sub.add_parser("hotspots", help="Gi* hot spots (and emerging categories)")
    h.add_argument("--unit", choices=["hex", "ward", "lsoa", "place"], default="hex")
    h.add_argument("--size", type=float, default=250.0, help="hexagon size (edge, m)")
    h.add_argument("--from", dest="start", help="first month, YYYY-MM")
    h.add_argument("--to", dest="end", help="last month, YYYY-MM")
    h.add_argument("--harm", nargs="*", help="harm types (codes)")
    h.add_argument("--risk", nargs="*", help="risk levels")
    h.add_argument("--age", nargs="*", help="age bands")
    h.add_argument("--weights", choices=["distance", "contiguity"], default="distance")
    h.add_argument("--no-fdr", action="store_true", help="no false discovery rate correction")
    h.add_argument("--emerging", action="store_true", help="emerging hot spot categories")
    h.add_argument("--step", choices=["month", "quarter"], default="month")
    h.add_argument("--json", action="store_true", help="one JSON object per unit")
    h.set_defaults(func=_hotspots)
