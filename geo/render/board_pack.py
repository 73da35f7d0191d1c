"""The board pack: a print-ready HTML report of the period's review, self-contained.

Headline figures, a hot-spot map drawn as inline SVG (no tiles, no scripts), the emerging
hot spots, the complex-strategy flags and the intervention results, written for the view
of the person taking it (small counts suppressed for boards). Every text from the data is
escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.render import text as published
from geo.render.mapping import BIN_LABELS, HOTSPOT_COLOURS, NO_DATA_LABEL
from geo.stats.disclosure import View, text

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
h1{margin-bottom:0}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{border-bottom:1px solid #ddd;text-align:left;padding:.3rem .5rem;font-size:.9rem}
.figures{display:flex;gap:2rem}.figure b{display:block;font-size:1.8rem}
.note{color:#666;font-size:.85rem}@media print{body{margin:0}}
"""


def svg_map(areas: gpd.GeoDataFrame, fills: Iterable[str], width: int = 640) -> str:
    """Polygons (WGS84) as an SVG, shaded by ``fills``; north up, distances kept."""
    geoms = areas.geometry.to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    k = np.cos(np.deg2rad((miny + maxy) / 2))
    scale = width / ((maxx - minx) * k)
    height = int((maxy - miny) * scale) + 1
    paths = []
    for geom, fill in zip(geoms, fills, strict=True):
        parts = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                px = (xy[:, 0] - minx) * k * scale
                py = (maxy - xy[:, 1]) * scale
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py,
                                                                                 strict=True)))
        paths.append(f'<path d="{"".join(parts)}Z" fill="{html.escape(fill)}" '
                     'stroke="#999" stroke-width="0.3"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Hot spot map">'
            + HATCH_DEFS + "".join(paths) + "</svg>")


#: the fill of units with no data (outside the area the data covers): grey hatching
NO_DATA_FILL = "url(#no-data)"
HATCH_DEFS = ('<defs><pattern id="no-data" width="6" height="6" patternUnits="userSpaceOnUse" '
              'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d9d9d9"/>'
              '<line x1="0" y1="0" x2="0" y2="6" stroke="#8c8c8c" stroke-width="2"/>'
              "</pattern></defs>")


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in frame.itertuples(index=False))
    return f"<table><tr>{head}</tr>{rows}</table>"


def _method_note(view: View) -> str:
    if view.exact:
        return " Exact counts (analyst view): not for circulation beyond analysts."
    return (f" Counts are published by the cell key method: each may differ from the true "
            f"count by up to {view.d}, the same way every time, and counts from 1 to "
            f'{view.k - 1} are shown as "{view.label}".')


def render(*, title: str, start: date, end: date, view: View, hex_table: gpd.GeoDataFrame,
           previous: pd.DataFrame, complex_flags: pd.DataFrame,
           impacts: list[dict[str, Any]], made_by: str, made_on: date,
           pooled: list[dict[str, Any]] | None = None,
           concentration: dict[str, float] | None = None) -> str:
    """The whole report as one HTML document. ``previous``: the units' counts (``count``,
    ``ck``) of the period before; every count is published through the disclosure gate.
    ``pooled``: the pooled effect of each type of intervention
    (:func:`geo.services.interventions.pooled_rows`); ``concentration``: from
    :func:`geo.services.pages.concentration`."""
    now = published.total(hex_table, view, n="count")
    before = published.total(previous, view, n="count")
    hot = hex_table[hex_table["bin"] >= 2]
    figures = [
        ("Incidents", text(now)),
        ("Change on the previous period", published.period_change(now, before)),
        ("Hot spot areas (95%+)", f"{len(hot)}"),
        ("Places for a complex strategy meeting",
         f"{int(complex_flags['flagged'].sum()) if not complex_flags.empty else 0}"),
    ]
    fig_html = "".join(f'<div class="figure"><b>{html.escape(v)}</b>{html.escape(k)}</div>'
                       for k, v in figures)
    inside = (hex_table["covered"].to_numpy(dtype=bool) if "covered" in hex_table
              else np.ones(len(hex_table), dtype=bool))
    fills = np.where(inside, hex_table["bin"].map(HOTSPOT_COLOURS).fillna("#ffffff"),
                     NO_DATA_FILL)
    emerging = hex_table[hex_table.get("category", pd.Series(dtype=str)).astype(str)
                         .str.contains("hot spot") & ~hex_table["category"].astype(str)
                         .str.startswith("no pattern")] if "category" in hex_table else \
        hex_table.iloc[0:0]
    em = (emerging.groupby(["category", "ward"]).size().reset_index(name="areas")
          .sort_values(["category", "areas"], ascending=[True, False])
          .rename(columns={"category": "Pattern", "ward": "Near", "areas": "Areas"}))
    flag_table = published.flags(complex_flags, view).drop(columns=["Category"])
    results = "".join(f"<li><b>{html.escape(r.get('verdict', ''))}</b>: "
                      f"{html.escape(r['sentence'])}</li>" for r in impacts)
    works = "".join(f"<li>{html.escape(p['sentence'])}</li>" for p in pooled or [])
    conc = ""
    if concentration:
        def pct(x: float) -> str:
            return "n/a" if pd.isna(x) else f"{x:.0%}"

        def num(x: float) -> str:
            return "n/a" if pd.isna(x) else f"{x:.2f}"

        c = concentration
        conc = (f"<p>{pct(c['top_share'])} of incidents happened in the densest 5% of the "
                f"area (Gini {num(c['gini'])}). Of last period's {int(c['hot_before'])} hot "
                f"spots, {pct(c['share_still_hot'])} are still hot (rank correlation "
                f"{num(c['spearman'])}). As a forecast, last period's hot spots had a PAI of "
                f"{num(c['pai'])}, PEI* {num(c['pei_star'])} (1 = as good as hindsight) and "
                f"RRI {num(c['rri'])}.</p>")
    legend = " ".join(f'<span style="background:{HOTSPOT_COLOURS[b]};padding:0 .6rem"></span> '
                      f"{html.escape(BIN_LABELS[b])}" for b in (3, 2, 1, -1, -2, -3))
    if not inside.all():
        legend += (' <svg width="16" height="10"><rect width="16" height="10" '  # the map's
                   f'fill="{NO_DATA_FILL}"/></svg> {html.escape(NO_DATA_LABEL)}')  # pattern
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>{CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="note">Period {start:%B %Y} to {end:%B %Y}. Prepared {made_on:%d %B %Y} by
{html.escape(made_by)}.{_method_note(view)}</p>
<h2>Headline figures</h2><div class="figures">{fig_html}</div>
<h2>Hot spots</h2>{svg_map(hex_table, fills)}<p class="note">{legend}</p>
<h2>How concentrated, how stable</h2>{conc or "<p>Not measured.</p>"}
<h2>Emerging hot spots</h2>{_table(em) if not em.empty else "<p>None in this period.</p>"}
<h2>Complex-strategy flags</h2>
{_table(flag_table) if not flag_table.empty else "<p>No place meets the threshold.</p>"}
<h2>What works across places</h2>
<ul>{works or "<li>No type of intervention has enough data yet.</li>"}</ul>
<p class="note">Each type over all its places and start dates, against matched comparisons,
pooled with a 95% interval (docs/methods.md).</p>
<h2>Did the interventions work?</h2><ul>{results or "<li>No interventions recorded.</li>"}</ul>
</body></html>"""
