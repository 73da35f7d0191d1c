"""Map: where harm is, by ward, with places of concern."""

from __future__ import annotations

import _state
import streamlit as st
from streamlit_folium import st_folium

from geo import data, mapping

_state.require(*_state.ROLES)
st.title("Map")

with _state.read_connection() as conn:
    wards = data.wards(conn)

m = mapping.base_map(_state.settings(), wards.total_bounds)
mapping.add_areas(
    m,
    wards,
    name="Wards",
    value=None,
    tooltip_fields=["name", "ward_code"],
    tooltip_aliases=["Ward", "Code"],
    text_fields=["name", "ward_code"],
)
st.caption(f"{len(wards)} wards")
st_folium(
    m, key="map", height=600, use_container_width=True, returned_objects=["last_active_drawing"]
)
