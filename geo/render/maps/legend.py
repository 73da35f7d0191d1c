"""The map's legend box: the swatches of a unit layer (incident classes as a role may see
them, or the hot-spot bins), the no-data style, the place icons' key, a line on hot spots."""

from __future__ import annotations

from typing import Any

import folium
import numpy as np

from geo.render.maps.elements import Script, page_assets
from geo.render.maps.escape import map_text
from geo.render.maps.palette import (
    CATEGORY_COLOURS,
    CATEGORY_GLYPHS,
    NO_DATA_LABEL,
    NO_DATA_STYLE,
    PALETTE,
    SMALL_COLOUR,
)

#: the legend box, a <details> open on a wide map and closed (a "Legend" button) on a narrow
#: one, a phone's: opened there it scrolls in its own box instead of covering the map
LEGEND_JS = """
var box = L.control({position: 'topright'});
box.onAdd = function() {
  var div = L.DomUtil.create('div', 'ctx-legend');
  var wide = Math.min(map.getSize().x || window.innerWidth, window.innerWidth) >= 560;
  div.innerHTML = '<details' + (wide ? ' open' : '') + '><summary>Legend</summary>' +
                  '<div class="ctx-legend-body">' + data + '</div></details>';
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
box.addTo(map);
"""

#: what a hot spot is, in one sentence (pages and legends say the same)
HOTSPOT_SENTENCE = ("A hot spot is an area where incidents are concentrated: the area and its "
                    "neighbours together have more than chance would give, so an area's "
                    "significance includes its neighbours.")


def legend_html(layer: dict[str, Any], *, places: dict[str, str] | None = None,
                title: str | None = None) -> str:
    """The legend of a unit layer: swatches with ranges (incidents) or Gi* bins, the place
    icons' key, and a line on hot spots. Text is escaped here."""
    parts = [f"<b>{map_text(title or layer.get('legend_title', ''))}</b>"]
    for colour, text in layer.get("legend", []):
        parts.append(f'<div><i style="background:{map_text(colour)}"></i>'
                     f"{map_text(text)}</div>")
    if layer.get("no_data"):
        parts.append(f'<div><i style="background:{NO_DATA_STYLE["fillColor"]};'
                     f'border:1px dashed {NO_DATA_STYLE["color"]}"></i>'
                     f"{map_text(NO_DATA_LABEL)}</div>")
    if places:
        parts.append("<b>Places of concern</b>")
        for code, name in places.items():
            colour = CATEGORY_COLOURS.get(code, "#333333")
            parts.append(f'<div><span class="place-icon" style="background:{colour}">'
                         f"{map_text(CATEGORY_GLYPHS.get(code, '•'))}</span>"
                         f"{map_text(name)}</div>")
    if layer.get("legend_kind") == "hotspots":
        parts.append(f"<p>{map_text(HOTSPOT_SENTENCE)}</p>")
    return "".join(parts)


def add_legend(m: folium.Map, layer: dict[str, Any],
               places: dict[str, str] | None = None) -> None:
    """The map's legend box (top right, always open): see :func:`legend_html`."""
    page_assets(m)
    m.add_child(Script(LEGEND_JS, legend_html(layer, places=places)))


def _range_text(lo: float, hi: float) -> str:
    lo_i, hi_i = int(np.floor(lo)) + 1, int(np.floor(hi))
    if hi_i <= lo_i:
        return f"{hi_i:,}"
    return f"{lo_i:,}\u2013{hi_i:,}"


def incident_legend(breaks: np.ndarray, view: Any, smallest: float) -> list[tuple[str, str]]:
    """Swatches and ranges of the incident classes as the view may see them: for an
    aggregate view no "None" class, a zero is one of the small counts (issue #27)."""
    if view.exact:
        items = [(PALETTE[0], "None")]
    else:
        from geo.render.text import small_class

        items = [(SMALL_COLOUR, small_class(view))]
    lo = (view.k - 1) if not view.exact else max(smallest - 1, 0)
    for k, hi in enumerate(breaks[: len(PALETTE) - 1]):
        if hi <= lo:
            continue
        items.append((PALETTE[1 + k], _range_text(lo, hi)))
        lo = hi
    return items
