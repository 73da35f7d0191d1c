"""Next meeting: what the partnership should look at, since its last meeting."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import _data, _outputs, _state
from geo.render import documents
from geo.render.plain import md
from geo.render.text import people_text
from geo.render.words import (
    HEX_SIZE,
    HOW_WORKED_OUT,
    PUBLISHED_COUNTS,
    WINDOW_DAYS,
    plain_sentence,
)

_state.require("meeting")
view = _state.view()
v = _data.version()
st.title("Next meeting")
st.write("The agenda of a partnership meeting: contexts whose review is due, places where "
         f"several young people were seen within {WINDOW_DAYS} days (a complex strategy "
         "meeting may be needed), new and intensifying hot spots, and interventions that "
         "ended, with what they achieved.")
with st.expander(HOW_WORKED_OUT):
    st.caption(f"New and intensifying hot spots: the emerging hot spot analysis of {HEX_SIZE} "
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
# one document: what this page shows is what its PDF and CSV say (every count through
# the gate already: partners read "3 or more", never a number of young people)
doc = documents.agenda(
    a, view, dict(_data.vocabularies(v)["place_category"]),
    people=[people_text(int(n), view) for n in a.flagged["max_people"]],
    results=[str(r) if view.exact or not r else plain_sentence(str(r))
             for r in a.ended["result"]])
st.session_state["meeting_document"] = doc
for part in doc.parts:
    st.subheader(part.heading)
    for line in part.lines:
        st.write(md(line))
    if part.table is not None and not part.table.empty:
        st.dataframe(part.table, hide_index=True, width="stretch")
    for line, result in part.items:
        st.text(line)
        if result:
            st.info(md(result))

_outputs.downloads(doc, "next meeting agenda", f"next-meeting-{on:%Y-%m}")
