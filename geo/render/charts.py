"""The pages' charts as Vega-Lite specs: each a function of the published values it draws.

Building an Altair chart and turning it into Vega-Lite costs more than anything else on a
place profile (25 ms to build the day-and-time grid from its 168 cells, 17 ms to convert
and validate it; the page has four charts), and ``st.altair_chart`` does both on every
rerun. Here each chart is a plain function of its data (:func:`trend`, :func:`harm_mix`,
:func:`day_and_time`, :func:`risk_terrain`, :func:`patterns`) and :func:`spec` makes its
spec once, validated against the Vega-Lite schema, as ``st.altair_chart`` would send it
(without a theme, as Streamlit draws them), so that the
dashboard can keep the spec per data and send it with ``st.vega_lite_chart``. The values a
chart draws are those it is given: published counts, from the disclosure gate.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from geo.render.text import DAYS

#: the risk terrain's classes of relative risk and their colours
RISK_COLOURS = {"4 times or more": "#b30000", "2 to 4 times": "#e34a33",
                "1.2 to 2 times": "#fdbb84", "about average or below": "#f0f0f0"}


def spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The Vega-Lite spec of ``chart``, validated, its data inline as named datasets (no
    limit on rows), drawn without a theme (as Streamlit draws Altair charts).

    Altair's theme and data transformer are settings of the whole process, switched here
    for the call: a caller with other threads converting charts (Streamlit's
    ``st.altair_chart`` switches them too) must hold the lock they hold. A data reference
    without its dataset (the sign of a conversion that raced another) raises ``ValueError``.
    """
    with alt.theme.enable("none"), alt.data_transformers.enable("default", max_rows=None):
        out: dict[str, Any] = chart.to_dict(validate=True)
    missing = _data_names(out) - set(out.get("datasets", {}))
    if missing:
        raise ValueError(f"the chart's spec names datasets it does not carry: {missing}")
    return out


def _data_names(part: Any) -> set[str]:
    """The names of the datasets a spec (or a part of one) draws from."""
    names: set[str] = set()
    if isinstance(part, dict):
        data = part.get("data")
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            names.add(data["name"])
        for key, value in part.items():
            if key != "datasets":
                names |= _data_names(value)
    elif isinstance(part, list):
        for value in part:
            names |= _data_names(value)
    return names


def trend(counts: pd.DataFrame, ticks: list[str], step: str,
          starts: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """Incidents per month (or quarter), ``counts`` (``label``, ``n``, ``incidents``: the
    published text), one axis label per ``ticks``; the interventions begun in the period as
    dashed rules (``starts``: ``label``, ``month``, ``what``)."""
    line = alt.Chart(counts).mark_line(point=True).encode(
        x=alt.X("label:O", title=None, sort=ticks, scale=alt.Scale(domain=ticks),
                axis=alt.Axis(labelAngle=0 if len(ticks) <= 12 else -45)),
        y=alt.Y("n:Q", title=f"incidents per {step}",
                axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(domainMin=0)),
        tooltip=[alt.Tooltip("label:N", title=step),
                 alt.Tooltip("incidents:N", title="incidents")])
    layers: list[alt.Chart] = [line]
    if starts is not None and not starts.empty:
        layers.append(alt.Chart(starts).mark_rule(color="#d95f02", strokeDash=[4, 3])
                      .encode(x=alt.X("label:O", sort=ticks),
                              tooltip=["what", alt.Tooltip("month:N", title="from")]))
    return alt.layer(*layers)


def harm_mix(mix: pd.DataFrame) -> alt.TopLevelMixin:
    """Incidents by type of harm (``harm_type``, ``n``, ``incidents``), largest first."""
    chart: alt.Chart = alt.Chart(mix).mark_bar().encode(
        y=alt.Y("harm_type:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("n:Q", title="incidents", axis=alt.Axis(format="d", tickMinStep=1)),
        tooltip=[alt.Tooltip("harm_type:N", title="harm"),
                 alt.Tooltip("incidents:N", title="incidents")])
    return chart


def day_and_time(grid: pd.DataFrame, small: str) -> alt.TopLevelMixin:
    """Incidents by day of the week and hour (``day``, ``hour``, ``n``, ``incidents``,
    ``cell``: "Count", "None" or ``small``). Exact views (``small`` empty): none in white,
    counts in colour; aggregate views: the class of small counts, none included, in one
    grey (issue #27), and published counts. The colour scale only when some cell has a
    published count: over no values its colour bar read "NaN"."""
    base = alt.Chart(grid).encode(
        x=alt.X("hour:O", title="hour of day"), y=alt.Y("day:N", sort=list(DAYS), title=None))
    kinds = base.transform_filter("datum.cell != 'Count'").mark_rect(
        stroke="#dddddd", strokeWidth=0.5).encode(
        fill=alt.Fill("cell:N", title=None, scale=alt.Scale(
            domain=[small] if small else ["None"],
            range=["#bdbdbd"] if small else ["#ffffff"])),
        tooltip=["day", "hour", alt.Tooltip("incidents:N", title="incidents")])
    counts = base.transform_filter("datum.cell == 'Count'").mark_rect().encode(
        color=alt.Color("n:Q", title="incidents", scale=alt.Scale(scheme="orangered"),
                        legend=alt.Legend(format="d", tickMinStep=1)),
        tooltip=["day", "hour", alt.Tooltip("incidents:N", title="incidents")])
    shown = [kinds, counts] if (grid["cell"] == "Count").any() else [kinds]
    layered: alt.LayerChart = alt.layer(*shown).resolve_scale(color="independent")
    return layered


def risk_terrain(cells: pd.DataFrame) -> alt.TopLevelMixin:
    """The combined relative risk of the cells within 1.5 km of a place (``x``, ``y``:
    metres from it; ``risk``: a class of :data:`RISK_COLOURS`), the place a cross."""
    m = cells.assign(where="area")
    here = pd.DataFrame({"x": [0.0], "y": [0.0], "where": ["this place"]})
    area = alt.Chart(m).mark_square(size=22).encode(
        x=alt.X("x:Q", title="metres east of the place", scale=alt.Scale(domain=[-1500, 1500])),
        y=alt.Y("y:Q", title="metres north", scale=alt.Scale(domain=[-1500, 1500])),
        color=alt.Color("risk:N", title="harm as likely as elsewhere, times",
                        scale=alt.Scale(domain=list(RISK_COLOURS),
                                        range=list(RISK_COLOURS.values()))),
        tooltip=[alt.Tooltip("risk:N", title="relative risk")])
    dot = alt.Chart(here).mark_point(shape="cross", size=160, color="black", filled=True
                                     ).encode(x="x:Q", y="y:Q",
                                              tooltip=[alt.Tooltip("where:N", title="")])
    return alt.layer(area, dot).properties(height=320)


def patterns(kinds: pd.DataFrame) -> alt.TopLevelMixin:
    """How many areas show each emerging pattern (``pattern``, ``areas``)."""
    chart: alt.Chart = alt.Chart(kinds).mark_bar().encode(
        y=alt.Y("pattern:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("areas:Q", title="areas", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["pattern", "areas"])
    return chart
