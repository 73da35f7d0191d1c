"""The Upload page's coverage question (issue #31): an incidents file's coverage is asked,
never assumed, with a suggestion from the file's own points and months (read in the
limited child process); the load records what the analyst chose.

Its own database (boundaries and places, no incidents): the page loads into it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pytest
from conftest import database_name, from_template
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.store import db

pytestmark = pytest.mark.db
APP = str(PROJECT_ROOT / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def page_db() -> Iterator[Settings]:
    s = get_settings().model_copy(update={"database_name": database_name("upload_page")})
    yield from_template(s, "boundaries")


@pytest.fixture
def upload_page(page_db: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("CONTEXTS_DATABASE_NAME", page_db.database_name)
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["demo_role"] = "analyst"
    at.run()
    at.switch_page("views/upload.py").run()
    assert not at.exception, [e.message for e in at.exception]
    yield at
    get_settings.cache_clear()


def shown(elements: Iterable[object]) -> str:
    """The text of messages as a person reads it (the page escapes Markdown)."""
    return " ".join(re.sub(r"\\(.)", r"\1", str(getattr(e, "value", ""))) for e in elements)


def _two_wards(settings: Settings) -> list[tuple[str, str, float, float]]:
    """Two wards of the area, each with a point inside it (BNG)."""
    with db.connect("superuser", settings) as conn:
        return conn.execute(
            "SELECT ward_code, name, ST_X(p), ST_Y(p) FROM (SELECT ward_code, name, "
            "ST_PointOnSurface(geom) AS p FROM ward ORDER BY ward_code LIMIT 2) w").fetchall()


def test_the_upload_page_asks_what_an_incidents_file_covers_and_suggests_it(
        upload_page: AppTest, page_db: Settings) -> None:
    at = upload_page
    wards = _two_wards(page_db)

    def extracts() -> int:
        with db.connect("superuser", page_db) as conn:
            return int(conn.execute("SELECT count(*) FROM extract").fetchone()[0])

    before = extracts()
    rows = "".join(f"2025-0{m},cse,{x:.0f},{y:.0f}\n"
                   for m in (1, 3) for _, _, x, y in wards for _ in range(3))
    at.file_uploader(key="upload_file").set_value(
        ("city_centre.csv", ("month,harm_type,easting,northing\n" + rows).encode(),
         "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    # asked, not assumed: no answer is chosen, and the file's own extent is suggested
    question = at.radio(key="upload_covers_how")
    assert question.value is None
    hint = shown(at.info)
    assert all(w[1] in hint for w in wards), hint
    assert "fall in 2 of the area's" in hint and "Jan 2025 to Mar 2025" in hint, hint
    # loading without an answer is refused, and nothing is loaded
    at.button[0].click().run()
    assert "Say what the file covers" in shown(at.error)
    assert extracts() == before
    # "Some wards or LSOAs": the suggested wards are already chosen; the load records them
    question.set_value("units").run()
    assert sorted(at.multiselect(key="upload_covers_units").value) == sorted(
        w[0] for w in wards)
    if "upload_result" not in at.session_state:  # (AppTest may rerun the click above)
        at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not shown(at.error), shown(at.error)
    with db.connect("superuser", page_db) as conn:
        kind, codes, rows = conn.execute(
            "SELECT c.kind, c.codes, e.rows_loaded FROM extract_coverage c "
            "JOIN extract e USING (extract_id)").fetchone()
    assert rows == 12 and extracts() == before + 1
    assert kind == "units" and sorted(codes) == sorted(w[0] for w in wards)


def test_a_file_spread_over_the_area_suggests_the_whole_area(
        upload_page: AppTest, page_db: Settings) -> None:
    with db.connect("superuser", page_db) as conn:
        points = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) "
                              "AS p FROM ward) w").fetchall()
    rows = "".join(f"2025-02,cce,{x:.0f},{y:.0f}\n" for x, y in points)
    at = upload_page
    at.file_uploader(key="upload_file").set_value(
        ("force.csv", ("month,harm_type,easting,northing\n" + rows).encode(),
         "text/csv")).run()
    hint = shown(at.info)
    assert f"spread over {len(points)} of the area's {len(points)} wards" in hint, hint
    assert "the whole area" in hint and at.radio(key="upload_covers_how").value is None
