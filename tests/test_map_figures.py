"""Issue #31, maps for the meeting (Streamlit AppTest): place popups carry the place's
published figures and its profile link; the Networks map draws links and corridors over
the wards, with direction, width by strength and a key, and the places on them.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from test_dashboard import component_args, run

from geo.filters import Filters
from geo.stats.disclosure import View, publish
from geo.store import counts as C
from geo.store import db

pytestmark = pytest.mark.pages

#: a place feature's properties as the map carries them (keys in order, a nested style)
PLACE = re.compile(r'"properties": (\{"category": [^{}]*\{[^{}]*\}[^{}]*\})')


def _places(script: str) -> dict[str, tuple[str, str | None, str | None]]:
    """Each place feature's id -> (profile, incidents, note) as shown (the map carries
    them HTML-escaped); None where absent or empty."""
    out = {}
    for m in PLACE.findall(script):
        p = json.loads(m)
        if p.get("kind") == "place":
            out[p["unit_id"]] = (p["profile"], html.unescape(p.get("incidents") or "") or None,
                                 html.unescape(p.get("note") or "") or None)
    return out


def _place_counts(settings, lo, hi, harm: str | None = None) -> pd.DataFrame:
    with db.connect("dashboard", settings, areas=("*",)) as conn:
        f = Filters(lo, hi, (harm,) if harm else None)
        return C.counts(conn, "place", f).assign(  # type: ignore[arg-type]
            unit_id=lambda d: d["unit_id"].astype(str)).set_index("unit_id")


@pytest.mark.parametrize("role", ["analyst", "partner", "board"])
def test_place_popups_show_the_published_count_and_open_the_profile(settings,
                                                                     role: str) -> None:
    at = run(role, "map")
    script = component_args(at)[0]["script"]
    places = _places(script)
    assert len(places) > 10, "no place feature with figures on the map"
    if role == "analyst":
        lo, hi = at.select_slider(key="period").value
    else:
        window = at.selectbox(key="period_window")
        lo, hi = [], []
        label = window.options[window.index]
        assert label.startswith("Last 12 months")
        m = re.search(r"\((\w{3} \d{4}) – (\w{3} \d{4})\)", label)
        assert m
        lo, hi = (pd.Timestamp(f"1 {m[1]}").date(), pd.Timestamp(f"1 {m[2]}").date())
    truth = _place_counts(settings, lo, hi)
    view = View(role)
    for pid, (profile, incidents, _) in places.items():
        assert profile == f"place:{pid}"
        n = int(truth["n"].get(pid, 0))
        ck = int(truth["ck"].get(pid, 0))
        want = publish(np.array([n]), np.array([ck]), view).text[0]
        assert incidents == want, (pid, n, incidents, want)
    if role != "analyst":
        assert not {i for _, i, _ in places.values()} & {"1", "2", "3", "4"}
        assert "contextsPopup" in script and "ctx-note" in script


def test_a_partners_popups_follow_the_detail_rule(settings) -> None:
    """Two filters are allowed at wards but one at places (geo.services.detail): the
    place popups then say why there is no figure instead of a number."""
    at = run("partner", "map")
    at.selectbox(key="f_harm_type_one").set_value("cce").run()
    at.selectbox(key="f_risk_level_one").select_index(1).run()
    assert not at.exception
    places = _places(component_args(at)[0]["script"])
    assert places
    for _, incidents, note in places.values():
        assert incidents is None and note and "at most one filter" in note, note


def test_a_partners_withheld_place_count_says_why(settings) -> None:
    """With one filter, a place whose unfiltered count is under 2k shows "—" and the
    detail rule's sentence (never a number the detail rule withholds)."""
    at = run("partner", "map")
    at.selectbox(key="f_harm_type_one").set_value("cce").run()
    assert not at.exception
    places = _places(component_args(at)[0]["script"])
    held = [v for v in places.values() if v[1] == "—"]
    assert held, "no withheld place in the demo data with one filter"
    assert all(note and "Not shown at this detail" in note for _, _, note in held)
    odd = [(k, i, note) for k, (_, i, note) in places.items() if i != "—" and note]
    assert not odd, odd[:3]


def _lines(script: str) -> list[dict]:
    m = re.search(r'\{"lines": (\[.*?\])\}\);', script, re.S)
    assert m, "no network lines on the map"
    lines: list[dict] = json.loads(m[1])
    return lines


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_the_networks_map_draws_wards_links_corridors_places_and_a_key(settings,
                                                                        role: str) -> None:
    at = run(role, "networks")
    assert [s.value for s in at.subheader].count("Map of the network") == 1
    args = component_args(at)
    assert len(args) == 1, "one map on the Networks page"
    script = args[0]["script"]
    lines = _lines(script)
    corridors = [ln for ln in lines if ln["arrow"]]
    links = [ln for ln in lines if not ln["arrow"]]
    assert corridors and links
    assert all(" → " in ln["text"] for ln in corridors)  # direction, named
    assert "area-label" in script and "Ladywood" in script  # ward names over the wards
    assert "Lines between places" in script and "Places of concern" in script  # the key
    places = _places(script)
    assert places and all(p == f"place:{k}" for k, (p, _, _) in places.items())
    widths = {ln["width"] for ln in lines}
    if role == "analyst":
        assert len(widths) > 1, widths  # width by strength
    else:  # one width per published band, no exact number in a tooltip
        assert widths <= {4.0, 6.0, 8.0, 10.0}, widths
        for ln in lines:
            m = re.search(r": (.*?) young people", ln["text"])
            assert m and not re.fullmatch(r"\d+", m[1]), ln["text"]
