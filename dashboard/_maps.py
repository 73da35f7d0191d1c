"""The interactive map as pages show it: a folium map in streamlit-folium that reruns the
page only on a click, and a click on a ward or place opens its profile.
"""

from __future__ import annotations

from typing import Any

import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard import _data, _state
from geo.render import mapping


def show(m: folium.Map, key: str, v: _data.Key, with_places: bool, height: int = 620) -> None:
    """Draw ``m``; on a new click on a ward or place, open that profile."""
    out = st_folium(m, key=key, height=height, use_container_width=True,
                    returned_objects=["last_object_clicked"])
    click = (out or {}).get("last_object_clicked")
    if click and click != st.session_state.get(f"{key}_last_click"):
        st.session_state[f"{key}_last_click"] = click
        target = mapping.clicked_feature(click["lat"], click["lng"], _data.wards(v),
                                         _data.places(v) if with_places else None)
        if target is not None:
            st.session_state["profile"] = target
            st.switch_page("views/profile.py")


def unit_map(v: _data.Key, layer: dict[str, Any], name: str, with_places: bool) -> folium.Map:
    """A map of one unit layer, with the places of concern on top if asked."""
    m = mapping.base_map(_state.settings(), layer["bounds"])
    mapping.add_areas(m, layer, name=name)
    mapping.add_legend(m, layer)
    if with_places:
        mapping.add_places(m, _data.places(v))
    return m
