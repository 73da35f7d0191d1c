"""folium maps that work offline and never put unescaped data into the page.

Every map built here loads Leaflet from the project's own static files (see
:mod:`geo.assets`) and no other script or style; tiles are a setting and may be off. Text
properties are HTML-escaped before they reach a tooltip or popup, because Leaflet inserts
them as HTML.
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
from geo.render.assets import LEAFLET_CSS, LEAFLET_JS


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


def base_map(settings: Settings, bounds: Sequence[float] | None = None) -> folium.Map:
    """An empty map whose only assets are the local Leaflet files, centred on and fitted
    to ``bounds`` (minx, miny, maxx, maxy in WGS84: the layer drawn, so the area loaded,
    whatever the area setting); with no bounds, the whole world until a layer is added."""
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
    )
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    if bounds is not None:
        minx, miny, maxx, maxy = bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def escape_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with ``columns`` as HTML-escaped strings (safe in tooltips and popups)."""
    out = frame.copy()
    for c in columns:
        out[c] = out[c].map(lambda v: html.escape(str(v)) if v is not None else "")
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
    page is built in a fraction of the time. ``get_bounds`` (branca's public method, which
    streamlit-folium calls on the map) would walk every coordinate; we already know them.
    """

    def __init__(self, data: dict[str, Any], bounds: Sequence[float], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self._bounds = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]

    def get_bounds(self) -> list[list[float | None]]:
        """The layer's bounds as given, [[south, west], [north, east]] (its children, the
        tooltip and highlight, have none)."""
        return [list(corner) for corner in self._bounds]


#: thicker outline under the pointer, back to the feature's own style after
_HIGHLIGHT = JsCode("""
function(feature, layer) {
    layer.on({
        mouseover: function(e) { e.target.setStyle({weight: 3, color: "#000000"}); },
        mouseout: function(e) { e.target.setStyle(feature.properties.style); }
    });
}
""")


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
    GeoJSON with ``text_fields`` escaped and each feature's style from its ``_fill``, the
    bounds, and the tooltip's fields.
    """
    safe = escape_text(gdf, text_fields)
    styles = [{"fillColor": c, "color": "#444444", "weight": 1, "fillOpacity": 0.65}
              if isinstance(c, str) else dict(NO_DATA_STYLE) for c in safe.pop("_fill")]
    return {"data": _styled(safe, styles), "bounds": [float(b) for b in gdf.total_bounds],
            "fields": list(tooltip_fields), "aliases": list(tooltip_aliases)}


def add_areas(m: folium.Map, layer: dict[str, Any], *, name: str) -> folium.GeoJson:
    """Add an :func:`area_layer`: polygons in their own colours, with a tooltip (none on a
    layer with no polygons, say a period without hot spots: folium refuses one there).
    """
    tooltip = (folium.GeoJsonTooltip(fields=layer["fields"], aliases=layer["aliases"],
                                     sticky=False) if layer["data"]["features"] else None)
    out = _Layer(layer["data"], layer["bounds"], name=name, on_each_feature=_HIGHLIGHT,
                 tooltip=tooltip)
    out.add_to(m)
    return out


BIN_LABELS = {3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence",
              1: "Hot spot, 90% confidence", 0: "Not significant",
              -1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence",
              -3: "Cold spot, 99% confidence"}
SMALL_COLOUR = "#d9d9d9"
#: units outside the coverage of the data: no data, not zero (issue #22)
NO_DATA_LABEL = "No data (outside the area the data covers)"
NO_DATA_STYLE = {"fillColor": "#bdbdbd", "color": "#737373", "weight": 1, "fillOpacity": 0.55,
                 "dashArray": "4 3"}


def unit_features(table: gpd.GeoDataFrame, kind: str, view: Any, colour_by: str
                  ) -> gpd.GeoDataFrame:
    """The properties a unit layer may carry for this view, with a fill colour.

    Only ``unit_id``, ``kind``, ``name``, the count as the role may see it, the hot-spot
    label and the colour leave the server; counts and colours come from the disclosure gate
    (published values; a suppressed count is one flat "<k" colour, never a class).
    """
    from geo.render.text import chart_values, texts, unit_counts

    inside = _covered(table)
    pub = unit_counts(table, view)
    out = gpd.GeoDataFrame({"unit_id": table["unit_id"].astype(str), "kind": kind,
                            "name": table["name"].astype(str),
                            "incidents": np.where(inside, np.asarray(texts(pub), dtype=object),
                                                  "no data"),
                            "hotspot": np.where(inside, table["bin"].map(BIN_LABELS)
                                                .to_numpy(), NO_DATA_LABEL)},
                           geometry=shapely.transform(table.geometry.to_numpy(),
                                                      lambda xy: np.round(xy, 5)),
                           crs=table.crs)  # 1e-5 degrees: ~1 m, a smaller page
    if "category" in table:
        out["trend"] = table["category"].astype(str).to_numpy()
    if colour_by == "hotspots":
        out["_fill"] = table["bin"].map(HOTSPOT_COLOURS).to_numpy()
    else:
        vals = chart_values(pub)
        breaks = class_breaks(np.nan_to_num(vals, nan=0.0))
        out["_fill"] = [SMALL_COLOUR if np.isnan(v) else colour_for(v, breaks) for v in vals]
    out["_fill"] = np.where(inside, out["_fill"].to_numpy(), None)  # None: the no-data style
    return out


def _covered(table: pd.DataFrame) -> np.ndarray:
    """Which units of a hot-spot table the data covers (all, for a table without the column)."""
    if "covered" not in table:
        return np.ones(len(table), dtype=bool)
    inside: np.ndarray = table["covered"].to_numpy(dtype=bool)
    return inside


def unit_layer(table: gpd.GeoDataFrame, kind: str, view: Any, colour_by: str,
               significant_only: bool = False) -> dict[str, Any]:
    """The :func:`area_layer` of a hot-spot table's units, as ``view`` may see them; only
    the hot and cold spots if ``significant_only`` (the map keeps the whole table's bounds).
    """
    feats = unit_features(table, kind, view, colour_by)
    fields = ["name", "incidents", "hotspot"] + (["trend"] if "trend" in feats else [])
    aliases = ["", "Incidents", "Gi*", "Trend"][: len(fields)]
    inside = _covered(table)
    shown = (table["bin"].to_numpy() != 0) | ~inside  # no-data units are always drawn
    layer = area_layer(feats[shown] if significant_only else feats, fields, aliases, fields)
    layer["bounds"] = [float(b) for b in table.total_bounds]
    layer["no_data"] = bool((~inside).any())
    layer["colour_by"] = colour_by
    return layer


class _Legend(branca.element.MacroElement):
    """A small legend in a corner of the map, as a Leaflet control (static text only)."""

    _template = jinja2.Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: "bottomright"});
{{ this.get_name() }}.onAdd = function(map) {
    var div = L.DomUtil.create("div", "contexts-legend");
    div.innerHTML = {{ this.html|tojson }};
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, entries: Sequence[tuple[dict[str, Any], str]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        rows = "".join(
            '<div><span style="display:inline-block;width:14px;height:10px;margin-right:4px;'
            f'background:{html.escape(st.get("fillColor", "#ffffff"))};'
            f'border:1px {"dashed" if st.get("dashArray") else "solid"} '
            f'{html.escape(st.get("color", "#444444"))}"></span>{html.escape(label)}</div>'
            for st, label in entries)
        self.html = ('<div style="background:rgba(255,255,255,.9);padding:4px 6px;'
                     f'font:12px sans-serif;border-radius:3px">{rows}</div>')


def add_legend(m: folium.Map, layer: dict[str, Any], colour_by: str | None = None) -> None:
    """The map's legend: the hot-spot bins when coloured by them, and the no-data style
    when some units lie outside the area the data covers."""
    entries: list[tuple[dict[str, Any], str]] = []
    if (colour_by or layer.get("colour_by")) == "hotspots":
        entries += [({"fillColor": HOTSPOT_COLOURS[b]}, BIN_LABELS[b])
                    for b in (3, 2, 1, -1, -2, -3)]
    if layer.get("no_data"):
        entries.append((NO_DATA_STYLE, NO_DATA_LABEL))
    if entries:
        _Legend(entries).add_to(m)


def add_places(m: folium.Map, places: gpd.GeoDataFrame) -> folium.GeoJson | None:
    """Places of concern as coloured circles (by category), clickable; no layer when no
    place is loaded yet."""
    if places.empty:
        return None
    pts = gpd.GeoDataFrame(
        {"unit_id": places["unit_id"].astype(str), "kind": "place",
         "name": places["name"].astype(str), "category": places["category"].astype(str),
         "_fill": places["category"].map(CATEGORY_COLOURS).fillna("#333333").to_numpy()},
        geometry=places.geometry.representative_point().to_numpy(), crs=places.crs)
    safe = escape_text(pts, ["name", "category"])
    styles = [{"fillColor": c} for c in safe.pop("_fill")]
    layer = _Layer(
        _styled(safe, styles), pts.total_bounds, name="Places of concern",
        marker=folium.CircleMarker(radius=7, weight=2, color="#000000", fill=True,
                                   fill_opacity=0.9),
        tooltip=folium.GeoJsonTooltip(fields=["name", "category"], aliases=["", "Category"]),
    )
    layer.add_to(m)
    return layer


def add_points(m: folium.Map, points: pd.DataFrame, view: Any) -> None:
    """Incident points: analysts and admins only (refused for any other view)."""
    if not view.exact:
        raise PermissionError("point-level data is for analysts only")
    group = folium.FeatureGroup(name="Incidents (points)")
    for row in points.itertuples():
        folium.CircleMarker([row.lat, row.lon], radius=2, color="#08306b", weight=0,
                            fill=True, fill_opacity=0.6,
                            tooltip=html.escape(f"{row.harm_type}, {row.month}")).add_to(group)
    group.add_to(m)


def clicked_feature(lat: float, lon: float, wards: gpd.GeoDataFrame,
                    places: gpd.GeoDataFrame | None, place_radius_m: float = 250.0
                    ) -> tuple[str, str] | None:
    """What a click on the map points at: a place (its marker within ``place_radius_m``),
    else the ward under it; ``None`` outside every ward. Frames are in WGS84.
    """
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    pt = shapely.Point(x, y)
    if places is not None and len(places):
        centres = places.to_crs(27700).geometry.representative_point()
        d = centres.distance(pt).to_numpy()
        k = int(np.argmin(d))
        if d[k] <= place_radius_m:
            return ("place", str(places["unit_id"].iloc[k]))
    bng = wards.to_crs(27700)
    hit = np.flatnonzero(shapely.contains_xy(bng.geometry.to_numpy(), x, y))
    if hit.size:
        col = "unit_id" if "unit_id" in wards else "ward_code"
        return ("ward", str(wards[col].iloc[hit[0]]))
    return None
