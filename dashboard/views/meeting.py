"""Next meeting: what the partnership should look at, since its last meeting."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import _data, _state
from geo.render.plain import md
from geo.render.text import people_text
from geo.render.words import HOW_WORKED_OUT, PUBLISHED_COUNTS, labels, plain_sentence

_state.require("meeting")
view = _state.view()
v = _data.version()
st.title("Next meeting")
st.write("The agenda of a partnership meeting: contexts whose review is due, places where "
         "several young people were seen within 90 days (a complex strategy meeting may be "
         "needed), new and intensifying hot spots, and interventions that ended, with what "
         "they achieved.")
with st.expander(HOW_WORKED_OUT):
    st.caption("New and intensifying hot spots: the emerging hot spot analysis of 250 m "
               "areas over the last 36 months (the Getis-Ord Gi* statistic each month, its "
               "trend by the Mann-Kendall test). Interventions: the change at the place "
               "against its surrounding area and a matched comparison, with placebo tests. "
               + PUBLISHED_COUNTS)

period = _data.period(v)
last = (pd.Timestamp(period[1]) + pd.offsets.MonthEnd(0)).date() if period else date.today()
if view.exact:
    c1, c2 = st.columns(2)
    on = c1.date_input("Meeting date", value=last, key="meeting_on")
    since = c2.date_input("Last meeting",
                          value=(pd.Timestamp(on) - pd.DateOffset(months=1)).date(),
                          key="meeting_since")
else:
    # partners and boards: month ends only, the last meeting a month before; free days
    # would let a day-by-day walk date when a young person was seen at a place
    ends = [(pd.Timestamp(last) - pd.offsets.MonthEnd(k)).date() if k else last
            for k in range(12)]
    on = st.selectbox("Meeting at the end of", ends, key="meeting_month",
                      format_func=lambda d: f"{d:%B %Y}")
    since = (pd.Timestamp(on) - pd.offsets.MonthEnd(1)).date()
if since >= on:
    st.error("The last meeting must be before this one.")
    st.stop()
a = _data.agenda(v, on, since, view)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


st.subheader("1. Reviews due")
if a.reviews.empty:
    st.write("No context is due for review.")
else:
    st.write(_plural(len(a.reviews), "context is", "contexts are") + " due for review.")
    st.dataframe(pd.DataFrame({
        "Reference": a.reviews["ref"], "Context": a.reviews["name"],
        "Kind": a.reviews["kind_label"], "Status": a.reviews["status_label"],
        "Lead agency": a.reviews["lead_agency"],
        "Review date": [f"{pd.Timestamp(d):%d %b %Y}" for d in a.reviews["review_date"]],
        "Risk": a.reviews["rating"].fillna("not rated")}), hide_index=True, width="stretch")

st.subheader("2. Places newly over the complex-strategy threshold")
if a.flagged.empty:
    st.write(f"No place crossed the threshold since {since:%d %b %Y}.")
else:
    st.write(_plural(len(a.flagged), "place", "places") + " where 3 or more young people "
             "were seen within 90 days, and not at the last meeting.")
    st.dataframe(pd.DataFrame({
        "Place": a.flagged["name"], "Category": labels(_data.vocabularies(v)["place_category"],
                                                     a.flagged["category"]),
        "Distinct young people": [people_text(int(n), view) for n in a.flagged["max_people"]]}),
        hide_index=True, width="stretch")

st.subheader("3. New and intensifying hot spots")
if a.hotspots.empty:
    st.write("No new or intensifying hot spot.")
else:
    st.write(_plural(len(a.hotspots), "250 m area", "250 m areas") + " became or grew as "
             "hot spots over the last 36 months.")
    st.dataframe(pd.DataFrame({"Area": a.hotspots["name"],
                               "Pattern": a.hotspots["category"].str.capitalize()}),
                 hide_index=True, width="stretch")

st.subheader("4. Interventions that ended")
if a.ended.empty:
    st.write(f"No intervention ended between {since + timedelta(days=1):%d %b %Y} and "
             f"{on:%d %b %Y}.")
else:
    for _, iv in a.ended.iterrows():
        st.text(f"{iv['type_label']} at {iv['place_name']} by {iv['agency']}, "
                f"{pd.Timestamp(iv['start_month']):%b %Y} to "
                f"{pd.Timestamp(iv['end_month']):%b %Y}")
        if iv["result"]:
            said = str(iv["result"])
            st.info(md(said if view.exact else plain_sentence(said)))
