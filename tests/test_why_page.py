"""The place profile's "Why here, and for how long" section as each role sees it
(Streamlit AppTest): analysts see the model's details, partners and board members only
relative risks and ratios; partners, analysts and admins record a location assessment,
board members do not."""

from __future__ import annotations

import re

import pytest

from geo.store import db

pytestmark = pytest.mark.pages


def _open(role: str, settings):
    from test_dashboard import _place_id, run

    return run(role, "profile", {"profile": ("place", _place_id(settings, "STN-AST"))})


def _text(at) -> str:
    from test_dashboard import visible_text

    return visible_text(at)


@pytest.mark.parametrize("role", ["partner", "board", "analyst", "admin"])
def test_why_here_as_each_role(settings, role: str) -> None:
    from test_dashboard import assert_no_small_counts

    at = _open(role, settings)
    text = _text(at)
    assert "Why here, and for how long" in text
    assert "For how long (near repeat)" in text and "Hot spot status" in text
    assert re.search(r"After an incident|No near-repeat|too few incidents", text)
    tables = [df.value for df in at.dataframe]
    factor_tables = [t for t in tables if "Relative risk" in t.columns]
    near_tables = [t for t in tables if "Knox ratio" in t.columns]
    assert factor_tables and near_tables
    # the form is made once its section is opened (a rerun), for those who may record
    sections = [e for e in at.get("expander") if e.label == "Record a location assessment"]
    assert not [b for b in at.button if b.label == "Record the assessment"]
    if sections:
        at.session_state["assessment_open"] = True
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    forms = [b for b in at.button if b.label == "Record the assessment"]
    assert bool(sections) == bool(forms)
    if role in ("analyst", "admin"):
        assert "Coefficient" in factor_tables[0].columns
        assert "Pairs" in near_tables[0].columns
        assert "Model: " in text and "candidate variables tested" in text
        assert re.search(r"Harm is \d+\.\d\d times as likely within \d+ m of ", text)
    else:
        assert_no_small_counts(at)
        for t in factor_tables:
            assert not {"Coefficient", "Cells", "Incidents in them"} & set(t.columns)
            assert t["Relative risk"].str.fullmatch(r"\d+\.\d").all()
        for t in near_tables:
            assert list(t.columns) == ["Distance", "Time", "Knox ratio", "Raised"]
        assert "Model: " not in text and "Pairs" not in text
        assert not re.search(r"times as likely[^.]*\d\.\d\d", text)
    assert bool(forms) == (role != "board")


def test_a_partner_records_an_assessment_on_the_profile(settings) -> None:
    at = _open("partner", settings)
    at.session_state["assessment_open"] = True  # its section opened
    at.run()
    [s for s in at.selectbox if s.label == "Risk rating"][0].set_value("high")
    [s for s in at.selectbox if s.label == "Guardianship"][0].set_value("weak")
    [s for s in at.selectbox if s.label == "Lighting"][0].set_value("poor")
    [m for m in at.multiselect if m.label == "Who uses the place, and when"][0].set_value(
        ["young_late"])
    [m for m in at.multiselect if m.label == "Observations"][0].set_value(["hidden_spots"])
    at.text_input(key="as_act_0").input("Ask the operator for lighting repairs")
    at.text_input(key="as_own_0").input("Community safety team")
    [b for b in at.button if b.label == "Record the assessment"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Assessment recorded." in _text(at)
    with db.connect("superuser", settings) as conn:
        row = conn.execute(
            "SELECT a.assessment_id, a.rating, a.guardianship, a.lighting, a.users, "
            "a.observations, a.recorded_by_role, x.owner FROM location_assessment a "
            "JOIN assessment_action x USING (assessment_id) "
            "WHERE x.description = 'Ask the operator for lighting repairs'").fetchone()
    try:
        assert row[1:] == ("high", "weak", "poor", ["young_late"], ["hidden_spots"],
                           "partner", "Community safety team")
        # the page shows it (its cached reads were cleared)
        shown = [df.value for df in at.dataframe if "Guardianship" in df.value.columns]
        assert shown and (shown[0]["Lighting"] == "Poor: dark areas after dusk").any()
    finally:
        with db.connect("superuser", settings) as conn:
            conn.execute("DELETE FROM location_assessment WHERE assessment_id = %s", (row[0],))
            conn.commit()
