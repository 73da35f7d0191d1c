"""Why here, and for how long (geo/services/why.py) on the sample data: the risk terrain
and the near-repeat test as each role may see them, and the location assessment as
partners, analysts and admins record it."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.filters import Filters
from geo.services import actions, pages, why
from geo.stats.disclosure import View
from geo.store import db, profile
from geo.store import why as store_why

pytestmark = pytest.mark.db
PERIOD = Filters(start=date(2025, 1, 1), end=date(2025, 12, 1))
ALL = ("*",)


def _station(settings) -> tuple[int, shapely.Geometry]:
    with db.connect("superuser", settings) as conn:
        pid, wkb = conn.execute("SELECT place_id, ST_AsBinary(geom) FROM place "
                                "WHERE ref = 'STN-AST'").fetchone()
    return int(pid), shapely.from_wkb(bytes(wkb))


def test_risk_terrain_on_the_sample_data(settings) -> None:
    _pid, geom = _station(settings)
    fitted = why.terrain_model(ALL, PERIOD)
    analyst = why.terrain(fitted, View("analyst"), geom)
    assert not analyst.refused
    d = analyst.details
    print("\nrisk terrain (analyst):", {k: v for k, v in d.items() if k != "steps"})
    print(analyst.factors.to_string())
    print(analyst.sentences, analyst.place_factors, analyst.place_risk, analyst.place_rank)
    assert d["cells"] > 1000 and d["incidents"] > 1000
    assert not analyst.factors.empty
    # the sample's incidents gather at its places of concern: transport hubs among them
    assert "Transport hub" in set(analyst.factors["Feature"])
    assert any(s.startswith("Harm is ") and "within" in s for s in analyst.sentences)
    assert {"Coefficient", "Incidents in them"} <= set(analyst.factors.columns)
    assert not analyst.risk_map.empty and set(analyst.risk_map.columns) == {"x", "y", "risk"}

    # the same model: the period alone, no other filter
    assert why.model_filters(PERIOD, View("partner")) == PERIOD
    partner = why.terrain(fitted, View("partner"), geom)
    assert partner.details == {}
    assert not {"Coefficient", "Std. error", "p", "Cells",
                "Incidents in them"} & set(partner.factors.columns)
    for value in partner.factors["Relative risk"]:
        assert re.fullmatch(r"\d+\.\d", value)
    for s in partner.sentences:
        assert re.search(r"\d+\.\d times as likely", s) and not re.search(r"\d\.\d\d", s)


def test_near_repeat_on_the_sample_data(settings) -> None:
    analyst = why.near_repeat(ALL, PERIOD, View("analyst"))
    print("\nnear repeat (analyst):", analyst.sentence, analyst.details)
    print(analyst.table.head(8).to_string())
    assert not analyst.refused and analyst.unit == "days"
    assert {"Pairs", "Expected", "p"} <= set(analyst.table.columns)
    assert analyst.sentence.startswith(("After an incident", "No near-repeat"))
    partner = why.near_repeat(ALL, PERIOD, View("partner"))
    assert list(partner.table.columns) == ["Distance", "Time", "Knox ratio", "Raised"]
    assert partner.details == {}
    for value in partner.table["Knox ratio"]:
        assert value == "—" or re.fullmatch(r"\d+\.\d", value)


def test_a_sampled_near_repeat_test_is_the_same_in_any_row_order_and_says_so(
        settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above NEAR_REPEAT_MAX incidents the test runs on a seeded sample: the same incidents
    in another order give the same sample (the database promises no order), and every
    role is told the test was sampled; only the analyst is told of how many."""
    rng = np.random.default_rng(3)
    pts = pd.DataFrame({"x": rng.uniform(0, 5000, 500), "y": rng.uniform(0, 5000, 500)})
    t = rng.integers(0, 365, 500)
    a, ta = why.sample_points(pts, t, 120)
    shuffled = rng.permutation(500)
    b, tb = why.sample_points(pts.iloc[shuffled].reset_index(drop=True), t[shuffled], 120)
    key = lambda f, tt: sorted(zip(f["x"], f["y"], tt, strict=True))  # noqa: E731
    assert len(a) == 120 and key(a, ta) == key(b, tb)
    assert why.sample_points(pts, t, 500)[0] is pts  # no more than the most: all of them
    monkeypatch.setattr(why, "NEAR_REPEAT_MAX", 300)
    analyst = why.near_repeat(ALL, PERIOD, View("analyst"))
    partner = why.near_repeat(ALL, PERIOD, View("partner"))
    assert analyst.details["incidents"] == 300 < analyst.details["sampled_from"]
    assert analyst.sampled.startswith("Tested on a random sample of 300 of the ")
    assert f"{analyst.details['sampled_from']:,}" in analyst.sampled
    assert partner.sampled.startswith("Tested on a random sample of 300 of the period's")
    assert not re.search(r"\d{4}|\d,\d", partner.sampled)
    monkeypatch.setattr(why, "NEAR_REPEAT_MAX", 10**9)
    assert why.near_repeat(ALL, PERIOD, View("analyst")).sampled == ""


def test_a_partner_records_a_location_assessment(settings) -> None:
    pid, _geom = _station(settings)
    a = why.Assessment(place_id=pid, assessed_on=date(2026, 3, 2), rating="high",
                       guardianship="weak", lighting="partial",
                       users=("young_evening", "commuters"),
                       observations=("hidden_spots", "no_cctv"),
                       review_date=date(2026, 6, 1),
                       actions=(("Guardianship training for station staff",
                                 "Transport police", date(2026, 4, 1)),))
    other = ("E09000001",)
    before, elsewhere = pages.version(ALL), pages.version(other)
    aid = why.record_assessment("tests", "partner", ALL, a, settings=settings)
    try:
        # every server process's cached profile follows (the data version moves), but not
        # for a partner of another area, who cannot see it
        recorded = pages.version(ALL)
        assert recorded != before and pages.version(other) == elsewhere
        with db.connect("superuser", settings) as conn:
            row = conn.execute(
                "SELECT rating, guardianship, lighting, users, observations, review_date, "
                "recorded_by_role FROM location_assessment WHERE assessment_id = %s",
                (aid,)).fetchone()
            acts = conn.execute("SELECT description, owner, due_date FROM assessment_action "
                                "WHERE assessment_id = %s", (aid,)).fetchall()
            audited = conn.execute("SELECT outcome FROM audit_log WHERE action = "
                                   "'assessment_record' ORDER BY audit_id DESC LIMIT 1"
                                   ).fetchone()[0]
        assert row == ("high", "weak", "partial", ["young_evening", "commuters"],
                       ["hidden_spots", "no_cctv"], date(2026, 6, 1), "partner")
        assert acts == [("Guardianship training for station staff", "Transport police",
                         date(2026, 4, 1))]
        assert audited == "added"
        shown = why.assessment_actions(ALL, str(pid))
        assert "Guardianship training for station staff" in set(shown["description"])
        # the profile's read (a page function) returns the fields, the newest first
        listed = db.read(lambda conn: profile.assessments(conn, str(pid)), ALL, settings)
        assert list(listed.columns) == [
            "assessment_id", "assessed_on", "rating", "guardianship", "lighting", "users",
            "observations", "review_date", "recorded_by_role", "factors"]
        first = listed.iloc[0]
        assert (int(first["assessment_id"]), first["guardianship"], list(first["users"])) == (
            aid, "weak", ["young_evening", "commuters"])
        assert list(listed["assessed_on"]) == sorted(listed["assessed_on"], reverse=True)
        # a partner of another area sees neither the assessment nor its actions
        assert db.read(lambda conn: profile.assessments(conn, str(pid)), other,
                       settings).empty
        assert why.assessment_actions(other, str(pid)).empty
        # an action is marked done once
        action_id = int(shown["action_id"].iloc[0])
        assert why.complete_assessment_action("tests", "partner", ALL, pid, action_id,
                                              on=date(2026, 4, 2), settings=settings)
        assert pages.version(ALL) != recorded  # an action done moves it too
        assert not why.complete_assessment_action("tests", "partner", ALL, pid, action_id,
                                                  settings=settings)
        with pytest.raises(actions.Denied):
            why.complete_assessment_action("tests", "board", ALL, pid, action_id,
                                           settings=settings)
        with pytest.raises(why.AssessmentError, match="No such place"):
            why.complete_assessment_action("tests", "partner", other, pid, action_id,
                                           settings=settings)
        done = why.assessment_actions(ALL, str(pid))
        assert done.loc[done["action_id"] == action_id, "done_on"].iloc[0] == date(2026, 4, 2)
        # a board member may not record one; the refusal is audited
        with pytest.raises(actions.Denied):
            why.record_assessment("tests", "board", ALL, a, settings=settings)
        # choices only: a code not among them, and personal details in an action, refused
        with pytest.raises(why.AssessmentError, match="not one of the lighting"):
            why.record_assessment("tests", "partner", ALL,
                                  why.Assessment(pid, date(2026, 3, 2), "low", lighting="dim"),
                                  settings=settings)
        with pytest.raises(why.AssessmentError, match="postcode"):
            why.record_assessment("tests", "partner", ALL, why.Assessment(
                pid, date(2026, 3, 2), "low", actions=(("Visit B5 4BU", "Police", None),)),
                settings=settings)
    finally:
        with db.connect("superuser", settings) as conn:
            conn.execute("DELETE FROM location_assessment WHERE assessment_id = %s", (aid,))
            conn.commit()


def test_a_partners_terrain_grid_covers_only_the_areas_they_may_see(settings) -> None:
    """Cells of an area a partner may not see are not cells where nothing happened: the
    grid is their areas' boundary (a pass of an area with no boundary has none)."""
    with db.connect("superuser", settings) as conn:
        areas = {code: shapely.from_wkb(bytes(wkb)) for code, wkb in conn.execute(
            "SELECT area_code, ST_AsBinary(geom) FROM area")}
    everything = db.read(store_why.boundary, ALL, settings)
    assert everything is not None
    assert everything.area == pytest.approx(shapely.union_all(list(areas.values())).area)
    for code, geom in areas.items():
        own = db.read(store_why.boundary, (code,), settings)
        assert own is not None and own.area == pytest.approx(geom.area), code
    assert db.read(store_why.boundary, ("E99999999",), settings) is None


@pytest.mark.parametrize("size", [100.0, 175.0])
def test_the_terrain_counts_hexagons_of_any_size_as_the_grid_does(settings, size) -> None:
    """The counts of a grid other than the default (the page read ``counts_hex_sized``,
    its cell written out in the statement) put each incident in the cell numpy's
    :func:`geo.stats.grid.hex_index` and the SQL ``contexts_hex`` give its point."""
    import numpy as np
    import pandas as pd
    from conftest import reader

    from geo.stats import grid
    from geo.store import counts

    found = db.read(lambda conn: counts.counts(conn, "hex", PERIOD, size=size), ALL, settings)
    with reader(settings) as conn:
        rows = conn.execute(
            "SELECT ST_X(geom), ST_Y(geom), contexts_hex(ST_X(geom), ST_Y(geom), %s) "
            "FROM incident WHERE geom IS NOT NULL AND month BETWEEN %s AND %s",
            (size, PERIOD.start, PERIOD.end)).fetchall()
    xy = np.array([(x, y) for x, y, _ in rows])
    i, j = grid.hex_index(xy[:, 0], xy[:, 1], size)
    assert [[int(a), int(b)] for a, b in zip(i, j, strict=True)] == [c for *_, c in rows]
    expected = pd.Series([f"{a}:{b}" for a, b in zip(i, j, strict=True)]).value_counts()
    assert len(rows) > 1000 and len(expected) > 100
    got = found.set_index("unit_id")["n"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
