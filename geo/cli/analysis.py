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


def _filters(args: argparse.Namespace) -> Any:
    from geo.filters import Filters, month

    return Filters(
        start=month(args.start) if args.start else None,
        end=month(args.end) if args.end else None,
        harms=tuple(args.harm) if args.harm else None,
        risks=tuple(args.risk) if args.risk else None,
        ages=tuple(args.age) if args.age else None,
    )


def _hotspots(args: argparse.Namespace) -> int:
    from geo.cli.main import _ensure_db
    from geo.render.text import coverage_text
    from geo.services.analysis import coverage, hotspot_table
    from geo.store import db
    from geo.store.counts import DEFAULT_HEX_SIZE

    _ensure_db()
    with db.connect("dashboard") as conn:
        covers = coverage(conn, _filters(args))
        table = hotspot_table(
            conn,
            args.unit,
            _filters(args),
            DEFAULT_HEX_SIZE if args.size is None else args.size,
            fdr=not args.no_fdr,
            weight_kind=args.weights,
            emerging_too=args.emerging,
            step=args.step,
            measure=args.measure,
        )
    cols = ["unit_id", "name", "count", "covered", "measure", "value", "z", "p", "bin",
            "label"]
    cols += ["lisa"] if "lisa" in table else []
    if args.emerging:
        cols += ["category", "trend_z", "trend_p"]
    if not covers.whole:
        print(coverage_text(covers), file=sys.stderr)
    # units with data first, by z; then those outside the data's coverage ("no data")
    table = table.sort_values(["covered", "z"], ascending=False)
    for row in table[cols].itertuples(index=False):
        rec = {c: _jsonable(v) for c, v in zip(cols, row, strict=True)}
        if not rec["covered"]:
            rec["bin"] = None  # no data: neither hot nor cold
        if args.json:
            print(json.dumps(rec))
        elif rec["covered"]:
            extra = f"  {rec['category']}" if args.emerging else ""
            print(
                f"{rec['unit_id']:>12}  {rec['count']:>6}  z={rec['z']:7.2f}  "
                f"bin={rec['bin']:+d}  {rec['name']}{extra}"
                + (f"  ({rec['label']})" if rec["label"] else "")
            )
        else:
            print(f"{rec['unit_id']:>12}  {rec['count']:>6}  no data (outside the "
                  f"coverage of the data)  {rec['name']}")
    sys.stdout.flush()
    return 0


def _impact(args: argparse.Namespace) -> int:
    from geo.cli.main import _ensure_db
    from geo.services.interventions import ImpactParams, impacts
    from geo.store import db

    _ensure_db()
    params = ImpactParams(
        before=args.before,
        after=args.after,
        buffer=args.buffer,
        harms=tuple(args.harm) if args.harm else None,
    )
    with db.connect("dashboard") as conn:
        found = impacts(conn, params, place_ref=args.place, intervention_ref=args.intervention)
    if not found:
        print("no such intervention or place", file=sys.stderr)
        return 1
    if args.by_type:
        from geo.services.pooling import pooled_rows

        for row in pooled_rows(found):
            print(json.dumps(row, default=_jsonable) if args.json else row["sentence"])
        return 0
    for res in found:
        if args.json:
            print(json.dumps(res.as_dict(), default=_jsonable))
        else:
            print(f"{res.intervention}: {res.sentence}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the analysis subcommands on the main parser."""
    h = sub.add_parser("hotspots", help="Gi* hot spots (and emerging categories)")
    h.add_argument("--unit", choices=["hex", "ward", "lsoa", "place"], default="hex")
    # (no default here: the loaded grid's, geo.stats.grid.DEFAULT_SIZE, which parsing
    # the arguments does not import)
    h.add_argument("--size", type=float, help="hexagon size (edge, m); default: the grid "
                   "the loader assigns incidents to")
    h.add_argument("--from", dest="start", help="first month, YYYY-MM")
    h.add_argument("--to", dest="end", help="last month, YYYY-MM")
    h.add_argument("--harm", nargs="*", help="harm types (codes)")
    h.add_argument("--risk", nargs="*", help="risk levels")
    h.add_argument("--age", nargs="*", help="age bands")
    h.add_argument("--weights", choices=["distance", "contiguity"], default="distance")
    h.add_argument("--no-fdr", action="store_true", help="no false discovery rate correction")
    h.add_argument("--emerging", action="store_true", help="emerging hot spot categories")
    h.add_argument("--step", choices=["month", "quarter"], default="month")
    h.add_argument("--measure", choices=["auto", "rate", "count"], default="auto",
                   help="wards/LSOAs: EB-smoothed rates per 1,000 young people (auto: when a "
                        "population is loaded) or counts")
    h.add_argument("--json", action="store_true", help="one JSON object per unit")
    h.set_defaults(func=_hotspots)

    i = sub.add_parser("impact", help="measured impact of interventions")
    which = i.add_mutually_exclusive_group()
    which.add_argument("--intervention", help="intervention reference or id")
    which.add_argument("--place", help="all interventions at a place (its reference)")
    i.add_argument("--before", type=int, default=12, help="months before the start")
    i.add_argument("--after", type=int, default=12, help="months after the start")
    i.add_argument("--buffer", type=float, default=200.0, help="buffer ring width, m")
    i.add_argument("--harm", nargs="*", help="harm types (codes)")
    i.add_argument("--json", action="store_true", help="one JSON object per intervention")
    i.add_argument("--by-type", action="store_true",
                   help="the pooled effect of each type of intervention instead")
    i.set_defaults(func=_impact)
