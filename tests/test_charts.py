"""The pages' charts (geo.render.charts, dashboard._charts): the spec each sends is the
one ``st.altair_chart`` sent for the same chart, and a rerun showing the same values sends
the kept spec without building the chart again."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from test_dashboard import _place_id, run

from geo.render import charts

TREND = pd.DataFrame({"label": ["Jan 2025", "Feb 2025", "Mar 2025"], "n": [4.0, None, 7.0],
                      "incidents": ["4", "<5", "7"]})
STARTS = pd.DataFrame({"label": ["Feb 2025"], "month": ["Feb 2025"], "what": ["Lighting"]})
GRID = pd.DataFrame([(d, h, float((i * 7 + h) % 9) or None, "x")
                     for i, d in enumerate(charts.DAYS) for h in range(24)],
                    columns=["day", "hour", "n", "incidents"])
CASES: dict[str, tuple[Any, ...]] = {
    "trend": (TREND, list(TREND["label"]), "month", STARTS),
    "trend, no intervention": (TREND, list(TREND["label"]), "month", None),
    "harm mix": (pd.DataFrame({"harm_type": ["County lines", "Missing episode"],
                               "n": [12.0, 5.0], "incidents": ["12", "5"]}),),
    "day and time, aggregate": (GRID.assign(cell=["<5" if pd.isna(n) else "Count"
                                                  for n in GRID["n"]]), "<5"),
    "day and time, none published": (GRID.assign(cell="<5"), "<5"),
    "day and time, exact": (GRID.assign(cell=["None" if pd.isna(n) else "Count"
                                              for n in GRID["n"]]), ""),
    "risk terrain": (pd.DataFrame({"x": [-100.0, 0.0, 100.0], "y": [0.0, 100.0, -100.0],
                                   "risk": ["4 times or more", "2 to 4 times",
                                            "about average or below"]}),),
    "patterns": (pd.DataFrame({"pattern": ["New hot spot", "Persistent hot spot"],
                               "areas": [3, 1]}),),
}
BUILD = {"trend": charts.trend, "trend, no intervention": charts.trend,
         "harm mix": charts.harm_mix, "day and time, aggregate": charts.day_and_time,
         "day and time, none published": charts.day_and_time,
         "day and time, exact": charts.day_and_time, "risk terrain": charts.risk_terrain,
         "patterns": charts.patterns}


def _frame(data: Any) -> pd.DataFrame:
    """A dataset as Streamlit sends it (Arrow bytes) or as the spec carries it (records)."""
    if isinstance(data, bytes):
        return pa.ipc.open_stream(io.BytesIO(data)).read_pandas()
    return pd.DataFrame(data)


def _named(spec: dict[str, Any]) -> tuple[str, dict[str, pd.DataFrame]]:
    """The spec with its datasets' names replaced by their order of use, and the datasets."""
    datasets = spec.pop("datasets", {})
    text = json.dumps(spec, sort_keys=True)
    order = sorted(datasets, key=text.index)
    for k, name in enumerate(order):
        text = text.replace(f'"{name}"', f'"dataset {k}"')
    return text, {f"dataset {k}": _frame(datasets[n]) for k, n in enumerate(order)}


@pytest.mark.parametrize("case", list(CASES))
def test_a_chart_spec_is_what_st_altair_chart_sent(case: str) -> None:
    chart = BUILD[case](*CASES[case])
    ours, our_data = _named(charts.spec(chart))
    theirs, their_data = _named(_convert_altair_to_vega_lite_spec(chart))
    assert ours == theirs
    assert our_data.keys() == their_data.keys()
    for name, frame in our_data.items():
        other = their_data[name]
        assert list(frame.columns) == list(other.columns), name
        for col in frame:  # values as drawn (records carry NaN as None, Arrow as NaN)
            assert frame[col].astype(object).where(frame[col].notna(), None).tolist() == \
                other[col].astype(object).where(other[col].notna(), None).tolist(), (name, col)


@pytest.mark.pages  # renders a page: `make test` runs it again reading from a standby
def test_a_rerun_with_the_same_values_sends_the_kept_spec(settings, monkeypatch) -> None:
    """The profile's charts are made once per data: the second run builds none and sends
    the same specs; a chart of other values is made anew."""
    import streamlit as st

    made: list[str] = []
    spec = charts.spec

    def counted(chart: Any) -> dict[str, Any]:
        made.append(type(chart).__name__)
        return spec(chart)

    monkeypatch.setattr(charts, "spec", counted)
    st.cache_data.clear()
    place = _place_id(settings, "STN-AST")
    first = run("analyst", "profile", {"profile": ("place", place)})
    specs = [c.proto.spec for c in first.get("vega_lite_chart")]
    assert len(specs) >= 3 and len(made) == len(specs), (made, len(specs))
    made.clear()
    again = run("analyst", "profile", {"profile": ("place", place)})
    assert made == []
    assert [c.proto.spec for c in again.get("vega_lite_chart")] == specs
    other = run("analyst", "profile", {"profile": ("place", _place_id(settings, "STN-BHM"))})
    assert made, "another place's charts are made for it"
    assert [c.proto.spec for c in other.get("vega_lite_chart")] != specs


def test_a_chart_is_kept_under_its_values_alone() -> None:
    from dashboard._charts import digest

    frame = CASES["trend"][0]
    same = pd.DataFrame({c: list(frame[c]) for c in frame})  # built apart, equal values
    assert digest((frame, ["a"], "month")) == digest((same, ["a"], "month"))
    changed = frame.copy()
    changed.loc[2, "incidents"] = "8"
    assert digest((frame, ["a"], "month")) != digest((changed, ["a"], "month"))
    assert digest((frame, ["a"], "month")) != digest((frame, ["a"], "quarter"))
    assert digest((frame, ["a", "b"])) != digest((frame, ["a"], "b"))
    with pytest.raises(TypeError):
        digest((frame["n"].to_numpy(),))


def test_a_spec_carries_its_own_data_whatever_altair_is_switched_to() -> None:
    """Altair's data transformer and theme are the process's: while another thread
    converts a chart (st.altair_chart switches both), a spec made here still carries its
    own values and no theme, and the other conversion gets none of them."""
    import altair as alt

    taken: dict[str, Any] = {}

    def elsewhere(data: Any) -> dict[str, str]:
        taken["rows"] = data
        return {"name": "taken"}

    alt.data_transformers.register("test_elsewhere", elsewhere)
    chart = BUILD["harm mix"](*CASES["harm mix"])
    with alt.data_transformers.enable("test_elsewhere"), alt.theme.enable("dark"):
        made = charts.spec(chart)
    assert not taken and "config" not in made
    (rows,) = made["datasets"].values()
    assert [r["harm_type"] for r in rows] == ["County lines", "Missing episode"]


def test_a_spec_naming_data_it_does_not_carry_is_refused() -> None:
    import altair as alt

    with pytest.raises(ValueError, match="does not carry"):
        charts.spec(alt.Chart(alt.NamedData(name="elsewhere")).mark_bar().encode(x="a:Q"))


def test_the_dashboard_makes_a_spec_under_streamlits_altair_lock(monkeypatch) -> None:
    from streamlit.elements.vega_charts import _altair_globals_lock

    from dashboard import _charts

    held: list[bool] = []
    spec = charts.spec

    def noted(chart: Any) -> dict[str, Any]:
        held.append(_altair_globals_lock.locked())
        return spec(chart)

    monkeypatch.setattr(charts, "spec", noted)
    values = (pd.DataFrame({"pattern": ["Lock test"], "areas": [7]}),)
    _charts._spec.clear()
    _charts._spec("patterns", _charts.digest(values), values)
    assert held == [True]
