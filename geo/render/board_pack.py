"""The board pack: the period's review as an A4 PDF (or print-ready HTML), self-contained.

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
from geo.render.maps.base import area_shape
from geo.render.maps.legend import HOTSPOT_SENTENCE
from geo.render.maps.palette import BIN_LABELS, HOTSPOT_COLOURS, NO_DATA_LABEL
from geo.render.pooled import is_clear, moved_sentence
from geo.render.words import (
    HEX_SIZE,
    HOW_WORKED_OUT,
    MIN_PEOPLE,
    WINDOW_DAYS,
    hot_spots,
    now_text,
    plain_sentence,
)
from geo.stats.disclosure import View, text

CSS = """
@page{size:A4;margin:16mm 15mm 18mm;
  @bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt;color:#666}}
body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#222;font-size:10pt;margin:0}
h1{margin:0 0 .2rem;font-size:18pt}h2{font-size:13pt;margin:1rem 0 .4rem;break-after:avoid}
table{border-collapse:collapse;width:100%;margin:.3rem 0 1rem}
td,th{border-bottom:1px solid #ddd;text-align:left;padding:.25rem .4rem;font-size:9pt}
tr,td,th{break-inside:avoid}thead{display:table-header-group}
.figures{display:flex;gap:1.5rem;flex-wrap:wrap}.figure b{display:block;font-size:16pt}
.figure{width:9.5rem}
.note{color:#555;font-size:8.5pt}
figure{margin:0;break-inside:avoid;page-break-inside:avoid}
figure svg{width:100%;height:auto;max-height:170mm}
figcaption{font-size:8.5pt;color:#333;margin-top:.3rem}
.swatch{display:inline-block;width:.9rem;height:.7rem;border:1px solid #777;
  vertical-align:-1px;margin:0 .25rem 0 .6rem}
section{break-inside:avoid}
.summary{break-after:page}.summary li{margin:.2rem 0}
@media screen{body{margin:2rem;max-width:60rem}}
"""


def _label_points(wards: gpd.GeoDataFrame, minx: float, maxy: float, k: float, scale: float,
                  width: int, height: int) -> str:
    """Ward names as SVG text at a point inside each ward, larger wards first, a name left
    out where it would overlap one already placed."""
    if wards is None or wards.empty:
        return ""
    pts = wards.geometry.representative_point()
    order = np.argsort(-shapely.area(wards.geometry.to_numpy()))  # (degrees²: an order only)
    taken: list[tuple[float, float, float, float]] = []
    out = []
    for i in order:
        name = str(wards["name"].iloc[i])
        x = (pts.iloc[i].x - minx) * k * scale
        y = (maxy - pts.iloc[i].y) * scale
        w, h = len(name) * 5.2 + 4, 11
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
            continue
        if any(box[0] < t[2] and box[2] > t[0] and box[1] < t[3] and box[3] > t[1]
               for t in taken):
            continue
        taken.append(box)
        # the name on a pale box, readable over any colour
        out.append(f'<rect x="{box[0]:.1f}" y="{box[1]:.1f}" width="{w:.1f}" height="{h}" '
                   'rx="2" fill="#ffffff" fill-opacity="0.78"/>'
                   f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle" font-size="9" '
                   f'font-family="DejaVu Sans, sans-serif" fill="#111">{html.escape(name)}</text>')
    return "".join(out)


class _Rings:
    """Every ring of some polygons and multipolygons (WGS84) as points on the map, made
    at once for all of them (shapely's array functions, not a Python loop per polygon):
    ``key`` a point's place to a tenth of a pixel as one integer, ``text`` the same
    as "x,y", ``start`` where each ring's points begin (and ``start[-1]`` where the last
    ends), ``owner`` the polygon of each ring. A point the same as the one before it in
    its ring is left out (nothing to draw)."""

    def __init__(self, geoms: Any, minx: float, maxy: float, k: float, scale: float):
        parts, part_of = shapely.get_parts(geoms, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        xy, point_of = shapely.get_coordinates(rings, return_index=True)
        x = np.rint((xy[:, 0] - minx) * k * scale * 10).astype(np.int64)
        y = np.rint((maxy - xy[:, 1]) * scale * 10).astype(np.int64)
        keep = np.ones(len(x), dtype=bool)
        keep[1:] = (point_of[1:] != point_of[:-1]) | (x[1:] != x[:-1]) | (y[1:] != y[:-1])
        x, y, point_of = x[keep], y[keep], point_of[keep]
        self.key = x * (1 << 32) + y  # one integer per point, whatever their signs
        self.text = [f"{a / 10:.1f},{b / 10:.1f}"
                     for a, b in zip(x.tolist(), y.tolist(), strict=True)]
        self.ring = point_of
        self.start = np.searchsorted(point_of, np.arange(len(rings) + 1)).tolist()
        self.owner = part_of[ring_of]

    def path(self, of: np.ndarray | None = None) -> str:
        """The rings (of the polygons ``of``, a boolean per polygon; all when None) as an
        SVG path: each closed."""
        rings = range(len(self.owner)) if of is None else np.flatnonzero(of[self.owner])
        s, t = self.start, self.text
        return "".join("M" + "L".join(t[s[r]:s[r + 1]]) + "Z" for r in rings)

    def lines(self, of: np.ndarray) -> str:
        """The edges of the rings of the polygons ``of`` as a path drawn once each: an
        edge two rings share (hexagons side by side, wards along their common boundary)
        is one edge, and the edges are joined into lines running on from edge to edge.
        Stroked alike, it looks as the rings each stroked do; the PDF's drawing time grows
        with the points of its paths (WeasyPrint reads each), and this has about half of
        them."""
        mine = of[self.owner][self.ring]
        same = (self.ring[1:] == self.ring[:-1]) & mine[1:]
        a, b = self.key[:-1][same], self.key[1:][same]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        # each edge once, in the order first drawn
        _, first = np.unique(np.stack([lo, hi], axis=1), axis=0, return_index=True)
        first.sort()
        text = dict(zip(self.key.tolist(), self.text, strict=True))
        ends: dict[int, list[int]] = {}
        for p, q in zip(lo[first].tolist(), hi[first].tolist(), strict=True):
            ends.setdefault(p, []).append(q)
            ends.setdefault(q, []).append(p)
        drawn: set[tuple[int, int]] = set()

        def next_edge(v: int) -> int | None:
            rest = ends[v]
            while rest:
                w = rest.pop()
                if ((v, w) if v < w else (w, v)) not in drawn:
                    return w
            return None

        out = []
        # a line from each point where an odd number of edges meet ends at another such
        # point
        for start in sorted(ends, key=lambda v: len(ends[v]) % 2 == 0):
            while (w := next_edge(start)) is not None:
                line, v = [text[start]], start
                while w is not None:
                    drawn.add((v, w) if v < w else (w, v))
                    line.append(text[w])
                    v, w = w, next_edge(w)
                out.append("M" + "L".join(line))
        return "".join(out)


def svg_map(areas: gpd.GeoDataFrame, fills: Iterable[str], width: int = 640,
            wards: gpd.GeoDataFrame | None = None) -> str:
    """Polygons (WGS84) as an SVG, shaded by ``fills``; north up, distances kept; with
    ``wards``, their outlines and names on top (a map that can be read on paper)."""
    geoms = areas.geometry.to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    k = np.cos(np.deg2rad((miny + maxy) / 2))
    scale = width / ((maxx - minx) * k)
    height = int((maxy - miny) * scale) + 1
    # one path per colour (and one for the ward lines), not one per area: the PDF's drawing
    # time grows with the number of SVG elements (WeasyPrint styles each like an HTML one);
    # the areas do not overlap, so a colour's rings drawn as one shape look the same.
    # White areas (not hot, not cold) are white on the white page: only their outlines
    # are drawn, each edge once (:meth:`_Rings.lines`)
    fill = np.asarray([str(f) for f in fills], dtype=object)
    if len(fill) != len(geoms):
        raise ValueError(f"{len(fill)} fills for {len(geoms)} areas")
    drawn = _Rings(geoms, minx, maxy, k, scale)
    blank = fill == BLANK_FILL
    # (#a0a0a0 once: as dark on screen as the #bbb drawn twice where two areas met)
    paths = [f'<path d="{drawn.lines(blank)}" fill="none" stroke="#a0a0a0" '
             'stroke-width="0.2"/>'] if blank.any() else []
    paths += [f'<path d="{drawn.path(fill == f)}" fill="{html.escape(f)}" '
              'stroke="#bbb" stroke-width="0.2"/>' for f in dict.fromkeys(fill[~blank])]
    if wards is not None and not wards.empty:
        lines = _Rings(wards.geometry.to_numpy(), minx, maxy, k, scale).path()
        paths.append(f'<path d="{lines}" fill="none" stroke="#555" stroke-width="0.6"/>')
        outline = _Rings(np.array([area_shape(wards)]), minx, maxy, k, scale).path()
        paths.append(f'<path d="{outline}" fill="none" stroke="#111" stroke-width="1.6"/>')
        paths.append(_label_points(wards, minx, maxy, k, scale, width, height))
    # a scale bar: 2 km
    km = 1000 / (111_320 * k) * k * scale  # pixels per km
    bar = (f'<g font-size="9" font-family="DejaVu Sans, sans-serif">'
           f'<rect x="10" y="{height - 16}" width="{2 * km:.1f}" height="4" fill="#111"/>'
           f'<text x="10" y="{height - 21}" text-anchor="start">0</text>'
           f'<text x="{10 + 2 * km:.1f}" y="{height - 21}" text-anchor="middle">2 km</text>'
           f'<text x="{width - 14}" y="18" font-size="12" text-anchor="middle">N</text>'
           f'<path d="M{width - 14},22 l-4,10 h8z" fill="#111"/></g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Hot spot map">'
            + HATCH_DEFS + "".join(paths) + bar + "</svg>")


#: the fill of areas neither hot nor cold: white, as the page (their outlines are drawn)
BLANK_FILL = HOTSPOT_COLOURS[0]
#: the fill of units with no data (outside the area the data covers): grey hatching
NO_DATA_FILL = "url(#no-data)"
HATCH_DEFS = ('<defs><pattern id="no-data" width="6" height="6" patternUnits="userSpaceOnUse" '
              'patternTransform="rotate(45)"><rect width="6" height="6" fill="#d9d9d9"/>'
              '<line x1="0" y1="0" x2="0" y2="6" stroke="#8c8c8c" stroke-width="2"/>'
              "</pattern></defs>")


def table(frame: pd.DataFrame) -> str:
    """A frame as an HTML table, every header and cell escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def pdf(document: str) -> bytes:
    """The board pack as an A4 PDF (WeasyPrint; the document has no script and no link to
    fetch, so nothing leaves the machine)."""
    import weasyprint

    data: bytes = weasyprint.HTML(string=document, base_url=None).write_pdf()
    return data


def _agenda(a: dict[str, Any], view: View) -> str:
    """The next meeting's agenda: reviews due, places newly over the complex-strategy
    threshold (young people as the gate writes them), new and intensifying hot spots and
    the interventions that ended, with their results."""
    def day(d: Any) -> str:
        return "" if pd.isna(d) else f"{pd.Timestamp(d):%d %b %Y}"

    reviews = a["reviews"]
    rev = pd.DataFrame({"Context": reviews["name"], "Kind": reviews["kind_label"],
                        "Status": reviews["status_label"], "Lead agency": reviews["lead_agency"],
                        "Review date": [day(d) for d in reviews["review_date"]]})
    flagged = published.shown_flags(a["flagged"], view)
    rule = published.flags_rule_text(view)
    flags = pd.DataFrame({"Place": flagged["name"],
                          "Distinct young people": [published.people_text(int(n), view)
                                                    for n in flagged["max_people"]]})
    hot = a["hotspots"]
    spots = pd.DataFrame({"Area": hot["name"],
                          "Pattern": hot["category"].astype(str).str.capitalize()})
    ended = "".join(f"<li>{html.escape(str(r['type_label']))} at "
                    f"{html.escape(str(r['place_name']))}: "
                    f"{html.escape(plain_sentence(str(r['result'])))}</li>"
                    for _, r in a["ended"].iterrows())

    def part(title: str, frame: pd.DataFrame, none: str) -> str:
        return f"<h3>{title}</h3>" + (table(frame) if not frame.empty else f"<p>{none}</p>")

    return (f'<section><h2>Next meeting: what changed since {day(a["since"])}</h2>'
            + part("Reviews due", rev, "No context is due for review.")
            + part("Places newly over the complex-strategy threshold", flags,
                   "No place crossed the threshold." if view.exact
                   else "No place to list at this level of detail.")
            + (f"<p>{html.escape(rule)}</p>" if rule else "")
            + part("New and intensifying hot spots", spots, "None.")
            + "<h3>Interventions that ended</h3>"
            + (f"<ul>{ended}</ul>" if ended else "<p>None.</p>") + "</section>")


def _method_note(view: View) -> str:
    if view.exact:
        return " Exact counts (analyst view): not for circulation beyond analysts."
    return (f" Counts are published by the cell key method: each may differ from the true "
            f"count by up to {view.d}, the same way every time, and counts from 0 to "
            f'{view.k - 1} (none included) are shown alike as "{view.label}".')


def _how_worked_out() -> str:
    """The closing note naming each statistic and its method (the pack's words above say
    what they mean)."""
    return (f'<section id="how-worked-out"><h2>{HOW_WORKED_OUT}</h2><p class="note">'
            f"Hot and cold spots: the Getis-Ord Gi* statistic over each {HEX_SIZE} hexagon and its "
            "neighbours, with a false discovery rate correction; emerging and intensifying hot "
            "spots: its trend month by month (Mann-Kendall test). How evenly harm is spread: "
            "the Gini coefficient; how alike two periods rank their areas: Spearman's rank "
            "correlation; forecast accuracy: the predictive accuracy index (PAI); the way to "
            "the best areas: PEI*; growth in last period's hot spots: the recapture rate "
            "index (RRI). Interventions: a segmented time series against the surrounding "
            "area, checked against a matched comparison (synthetic control) and placebo "
            "tests; displacement from the weighted displacement quotient (WDQ); each type "
            "pooled by a random-effects meta-analysis.</p></section>")


def _summary(*, now: Any, before: Any, hex_table: pd.DataFrame, hot: pd.DataFrame,
             concentration: dict[str, float] | None, pooled: list[dict[str, Any]] | None,
             impacts: list[dict[str, Any]], agenda: dict[str, Any] | None, flagged: int,
             view: View) -> str:
    """The first page: the few lines a board reads (where harm is concentrated, what
    changed, what worked, what could not be shown, what the board is asked to decide),
    in plain words, from the published values the rest of the pack shows."""
    def pct(x: float) -> str:
        return f"{x:.0%}"

    def names(counts: pd.Series) -> str:
        top = [f"{html.escape(str(w))} ({n}{' areas' if not k else ''})"
               for k, (w, n) in enumerate(counts.head(3).items())]
        return top[0] if len(top) == 1 else ", ".join(top[:-1]) + " and " + top[-1]

    c = concentration or {}
    where: list[str] = []
    if hot.empty:
        where.append(f"No {HEX_SIZE} area is a hot spot in this period (95% confidence or "
                     "more).")
    else:
        wards = hot["ward"].astype(str).value_counts() if "ward" in hot else pd.Series()
        where.append(f"{len(hot)} hot spots ({HEX_SIZE} areas where high counts cluster, 95% "
                     "confidence or more)" + (f", most of them in {names(wards)}." if len(wards)
                                              else "."))
    if pd.notna(c.get("top_share", np.nan)):
        where.append(f"{pct(c['top_share'])} of incidents happened in the densest 5% of the "
                     "area.")
    changed = [f"Incidents: {html.escape(text(now))} in the period, against "
               f"{html.escape(text(before))} in the one before "
               f"({html.escape(published.period_change(now, before))})."]
    cats = hex_table["category"].astype(str) if "category" in hex_table else pd.Series()
    new, grown = int((cats == "new hot spot").sum()), int((cats == "intensifying hot spot")
                                                          .sum())
    if new or grown:
        changed.append(f"Month by month, {new} areas became new hot spots and {grown} "
                       "hot spots grew hotter.")
    if pd.notna(c.get("share_still_hot", np.nan)) and c.get("hot_before"):
        changed.append(f"{pct(c['share_still_hot'])} of the previous period's "
                       f"{int(c['hot_before'])} hot spots are still hot.")
    def said(p: dict[str, Any]) -> str:
        # the type's sentence, and what it says of harm moving, whole ("95% CI" said in
        # words, not as "most likely": an interval, not a likelihood)
        return (html.escape(str(p["sentence"]).split(". ")[0].rstrip(".")
                            .replace("95% CI ", "95% interval ")) + "."
                + (" " + html.escape(moved_sentence(int(p["moved"]), int(p["places"])))
                   if p.get("moved") else ""))

    clear = [p for p in pooled or [] if is_clear(p)]
    # a type followed by clearly more incidents did not "work": the board reads it under
    # what changed
    worked = [said(p) for p in clear if p["effect"] < 0]
    changed += [said(p) for p in clear if p["effect"] > 0]
    measured = [i for i in impacts if i.get("verdict") in ("reduced", "increased",
                                                            "no clear change")]
    reduced = sum(i.get("verdict") == "reduced" for i in measured)
    if measured:
        worked.append(f"At their own places, {reduced} of the {len(measured)} interventions "
                      f"measured {'was' if reduced == 1 else 'were'} followed by clearly "
                      "fewer incidents.")
    if not worked:
        worked.append("No intervention shows a clear change yet.")
    unshown = []
    unmeasured = len(impacts) - len(measured)
    if unmeasured:
        unshown.append(f"{unmeasured} intervention{'s' if unmeasured != 1 else ''} could not "
                       "be measured (too little data, or no good comparison area).")
    untested = [html.escape(str(p.get("type", ""))) for p in pooled or []
                if not p.get("places")]
    if untested:
        unshown.append("No place with enough data yet for: " + ", ".join(untested) + ".")
    if not view.exact:
        held = int(hex_table["withheld"].astype(bool).sum()) if "withheld" in hex_table \
            else 0
        unshown.append(f'Counts from 0 to {view.k - 1} are shown alike as "{view.label}"'
                       + (f", and {held} areas' counts are withheld at this detail"
                          if held else "") + ", so that no young person can be picked out.")
    if not unshown:
        unshown.append("Nothing was held back.")
    decide = []
    if flagged:
        decide.append(f"Whether to call complex strategy meetings for the {flagged} "
                      f"place{'s' if flagged != 1 else ''} where {MIN_PEOPLE} or more young "
                      f"people were seen within {WINDOW_DAYS} days.")
    if agenda is not None and len(agenda["reviews"]):
        n = len(agenda["reviews"])
        decide.append(f"The review of {n} context{'s' if n != 1 else ''} of concern due by "
                      f"{pd.Timestamp(agenda['on']):%d %b %Y}.")
    if not hot.empty:
        decide.append("Where to focus the partnership's work among the hot spots above.")

    def block(head: str, lines: list[str]) -> str:
        return f"<h3>{head}</h3><ul>" + "".join(f"<li>{x}</li>" for x in lines) + "</ul>"

    return ('<section id="summary" class="summary"><h2>Summary</h2>'
            + block("Where harm is concentrated", where) + block("What changed", changed)
            + block("What worked", worked) + block("What could not be shown", unshown)
            + block("For the board to decide", decide or ["Nothing is due."])
            + "</section>")


def render(*, title: str, start: date, end: date, view: View, hex_table: gpd.GeoDataFrame,
           previous: pd.DataFrame, complex_flags: pd.DataFrame,
           impacts: list[dict[str, Any]], made_by: str, made_on: date,
           pooled: list[dict[str, Any]] | None = None,
           concentration: dict[str, float] | None = None,
           wards: gpd.GeoDataFrame | None = None,
           agenda: dict[str, Any] | None = None, filtered: bool = False) -> str:
    """The whole report as one HTML document. ``previous``: the units' counts (``count``,
    ``ck``) of the period before; every count is published through the disclosure gate.
    ``pooled``: the pooled effect of each type of intervention
    (:func:`geo.services.pooling.pooled_rows`); ``concentration``: from
    :func:`geo.services.pages.concentration`; ``wards``: their outlines and names on the
    map; ``agenda``: the next meeting's agenda (``on``, ``since`` and the frames of
    :class:`geo.services.meeting.Agenda`); ``filtered``: a harm, risk or age filter is on
    (the complex-strategy flags ignore them, and the pack says so)."""
    now = published.total(hex_table, view, n="count")
    before = published.total(previous, view, n="count")
    hot = hot_spots(hex_table)  # the pages' one definition (95% confidence or more)
    n_months = len(pd.date_range(start, end, freq="MS"))
    prev_start = (pd.Timestamp(start) - pd.DateOffset(months=n_months)).date()
    prev_end = (pd.Timestamp(start) - pd.DateOffset(months=1)).date()
    flag_table = published.flags(complex_flags, view).drop(columns=["Category"])
    figures = [
        ("Incidents", text(now)),
        ("Change on the previous period", published.period_change(now, before)),
        ("Hot spots (95%+)", f"{len(hot)}"),
        ("Places for a complex strategy meeting", f"{len(flag_table)}"),
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
          .rename(columns={"category": "Pattern", "ward": "Ward", "areas": "Areas"}))
    em["Pattern"] = em["Pattern"].astype(str).str.capitalize()
    note = published.flags_note(view, filtered)
    results = "".join(f"<li><b>{html.escape(r.get('verdict', ''))}</b>: "
                      f"{html.escape(plain_sentence(r['sentence']))}</li>" for r in impacts)
    works = "".join(f"<li>{html.escape(p['sentence'])}</li>" for p in pooled or [])
    conc = ""
    if concentration:
        def pct(x: float) -> str:
            return "n/a" if pd.isna(x) else f"{x:.0%}"

        def num(x: float) -> str:
            return "n/a" if pd.isna(x) else f"{x:.2f}"

        c = concentration
        conc = (f"<p>{pct(c['top_share'])} of incidents happened in the densest 5% of the "
                f"area (how evenly harm is spread: {num(c['gini'])}, where 0 is evenly and 1 "
                f"all in one place). Of the {int(c['hot_before'])} hot spots of the "
                f"previous period ({prev_start:%b %Y} to {prev_end:%b %Y}), "
                f"{pct(c['share_still_hot'])} are still hot (how alike the two periods rank "
                f"their areas: {num(c['spearman'])}). As a forecast, last period's hot spots "
                f"held {num(c['pai'])} times their share of the area's incidents (forecast "
                f"accuracy), came {num(c['pei_star'])} of the way to the best areas that could "
                f"have been picked (1 = as good as hindsight), and harm in them grew "
                f"{num(c['rri'])} times as fast as elsewhere.</p>")
    legend = " ".join(f'<span class="swatch" style="background:{HOTSPOT_COLOURS[b]}"></span>'
                      f"{html.escape(BIN_LABELS[b])}" for b in (3, 2, 1, 0, -1, -2, -3))
    if not inside.all():
        legend += (' <svg width="16" height="10"><rect width="16" height="10" '  # the map's
                   f'fill="{NO_DATA_FILL}"/></svg> {html.escape(NO_DATA_LABEL)}')  # pattern
    summary = _summary(now=now, before=before, hex_table=hex_table, hot=hot,
                       concentration=concentration, pooled=pooled, impacts=impacts,
                       agenda=agenda, view=view,
                       flagged=len(flag_table))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>{CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="note">Period {start:%B %Y} to {end:%B %Y}. Prepared {now_text(made_on)} by
{html.escape(made_by)}.{_method_note(view)}</p>
{summary}
<section><h2>Headline figures</h2><div class="figures">{fig_html}</div></section>
<figure id="hotspot-map"><h2>Hot spots</h2>{svg_map(hex_table, fills, wards=wards)}
<figcaption>{HEX_SIZE} hexagons by how confident it is that each is a hot or cold spot (a
cluster of high or low counts, unlikely by chance), with ward names and boundaries.
{legend}<br>{html.escape(HOTSPOT_SENTENCE)}</figcaption></figure>
<section><h2>How concentrated, how stable</h2>{conc or "<p>Not measured.</p>"}</section>
<h2>Emerging hot spots</h2>{table(em) if not em.empty else "<p>None in this period.</p>"}
<h2>Complex-strategy flags</h2>
{table(flag_table) if not flag_table.empty
 else f"<p>{html.escape(published.no_flags_text(view))}</p>"}
{f'<p class="note">{html.escape(note)}</p>' if note else ""}
<section><h2>What works across places</h2>
<ul>{works or "<li>No type of intervention has enough data yet.</li>"}</ul>
<p class="note">Each type over all its places and start dates, against matched comparisons,
pooled with a 95% interval.</p></section>
<h2>Did the interventions work?</h2><ul>{results or "<li>No interventions recorded.</li>"}</ul>
{_agenda(agenda, view) if agenda is not None else ""}
{_how_worked_out()}
</body></html>"""
