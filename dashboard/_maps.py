"""The interactive map as pages show it: a folium map in streamlit-folium with ward (and,
zoomed in, LSOA) names, the area's outline, a scale bar and an open legend. A click opens a
popup (name, published count, hot spot status, "Open profile"); no click or zoom gesture
reruns or leaves the page (``returned_objects`` is empty).
"""

from __future__ import annotations

from typing import Any

import folium
from streamlit_folium import st_folium

from dashboard import _data, _state
from geo.render import mapping


def show(m: folium.Map, key: str, height: int = 620) -> None:
    """Draw ``m``; nothing on the map reruns the page (the popup's link opens a profile)."""
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=[])


def unit_map(v: _data.Key, layer: dict[str, Any], name: str, with_places: bool,
             context: dict[str, Any] | None = None) -> folium.Map:
    """A map of one unit layer (over the faint ``context`` layer of every unit, if given),
    with the area's outline, names, the places of concern if asked, and the legend."""
    m = mapping.base_map(_state.settings(), layer["bounds"])
    if context is not None:
        mapping.add_areas(m, mapping.faint_layer(context), name="All areas")
    mapping.add_areas(m, layer, name=name)
    wards = _data.wards(v)
    mapping.add_outline(m, wards)
    mapping.add_labels(m, wards, _data.units(v, "lsoa"))
    categories = dict(_data.vocabularies(v).get("place_category", []))
    if with_places:
        mapping.add_places(m, _data.places(v), categories)
    places = _data.places(v)
    shown = ({c: categories.get(c, c) for c in sorted(places["category"].astype(str).unique())}
             if with_places and not places.empty else None)
    mapping.add_legend(m, layer, places=shown)
    return m
