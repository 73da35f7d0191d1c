"""Contexts of concern: the records the partnership keeps, from identified to closed."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import _data, _outputs, _state
from geo.render import documents
from geo.render.plain import md
from geo.render.text import monthly_trend, text, total, withhold_one
from geo.render.words import HOW_WORKED_OUT, PUBLISHED_COUNTS
from geo.services import actions, contexts, detail

role = _state.require("contexts")
view = _state.view()
v = _data.version()
st.title("Contexts of concern")
st.write("A context is a place, peer group, school, route or online space the partnership "
         "is working on. Each record follows it from identification to closure: its risk "
         "rating over time, the actions agreed and who owns them, its reviews and the "
         "interventions made there.")
with st.expander(HOW_WORKED_OUT):
    st.caption("Risk rating over time: from the context's reviews and the location "
               "assessments of its places (1 low, 3 high). Incidents: those at the context's "
               "places each month. " + PUBLISHED_COUNTS)

today = date.today()
recs = _data.contexts_listing(v, today)
vocab = _data.context_vocabularies(v)
kinds, statuses = dict(vocab["context_kind"]), dict(vocab["context_status"])
editor = actions.may(role, "context_edit")

if recs.empty:
    st.info("No context of concern is recorded yet"
            + (": add one below." if editor else "."))
else:
    shown = pd.DataFrame({
        "Reference": recs["ref"], "Context": recs["name"], "Kind": recs["kind_label"],
        "Status": recs["status_label"], "Lead agency": recs["lead_agency"],
        "Risk": recs["rating"].fillna("not rated").str.capitalize(),
        "Review": [("overdue " if due else "") + (f"{pd.Timestamp(d):%d %b %Y}"
                                                  if pd.notna(d) else "none set")
                   for d, due in zip(recs["review_date"], recs["review_due"], strict=True)],
        "Places": recs["places"], "Open actions": recs["open_actions"]})
    due = int(recs["review_due"].sum())
    st.caption(f"{len(recs)} context{'s' if len(recs) != 1 else ''}; "
               f"{due} review{'s' if due != 1 else ''} due or overdue.")
    st.dataframe(shown, hide_index=True, width="stretch")

    refs = list(recs["ref"])
    names = dict(zip(recs["ref"], recs["name"], strict=True))
    chosen = st.session_state.get("context")
    ref = st.selectbox("Open a context", refs, index=refs.index(chosen) if chosen in refs
                       else 0, format_func=lambda r: f"{names[r]} ({r})", key="context_pick")
    st.session_state["context"] = ref
    period = _data.period(v)
    filters = _state.filter_controls(period, _data.vocabularies(v), default_months=36)
    d = _data.context_details(v, ref, filters)
    if d is None:
        st.error("This context is not in your areas.")
        st.stop()
    row = d["row"]
    st.header(md(str(row["name"])))
    where = list(d["places"]["name"]) + list(d["wards"]["name"])
    # what the page shows, in order, for its PDF and CSV (user text stays text in both)
    about = [f"{kinds.get(row['kind'], row['kind'])} · {statuses.get(row['status'])} · "
             f"lead: {row['lead_agency'] or 'not set'}",
             *([str(row["summary"])] if row["summary"] else []),
             "Where: " + (", ".join(where) if where else "no location (shown in lists, "
                                                        "not on maps)")]
    for line in about:
        st.text(line)
    parts = [documents.Part("The context", tuple(about))]

    st.subheader("Risk over time")
    ratings = d["ratings"].assign(rated_on=pd.to_datetime(d["ratings"]["rated_on"]))
    level = {"low": 1, "medium": 2, "high": 3}
    monthly = d["monthly"]
    layers = []
    # an aggregate view sees the trend even with no incident: "none" is one of the
    # small counts for it (issue #27)
    try:  # a context's places are places: the detail rule of places (geo.services.detail)
        detail.check("place", filters, view)
        refused = ""
    except detail.TooDetailed as exc:
        refused = str(exc)
    if refused:
        st.info(refused)
        parts.append(documents.Part("Incidents at its places", (refused,)))
    elif filters.start is not None and (not monthly.empty or not view.exact):
        months = pd.date_range(filters.start, filters.end, freq="MS")
        # the detail rule (geo.services.detail): the monthly breakdown only of a large
        # enough whole, as on the Place profile
        # (a coarser count the store does not give, as if it were small: withheld)
        coarser = [] if view.exact else [_data.context_details(v, ref, c)
                                          for c in detail.coarser(filters)]
        wholes = [None if c is None else total(c["monthly"], view).value for c in coarser]
        whole = total(monthly, view)
        if detail.breakdown_shown(whole.value, wholes, view):
            trend = monthly_trend(monthly, months, view)
            counted = documents.counts_table(trend, "Month",
                                             [f"{m:%b %Y}" for m in trend["month"]])
            layers.append(alt.Chart(trend).mark_line(point=True, color="#444444").encode(
                x=alt.X("month:T", title=None),
                y=alt.Y("n:Q", title="incidents at its places"),
                tooltip=[alt.Tooltip("month:T", format="%b %Y"),
                         alt.Tooltip("incidents:N", title="incidents")]))
        else:
            st.caption(detail.not_offered(view))
            counted = None
        shown_total = text(withhold_one(whole, detail.whole_too_small(wholes, view)))
        st.metric("Incidents at its places in the period", shown_total)
        parts.append(documents.Part("Incidents at its places in the period", (shown_total,)))
        parts.append(documents.Part("Incidents at its places each month", table=counted)
                     if counted is not None else documents.Part(
                         "Incidents at its places each month",
                         (documents.WITHHELD, detail.not_offered(view))))
    if not ratings.empty:
        parts.append(documents.Part("Risk rating over time", table=pd.DataFrame({
            "Rated": [f"{t:%d %b %Y}" for t in ratings["rated_on"]],
            "Rating": ratings["rating"].astype(str), "From": ratings["source"].astype(str)})))
        r = ratings.assign(level=ratings["rating"].map(level))
        layers.append(alt.Chart(r).mark_line(interpolate="step-after", color="#d95f02",
                                             point=True).encode(
            x=alt.X("rated_on:T", title=None),
            y=alt.Y("level:Q", title="risk rating (1 low, 3 high)",
                    scale=alt.Scale(domain=[0, 3.2])),
            tooltip=[alt.Tooltip("rated_on:T", format="%b %Y", title="rated"), "rating",
                     "source"]))
    if layers:
        st.altair_chart(alt.layer(*layers).resolve_scale(y="independent"), width="stretch")
        st.caption("Grey: incidents at the context's places each month. Orange: its risk "
                   "rating, from reviews and location assessments.")
    else:
        st.write("No risk rating and no incidents at its places yet." if view.exact
                 else "No risk rating yet.")  # "no incidents" is not said to a partner

    st.subheader("Timeline")
    t = contexts.timeline(d)
    if t.empty:
        st.write("Nothing recorded yet.")
        parts.append(documents.Part("Timeline", ("Nothing recorded yet.",)))
    else:
        t = t.assign(when=t["when"].dt.strftime("%d %b %Y")).rename(
            columns={"when": "When", "what": "What", "detail": "Detail"})
        st.dataframe(t, hide_index=True, width="stretch")
        parts.append(documents.Part("Timeline", table=t))

    st.subheader("Actions")
    acts = d["actions"]
    if acts.empty:
        st.write("No action agreed yet.")
        parts.append(documents.Part("Actions", ("No action agreed yet.",)))
    else:
        listed = pd.DataFrame({
            "Action": acts["description"], "Owner": acts["owner"],
            "Due": [f"{pd.Timestamp(x):%d %b %Y}" if pd.notna(x) else "" for x in
                    acts["due_date"]],
            "Done": [f"{pd.Timestamp(x):%d %b %Y}" if pd.notna(x) else "open" for x in
                     acts["done_on"]]})
        st.dataframe(listed, hide_index=True, width="stretch")
        parts.append(documents.Part("Actions", table=listed))
    doc = documents.Document(
        f"Context: {row['name']}", f"Reference {ref}" + (
            f"; incidents from {filters.start:%b %Y} to {filters.end:%b %Y}."
            if filters.start is not None and filters.end is not None else "."), tuple(parts),
        documents.method_note(view))
    st.session_state["context_document"] = doc
    _outputs.downloads(doc, f"context {ref}", "context-" + "".join(
        c if c.isalnum() or c in "-_" else "-" for c in str(ref)))

    if editor:
        with st.expander("Review this context"), st.form("context_review"):
            rating = st.selectbox("Risk rating", contexts.RATINGS, index=1)
            status = st.selectbox("Status", list(statuses), format_func=_state.named(statuses),
                                  index=list(statuses).index(row["status"]))
            nxt = st.date_input("Next review (leave empty when closing)",
                                value=today + timedelta(days=91))
            if st.form_submit_button("Record the review"):
                try:
                    contexts.review(_state.actor(), role, ref, rating, nxt, status)
                    st.cache_data.clear()
                    st.success("Review recorded.")
                except (contexts.ContextError, actions.Denied) as exc:
                    st.error(md(exc))
        with st.expander("Add an action"), st.form("context_action", clear_on_submit=True):
            what = st.text_input("Action")
            owner = st.text_input("Owner (an agency or role, not a person's name)")
            due_on = st.date_input("Due", value=None)
            if st.form_submit_button("Add the action"):
                try:
                    contexts.add_action(_state.actor(), role, ref, what, owner, due_on)
                    st.cache_data.clear()
                    st.success("Action added.")
                except (contexts.ContextError, actions.Denied) as exc:
                    st.error(md(exc))
        open_acts = acts[acts["done_on"].isna()]
        if not open_acts.empty:
            with st.expander("Mark an action done"), st.form("context_done"):
                aid = st.selectbox("Action", list(open_acts["action_id"]),
                                   format_func=_state.named(dict(zip(open_acts["action_id"],
                                                        open_acts["description"],
                                                        strict=True))))
                if st.form_submit_button("Done"):
                    try:
                        contexts.complete_action(_state.actor(), role, ref, int(aid))
                        st.cache_data.clear()
                        st.success("Action marked done.")
                    except (contexts.ContextError, actions.Denied) as exc:
                        st.error(md(exc))

if editor:
    st.subheader("Record a new context")
    with st.form("context_new", clear_on_submit=True):
        c1, c2 = st.columns(2)
        new_ref = c1.text_input("Reference", placeholder="CTX-014")
        new_name = c2.text_input("Name (no personal details)")
        kind = c1.selectbox("Kind", list(kinds), format_func=_state.named(kinds))
        lead = c2.text_input("Lead agency")
        places = _data.places(v)
        linked = st.multiselect("Places", list(places["ref"]), format_func=_state.named(dict(
            zip(places["ref"], places["name"], strict=True))))
        summary = st.text_area("Summary (no names, dates of birth or addresses)")
        review_on = st.date_input("Review date", value=None)
        if st.form_submit_button("Add the context", type="primary"):
            try:
                contexts.save(_state.actor(), role, contexts.Entry(
                    ref=new_ref.strip(), name=new_name.strip(), kind=kind,
                    lead_agency=lead.strip(), summary=summary.strip(),
                    review_date=review_on, places=tuple(linked)), new_only=True)
                st.session_state["context"] = new_ref.strip()
                st.cache_data.clear()
                st.success("Context recorded.")
            except (contexts.ContextError, actions.Denied) as exc:
                st.error(md(exc))
