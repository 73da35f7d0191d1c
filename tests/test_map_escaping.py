"""Issue #28, stored script on maps: every string that reaches folium/Leaflet goes through
one escaping (``map_text``), and no page builds a folium element of its own.

The corridor tooltips of the Networks page were ``folium.Tooltip(f"{name} → {name}")``,
which folium pastes into a JavaScript template literal shown as HTML: a place called
``${fetch(...)}`` or ``<img src=x onerror=...>`` ran in every viewer's browser. Each map the
project builds (the Map page's unit layer with places, labels, legend and points; the Hot
spots page's layer over its faint context; the Networks page's corridors; the Profile page
draws charts, not maps) is rendered here with hostile names and searched for them.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.config import PROJECT_ROOT, get_settings
from geo.render.maps.areas import add_areas, faint_layer, unit_layer
from geo.render.maps.base import add_labels, add_outline, base_map
from geo.render.maps.escape import map_text
from geo.render.maps.legend import add_legend
from geo.render.maps.networks import add_network, add_network_legend, network_lines
from geo.render.maps.places import add_places, add_points, place_figures
from geo.stats.disclosure import View

#: names that run script if they reach the page unescaped (HTML, or a template literal)
HOSTILE = [
    "${fetch('http://evil.invalid/t')}",
    "<img src=x onerror=alert(1)>",
    "`+alert(2)+`",
    "\\`;alert(3);//",
    "</script><script>alert(4)</script>",
    "\"><svg onload=alert(5)>",
]
#: what must never appear in a rendered map (each payload's working part)
NEVER = ["${fetch(", "<img src=x", "`+alert(2)", "\\`;alert(3)", "<script>alert(4)",
         "<svg onload"]


def _assert_inert(html: str) -> None:
    for bad in NEVER:
        assert bad not in html, bad
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the names are there, as text


@pytest.mark.parametrize("text", HOSTILE)
def test_map_text_leaves_nothing_html_or_a_template_literal_reads(text: str) -> None:
    out = map_text(text)
    assert not re.search(r"[<>\"'`\\$]", out), out
    import html as html_lib

    assert html_lib.unescape(out) == text  # shown as written


def _units(names: list[str]) -> gpd.GeoDataFrame:
    boxes = [shapely.box(-1.90 + 0.01 * k, 52.40, -1.89 + 0.01 * k, 52.41)
             for k in range(len(names))]
    return gpd.GeoDataFrame({"unit_id": [f"E0{k}" for k in range(len(names))], "name": names,
                             "count": [12 + k for k in range(len(names))],
                             "ck": list(range(len(names))),
                             "bin": [3, -2, 0, 1, 2, -1][: len(names)],
                             "category": ["new"] * len(names)},
                            geometry=boxes, crs=4326)


def _places(names: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"unit_id": [str(k) for k in range(len(names))], "name": names,
         "category": ["transport_hub"] * len(names)},
        geometry=[shapely.Point(-1.895 + 0.01 * k, 52.405) for k in range(len(names))],
        crs=4326)


@pytest.mark.parametrize("colour", ["incidents", "hotspots"])
def test_the_map_and_hotspots_pages_maps_hold_no_live_name(colour: str) -> None:
    """As ``dashboard._maps.unit_map`` builds them: unit layer (over its faint context on
    the Hot spots page), outline, labels, places, legend; incident points on the Map."""
    units = _units(HOSTILE)
    view = View("analyst")
    layer = unit_layer(units, "ward", view, colour)
    m = base_map(get_settings(), layer["bounds"])
    add_areas(m, faint_layer(layer), name="All areas")
    add_areas(m, layer, name="Wards")
    add_outline(m, units)
    add_labels(m, units, units.iloc[:2])
    hostile_categories = {"transport_hub": HOSTILE[1]}
    add_places(m, _places(HOSTILE), hostile_categories)
    add_legend(m, layer | {"legend_title": HOSTILE[0]}, places=hostile_categories)
    points = pd.DataFrame({"lat": [52.405] * len(HOSTILE), "lon": [-1.895] * len(HOSTILE),
                           "harm_type": HOSTILE, "month": ["2024-01-01"] * len(HOSTILE)})
    assert add_points(m, points, view, {h: h for h in HOSTILE}) == len(HOSTILE)
    _assert_inert(m.get_root().render())


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_the_networks_pages_map_holds_no_live_name(role: str) -> None:
    """As the Networks page builds it: ward outline and names, links and corridors (their
    tooltips name both places), the places on them with their popups' figures, the key."""
    names = {str(k): h for k, h in enumerate(HOSTILE)}
    where = pd.DataFrame({"lat": [52.41 + 0.01 * k for k in range(len(HOSTILE))],
                          "lon": [-1.9 + 0.01 * k for k in range(len(HOSTILE))]},
                         index=list(names))
    ring = list(names)[1:] + list(names)[:1]
    links = pd.DataFrame({"a": list(names), "b": ring, "people": [12] * len(HOSTILE)})
    routes = pd.DataFrame({"origin": ring, "destination": list(names),
                           "people": [7] * len(HOSTILE)})
    view = View(role)
    lines = network_lines(where, names, links, routes, view, lambda n: HOSTILE[2])
    assert len(lines) == 2 * len(HOSTILE)
    m = base_map(get_settings(), [-1.95, 52.4, -1.85, 52.5])
    units = _units(HOSTILE)
    add_outline(m, units)
    add_labels(m, units)
    add_network(m, lines)
    places = place_figures(_places(HOSTILE), None, view, HOSTILE[0])
    add_places(m, places, {"transport_hub": HOSTILE[1]})
    add_network_legend(m, view, {"transport_hub": HOSTILE[1]})
    _assert_inert(m.get_root().render())


#: folium's element classes a page could build with text of its own
_FOLIUM_ELEMENTS = re.compile(
    r"folium\.(?:Tooltip|Popup|Marker|PolyLine|Polygon|Circle|CircleMarker|DivIcon|GeoJson|"
    r"GeoJsonTooltip|GeoJsonPopup|Html|Element|Rectangle|features|plugins|map)\b"
    r"|from folium(?:\.\w+)* import")


@pytest.mark.parametrize("name", ["{{ 7 * 7 }}", "{% if x %}", "{# a note"])
def test_a_name_with_template_syntax_is_shown_as_written(name: str) -> None:
    """The project's elements put their text on the page uncompiled
    (``geo.render.maps.elements``): a name with Jinja syntax in it neither runs
    (``{{ 7 * 7 }}`` was 49) nor breaks the page (``{% if`` was a TemplateSyntaxError),
    in an area, a label and a place."""
    units = _units([name, "Aston"])
    layer = unit_layer(units, "ward", View("partner"), "incidents")
    m = base_map(get_settings(), layer["bounds"])
    add_areas(m, layer, name="Wards")
    add_labels(m, units)
    add_places(m, _places([name]), {})
    page = m.get_root().render()
    shown = map_text(name)  # braces as character references: no template can open
    assert "{" not in shown and "}" not in shown
    # none evaluated: as written in the labels, in the GeoJSON with "&" as \u0026
    found = page.count(shown) + page.count(shown.replace("&", "\\u0026"))
    assert found == 3, found


def test_no_page_or_module_but_mapping_builds_folium_elements() -> None:
    """Text reaches a map only through ``geo/render/maps/`` (and so :func:`map_text`)."""
    found = []
    for path in [*Path(PROJECT_ROOT, "dashboard").rglob("*.py"),
                 *Path(PROJECT_ROOT, "geo").rglob("*.py")]:
        if path.parent == Path(PROJECT_ROOT, "geo", "render", "maps"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if _FOLIUM_ELEMENTS.search(line) and "folium.elements.JSCSSMixin" not in line:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}")
    assert not found, found
