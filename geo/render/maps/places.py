"""Places of concern as icons with their published figures, and the analysts' incident
points, clustered."""

from __future__ import annotations

import json
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from geo.render.maps.elements import Layer, page_assets
from geo.render.maps.escape import escape_text, map_text, metre
from geo.render.maps.palette import CATEGORY_COLOURS, CATEGORY_GLYPHS


def _styled(gdf: gpd.GeoDataFrame, styles: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the frame, each feature with its style."""
    geoms = json.loads("[" + ",".join(shapely.to_geojson(gdf.geometry.to_numpy())) + "]")
    props = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).to_dict("records")
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p | {"style": st}, "geometry": g}
        for p, g, st in zip(props, geoms, styles, strict=True)]}


def add_places(m: folium.Map, places: gpd.GeoDataFrame,
               categories: dict[str, str] | None = None) -> folium.GeoJson | None:
    """Places of concern as icons (a letter on the category's colour), with a popup that
    opens the place's profile; no layer when no place is loaded yet. ``categories``: the
    vocabulary's labels."""
    if places.empty:
        return None
    page_assets(m)
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
        geometry=metre(places.geometry.representative_point().to_numpy()), crs=places.crs)
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
    layer = Layer(
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
