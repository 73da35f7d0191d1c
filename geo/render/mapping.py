"""folium maps that work offline and never put unescaped data into the page.

Every map built here loads Leaflet from the project's own static files (see
:mod:`geo.render.assets`) and no other script or style; tiles are a setting and may be off. Every
string that reaches the map (tooltips, popups, labels, legends) goes through one function,
:func:`map_text`: Leaflet inserts them as HTML, and folium pastes some of them (a
``folium.Tooltip``'s text, a ``folium.Popup``'s HTML) into a JavaScript template literal,
where a backtick, ``${`` or a backslash is code. Pages add no folium element of their own
(``tests/test_map_escaping.py`` checks both).
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Sequence
from typing import Any

import branca.element
import folium
import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from geo.config import Settings
from geo.render.assets import (
    LEAFLET_CSS,
    LEAFLET_JS,
    PROTOMAPS_JS,
    basemap_max_zoom,
    publish_basemap,
)


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> jinja2.Template:
    compiled: jinja2.Template = jinja2.Template(source)
    return compiled


def _template(source: str, *args: Any, **kwargs: Any) -> jinja2.Template:
    if args or kwargs:
        made: jinja2.Template = jinja2.Template(source, *args, **kwargs)
        return made
    return _compiled(source)


def install_template_cache() -> None:
    """Compile each of branca's element templates once per process.

    folium creates a few dozen small elements (script and style tags) every time a map is
    rendered, and branca compiles each one's Jinja template from its text anew: a third of
    the map's render time (measured in ``bench/dashboard.py``). Templates are immutable, so
    the same text can compile once. This replaces ``branca.element.Template`` (the name
    branca's elements call): the app calls it once at start-up, explicitly, never on import.
    """
    setattr(branca.element, "Template", _template)  # noqa: B010 - a deliberate, named patch

#: sequential palette (ColorBrewer YlOrRd, 5 classes); index 0 is for zero
PALETTE = ("#f7f7f7", "#fed976", "#feb24c", "#fd8d3c", "#e31a1c", "#800026")
#: Gi* confidence bins -3..+3
HOTSPOT_COLOURS = {
    -3: "#2166ac",
    -2: "#67a9cf",
    -1: "#d1e5f0",
    0: "#ffffff",
    1: "#fddbc7",
    2: "#ef8a62",
    3: "#b2182b",
}
CATEGORY_COLOURS = {
    "transport_hub": "#1b9e77",
    "park": "#66a61e",
    "shopping_centre": "#7570b3",
    "fast_food": "#e7298a",
    "school_vicinity": "#e6ab02",
    "estate": "#a6761d",
    "street": "#666666",
}
#: a letter on each place's icon, so the categories differ by more than colour
CATEGORY_GLYPHS = {
    "transport_hub": "T",
    "park": "P",
    "shopping_centre": "S",
    "fast_food": "F",
    "school_vicinity": "E",
    "estate": "H",
    "street": "R",
}


#: the deepest zoom of every map, set on the map itself: with no tile layer Leaflet has no
#: maximum zoom, and marker clustering (the analysts' incident points) then stops the whole
#: map drawing ("Map has no maxZoom specified")
MAX_ZOOM = 18


def base_map(settings: Settings, bounds: Sequence[float] | None = None) -> folium.Map:
    """An empty map whose only assets are the local Leaflet files, centred on and fitted
    to ``bounds`` (minx, miny, maxx, maxy in WGS84: the layer drawn, so the area loaded,
    whatever the area setting); with no bounds, the whole world until a layer is added.
    Its zoom is bounded (:data:`MAX_ZOOM`) with or without tiles."""
    tiles: Any = None
    attr = None
    if settings.tiles.lower() == "openstreetmap":
        tiles, attr = "OpenStreetMap", None
    elif settings.tiles.lower() not in ("", "none", "off"):
        tiles, attr = settings.tiles, settings.tiles_attribution
    centre = ([(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2] if bounds is not None
              else [0.0, 0.0])
    m = folium.Map(
        location=centre,
        zoom_start=11 if bounds is not None else 2,
        tiles=tiles,
        attr=attr,
        control_scale=True,
        prefer_canvas=False,
        max_zoom=MAX_ZOOM,
        maxZoom=MAX_ZOOM,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    if settings.basemap is not None:
        add_basemap(m, publish_basemap(settings.basemap), basemap_max_zoom(settings.basemap))
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


#: a PMTiles basemap drawn by protomaps-leaflet in the browser, under every layer
_BASEMAP_JS = """
protomapsL.leafletLayer({url: data.url, flavor: 'light', lang: 'en',
                         maxDataZoom: data.maxzoom,
                         attribution: 'Basemap: local extract'}).addTo(map);
"""


def add_basemap(m: folium.Map, url: str, max_zoom: int = 15) -> None:
    """Draw the vector PMTiles archive at ``url`` (served by the app itself) as the basemap,
    with the locally served protomaps-leaflet: no tile server, no internet."""
    if ("protomaps", PROTOMAPS_JS) not in m.default_js:
        m.default_js = [*m.default_js, ("protomaps", PROTOMAPS_JS)]
    m.add_child(_Script(_BASEMAP_JS, {"url": url, "maxzoom": max_zoom}))


def map_text(value: object) -> str:
    """Text as it may reach a map, the one escaping every string on a map goes through:
    HTML-escaped (``<``, ``>``, ``&``, quotes), and the characters a JavaScript template
    literal interprets (backtick, ``$`` of ``${``, backslash) written as HTML character
    references too, which show as themselves wherever the text ends up as HTML."""
    if value is None:
        return ""
    return (html.escape(str(value), quote=True)
            .replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;"))


def escape_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with ``columns`` through :func:`map_text` (safe in tooltips and popups)."""
    out = frame.copy()
    for c in columns:
        out[c] = out[c].map(map_text)
    return out


def class_breaks(values: np.ndarray, k: int = 5) -> np.ndarray:
    """Upper bounds of ``k`` quantile classes of the positive values (for colouring)."""
    pos = values[values > 0]
    if pos.size == 0:
        return np.array([1.0])
    qs = np.unique(np.quantile(pos, np.linspace(0, 1, k + 1)[1:]))
    return qs


def colour_for(value: float, breaks: np.ndarray) -> str:
    if not np.isfinite(value) or value <= 0:
        return PALETTE[0]
    idx = int(np.searchsorted(breaks, value, side="left"))
    return PALETTE[1 + min(idx, len(PALETTE) - 2)]


class _Layer(folium.GeoJson):
    """A GeoJSON layer styled by each feature's own ``style`` property, with its bounds
    given rather than walked.

    folium evaluates a Python ``style_function`` per feature and writes one JavaScript
    ``case`` per feature for it; with the style in the data, Leaflet reads it and the
    page is built in a fraction of the time. With ``classes`` (an area layer's ``styles``
    and ``shared`` properties, sent once) the map's script puts the style and the shared
    properties on every feature itself (:data:`_CLASSES_JS`). ``get_bounds`` (branca's
    public method, which streamlit-folium calls on the map) would walk every coordinate;
    we already know them.
    """

    def __init__(self, data: dict[str, Any], bounds: Sequence[float],
                 classes: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self._bounds = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
        if classes is not None:  # styles and shared properties sent once (area_layer)
            self.add_child(_LayerScript(_CLASSES_JS, classes))

    def get_bounds(self) -> list[list[float | None]]:
        """The layer's bounds as given, [[south, west], [north, east]] (its children, the
        tooltip and highlight, have none)."""
        return [list(corner) for corner in self._bounds]


#: thicker outline under the pointer, back to the feature's own style after; a click opens
#: a popup (name, published count, hot spot status, a link to the profile) and nothing else:
#: a click or a double-click to zoom never leaves the map
_ON_EACH = JsCode("""
function(feature, layer) {
    layer.on({
        mouseover: function(e) { e.target.setStyle({weight: 3, color: "#000000"}); },
        mouseout: function(e) { e.target.setStyle(feature.properties.style); }
    });
    layer.bindPopup(function() { return contextsPopup(feature.properties); });
}
""")

#: the popup of a unit or place; its properties were HTML-escaped on the server. The
#: profile link keeps the page's state (its query parameters) and names the place.
_POPUP_JS = """
window.contextsPopup = function(p) {
  var h = '<div class="ctx-popup"><b>' + p.name + '</b>';
  if (p.what) { h += '<div class="ctx-what">' + p.what + '</div>'; }
  if (p.incidents !== undefined) { h += '<div>Incidents: ' + p.incidents + '</div>'; }
  if (p.hotspot) { h += '<div>' + p.hotspot + '</div>'; }
  if (p.trend) { h += '<div>Trend: ' + p.trend + '</div>'; }
  if (p.note) { h += '<div class="ctx-note">' + p.note + '</div>'; }
  if (p.profile) {
    var href = '#';
    try {
      var top = window.top.location;
      var q = new URLSearchParams(top.search);
      q.set('place', p.profile);
      href = new URL('profile?' + q.toString(), top.href).href;
    } catch (err) { href = 'profile?place=' + encodeURIComponent(p.profile); }
    h += '<a class="ctx-open" target="_blank" href="' + href +
         '" onclick="return contextsOpen(this.href)">Open profile</a>';
  }
  return h + '</div>';
};
// the map's frame may not navigate the page (Streamlit sandboxes it), so the link is
// followed by the page itself: an anchor in the page's document, clicked there. Where the
// page cannot be reached, the link opens in a new tab.
window.contextsOpen = function(href) {
  try {
    var doc = window.top.document;
    var a = doc.createElement('a');
    a.href = href;
    a.style.display = 'none';
    doc.body.appendChild(a);
    a.click();
    return false;
  } catch (err) { return true; }
};
"""

_MAP_CSS = """
<style>
.area-label {pointer-events: none;}
.area-label span {position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 11px/1.1 system-ui, sans-serif; color: #222;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff;}
.area-label.lsoa span {font-weight: 500; font-size: 10px; color: #444;}
.place-icon {border-radius: 50%; border: 2px solid #000; color: #fff; text-align: center;
  font: 700 11px/16px system-ui, sans-serif; width: 16px; height: 16px;}
.ctx-legend {background: rgba(255,255,255,.94); padding: 5px 7px; border-radius: 4px;
  font: 11px/1.3 system-ui, sans-serif; color: #222; max-width: 215px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3);}
.ctx-legend b {display: block; margin-top: 3px;}
.ctx-legend i {display: inline-block; width: 14px; height: 12px; margin-right: 5px;
  vertical-align: -1px; border: 1px solid #777;}
.ctx-legend .place-icon {display: inline-block; width: 14px; height: 14px; line-height: 14px;
  font-size: 9px; margin-right: 5px; vertical-align: -2px; border-width: 1px;}
.ctx-legend p {margin: 4px 0 0; color: #555; font-size: 11px;}
.ctx-popup a {display: inline-block; margin-top: 4px; font-weight: 600;}
.ctx-arrow div {font-size: 16px; line-height: 16px; text-align: center;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff;}
.ctx-popup .ctx-note {color: #555; max-width: 220px;}
.ctx-legend summary {cursor: pointer; font-weight: 600;}
.ctx-legend details:not([open]) summary {padding: 2px 4px;}
.ctx-legend-body {max-height: 70vh; overflow-y: auto;}
@media (max-width: 559px) {
  .ctx-legend {max-width: 58vw;}
  .ctx-legend-body {max-height: 45vh;}
}
</style>
"""


class _Script(branca.element.MacroElement):
    """A script run with the map (``{map}`` is the map's JavaScript name) and data."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "(function(map, data) { {{ this.code }} })({{ this._parent.get_name() }}, "
        "{{ this.data_json }});"
        "{% endmacro %}")

    def __init__(self, code: str, data: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ContextsScript"
        self.code = code
        self.data_json = json.dumps(data).replace("</", "<\\/")


class _LayerScript(_Script):
    """A script run with a layer (``layer`` is the layer's JavaScript name) and data."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "(function(layer, data) { {{ this.code }} })({{ this._parent.get_name() }}, "
        "{{ this.data_json }});"
        "{% endmacro %}")


#: an area layer's features carry the index ``s`` of their style class, not the style, and
#: not the properties every feature shares: both are sent once (:func:`area_layer`) and put
#: back on each feature here, before any tooltip or popup reads them
_CLASSES_JS = """
layer.eachLayer(function(l) {
  var p = l.feature.properties;
  for (var k in data.shared) { p[k] = data.shared[k]; }
  p.style = data.styles[p.s];
});
layer.setStyle(function(f) { return f.properties.style; });
"""


def _page_assets(m: folium.Map) -> None:
    """The popup function and the styles of labels, icons and legend (once per map)."""
    root = m.get_root()
    assert isinstance(root, branca.element.Figure)
    if getattr(root, "_contexts_assets", False):
        return
    root.header.add_child(branca.element.Element(_MAP_CSS))
    # scripts in the page's header do not run in streamlit-folium's frame: with the map's own
    m.add_child(_Script(_POPUP_JS, None))
    root._contexts_assets = True  # type: ignore[attr-defined]


#: labels that do not overlap: the larger areas first, a label that would touch one already
#: placed is left out at that zoom (zooming in shows it)
_LABELS_JS = """
var groups = data.map(function(g) { return {min: g.min, max: g.max, cls: g.cls,
  items: g.items, layer: L.layerGroup()}; });
function place() {
  var z = map.getZoom(), taken = [];
  groups.forEach(function(g) {
    g.layer.clearLayers();
    if (z < g.min || z > g.max) { map.removeLayer(g.layer); return; }
    var size = map.getSize();
    g.items.forEach(function(it) {
      var pt = map.latLngToContainerPoint([it[0], it[1]]);
      if (pt.x < 0 || pt.y < 0 || pt.x > size.x || pt.y > size.y) { return; }
      var w = it[2].length * 6.3 + 6, h = 14;
      var box = [pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2];
      for (var k = 0; k < taken.length; k++) {
        var t = taken[k];
        if (box[0] < t[2] && box[2] > t[0] && box[1] < t[3] && box[3] > t[1]) { return; }
      }
      taken.push(box);
      L.marker([it[0], it[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: 'area-label ' + g.cls, html: '<span>' + it[2] + '</span>',
                         iconSize: null})}).addTo(g.layer);
    });
    if (!map.hasLayer(g.layer)) { g.layer.addTo(map); }
  });
}
map.on('zoomend moveend', place);
map.whenReady(function() { setTimeout(place, 0); });
"""


def label_items(areas: gpd.GeoDataFrame) -> list[list[Any]]:
    """[lat, lon, escaped name] at a point inside each area, the largest areas first."""
    if areas.empty:
        return []
    pts = areas.geometry.representative_point()
    order = np.argsort(-areas.to_crs(27700).geometry.area.to_numpy())
    names = areas["name"].astype(str).to_numpy()
    return [[round(float(pts.iloc[i].y), 5), round(float(pts.iloc[i].x), 5),
             map_text(names[i])] for i in order]


def add_labels(m: folium.Map, wards: gpd.GeoDataFrame,
               lsoas: gpd.GeoDataFrame | None = None, lsoa_zoom: int = 14) -> None:
    """Ward names from the area's zoom up to ``lsoa_zoom`` - 1, LSOA names from there on
    (those that fit without overlapping)."""
    _page_assets(m)
    groups = [{"min": 0, "max": lsoa_zoom - 1 if lsoas is not None else 30, "cls": "ward",
               "items": label_items(wards)}]
    if lsoas is not None:
        groups.append({"min": lsoa_zoom, "max": 30, "cls": "lsoa",
                       "items": label_items(lsoas)})
    m.add_child(_Script(_LABELS_JS, groups))


def area_shape(wards: gpd.GeoDataFrame) -> Any:
    """The whole area: the wards' union, with the slivers between simplified wards closed
    (about 20 m out and back), so its outline has no stray lines inside."""
    return shapely.union_all(wards.geometry.to_numpy()).buffer(2e-4).buffer(-2e-4)


def _metre(geometry: Any) -> Any:
    """``geometry`` (WGS84) with its coordinates rounded to 1e-5 degrees (about 1 m, what
    the deepest zoom shows as a few pixels): fewer bytes on the page."""
    return shapely.transform(geometry, lambda xy: np.round(xy, 5))


def add_outline(m: folium.Map, wards: gpd.GeoDataFrame) -> None:
    """The outline of the whole area (the wards' union), drawn over the areas."""
    if wards.empty:
        return
    outline = _metre(shapely.simplify(area_shape(wards).boundary, 1e-5))  # ~1 m
    folium.GeoJson(json.loads(shapely.to_geojson(outline)), name="Area outline",
                   interactive=False,
                   style_function=lambda _: {"color": "#111111", "weight": 2.5,
                                             "opacity": 0.9}).add_to(m)


#: the legend box, a <details> open on a wide map and closed (a "Legend" button) on a narrow
#: one, a phone's: opened there it scrolls in its own box instead of covering the map
_LEGEND_JS = """
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
    _page_assets(m)
    m.add_child(_Script(_LEGEND_JS, legend_html(layer, places=places)))


def _styled(gdf: gpd.GeoDataFrame, styles: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the frame, each feature with its style."""
    geoms = json.loads("[" + ",".join(shapely.to_geojson(gdf.geometry.to_numpy())) + "]")
    props = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p | {"style": st}, "geometry": g}
        for p, g, st in zip(props, geoms, styles, strict=True)]}


def area_layer(gdf: gpd.GeoDataFrame, tooltip_fields: Sequence[str],
               tooltip_aliases: Sequence[str], text_fields: Sequence[str]) -> dict[str, Any]:
    """Everything a polygon layer needs, as plain data (so a page can cache it): the
    GeoJSON with ``text_fields`` escaped, the bounds, and the tooltip's fields. The page
    carries each style once (``styles``, one per ``_fill``: a feature's ``s`` is its
    index) and each property all features share once (``shared``, say "Ward"); the map
    puts both back on every feature (:data:`_CLASSES_JS`).
    """
    safe = escape_text(gdf, text_fields)
    fills = safe.pop("_fill").to_numpy()
    shared = {c: safe[c].iloc[0] for c in safe.columns  # the tooltip checks its fields
              if c not in (safe.geometry.name, *tooltip_fields) and len(safe)
              and safe[c].nunique(dropna=False) == 1 and isinstance(safe[c].iloc[0], str)}
    safe = safe.drop(columns=list(shared))
    keys = [c if isinstance(c, str) else "" for c in fills]
    classes = list(dict.fromkeys(keys))
    styles = [{"fillColor": c, "color": "#555555", "weight": 0.8, "fillOpacity": 0.7}
              if c else dict(NO_DATA_STYLE) for c in classes]
    index = {c: k for k, c in enumerate(classes)}
    safe["s"] = [index[c] for c in keys]
    geoms = json.loads("[" + ",".join(shapely.to_geojson(safe.geometry.to_numpy())) + "]")
    props = pd.DataFrame(safe.drop(columns=safe.geometry.name)).to_dict("records")
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": g}
        for p, g in zip(props, geoms, strict=True)]}
    return {"data": data, "styles": styles, "shared": shared,
            "bounds": [float(b) for b in gdf.total_bounds],
            "fields": list(tooltip_fields), "aliases": list(tooltip_aliases)}


def add_areas(m: folium.Map, layer: dict[str, Any], *, name: str) -> folium.GeoJson:
    """Add an :func:`area_layer`: polygons in their own colours, with a tooltip (none on a
    layer with no polygons, say a period without hot spots: folium refuses one there) and a
    popup on click.
    """
    _page_assets(m)
    tooltip = (folium.GeoJsonTooltip(fields=layer["fields"], aliases=layer["aliases"],
                                     sticky=False) if layer["data"]["features"] else None)
    out = _Layer(layer["data"], layer["bounds"],
                 {"styles": layer["styles"], "shared": layer.get("shared", {})},
                 name=name, on_each_feature=_ON_EACH, tooltip=tooltip)
    out.add_to(m)
    return out


BIN_LABELS = {3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence",
              1: "Hot spot, 90% confidence", 0: "Not significant",
              -1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence",
              -3: "Cold spot, 99% confidence"}
SMALL_COLOUR = "#d9d9d9"
UNIT_WORDS = {"ward": "Ward", "lsoa": "LSOA", "hex": "250 m hexagon", "place": "Place"}
#: units outside the coverage of the data: no data, not zero (issue #22)
NO_DATA_LABEL = "No data (outside the area the data covers)"
NO_DATA_STYLE = {"fillColor": "#bdbdbd", "color": "#737373", "weight": 1, "fillOpacity": 0.55,
                 "dashArray": "4 3"}


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


def unit_features(table: gpd.GeoDataFrame, kind: str, view: Any, colour_by: str,
                  wards: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The properties a unit layer may carry for this view, with a fill colour.

    Only ``unit_id``, ``kind``, ``name``, the count as the role may see it, the hot-spot
    label, the profile it opens and the colour leave the server; counts and colours come
    from the disclosure gate (published values; a suppressed count is one flat "<k" colour,
    never a class).
    """
    from geo.render.text import chart_values, texts, unit_counts

    inside = _covered(table)
    pub = unit_counts(table, view)
    out = gpd.GeoDataFrame({"unit_id": table["unit_id"].astype(str), "kind": kind,
                            "name": table["name"].astype(str),
                            "what": UNIT_WORDS.get(kind, kind),
                            "incidents": np.where(inside, np.asarray(texts(pub), dtype=object),
                                                  "no data"),
                            "hotspot": np.where(inside, table["bin"].map(BIN_LABELS)
                                                .to_numpy(), NO_DATA_LABEL)},
                           geometry=_metre(table.geometry.to_numpy()), crs=table.crs)
    if kind == "ward":
        out["profile"] = "ward:" + out["unit_id"]
    elif wards is not None and not wards.empty and len(out):
        code = "unit_id" if "unit_id" in wards else "ward_code"
        pts = out.geometry.representative_point()
        tree = shapely.STRtree(wards.geometry.to_numpy())
        near = tree.query_nearest(pts.to_numpy(), return_distance=False)
        prof = np.full(len(out), "", dtype=object)
        prof[near[0]] = ["ward:" + str(c) for c in wards[code].to_numpy()[near[1]]]
        out["profile"] = prof
    if "category" in table:
        out["trend"] = table["category"].astype(str).to_numpy()
    if colour_by == "hotspots":
        out["_fill"] = table["bin"].map(HOTSPOT_COLOURS).to_numpy()
    else:
        vals = chart_values(pub)
        breaks = class_breaks(np.nan_to_num(vals, nan=0.0))
        out["_fill"] = [SMALL_COLOUR if np.isnan(v) else colour_for(v, breaks) for v in vals]
        pos = vals[np.isfinite(vals) & (vals > 0) & inside]
        out.attrs["legend"] = incident_legend(breaks, view, float(pos.min()) if pos.size else 1)
        if not view.exact and "withheld" in table and table["withheld"].any():
            from geo.stats.disclosure import WITHHELD

            out.attrs["legend"].insert(1, (SMALL_COLOUR, f"{WITHHELD} not shown at this detail"))
    out["_fill"] = np.where(inside, out["_fill"].to_numpy(), None)  # None: the no-data style
    return out


def _covered(table: pd.DataFrame) -> np.ndarray:
    """Which units of a hot-spot table the data covers (all, for a table without the column)."""
    if "covered" not in table:
        return np.ones(len(table), dtype=bool)
    inside: np.ndarray = table["covered"].to_numpy(dtype=bool)
    return inside


def unit_layer(table: gpd.GeoDataFrame, kind: str, view: Any, colour_by: str,
               significant_only: bool = False,
               wards: gpd.GeoDataFrame | None = None) -> dict[str, Any]:
    """The :func:`area_layer` of a hot-spot table's units, as ``view`` may see them; only
    the hot and cold spots if ``significant_only`` (the map keeps the whole table's bounds).
    ``wards``: for hexagons and LSOAs, the ward whose profile a click offers.
    """
    feats = unit_features(table, kind, view, colour_by, wards)
    legend = feats.attrs.get("legend")
    fields = ["name", "incidents", "hotspot"] + (["trend"] if "trend" in feats else [])
    exact = bool(view.exact)  # partners and boards read words (#31)
    aliases = ["", "Incidents", "Gi*" if exact else "Confidence", "Trend"][: len(fields)]
    text = fields + ["what"] + (["profile"] if "profile" in feats else [])
    inside = _covered(table)
    shown = (table["bin"].to_numpy() != 0) | ~inside  # no-data units are always drawn
    feats = feats.drop(columns=["unit_id", "kind"])  # neither tooltip nor popup reads them
    layer = area_layer(feats[shown] if significant_only else feats, fields, aliases, text)
    layer["bounds"] = [float(b) for b in table.total_bounds]
    layer["no_data"] = bool((~inside).any())
    layer["colour_by"] = colour_by
    if colour_by == "hotspots":
        layer["legend_title"] = "Hot spots (Getis-Ord Gi*)" if exact else "Hot spots"
        layer["legend_kind"] = "hotspots"
        layer["legend"] = [(HOTSPOT_COLOURS[b], BIN_LABELS[b]) for b in (3, 2, 1, 0, -1, -2, -3)]
    else:
        layer["legend_title"] = "Incidents in the period"
        layer["legend_kind"] = "incidents"
        layer["legend"] = legend or []
    return layer


def faint_layer(layer: dict[str, Any]) -> dict[str, Any]:
    """A copy of a layer drawn faintly (thin grey outlines, almost no fill): the context
    under the hot and cold spots."""
    faint = {"fillColor": "#ffffff", "color": "#9a9a9a", "weight": 0.6, "fillOpacity": 0.25}
    return layer | {"styles": [dict(faint) for _ in layer["styles"]]}


def add_places(m: folium.Map, places: gpd.GeoDataFrame,
               categories: dict[str, str] | None = None) -> folium.GeoJson | None:
    """Places of concern as icons (a letter on the category's colour), with a popup that
    opens the place's profile; no layer when no place is loaded yet. ``categories``: the
    vocabulary's labels."""
    if places.empty:
        return None
    _page_assets(m)
    names = categories or {}
    cats = places["category"].astype(str)
    pts = gpd.GeoDataFrame(
        {"unit_id": places["unit_id"].astype(str), "kind": "place",
         "name": places["name"].astype(str),
         "category": [names.get(c) or c.replace("_", " ").capitalize() for c in cats],
         "what": [names.get(c) or c.replace("_", " ").capitalize() for c in cats],
         "profile": "place:" + places["unit_id"].astype(str),
         "colour": cats.map(CATEGORY_COLOURS).fillna("#333333").to_numpy(),
         "glyph": cats.map(CATEGORY_GLYPHS).fillna("•").to_numpy()},
        geometry=_metre(places.geometry.representative_point().to_numpy()), crs=places.crs)
    figures = [c for c in PLACE_FIGURES if c in places]  # see place_figures
    for c in figures:
        pts[c] = places[c].to_numpy()
    safe = escape_text(pts, ["name", "category", "what", "profile", "glyph", *figures])
    styles = [{"fillColor": c} for c in safe["colour"]]
    icon = JsCode("""
function(feature, latlng) {
    var p = feature.properties;
    return L.marker(latlng, {icon: L.divIcon({className: 'place-marker', iconSize: [20, 20],
        html: '<div class="place-icon" style="background:' + p.colour + '">' + p.glyph +
              '</div>'})});
}
""")
    layer = _Layer(
        _styled(safe, styles), pts.total_bounds, name="Places of concern",
        point_to_layer=icon, on_each_feature=JsCode("""
function(feature, layer) {
    layer.bindPopup(function() { return contextsPopup(feature.properties); });
}
"""),
        tooltip=folium.GeoJsonTooltip(fields=["name", "category"], aliases=["", "Category"]),
    )
    layer.add_to(m)
    return layer


def add_points(m: folium.Map, points: pd.DataFrame, view: Any,
               harm_labels: dict[str, str] | None = None) -> int:
    """Incident points (analysts and admins only; refused for any other view), every one,
    clustered (leaflet.markercluster, served locally); returns how many were drawn."""
    from folium.plugins import FastMarkerCluster

    from geo.render.assets import MARKERCLUSTER_CSS, MARKERCLUSTER_JS

    if not view.exact:
        raise PermissionError("point-level data is for analysts only")
    labels = harm_labels or {}
    data = [[round(float(r.lat), 6), round(float(r.lon), 6),
             map_text(f"{labels.get(r.harm_type, r.harm_type)}, "
                         f"{pd.Timestamp(r.month):%b %Y}")]
            for r in points.itertuples()]
    callback = """
function (row) {
    var marker = L.circleMarker([row[0], row[1]],
        {radius: 4, color: '#08306b', weight: 1, fillOpacity: 0.7});
    marker.bindTooltip(row[2]);
    return marker;
}"""
    cluster = FastMarkerCluster(  # type: ignore[no-untyped-call]
        data, callback=callback, name="Incidents (points)",
        options={"maxClusterRadius": 40, "chunkedLoading": True})
    cluster.default_js = [("markerclusterjs", MARKERCLUSTER_JS)]
    cluster.default_css = [(f"mc{k}", css) for k, css in enumerate(MARKERCLUSTER_CSS)]
    cluster.add_to(m)
    return len(data)


#: the published figures a place's popup may show (columns of :func:`place_figures`)
PLACE_FIGURES = ("incidents", "note")


def place_figures(places: gpd.GeoDataFrame, table: pd.DataFrame | None, view: Any,
                  refused: str | None = None, held: str = "") -> gpd.GeoDataFrame:
    """``places`` with the figures their popups show, as ``view`` may see them: each
    place's incidents in the period from ``table`` (the places' hot-spot table: ``unit_id``,
    ``count``, ``ck``, ``withheld``) through the disclosure gate (:func:`geo.render.text.
    unit_counts`: "<5" for a small count, "—" where the detail rule withholds it, with the
    note ``held`` saying why). With no table (the detail rule refuses places with these
    filters: ``refused`` says why) the popup says that instead of a number."""
    from geo.render.text import unit_counts

    out = places.copy()
    if table is None:  # no "Incidents:" line at all, the reason instead
        out["note"] = refused or "No figures for places with these filters."
        return out
    pub = unit_counts(table, view)
    shown = pd.Series(np.asarray(pub.text, dtype=object),
                      index=table["unit_id"].astype(str).to_numpy())
    ids = out["unit_id"].astype(str)
    out["incidents"] = ids.map(shown).fillna("").to_numpy()
    withheld = (set(table.loc[table["withheld"].to_numpy(dtype=bool), "unit_id"].astype(str))
                if "withheld" in table and not view.exact else set())
    out["note"] = [held if i in withheld else "" for i in ids]
    return out


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
    _page_assets(m)
    m.add_child(_Script(_NETWORK_JS, {"lines": lines}))


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
    _page_assets(m)
    m.add_child(_Script(_LEGEND_JS, network_legend_html(view, places)))
