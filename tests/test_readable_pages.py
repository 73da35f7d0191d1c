"""Pages people can read (AppTest): labels from the vocabularies, not codes; plural-aware
sentences; months as "Apr 2024" and open-ended interventions as "ongoing"; the audit log as
a table; and the state (filters, period, unit, place) kept in the URL and across pages."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from test_dashboard import (
    APP,
    PAGES,
    _place_id,
    chart_frames,
    component_args,
    run,
    visible_text,
)

#: every test here renders pages: `make test` runs them again reading from a standby
pytestmark = pytest.mark.pages
CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")  # transport_hub, county_lines, peer_abuse...


def test_hot_spots_speak_in_words(settings) -> None:
    at = run("partner", "hotspots")
    at.radio(key="hs_unit").set_value("hex").run()
    text = visible_text(at)
    assert "A hot spot is an area where incidents are concentrated" in text
    assert not re.search(r"\b1 (areas|hot spots|incidents)\b|\b1 area are\b", text)
    for df in at.dataframe:
        for col in df.value.columns:
            values = df.value[col].astype(str)
            assert not values.str.match(CODE).any(), (col, values[values.str.match(CODE)])
    names = at.dataframe[0].value["Area"].tolist()
    assert any(re.match(r"250 m area (by .+, |in ).+", n) for n in names), names[:5]


def test_the_map_caption_counts_in_words(settings) -> None:
    at = run("partner", "map")
    caption = " ".join(c.value for c in at.caption)
    assert re.search(r"\b(1 area is a hot spot|\d+ areas are hot spots)\b", caption), caption
    assert "1 areas" not in caption and "1 area are" not in caption


def test_profile_labels_and_charts(settings) -> None:
    place = _place_id(settings, "STN-AST")
    at = run("partner", "profile", {"profile": ("place", place)})
    text = visible_text(at)
    assert "Transport hub" in text and "transport_hub" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates
    specs = " ".join(c.proto.spec for c in at.get("vega_lite_chart"))
    assert '"format": "d"' in specs or '"format":"d"' in specs  # whole-number axes
    assert "Not published" in specs  # hidden cells drawn apart from empty ones
    harms = [f for f in chart_frames(at) if "harm_type" in f]  # the harm mix, labelled
    assert harms and not harms[0]["harm_type"].astype(str).str.match(CODE).any()


def test_interventions_register_reads_months_and_ongoing(settings) -> None:
    at = run("partner", "interventions")
    register = at.dataframe[0].value
    assert register["Start"].str.match(r"^[A-Z][a-z]{2} \d{4}$").all(), register["Start"]
    assert set(register["End"]) <= {"ongoing"} | set(
        register["End"][register["End"].str.match(r"^[A-Z][a-z]{2} \d{4}$")])
    assert "ongoing" in set(register["End"])
    assert at.get("vega_lite_chart"), "a before/after chart per result"


def test_the_audit_log_is_a_readable_table(settings) -> None:
    at = run("admin", "admin")
    log = at.dataframe[-1].value
    assert list(log.columns) == ["When", "Who", "Role", "Action", "What", "Outcome", "Details"]
    assert not log["Details"].astype(str).str.contains(r"[{}]").any()


def test_the_state_comes_from_the_url_and_stays_across_pages(settings) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"from": "2024-01", "to": "2024-06", "harm": "cce",
                            "unit": "lsoa", "colour": "hotspots", "role": "analyst"})
    at.run()
    assert not at.exception
    assert at.session_state["demo_role"] == "analyst"
    period = at.select_slider(key="period").value
    assert (period[0].isoformat(), period[1].isoformat()) == ("2024-01-01", "2024-06-01")
    assert at.multiselect(key="f_harm_type").value == ["cce"]
    assert at.radio(key="map_unit").value == "lsoa"
    assert at.radio(key="map_colour").value == "hotspots"
    # a change is written back to the URL
    at.radio(key="map_unit").set_value("hex").run()
    assert at.query_params["unit"] == ["hex"] or at.query_params["unit"] == "hex"
    # the same filters on another page, with the same default period everywhere
    at.switch_page(PAGES["profile"]).run()
    assert not at.exception
    period = at.select_slider(key="period").value
    assert period[0].isoformat() == "2024-01-01"
    assert at.multiselect(key="f_harm_type").value == ["cce"]


def test_every_page_has_the_same_default_period(settings) -> None:
    spans = set()
    for page in ("map", "hotspots", "profile", "board_pack"):
        at = run("analyst", page)
        lo, hi = at.select_slider(key="period").value
        spans.add((lo, hi))
    assert len(spans) == 1, spans


def test_analyst_points_are_all_drawn_and_the_caption_says_how_many(settings) -> None:
    from geo.store import db

    at = run("analyst", "map")
    at.toggle(key="map_points").set_value(True).run()
    assert not at.exception
    script = component_args(at)[0]["script"]
    assert "markerClusterGroup" in script  # grouped where they overlap
    # clustering needs the map's own maximum zoom (there are no tiles to give one)
    assert re.search(r'"maxZoom": \d+', script), "a map with no maxZoom draws no points"
    # each point: [lat, lon, "Harm, Mon YYYY"] (the labels' [lat, lon, "Name"] are not points)
    drawn = len(re.findall(r"\[-?\d+\.\d+, -?\d+\.\d+, \"[^\"]*, [A-Z][a-z]{2} \d{4}\"\]",
                           script))
    caption = " ".join(c.value for c in at.caption)
    said = re.search(r"([\d,]+) incidents? drawn as points", caption)
    assert said and int(said.group(1).replace(",", "")) == drawn, caption
    lo, hi = at.select_slider(key="period").value
    with db.connect("admin", settings) as conn:
        total = conn.execute("SELECT count(*) FROM incident WHERE geom IS NOT NULL "
                             "AND month BETWEEN %s AND %s", (lo, hi)).fetchone()[0]
    assert drawn == total > 3000


def test_a_shared_link_gives_a_board_member_the_nearest_published_period(settings) -> None:
    """Partners and boards choose among fixed periods (the disclosure gate): a link with
    other months opens the fixed period of the nearest length, and the harm it names."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"from": "2025-07", "to": "2025-12", "harm": "cce",
                            "role": "board"})
    at.run()
    assert not at.exception
    assert at.session_state["demo_role"] == "board"
    window = at.selectbox(key="period_window")
    assert window.options[window.index].startswith("Last 6 months"), window.options
    assert at.selectbox(key="f_harm_type_one").value == "cce"
