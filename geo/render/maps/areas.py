"""Area layers (wards, LSOAs, hexagons): a hot-spot table's units as a role may see them,
sent as plain data (each style and shared property once) and drawn with a tooltip and a
popup."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from geo.render.maps.elements import Layer, page_assets
from geo.render.maps.escape import escape_text, metre
from geo.render.maps.legend import incident_legend
from geo.render.maps.palette import (
    BIN_LABELS,
    HOTSPOT_COLOURS,
    NO_DATA_LABEL,
    NO_DATA_STYLE,
    SMALL_COLOUR,
    class_breaks,
    colour_for,
)
from geo.render.words import unit_label

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


def area_layer(gdf: gpd.GeoDataFrame, tooltip_fields: Sequence[str],
               tooltip_aliases: Sequence[str], text_fields: Sequence[str]) -> dict[str, Any]:
    """Everything a polygon layer needs, as plain data (so a page can cache it): the
    GeoJSON with ``text_fields`` escaped, the bounds, and the tooltip's fields. The page
    carries each style once (``styles``, one per ``_fill``: a feature's ``s`` is its
    index) and each property all features share once (``shared``, say "Ward"); the map
    puts both back on every feature (:data:`CLASSES_JS`).
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
    page_assets(m)
    tooltip = (folium.GeoJsonTooltip(fields=layer["fields"], aliases=layer["aliases"],
                                     sticky=False) if layer["data"]["features"] else None)
    out = Layer(layer["data"], layer["bounds"],
                 {"styles": layer["styles"], "shared": layer.get("shared", {})},
                 name=name, on_each_feature=_ON_EACH, tooltip=tooltip)
    out.add_to(m)
    return out


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
                            "what": unit_label(kind, many=False),
                            "incidents": np.where(inside, np.asarray(texts(pub), dtype=object),
                                                  "no data"),
                            "hotspot": np.where(inside, table["bin"].map(BIN_LABELS)
                                                .to_numpy(), NO_DATA_LABEL)},
                           geometry=metre(table.geometry.to_numpy()), crs=table.crs)
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
