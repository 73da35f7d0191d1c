"""Map: where harm is, by ward, LSOA or hexagon, with hot spots and places of concern."""

from __future__ import annotations

import streamlit as st

from dashboard import _data, _maps, _state
from geo.render import mapping
from geo.render import text as published
from geo.render.plain import md
from geo.render.text import text

_state.require("map")
view = _state.view()
v = _data.version()
st.title("Map")
period = _data.period(v)
if period is None:
    st.info("No incidents are loaded yet. An analyst can add them on the Upload page.")
    st.stop()
filters = _state.filter_controls(period, _data.vocabularies(v))

left, mid, right = st.columns([2, 2, 3])
unit = left.radio("Areas", ["ward", "lsoa", "hex"], horizontal=True, key="map_unit",
                  format_func={"ward": "Wards", "lsoa": "LSOAs", "hex": "250 m hexagons"}.get)
colour = mid.radio("Colour by", ["incidents", "hotspots"], horizontal=True, key="map_colour",
                   format_func={"incidents": "Incidents", "hotspots": "Hot spots (Gi*)"}.get)
show_places = right.toggle("Places of concern", value=True, key="map_places")
show_points = view.exact and right.toggle("Incident points (analysts)", key="map_points")

table = _data.hotspots(v, unit, filters)
layer = _data.unit_layer(v, unit, filters, view, colour)
m = _maps.unit_map(v, layer, {"ward": "Wards", "lsoa": "LSOAs", "hex": "Hexagons"}[unit],
                   show_places)
if show_points:
    mapping.add_points(m, _data.points(v, filters), view)

hot = int((table["bin"] >= 2).sum())
covers = _data.coverage(v, filters)
if not covers.whole:
    st.info(md(published.coverage_text(covers)))
st.caption(f"{text(published.total(table, view, n='count'))} incidents in the period · {hot} "
           f"{'area' if hot == 1 else 'areas'} are hot spots at 95% confidence or more · "
           "click a ward or place to open its profile")
_maps.show(m, f"map_{unit}", v, show_places)

with st.expander("Legend", expanded=False):
    if colour == "hotspots":
        for b, label in mapping.BIN_LABELS.items():
            st.markdown(f":{'red' if b > 0 else 'blue' if b < 0 else 'gray'}[■] {label}")
    else:
        st.write("Darker = more incidents (five quantile classes of the areas with any).")
        if not view.exact:
            st.write(f"Grey: fewer than {view.k} incidents (exact small numbers are hidden). "
                     "Counts are published by the cell key method: each may differ from "
                     f"the true count by up to {view.d}, the same way every time.")
    st.write("Circles: places of concern, coloured by category.")
    if layer.get("no_data"):
        st.write(f"Grey with a dashed outline: {mapping.NO_DATA_LABEL.lower()}; the "
                 "statistics leave these areas out.")
