"""A page's chart: its Vega-Lite spec (:mod:`geo.render.charts`) made once per data and
kept, then drawn with ``st.vega_lite_chart``; a rerun that shows the same values sends the
kept spec instead of building and validating the chart again (most of a place profile's
time at each rerun).

A spec is kept under a digest of the values (:func:`digest`: Streamlit's own hashing of
the data frames cost more than the chart it saved), its datasets already as the Arrow
bytes Streamlit would make of them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

# Altair's theme and data transformer are settings of the process: st.altair_chart and
# st.bar_chart switch them under this lock while converting, so a chart made here does too
# (an upgrade of Streamlit that renames it fails at import, not by mixing two charts' data)
from streamlit.elements.vega_charts import _altair_globals_lock

from dashboard import _data
from geo.render import charts

#: the charts a page may draw, by name
KINDS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "trend": charts.trend, "harm_mix": charts.harm_mix, "day_and_time": charts.day_and_time,
    "risk_terrain": charts.risk_terrain, "patterns": charts.patterns}


@st.cache_data(ttl=_data.TTL, max_entries=4 * _data.ENTRIES, show_spinner=False)
def _spec(kind: str, digest: str, _values: tuple[Any, ...]) -> dict[str, Any]:
    """The spec of the chart ``kind`` of ``_values`` (kept by ``kind`` and ``digest``, the
    values' own digest: Streamlit does not hash an argument named with a leading "_")."""
    with _altair_globals_lock:
        out = charts.spec(KINDS[kind](*_values))
    out["datasets"] = {name: dataframe_util.convert_anything_to_arrow_bytes(rows)
                       for name, rows in out.get("datasets", {}).items()}
    return out


def digest(values: tuple[Any, ...]) -> str:
    """The digest a chart of ``values`` is kept under: of each data frame its columns,
    their types and pandas' hash of its rows; of anything else its ``repr``."""
    h = hashlib.blake2b(digest_size=16)
    for value in values:
        if isinstance(value, pd.DataFrame):
            h.update(repr((list(value.columns), [str(t) for t in value.dtypes])).encode())
            h.update(pd.util.hash_pandas_object(value).to_numpy().tobytes())
        elif _plain(value):
            h.update(repr(value).encode())
        else:  # (a numpy array's repr leaves values out: two arrays could share one)
            raise TypeError(f"a chart's values are data frames or plain values, not "
                            f"{type(value).__name__}")
        h.update(b"\x00")
    return h.hexdigest()


def _plain(value: Any) -> bool:
    """Whether ``repr(value)`` is all of ``value``: text, numbers and lists of them."""
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


def show(kind: str, *values: Any) -> None:
    """Draw the chart ``kind`` of :data:`KINDS` of these values, the page's width."""
    st.vega_lite_chart(_spec(kind, digest(values), values), width="stretch")
