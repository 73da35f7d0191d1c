"""Hot spots: where harm concentrates, whether it is getting worse, what changed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import _charts, _data, _maps, _state
from geo.filters import Filters
from geo.render import text as published
from geo.render.maps.legend import HOTSPOT_SENTENCE
from geo.render.plain import md
from geo.render.words import (
    HOW_WORKED_OUT,
    MIN_PEOPLE,
    WINDOW_DAYS,
    count_phrase,
    labels,
    plural,
    unit_label,
)
from geo.services.detail import TooDetailed, not_offered


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.0%}"


def _num(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.2f}"


role = _state.require("hotspots")
view = _state.view()
v = _data.version()
st.title("Hot spots")
period = _data.period(v)
if period is None:
    st.info("No incidents are loaded yet.")
    st.stop()
filters = _state.filter_controls(period, _data.vocabularies(v))
vocab = _data.vocabularies(v)
#: the areas Hot spots compares (named by geo.render.words.unit_label)
UNITS: tuple[_data.Unit, ...] = ("hex", "ward", "lsoa")
unit = st.radio("Areas", UNITS, horizontal=True, key="hs_unit",
                index=_state.choice("unit", list(UNITS), "hex"),
                format_func=unit_label)
measure = "count"
if unit in ("ward", "lsoa"):
    measure = st.radio("Compare areas by", ["auto", "count"], horizontal=True, key="hs_measure",
                       format_func={"auto": "Rate per 1,000 young people (smoothed)",
                                    "count": "Number of incidents"}.get)
_state.remember(unit=unit)
st.write(HOTSPOT_SENTENCE)
st.caption("A hot spot is a cluster of high counts, unlikely by chance; the trend says "
           "whether an area has been getting hotter or cooler month by month. Wards and "
           "LSOAs are compared by incidents per 1,000 young people, allowing for areas where "
           "few live; hexagons, all the same size, by counts. An area hot only because its "
           "neighbours are is a \"hot area around\".")
with st.expander(HOW_WORKED_OUT):
    st.caption("Hot and cold spots: the Getis-Ord Gi* statistic with a false discovery rate "
               "correction; the trend is the emerging hot spot category over the months of "
               "the period (Mann-Kendall test). Rates are smoothed towards the overall rate "
               "where few young people live (empirical Bayes).")

start, end = filters.span()
months = pd.date_range(start, end, freq="MS")
prev_end = (months[0] - pd.DateOffset(months=1)).date()
prev_start = (months[0] - pd.DateOffset(months=len(months))).date()
both = (prev_start, end)  # this period and the one before, counted in one scan
before = Filters(prev_start, prev_end, filters.harms, filters.risks, filters.ages)
try:  # the detail rule of partners and board members (geo.services.detail)
    tables = _data.hot_spot_tables(v, unit, filters, before, both, measure, view)
except TooDetailed as exc:
    st.info(str(exc))
    st.stop()
covers = _data.coverage(v, filters)
if covers.whole:
    st.caption("The data selected covers the whole area.")
else:
    st.info(md(published.coverage_text(covers))
            + " On the map they are grey with a dashed outline.")
if tables.measure_note:
    st.info(tables.measure_note)

# one definition of a hot spot (95% confidence or more) for the headline, the table and its
# heading, the map's caption and the board pack (geo.render.words.hot_spots)
n_hot, n_before = tables.hot, tables.hot_before
c1, c2, c3 = st.columns(3)
c1.metric("Hot spots (95%+)", n_hot, delta=n_hot - n_before, delta_color="inverse",
          help=f"{n_before:,} in the previous period ({prev_start:%b %Y} to {prev_end:%b %Y})")
c2.metric("New since the previous period", tables.new)
c3.metric("No longer hot", tables.gone)
st.caption(f"{count_phrase(n_hot, 'area', verb='is')} {plural(n_hot, 'a hot spot', 'hot spots')} "
           f"at 95% confidence or more in this period ({count_phrase(n_before, 'hot spot')} in "
           f"the previous period, {prev_start:%b %Y} to {prev_end:%b %Y}).")
shown = tables.shown

st.subheader("Where they are")
st.caption("The hot and cold spots of the period over every area (faint), coloured by their "
           "confidence; click one for its figures and a link to its profile.")
with_places = st.toggle("Places of concern", key="hs_places",
                        value=_state.shared().get("places", "off") == "on")
_state.remember(places="on" if with_places else "off")
drawn = _maps.layer_map(v, unit, filters, view, "hotspots", unit_label(unit),
                        with_places=with_places, emerging=True, significant_only=True,
                        counted=both, measure=measure, with_context=True)
if drawn["empty"]:
    st.info("No area is a hot or cold spot in this period with these filters.")
_maps.show(drawn, f"hotspots_map_{unit}", height=520)

st.subheader(f"{count_phrase(n_hot, 'hot spot')} in the period")
st.dataframe(shown, hide_index=True, width="stretch")
if tables.withheld:
    st.caption(not_offered(view))
nearly = tables.nearly
if not nearly.empty:
    with st.expander(f"{count_phrase(len(nearly), 'more area')} at 90% confidence only "
                     "(not counted as hot spots)"):
        st.dataframe(nearly, hide_index=True, width="stretch")
_state.download("Download the table (CSV)", lambda: shown, what=f"hotspots-{unit}.csv",
                file_name=f"hotspots-{unit}.csv", mime="text/csv", key="hs_csv")

st.subheader("How concentrated, how stable")
summary = tables.summary
k1, k2, k3, k4 = st.columns(4)
k1.metric("Share of harm in the densest 5% of the area", _pct(summary["top_share"]))
k2.metric("Last period's hot spots still hot", _pct(summary["share_still_hot"]))
k3.metric("Forecast accuracy" + (" (PAI)" if view.exact else ""), _num(summary["pai"]))
k4.metric("Efficiency against hindsight" + (" (PEI*)" if view.exact else ""),
          _num(summary["pei_star"]))
st.caption(f"How evenly harm is spread: {_num(summary['gini'])} (0 = spread evenly, 1 = all "
           f"in one place). How alike the two periods rank their areas: "
           f"{_num(summary['spearman'])} (1 = the same order). Forecast accuracy: the share "
           "of this period's incidents in last period's hot spots over the share of the area "
           "they cover (above 1, they were a useful guide). Efficiency against hindsight: "
           "how close those hot spots came to the best areas that could have been picked "
           "(1 = as good as hindsight).")
with st.expander(HOW_WORKED_OUT):
    st.caption(f"Spread: the Gini coefficient. Alike ranking: Spearman's rank correlation "
               f"with the previous period. Forecast accuracy: the predictive accuracy index "
               f"(PAI). Efficiency against hindsight: PEI*. Recapture (RRI) "
               f"{_num(summary['rri'])}: above 1, harm grew faster in last period's hot spots "
               "than elsewhere.")

if not tables.patterns.empty:
    st.subheader("Emerging patterns")
    _charts.show("patterns", tables.patterns)

st.subheader("Complex-strategy flags")
st.caption(f"Places where at least {MIN_PEOPLE} distinct young people were linked within "
           f"{WINDOW_DAYS} days: a multi-agency complex strategy meeting should be "
           "considered.")
flagged = published.flags(_data.complex_places(v, filters), view)
if flagged.empty:
    st.write(published.no_flags_text(view))
else:
    flagged = flagged.assign(Category=labels(vocab["place_category"], flagged["Category"]))
    st.dataframe(flagged, hide_index=True, width="stretch")
note = published.flags_note(view, filtered=bool(filters.harms or filters.risks or filters.ages))
if note:
    st.caption(note)
