"""folium maps that work offline and never put unescaped data into the page.

Every map built here loads Leaflet from the project's own static files (see
:mod:`geo.assets`) and no other script or style; tiles are a setting and may be off. Text
properties are HTML-escaped before they reach a tooltip or popup, because Leaflet inserts
them as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.assets import LEAFLET_CSS, LEAFLET_JS
from geo.config import Settings

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
    """An empty map whose only assets are the local Leaflet files."""
    tiles: Any = None
    attr = None
    if settings.tiles.lower() == "openstreetmap":
        tiles, attr = "OpenStreetMap", None
    elif settings.tiles.lower() not in ("", "none", "off"):
        tiles, attr = settings.tiles, settings.tiles_attribution
    m = folium.Map(
        location=[52.48, -1.89],
        zoom_start=11,
        tiles=tiles,
        attr=attr,
        control_scale=True,
        prefer_canvas=True,
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


def add_areas(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    value: str | None,
    tooltip_fields: Sequence[str],
    tooltip_aliases: Sequence[str],
    text_fields: Sequence[str],
    fill: str | None = None,
) -> folium.GeoJson:
    """Polygons coloured by ``value`` (or ``fill``), with an escaped tooltip."""
    safe = escape_text(gdf, text_fields)
    if value is not None:
        breaks = class_breaks(safe[value].to_numpy(dtype=float, na_value=0.0))
        safe["_fill"] = [
            colour_for(v, breaks) for v in safe[value].to_numpy(dtype=float, na_value=0.0)
        ]
    else:
        safe["_fill"] = fill or "#3182bd"
    layer = folium.GeoJson(
        safe.to_json(drop_id=True),
        name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": "#444444",
            "weight": 1,
            "fillOpacity": 0.65,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=list(tooltip_fields), aliases=list(tooltip_aliases), sticky=False
        ),
    )
    layer.add_to(m)
    return layer
