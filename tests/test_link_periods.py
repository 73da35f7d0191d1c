"""Issue #31, links that mean the same thing later (Streamlit AppTest, one test per role):
an older shared link opens its own period wherever the role may see it
(:func:`geo.services.detail.link_period` for partners and board members: an offered
length ending at an earlier month, inside the data), with a notice of newer data and a
"Show latest" button; a notice says why where it cannot.
"""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest
from test_dashboard import APP

from geo.services.detail import link_period
from geo.store import db

pytestmark = pytest.mark.pages


def _last(settings) -> date:
    with db.connect("superuser", settings) as conn:
        last: date = conn.execute("SELECT max(month) FROM rollup_ward_month").fetchone()[0]
    return last


def _open(link: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(link)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _notice(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def _param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def test_link_period_known_answers() -> None:
    first, last = date(2023, 1, 1), date(2025, 12, 1)
    assert link_period(first, last, date(2024, 1, 1), date(2024, 12, 1)) == (
        (date(2024, 1, 1), date(2024, 12, 1)), "")
    assert link_period(first, last, date(2025, 3, 1), date(2025, 3, 1))[0] is not None
    assert link_period(first, last, date(2024, 1, 1), date(2024, 5, 1))[0] is None  # 5
    assert "ends after Dec 2025" in link_period(first, last, date(2025, 2, 1),
                                                date(2026, 1, 1))[1]
    assert "starts before" in link_period(first, last, date(2022, 1, 1),
                                          date(2022, 12, 1))[1]


@pytest.mark.parametrize("role", ["partner", "board"])
def test_an_older_link_keeps_its_period_for_partners_and_board(settings, role: str) -> None:
    last = _last(settings)
    at = _open({"from": "2024-01", "to": "2024-12", "role": role})
    window = at.selectbox(key="period_window")
    assert window.options[window.index] == "Jan 2024 – Dec 2024 (the link's period)"
    notice = _notice(at)
    assert f"Newer data to {last:%b %Y}" in notice and "cannot" not in notice, notice
    assert (_param(at, "from"), _param(at, "to")) == ("2024-01", "2024-12")
    at.run()  # a rerun (any click) keeps it
    window = at.selectbox(key="period_window")
    assert window.options[window.index] == "Jan 2024 – Dec 2024 (the link's period)"
    at.button(key="period_latest").click().run()
    assert not at.exception
    window = at.selectbox(key="period_window")
    assert window.options[window.index].startswith("Last 12 months"), window.options
    assert _param(at, "to") == f"{last:%Y-%m}"
    assert not [i for i in at.info if "Newer data" in i.value]
    assert not any("the link's period" in o for o in window.options)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_an_older_link_keeps_its_months_for_analysts_and_admins(settings, role: str) -> None:
    last = _last(settings)
    at = _open({"from": "2024-02", "to": "2024-11", "role": role})
    lo, hi = at.select_slider(key="period").value
    assert (lo, hi) == (date(2024, 2, 1), date(2024, 11, 1))
    assert f"Newer data to {last:%b %Y}" in _notice(at)


@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_a_link_beyond_the_plausible_end_says_so(settings, role: str) -> None:
    """A link made while a handful of future-dated rows moved the period (or typed by
    hand) runs past the latest month with most of its data: the nearest period is shown
    and the notice says why."""
    last = _last(settings)
    after = date(last.year + 1, last.month, 1)
    at = _open({"from": f"{last:%Y-%m}", "to": f"{after:%Y-%m}", "role": role})
    notice = _notice(at)
    assert f"The link was for {last:%b %Y} to {after:%b %Y}" in notice, notice
    if role == "partner":
        assert f"ends after {last:%b %Y}" in notice, notice
        window = at.selectbox(key="period_window")
        assert window.options[window.index].startswith("Last 12 months")
    else:
        assert at.select_slider(key="period").value == (last, last)
