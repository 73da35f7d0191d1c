"""Map: where harm is, by ward, LSOA or hexagon, with hot spots and places of concern."""

from __future__ import annotations

from typing import Any

import folium
import streamlit as st

from dashboard import _data, _maps, _state
from geo.render import text as published
from geo.render.maps.legend import HOTSPOT_SENTENCE
from geo.render.maps.palette import NO_DATA_LABEL
from geo.render.maps.places import add_points
from geo.render.plain import md
from geo.render.text import text
from geo.render.words import (
    HOW_WORKED_OUT,
    PUBLISHED_COUNTS,
    count_phrase,
    hot_spot_count,
    plural,
    unit_label,
)
from geo.services.detail import TooDetailed, not_offered

_state.require("map")
view = _state.view()
v = _data.version()
st.title("Map")
period = _data.period(v)
if period is None:
    st.info("No incidents are loaded yet. An analyst can add them on the Upload page.")
    st.stop()
filters = _state.filter_controls(period, _data.vocabularies(v))

#: the areas the map draws (named by geo.render.words.unit_label)
UNITS: tuple[_data.Unit, ...] = ("ward", "lsoa", "hex")
# (analysts may keep the statistic's name; partners and board members read words)
COLOURS = {"incidents": "Incidents",
           "hotspots": "Hot spots (Gi*)" if view.exact else "Hot spots"}
#: on a phone (issue #31) the controls stack one above another and pushed the map about
#: 600 px down the page: there the map comes first, under the title, and its controls and
#: the sentence about it follow; a wider screen keeps controls above the map
PHONE_MAP_FIRST = """
<style>
@media (max-width: 640px) { .st-key-map_page div:has(> .st-key-map_frame) {order: -1;} }
</style>
"""


@st.fragment
def controls_and_map() -> None:
    """The map's controls, the map and what is said under it: a change of areas, colour or
    places reruns this part alone (issue #34: not the page's filters); a filter reruns
    the whole page, this part with it."""
    st.html(PHONE_MAP_FIRST)
    left, mid, right = st.columns([2, 2, 3])
    unit = left.radio("Areas", UNITS, horizontal=True, key="map_unit", format_func=unit_label,
                      index=_state.choice("unit", list(UNITS), "ward"))
    colour = mid.radio("Colour by", list(COLOURS), horizontal=True, key="map_colour",
                       format_func=COLOURS.get,
                       index=_state.choice("colour", list(COLOURS), "incidents"))
    show_places = right.toggle("Places of concern", key="map_places",
                               value=_state.shared().get("places", "on") != "off")
    show_points = view.exact and right.toggle("Incident points (analysts)", key="map_points")
    _state.remember(unit=unit, colour=colour, places="on" if show_places else "off")

    try:  # the detail rule of partners and board members (geo.services.detail)
        table = _data.hotspots(v, unit, filters, view=view)
    except TooDetailed as exc:
        st.info(str(exc))
        return
    name = unit_label(unit)
    drawn = None
    if show_points:  # an analyst's own points: this map is drawn for them alone
        layer = _data.unit_layer(v, unit, filters, view, colour)
        own = _maps.unit_map(v, layer, name, show_places,
                             figures=_maps.place_figures(v, filters, view) if show_places else None)
        points = _data.points(v, filters)
        drawn = add_points(own, points, view, dict(_data.vocabularies(v)["harm_type"]))
        m: folium.Map | dict[str, Any] = own
        no_data = bool(layer.get("no_data"))
    else:  # rendered once, shared by every session
        m = _maps.layer_map(v, unit, filters, view, colour, name, show_places)
        no_data = bool(m["no_data"])

    hot = hot_spot_count(table)
    covers = _data.coverage(v, filters)
    if not covers.whole:
        st.info(md(published.coverage_text(covers)))
    st.caption(f"{text(published.total(table, view, n='count'))} incidents in the period · "
               f"{count_phrase(hot, 'area', verb='is')} {plural(hot, 'a hot spot', 'hot spots')} "
               "at 95% confidence or more"
               + (f" · {count_phrase(drawn, 'incident')} drawn as points, grouped where they "
                  "overlap (zoom in to separate them)" if drawn is not None else "")
               + " · click an area or place for its figures and a link to its profile")
    with st.container(key="map_frame"):
        _maps.show(m, f"map_{unit}")
    if colour == "hotspots":
        st.caption(HOTSPOT_SENTENCE)
    with st.expander(HOW_WORKED_OUT):
        st.caption("Hot and cold spots: the Getis-Ord Gi* statistic over each area and its "
                   "neighbours, with a false discovery rate correction; an area is a hot spot at "
                   "95% confidence or more. Incidents are coloured in five classes, each holding "
                   "about as many areas as the next. " + PUBLISHED_COUNTS)
    if not view.exact:
        st.caption(f"Counts of {view.words}, none included, are shown as \"{view.label}\" "
                   "and not published. Counts are published by the "
                   "cell key method: each may differ from the true count by up to "
                   f"{view.d}, the same way every time.")
    if not view.exact and "withheld" in table and table["withheld"].any():
        st.caption(not_offered(view))
    if no_data:
        st.caption(f"Grey with a dashed outline: {NO_DATA_LABEL.lower()}; the "
                   "statistics leave these areas out.")


with st.container(key="map_page"):
    controls_and_map()
