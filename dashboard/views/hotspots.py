"""Hot spots: where harm concentrates, whether it is getting worse, what changed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import _charts, _data, _maps, _state
from geo.filters import Filters
from geo.render import text as published
from geo.render.maps.legend import HOTSPOT_SENTENCE
from geo.render.maps.palette import BIN_LABELS
from geo.render.plain import md
from geo.render.words import (
    HOT_SPOT_BIN,
    HOW_WORKED_OUT,
    MIN_PEOPLE,
    WINDOW_DAYS,
    count_phrase,
    hot_spot_count,
    hot_spots,
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
try:  # the detail rule of partners and board members (geo.services.detail)
    now = _data.hotspots(v, unit, filters, emerging=True, counted=both, measure=measure,
                         view=view)
except TooDetailed as exc:
    st.info(str(exc))
    st.stop()
covers = _data.coverage(v, filters)
if covers.whole:
    st.caption("The data selected covers the whole area.")
else:
    st.info(md(published.coverage_text(covers))
            + " On the map they are grey with a dashed outline.")
before = _data.hotspots(v, unit, Filters(prev_start, prev_end, filters.harms, filters.risks,
                                         filters.ages), counted=both, measure=measure,
                      view=view)
if now["measure_note"].iloc[0] if len(now) else "":
    st.info(str(now["measure_note"].iloc[0]))
was = before.set_index("unit_id")["bin"]

# one definition of a hot spot (95% confidence or more) for the headline, the table and its
# heading, the map's caption and the board pack (geo.render.words.hot_spots)
table = hot_spots(now).copy()
table["before"] = table["unit_id"].map(was).fillna(0).astype(int)
table["change"] = [
    "new since last period" if b < HOT_SPOT_BIN else ("stronger" if n > b else
                                                      "weaker" if n < b else "unchanged")
    for n, b in zip(table["bin"], table["before"], strict=True)]
table = table.sort_values(["bin", "z"], ascending=False)
hot_before = set(hot_spots(before)["unit_id"])
gone = now[now["unit_id"].isin(hot_before) & ~now["unit_id"].isin(table["unit_id"])]
n_hot, n_before = hot_spot_count(now), hot_spot_count(before)

c1, c2, c3 = st.columns(3)
c1.metric("Hot spots (95%+)", n_hot, delta=n_hot - n_before, delta_color="inverse",
          help=f"{n_before:,} in the previous period ({prev_start:%b %Y} to {prev_end:%b %Y})")
c2.metric("New since the previous period", int((table["change"] == "new since last period").sum()))
c3.metric("No longer hot", len(gone))
st.caption(f"{count_phrase(n_hot, 'area', verb='is')} {plural(n_hot, 'a hot spot', 'hot spots')} "
           f"at 95% confidence or more in this period ({count_phrase(n_before, 'hot spot')} in "
           f"the previous period, {prev_start:%b %Y} to {prev_end:%b %Y}).")

shown = pd.DataFrame({
    "Area": table["name"], "Incidents": published.unit_rows(table, view)["incidents"].to_numpy(),
    "Hot spot or hot area around": table["label"].to_numpy(),
    "Confidence": table["bin"].map(BIN_LABELS),
    "Trend": table["category"].astype(str).str.capitalize(),
    "Since the previous period": table["change"]})
if "lisa" in table:
    shown.insert(4, "Local Moran", table["lisa"].to_numpy())
if view.exact:
    shown.insert(2, "z", table["z"].round(2).to_numpy())
    if (table["measure"] == "rate").any():
        shown.insert(2, "Rate per 1,000", table["rate"].round(1).to_numpy())
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
if not view.exact and "withheld" in table and table["withheld"].any():
    st.caption(not_offered(view))
nearly = now[now["bin"] == HOT_SPOT_BIN - 1]
if not nearly.empty:
    with st.expander(f"{count_phrase(len(nearly), 'more area')} at 90% confidence only "
                     "(not counted as hot spots)"):
        st.dataframe(pd.DataFrame({
            "Area": nearly["name"].to_numpy(),
            "Incidents": published.unit_rows(nearly, view)["incidents"].to_numpy(),
            "Hot spot or hot area around": nearly["label"].to_numpy()}),
            hide_index=True, width="stretch")
_state.download("Download the table (CSV)", lambda: shown, what=f"hotspots-{unit}.csv",
                file_name=f"hotspots-{unit}.csv", mime="text/csv", key="hs_csv")

st.subheader("How concentrated, how stable")
summary = _data.concentration(now, before, view)
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

emerging = now[now["category"].str.contains("hot spot", na=False)
               & ~now["category"].str.startswith("no pattern")]
if not emerging.empty:
    st.subheader("Emerging patterns")
    kinds = (emerging["category"].astype(str).str.capitalize().value_counts()
             .rename_axis("pattern").reset_index(name="areas"))
    _charts.show("patterns", kinds)

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
