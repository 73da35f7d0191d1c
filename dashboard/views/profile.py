"""Place profile: trend, harm mix, times, assessments and interventions of one place or ward."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import _charts, _data, _outputs, _state, _why
from geo.render import documents
from geo.render import text as published
from geo.render.plain import md
from geo.render.words import (
    HOW_WORKED_OUT,
    PUBLISHED_COUNTS,
    axis_labels,
    label,
    labels,
    month_text,
    plain_sentence,
    readable_table,
)
from geo.services import detail
from geo.services.interventions import ImpactParams

_state.require("profile")
view = _state.view()
v = _data.version()
st.title("Place profile")
with st.expander(HOW_WORKED_OUT):
    st.caption("Trend: incidents at the place or ward each month (or quarter). Interventions: "
               "the change at the place against its surrounding area and its own earlier "
               "trend (a segmented time series), checked against a matched comparison and "
               "placebo tests; displacement is read from the weighted displacement quotient "
               "(WDQ) of a ring around the place. " + PUBLISHED_COUNTS)
period = _data.period(v)
if period is None:
    st.info("No incidents are loaded yet.")
    st.stop()
vocab = _data.vocabularies(v)
filters = _state.filter_controls(period, vocab)

places = _data.places(v).sort_values("name")
wards = _data.wards(v).sort_values("name")
options: list[tuple[_data.Kind, str]] = (
    [("place", u) for u in places["unit_id"]] + [("ward", u) for u in wards["ward_code"]])
names: dict[tuple[_data.Kind, str], str] = (
    {("place", u): f"{n} (place)" for u, n in zip(places["unit_id"], places["name"],
                                                  strict=True)}
    | {("ward", u): f"{n} (ward)" for u, n in zip(wards["ward_code"], wards["name"],
                                                 strict=True)})
# the place chosen on a map (its popup's link), in a shared link, or earlier in the session;
# else the place with the most incidents in the period (as published), not the first by name
wanted = _state.shared().get("place", "")
chosen = tuple(wanted.split(":", 1)) if ":" in wanted else st.session_state.get("profile")
if not chosen or tuple(chosen) not in options:
    busiest = _data.busiest_place(v, filters, view)
    chosen = ("place", busiest) if busiest is not None else None
index = options.index(tuple(chosen)) if chosen and tuple(chosen) in options else 0
kind, unit_id = st.selectbox("Place or ward", options, index=index, format_func=_state.named(names))
st.session_state["profile"] = (kind, unit_id)
_state.remember(place=f"{kind}:{unit_id}")
st.header(md(names[(kind, unit_id)].rsplit(" (", 1)[0]))

try:  # the detail rule of partners and board members (geo.services.detail)
    detail.check(kind, filters, view)
except detail.TooDetailed as exc:
    st.info(str(exc))
    st.stop()
counts = _data.profile_counts(v, kind, unit_id, filters, view)
reg = _data.register(v)
here = pd.DataFrame()
if kind == "place":
    row = places[places["unit_id"] == unit_id].iloc[0]
    st.caption(f"{md(label(dict(vocab['place_category']), row['category']))} · status "
               f"{md(label({}, row['status']).lower())}"
               + (" · synthetic demo place" if row["synthetic"] else ""))
    here = reg[reg["place_id"].astype(str) == unit_id]

shown, total_text, breakdown = counts.shown, counts.total_text, counts.breakdown
st.metric("Incidents in the period", total_text)
# the page's document (its PDF and CSV): the same published values, part by part
title = names[(kind, unit_id)].rsplit(" (", 1)[0]
parts = [documents.Part("Incidents in the period", (total_text,))]
if not breakdown:
    st.info(detail.not_offered(view))
    parts.append(documents.Part("Trend, harm mix, day and time",
                                (documents.WITHHELD, detail.not_offered(view))))

if breakdown:
    st.subheader("Trend")
    trend, step, ticks = counts.trend, counts.step, counts.ticks
    assert trend is not None  # made whenever a breakdown is shown
    starts = None
    if not here.empty:
        starts = pd.DataFrame({"label": axis_labels(here["start_month"], step),
                               "month": [month_text(m) for m in here["start_month"]],
                               "what": here["type_label"]})
        starts = starts[starts["label"].isin(ticks)]  # the interventions begun in the period
    _charts.show("trend", trend, ticks, step, starts)
    parts.append(documents.Part("Trend", table=documents.counts_table(
        trend, step.capitalize(), ticks)))
    if not view.exact:
        st.caption(f"Counts by {step}; a {step} with {view.words} incidents (none "
                   "included) is not published and left blank. Counts are published by the "
                   f"cell key method: each may differ from the true count by up to "
                   f"{view.d}, the same way every time, and a total is published as a count "
                   "of its own (the parts need not add up to it).")

    left, right = st.columns(2)
    with left:
        st.subheader("Harm mix")
        mix = shown["mix"].dropna(subset=["n"])
        parts.append(documents.Part("Harm mix", ("Too few incidents to show.",)) if mix.empty
                     else documents.Part("Harm mix", table=documents.counts_table(
                         mix, "Harm", list(mix["harm_type"]))))
        if mix.empty:
            st.write("Too few incidents to show.")
        else:
            _charts.show("harm_mix", mix)
    with right:
        st.subheader("Day and time")
        grid = shown["times"]
        if view.exact and not counts.timed:
            st.write("No incidents with a time of day.")
            parts.append(documents.Part("Day and time", ("No incidents with a time of day.",)))
        else:
            parts.append(documents.Part(
                "Day and time", ("Incidents by day of the week and hour of the day.",),
                documents.grid_table(grid)))
            # exact views: none (white) and counts (colour); aggregate views: the class of
            # small counts, none included, in one grey (issue #27), and published counts
            small = published.small_class(view) if not view.exact else ""
            grid = grid.assign(cell=[small if pd.isna(n) else "None" if n == 0 and view.exact
                                     else "Count" for n in grid["n"]])
            _charts.show("day_and_time", grid, small)
            if not view.exact:
                st.caption(f"Grey: {view.label} incidents, none included (not published).")

if kind == "place":
    # why here, and for how long; the location assessments (issue #35)
    _why.show(v, unit_id, filters, here, counts.rest)
    a = counts.rest
    if a.empty:
        parts.append(documents.Part("Location assessments", ("No location assessment recorded.",)))
    else:
        when = pd.to_datetime(a["assessed_on"])
        a = pd.DataFrame({"Assessed": [f"{t.day} {t:%b %Y}" if view.exact else month_text(t)
                                       for t in when],
                          "Risk rating": a["rating"],
                          "Review by": [str(d) if pd.notna(d) else "—"
                                        for d in a["review_date"]]})
        parts.append(documents.Part("Location assessments", table=a))
    st.subheader("Interventions and their measured impact")
    if here.empty:
        st.write("No intervention recorded at this place.")
        parts.append(documents.Part("Interventions and their measured impact",
                                    ("No intervention recorded at this place.",)))
    else:
        results = {r["intervention"]: r
                   for r in _data.impacts(v, ImpactParams(), view, str(row["ref"]))}
        items = []
        for _, iv in here.iterrows():
            res = results.get(iv["ref"])
            when = (f"from {month_text(iv['start_month'])}"
                    + (f" to {month_text(iv['end_month'])}"
                       if pd.notna(iv["end_month"]) else ", ongoing"))
            st.markdown(f"**{md(iv['type_label'])}** by {md(iv['agency'])}, {when}")
            said = based = ""
            if res:
                said = res["sentence"] if view.exact else plain_sentence(res["sentence"])
                st.info(md(said))
                c = res["counts_text"]
                based = "Based on " + ", ".join(
                    f"{label} {c[a]}→{c[b]}"
                    for label, a, b in (("place", "rb", "ra"), ("200 m ring", "db", "da"),
                                        ("surrounding wards", "cb", "ca")))
                st.caption(based)
            items.append((f"{iv['type_label']} by {iv['agency']}, {when}",
                          f"{said} {based}".strip()))
        parts.append(documents.Part("Interventions and their measured impact",
                                    items=tuple(items)))
else:
    st.subheader("Places of concern in this ward")
    p = counts.rest
    if p.empty:
        st.write("No place of concern is recorded in this ward.")
        parts.append(documents.Part("Places of concern in this ward",
                                    ("No place of concern is recorded in this ward.",)))
    else:
        p = p.assign(category=labels(vocab["place_category"], p["category"]),
                     status=p["status"].map(lambda x: label({}, x)))
        p = readable_table(p.drop(columns=["unit_id"]))
        st.dataframe(p, hide_index=True, width="stretch")
        parts.append(documents.Part("Places of concern in this ward", table=p))

doc = documents.Document(
    f"Place profile: {title}",
    f"{names[(kind, unit_id)]}, {month_text(filters.start)} to {month_text(filters.end)}.",
    tuple(parts), documents.method_note(view))
st.session_state["profile_document"] = doc
st.divider()
_outputs.downloads(doc, f"place profile {kind}:{unit_id}", f"place-profile-{kind}-{unit_id}")
