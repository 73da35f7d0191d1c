"""A page's chart: its Vega-Lite spec (:mod:`geo.render.charts`) made once per data and
kept, then drawn with ``st.vega_lite_chart``; a rerun that shows the same values sends the
kept spec instead of building and validating the chart again (most of a place profile's
time at each rerun)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import streamlit as st

from dashboard import _data
from geo.render import charts

#: the charts a page may draw, by name
KINDS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "trend": charts.trend, "harm_mix": charts.harm_mix, "day_and_time": charts.day_and_time,
    "risk_terrain": charts.risk_terrain, "patterns": charts.patterns}


@st.cache_data(ttl=_data.TTL, max_entries=4 * _data.ENTRIES, show_spinner=False)
def _spec(kind: str, *args: Any) -> dict[str, Any]:
    return charts.spec(KINDS[kind](*args))


def show(kind: str, *args: Any) -> None:
    """Draw the chart ``kind`` of :data:`KINDS` of these values, the page's width."""
    st.vega_lite_chart(_spec(kind, *args), width="stretch")
