"""The interactive map as pages show it: a folium map in streamlit-folium with ward (and,
zoomed in, LSOA) names, the area's outline, a scale bar and an open legend. A click opens a
popup (name, published count, hot spot status, "Open profile"); no click or zoom gesture
reruns or leaves the page (no objects are returned to the page).

Rendering a folium map to Leaflet JavaScript is the costliest part of a page: about 0.6 s
of CPU for the 250 m hexagons (folium renders the whole figure twice and streamlit-folium
rewrites its variable names with regular expressions over 0.9 MB). ``st_folium`` does it on
every rerun. Here a unit layer's map is rendered once per data version, filters and view
(:func:`layer_map`, shared by every session of the process) and each rerun only sends the
rendered parts to streamlit-folium's front end, with the same arguments ``st_folium`` would
send (tested in ``tests/test_load.py``). ``st_folium`` takes only a map, so the front end
(the files streamlit-folium ships) is declared here as a component of this module, with
Streamlit's public ``declare_component``, and the parts are made as ``st_folium`` makes them
from its public ``generate_leaflet_string``: no private function of streamlit-folium is called.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from textwrap import dedent
from typing import Any

import branca
import folium
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium as sf

from dashboard import _data, _state
from geo.filters import Filters
from geo.render.maps import places as map_places
from geo.render.maps.areas import add_areas, faint_layer
from geo.render.maps.base import add_labels, add_outline, base_map
from geo.render.maps.legend import add_legend
from geo.render.text import View

RETURNED: list[str] = []  # nothing on the map reruns the page

#: streamlit-folium's front end (the built files in its package), as this module's component
_component = components.declare_component(
    "st_folium", path=Path(sf.__file__).parent / "frontend" / "build")


def _figure(m: folium.Map) -> branca.element.Figure:
    root = m.get_root()
    assert isinstance(root, branca.element.Figure)
    return root


def _header(m: folium.Map) -> str:
    """The page header ``st_folium`` sends: no script or style links (sent as lists), the
    map's name as ``map_div``."""
    header = _figure(m).header.render()
    header = re.sub(r'<script\b[^>]*\bsrc=["\'][^"\']*["\'][^>]*>.*?</script\b[^>]*>', "",
                    header, flags=re.IGNORECASE | re.DOTALL)
    header = re.sub(r'<link rel="stylesheet" href=".*?"/>', "", header)
    header = re.sub(r'(L\.Icon\.Default\.imagePath\s*=\s*["\'])([^"\']*?/dist)(["\'])',
                    r"\1\2/images/\3", header)
    return header.replace(sf.get_full_id(m), "map_div")


def _html(m: folium.Map) -> str:
    """The page body ``st_folium`` sends: the map's own div left out."""
    html = _figure(m).html.render()
    return re.sub(r'<div class="folium-map" id=".*" ></div>', "", html).strip()


def _script(m: folium.Map) -> str:
    """The map's script as ``st_folium`` sends it (its variables renamed by
    ``generate_leaflet_string``)."""
    leaflet = sf.generate_leaflet_string(m).replace("alert(coords);", "")
    leaflet = dedent(re.sub(r"drawnItems_draw_control_div_\d+", "drawnItems", leaflet))
    return leaflet if "drawnItems" in leaflet else leaflet + "\nvar drawnItems = [];"


def rendered(m: folium.Map) -> dict[str, Any]:
    """What ``st_folium`` sends its component for ``m`` (the same steps, in its order)."""
    m.get_root().render()
    m.render()  # type: ignore[no-untyped-call]
    html = _html(m)
    header = _header(m)
    script = _script(m)

    def walk(fig: Any) -> Any:
        if isinstance(fig, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
            yield fig
        for child in getattr(fig, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for elem in walk(m):
        css += [href for _, href in getattr(elem, "default_css", [])]
        js += [src for _, src in getattr(elem, "default_js", [])]
    return {"script": script, "header": header, "html": html, "id": sf.get_full_id(m),
            "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js))}


def show(m: folium.Map | dict[str, Any], key: str, height: int = 620) -> None:
    """Draw ``m`` (a map, or its :func:`rendered` parts); nothing on the map reruns the
    page (the popup's link opens a profile)."""
    parts = rendered(m) if isinstance(m, folium.Map) else m
    hash_key = sf.generate_js_hash(parts["script"], key, False)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    out = _component(
        script=parts["script"], header=parts["header"], html=parts["html"], id=parts["id"],
        key=hash_key, height=height, width=None, returned_objects=RETURNED,
        default={}, zoom=None, center=None, feature_group=None,
        return_on_hover=False, layer_control=None, pixelated=False,
        css_links=parts["css_links"], js_links=parts["js_links"], on_change=on_change,
        wrap_longitude=False)
    del out  # nothing is returned: clicks open popups, not reruns


@st.cache_data(ttl=_data.TTL, max_entries=64, show_spinner=False)
def place_figures(v: _data.Key, filters: Filters, view: View) -> Any:
    """The places of concern with the figures their popups show as ``view`` may see them
    (:func:`geo.render.maps.places.place_figures`: published counts of the filters' period,
    the detail rule of :mod:`geo.services.detail` applied)."""
    from geo.services.detail import TooDetailed, not_offered

    places = _data.places(v)
    try:
        table = _data.hotspots(v, "place", filters, view=view)
    except TooDetailed as exc:
        return map_places.place_figures(places, None, view, str(exc))
    return map_places.place_figures(places, table, view, held=not_offered(view))


def unit_map(v: _data.Key, layer: dict[str, Any], name: str, with_places: bool,
             context: dict[str, Any] | None = None, figures: Any = None) -> folium.Map:
    """A map of one unit layer (over the faint ``context`` layer of every unit, if given),
    with the area's outline, names, the places of concern if asked (with ``figures``, the
    places of :func:`place_figures`, their popups show them), and the legend."""
    m = base_map(_state.settings(), layer["bounds"])
    if context is not None:
        add_areas(m, faint_layer(context), name="All areas")
    add_areas(m, layer, name=name)
    wards = _data.wards(v)
    add_outline(m, wards)
    add_labels(m, wards, _data.units(v, "lsoa"))
    categories = dict(_data.vocabularies(v).get("place_category", []))
    if with_places:
        map_places.add_places(m, _data.places(v) if figures is None else figures, categories)
    places = _data.places(v)
    shown = ({c: categories.get(c, c) for c in sorted(places["category"].astype(str).unique())}
             if with_places and not places.empty else None)
    add_legend(m, layer, places=shown)
    return m


@st.cache_resource(ttl=_data.TTL, max_entries=64, show_spinner=False)
def layer_map(v: _data.Key, unit: _data.Unit, filters: Filters, view: View, colour: str, name: str,
              with_places: bool, emerging: bool = False, significant_only: bool = False,
              counted: tuple[date, date] | None = None, measure: str = "auto",
              with_context: bool = False) -> dict[str, Any]:
    """The :func:`rendered` map of :func:`_data.unit_layer` (over the faint layer of every
    unit with ``with_context``), made once and shared (its parts are strings, never
    changed); ``empty``: the layer has no polygon; ``no_data``:
    some areas have no data (drawn apart)."""
    layer = _data.unit_layer(v, unit, filters, view, colour, emerging=emerging,
                             significant_only=significant_only, counted=counted,
                             measure=measure)
    context = (_data.unit_layer(v, unit, filters, view, colour, emerging=emerging,
                                counted=counted, measure=measure) if with_context else None)
    figures = place_figures(v, filters, view) if with_places else None
    parts = rendered(unit_map(v, layer, name, with_places, context, figures))
    return parts | {"empty": not layer["data"]["features"],
                    "no_data": bool(layer.get("no_data"))}
