"""The Networks page's map: lines between places (links and corridors, width by the young
people as a role may see them) and its legend."""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd

from geo.render.maps.elements import Script, page_assets
from geo.render.maps.escape import map_text
from geo.render.maps.legend import LEGEND_JS
from geo.render.maps.palette import CATEGORY_COLOURS, CATEGORY_GLYPHS

#: the Networks page's lines: links (same young people at both places, no direction) in
#: grey, corridors (one place, then the other within a week) in red with an arrow at the
#: middle pointing the way; width by strength; a tooltip names both places
_NETWORK_JS = """
data.lines.forEach(function(l) {
  var line = L.polyline([l.a, l.b], {color: l.colour, weight: l.width, opacity: 0.85,
                                     dashArray: l.dash || null});
  line.bindTooltip(l.text, {sticky: true});
  line.addTo(map);
  if (l.arrow) {
    var mid = [(l.a[0] + l.b[0]) / 2, (l.a[1] + l.b[1]) / 2];
    var pa = map.project(l.a, 12), pb = map.project(l.b, 12);
    var deg = Math.atan2(pb.y - pa.y, pb.x - pa.x) * 180 / Math.PI;
    L.marker(mid, {interactive: false, keyboard: false, icon: L.divIcon({
      className: 'ctx-arrow', iconSize: [16, 16], iconAnchor: [8, 8],
      html: '<div style="transform: rotate(' + deg + 'deg); color:' + l.colour +
            '">&#10148;</div>'})}).addTo(map);
  }
});
"""

LINK_COLOUR = "#4d4d4d"
CORRIDOR_COLOUR = "#b2182b"


def strength_width(people: int, view: Any) -> float:
    """A line's width by the young people it carries, as the view may see them: exact
    views 2 + one per person up to 10; aggregate views one width per published band
    (:func:`geo.stats.disclosure.people_band`: a width tells no more than the band)."""
    from geo.stats.disclosure import PEOPLE_BANDS

    if view.exact:
        return 2.0 + min(int(people), 10)
    bounds = [view.k, *[b for b in PEOPLE_BANDS if b > view.k]]
    rank = sum(1 for b in bounds if int(people) >= b)
    return 2.0 + 2.0 * rank


def network_lines(where: pd.DataFrame, names: dict[str, str], links: pd.DataFrame,
                  corridors: pd.DataFrame, view: Any,
                  band: Any) -> list[dict[str, Any]]:
    """The Networks map's lines as plain data: ``links`` (``a``, ``b``, ``people``) and
    ``corridors`` (``origin``, ``destination``, ``people``) between places ``where``
    (``lat``, ``lon`` indexed by place id); ``band``: the published number of young people
    (:func:`geo.render.text.people_band`). Every text through :func:`map_text`."""
    out: list[dict[str, Any]] = []
    for a, b, people, arrow in (
            *((r.a, r.b, r.people, False) for r in links.itertuples()),
            *((r.origin, r.destination, r.people, True) for r in corridors.itertuples())):
        if a not in where.index or b not in where.index:
            continue
        sep = " → " if arrow else " and "
        text = (f"{map_text(names.get(a, ''))}{sep}{map_text(names.get(b, ''))}<br>"
                f"{'Then seen at the second within a week' if arrow else 'Seen at both'}: "
                f"{map_text(band(int(people)))} young people")
        out.append({"a": [round(float(where.at[a, "lat"]), 6),
                          round(float(where.at[a, "lon"]), 6)],
                    "b": [round(float(where.at[b, "lat"]), 6),
                          round(float(where.at[b, "lon"]), 6)],
                    "colour": CORRIDOR_COLOUR if arrow else LINK_COLOUR,
                    "dash": None if arrow else "6 4", "arrow": arrow,
                    "width": strength_width(int(people), view), "text": text})
    return out


def add_network(m: folium.Map, lines: list[dict[str, Any]]) -> None:
    """Draw :func:`network_lines` (their texts are escaped there)."""
    page_assets(m)
    m.add_child(Script(_NETWORK_JS, {"lines": lines}))


def network_legend_html(view: Any, places: dict[str, str] | None) -> str:
    """The Networks map's key: the two kinds of line, what width means, the place icons."""
    from geo.stats.disclosure import PEOPLE_BANDS

    parts = ["<b>Lines between places</b>",
             f'<div><i style="background:{LINK_COLOUR};height:3px;border:0"></i>'
             "Same young people seen at both</div>",
             f'<div><i style="background:{CORRIDOR_COLOUR};height:3px;border:0"></i>'
             "Corridor: one place, then the other within a week (&#10148; the way)</div>"]
    if view.exact:
        parts.append("<p>Wider lines: more young people (up to 10).</p>")
    else:
        bounds = [view.k, *[b for b in PEOPLE_BANDS if b > view.k]]
        parts.append("<p>Wider lines: more young people (bands "
                     + ", ".join(map_text(f"{b}+") for b in bounds) + ").</p>")
    if places:
        parts.append("<b>Places of concern</b>")
        for code, name in places.items():
            colour = CATEGORY_COLOURS.get(code, "#333333")
            parts.append(f'<div><span class="place-icon" style="background:{colour}">'
                         f"{map_text(CATEGORY_GLYPHS.get(code, '•'))}</span>"
                         f"{map_text(name)}</div>")
    parts.append("<p>Click a place for its figures and its profile.</p>")
    return "".join(parts)


def add_network_legend(m: folium.Map, view: Any, places: dict[str, str] | None) -> None:
    """The Networks map's legend box (the same box as :func:`add_legend`)."""
    page_assets(m)
    m.add_child(Script(LEGEND_JS, network_legend_html(view, places)))
