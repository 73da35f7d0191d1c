"""A map's frame: the base map on the locally served Leaflet (with an optional local
PMTiles basemap), the area's outline and the ward and LSOA names that do not overlap."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.config import Settings
from geo.render.assets import (
    LEAFLET_CSS,
    LEAFLET_JS,
    PROTOMAPS_JS,
    basemap_max_zoom,
    publish_basemap,
)
from geo.render.maps.elements import Script, page_assets
from geo.render.maps.escape import map_text, metre

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
        m.add_child(Script(_FIT_JS, [[miny, minx], [maxy, maxx]]))
    return m


#: the map fitted to its bounds at once: folium's ``fit_bounds`` animates the zoom, and at
#: the animation's end Leaflet projects and redraws every polygon again (for the 250 m
#: hexagons, thousands of SVG paths a second time on every visit; issue #34)
_FIT_JS = "map.fitBounds(data, {animate: false});"


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
    m.add_child(Script(_BASEMAP_JS, {"url": url, "maxzoom": max_zoom}))


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
    page_assets(m)
    groups = [{"min": 0, "max": lsoa_zoom - 1 if lsoas is not None else 30, "cls": "ward",
               "items": label_items(wards)}]
    if lsoas is not None:
        groups.append({"min": lsoa_zoom, "max": 30, "cls": "lsoa",
                       "items": label_items(lsoas)})
    m.add_child(Script(_LABELS_JS, groups))


def area_shape(wards: gpd.GeoDataFrame) -> Any:
    """The whole area: the wards' union, with the slivers between simplified wards closed
    (about 20 m out and back), so its outline has no stray lines inside."""
    return shapely.union_all(wards.geometry.to_numpy()).buffer(2e-4).buffer(-2e-4)


def add_outline(m: folium.Map, wards: gpd.GeoDataFrame) -> None:
    """The outline of the whole area (the wards' union), drawn over the areas."""
    if wards.empty:
        return
    outline = metre(shapely.simplify(area_shape(wards).boundary, 1e-5))  # ~1 m
    folium.GeoJson(json.loads(shapely.to_geojson(outline)), name="Area outline",
                   interactive=False,
                   style_function=lambda _: {"color": "#111111", "weight": 2.5,
                                             "opacity": 0.9}).add_to(m)
