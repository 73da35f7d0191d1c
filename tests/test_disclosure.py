"""The disclosure gate itself (geo.stats.disclosure): the perturbation table, the cell key
lookup, the typed values the formatting helpers require, and the bounds of k."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from geo.config import Settings
from geo.stats.disclosure import (
    KEYS,
    View,
    cell_sum,
    change_text,
    chart_values,
    people_text,
    ptable,
    publish,
    publish_one,
    text,
    texts,
)

PARTNER = View("partner")
ANALYST = View("analyst")


def test_the_perturbation_table_keeps_its_constraints() -> None:
    t = ptable()
    changes = np.arange(-t.d, t.d + 1)
    assert t.probs.shape == (t.d + 2, 2 * t.d + 1)
    np.testing.assert_allclose(t.probs.sum(1), 1.0)
    assert np.all((t.probs * KEYS) == np.round(t.probs * KEYS))  # whole 256ths
    for n, row in enumerate(t.probs):
        assert abs(row @ changes) < 0.02  # unbiased (to the 1/256 rounding)
        assert not row[n + changes < 0].any()  # never negative
        if n >= 1:
            assert not row[n + changes == 0].any()  # a positive count never becomes 0
    assert t.probs[0, t.d] == 1.0  # a zero stays zero
    assert abs(t.probs[-1] @ changes**2 - t.v) < 0.05
    # each row's 256 keys give its changes in the table's proportions
    for n in range(t.d + 2):
        counts = np.bincount(t.change[n] + t.d, minlength=2 * t.d + 1)
        np.testing.assert_array_equal(counts, t.probs[n] * KEYS)


def test_the_same_cell_always_gets_the_same_answer_and_small_ones_are_hidden() -> None:
    rng = np.random.default_rng(1)
    n = rng.integers(0, 60, 5000)
    ck = rng.integers(0, KEYS, 5000)
    a, b = publish(n, ck, PARTNER), publish(n, ck, View("board"))
    np.testing.assert_array_equal(a.text, b.text)
    v = chart_values(a)
    shown = ~np.isnan(v)
    assert np.all(np.abs(v[shown] - n[shown]) <= ptable().d)
    assert not np.any(v < PARTNER.k)
    assert set(texts(a)[~shown]) == {"<5"}
    # one class for 0..4 (issue #27): a true zero is published exactly as a 1 is
    assert np.all(np.isnan(v[n == 0])) and set(texts(a)[n == 0]) == {"<5"}
    assert np.all(np.isnan(v[(n >= 1) & (n <= 1)]))  # a 1 always stays 1: hidden
    for ck in range(KEYS):
        assert publish_one(0, ck, PARTNER) == publish_one(1, ck, PARTNER)
    # different cell keys give different noise for the same count
    assert len({publish_one(40, k, PARTNER).text for k in range(KEYS)}) == 2 * ptable().d + 1


def test_exact_views_get_the_counts() -> None:
    p = publish([0, 1, 4, 1234], [5, 6, 7, 8], ANALYST)
    assert list(texts(p)) == ["0", "1", "4", "1,234"]


def test_cell_keys_add() -> None:
    import pandas as pd

    parts = pd.DataFrame({"g": ["a", "a", "b"], "n": [3, 4, 5], "ck": [200, 100, 7]})
    whole = cell_sum(parts)
    assert whole["n"].iloc[0] == 12 and whole["ck"].iloc[0] == (307 % 256)
    by = cell_sum(parts, "g").set_index("g")
    assert by.loc["a", "ck"] == 300 % 256


def test_formatting_takes_only_what_the_gate_made() -> None:
    with pytest.raises(TypeError):
        text(12)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        texts(np.array([1, 2]))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        publish([5, 6], [0, 0], PARTNER).total()  # a published total is its own cell
    assert text(publish_one(7, 0, ANALYST)) == "7"


def test_changes_and_flags() -> None:
    assert change_text(publish_one(100, 0, ANALYST), publish_one(100, 0, ANALYST)) == "0%"
    assert change_text(publish_one(999, 0, ANALYST), publish_one(1000, 0, ANALYST)) == "0%"
    assert change_text(publish_one(5, 0, ANALYST), publish_one(0, 0, ANALYST)) == "n/a"
    assert change_text(publish_one(50, 0, PARTNER), publish_one(1, 0, PARTNER)) == "n/a"
    assert people_text(3, PARTNER) == people_text(9, PARTNER) == "3 or more"
    assert people_text(2, PARTNER) == "fewer than 3"


def test_a_recorder_hears_what_the_gate_issues_in_any_thread_while_open() -> None:
    """The gate keeps nothing for tests: a recorder (tests/_gate.py) listens to its audit
    event, in every thread (pages run in Streamlit's script thread), only while open."""
    import threading

    from _gate import Issued

    with Issued() as outer:
        with Issued() as inner:
            worker = threading.Thread(target=publish, args=([60, 2], [0, 0], PARTNER))
            worker.start()
            worker.join()
            assert people_text(9, PARTNER) == "3 or more"
        shown = publish([60, 2], [0, 0], PARTNER)
        change_text(shown[0], shown[1])
    people_text(1, PARTNER)  # after both closed: heard by neither
    assert inner.texts == {*texts(shown), "3 or more"}
    assert outer.texts == inner.texts | {"n/a"}
    assert "fewer than 3" not in outer.texts


@pytest.mark.parametrize("k", [0, 1, 21, 100])
def test_k_out_of_range_is_refused_with_a_clear_message(k: int) -> None:
    with pytest.raises(ValidationError, match=r"CONTEXTS_SUPPRESSION_K is .*from 2 to 20"):
        Settings(suppression_k=k)


def test_the_app_refuses_to_start_with_a_bad_k(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT, get_settings

    monkeypatch.setenv("CONTEXTS_SUPPRESSION_K", "1")
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.run()
        assert at.error and "cannot start" in at.error[0].value
        assert "CONTEXTS_SUPPRESSION_K is 1" in at.error[0].value
        assert not at.get("vega_lite_chart") and not at.get("metric")
    finally:
        monkeypatch.delenv("CONTEXTS_SUPPRESSION_K")
        get_settings.cache_clear()
