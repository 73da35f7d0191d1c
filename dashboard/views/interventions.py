"""Interventions: the register, its results, and (for analysts) adding, editing and ending
entries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import _data, _state
from geo.render.plain import md
from geo.render.words import (
    HOW_WORKED_OUT,
    could_detect,
    month_text,
    plain_sentence,
    signed_percent,
)
from geo.services import actions
from geo.services.interventions import ImpactParams

role = _state.require("interventions")
view = _state.view()
v = _data.version()
st.title("Interventions")
reg = _data.register(v)

with st.sidebar:
    st.subheader("Impact settings")
    before = st.number_input("Months before", 3, 36, 12, key="iv_before")
    after = st.number_input("Months after", 3, 36, 12, key="iv_after")
    buffer = st.number_input("Buffer ring (m)", 50, 1000, 200, step=50, key="iv_buffer")
params = ImpactParams(before=int(before), after=int(after), buffer=float(buffer))

results = _data.impacts(v, params, view)
pooled = _data.pooled(v, params, view)


def _said(sentence: str) -> str:
    """A verdict's sentence as the viewer reads it: partners and board members without the
    technical names (geo.render.words.plain_sentence), analysts as written."""
    return sentence if view.exact else plain_sentence(sentence)


# the summary first: one row per result, from the results the page shows below (the same
# published figures: nothing counted again)
st.subheader("Summary")
regs = reg.set_index("ref")
# a change and what could be detected only where there is a verdict on the change (not for
# "too little data" or "comparison too poor", whose sentences say why there is none)
read = [r["its"] if r["verdict"] in ("reduced", "increased", "no clear change") else None
        for r in results]
summary = pd.DataFrame({
    "Place": [regs.at[r["intervention"], "place_name"] for r in results],
    "Type": [regs.at[r["intervention"], "type_label"] for r in results],
    "Verdict": [str(r["verdict"]).capitalize() for r in results],
    "Change": [signed_percent(its["level_change"]) if its else "\u2013" for its in read],
    "What could be detected": [could_detect(its) for its in read]},
    columns=["Place", "Type", "Verdict", "Change", "What could be detected"])
if summary.empty:
    st.write("No intervention is recorded yet.")
else:
    st.dataframe(summary, hide_index=True, width="stretch")
    st.caption(f"Change: incidents at the place in the {after} months after each start against "
               f"the {before} before, allowing for the surrounding area and the place's own "
               "earlier trend. What could be detected: the smallest change the comparison "
               "would have found 4 times in 5; a smaller one can be real and still read as "
               "\"no clear change\". Open a result below for its details.")
with st.expander(HOW_WORKED_OUT):
    st.caption("Each result is a segmented (interrupted) time series of the place's monthly "
               "incidents against its surrounding area, with an interval that allows for "
               "chance; it is checked against a matched comparison (a synthetic control built "
               "from places and areas without an intervention at the time) and against "
               "placebo tests in space and time. What could be detected is the minimum "
               "detectable effect at 80% power. Displacement: the weighted displacement "
               "quotient (WDQ) of a ring around the place, read only where harm fell. Across "
               "places: each type's estimates pooled by a random-effects meta-analysis with "
               "a 95% interval.")

st.subheader("What works across places")
st.caption("Each type of intervention over all its places and start dates: the changes "
           "against matched comparisons, pooled with a 95% interval. "
           "Places with too little data or no good comparison are left out.")
if pooled:
    for p in pooled:
        # the sentence starts with the type's name, a vocabulary label someone typed:
        # escaped; the rest is the project's own words and figures
        name = p["type"]
        st.markdown(f"- {md(name)}{p['sentence'].removeprefix(name)}")
else:
    st.write("No type of intervention has a place with enough data yet.")

st.subheader("Results")
st.caption(f"{before} months before and {after} after each start (the start month left out). "
           "Each result is checked against a matched comparison built from places and areas "
           "without an intervention at the time, and against placebo tests; the verdict "
           f"says which measure decided. Displacement measured in a {buffer} m ring. "
           "Open one for its details.")


def before_after(shown: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Incidents before and after the start at the place, in its ring and in the
    surrounding wards, as published (each on its own scale; a count not published, "<5",
    is left out of the chart): the data and the Vega-Lite specification of the chart."""
    zones = (("At the place", "rb", "ra"), (f"{buffer} m ring", "db", "da"),
             ("Surrounding wards", "cb", "ca"))

    def value(text: str) -> float:
        return float("nan") if text.startswith("<") else float(text.replace(",", ""))

    frame = pd.DataFrame([{"zone": z, "when": w, "n": value(shown[key]), "incidents": shown[key]}
                          for z, b, a in zones for w, key in (("Before", b), ("After", a))])
    when = ["Before", "After"]
    bars = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "when", "type": "nominal", "sort": when, "title": None,
                  "axis": {"labelAngle": 0}},
            "y": {"field": "n", "type": "quantitative", "title": "incidents",
                  "axis": {"format": "d", "tickMinStep": 1}},
            "color": {"field": "when", "type": "nominal", "sort": when, "legend": None,
                      "scale": {"range": ["#9ecae1", "#d95f02"]}},
            "tooltip": [{"field": "zone", "type": "nominal"},
                        {"field": "when", "type": "nominal"},
                        {"field": "incidents", "type": "nominal", "title": "incidents"}]},
        "width": 120, "height": 110}
    # one small chart per zone, side by side: a plain specification (building it through
    # Altair, whose checks run for each of the results, took a tenth of the page's time)
    spec = {"facet": {"column": {"field": "zone", "type": "nominal", "title": None,
                                 "sort": [z for z, _, _ in zones],
                                 "header": {"labelFontWeight": "bold"}}},
            "spec": bars, "resolve": {"scale": {"y": "independent"}}}
    return frame, spec


VERDICT_STYLE = {"reduced": st.success, "increased": st.warning}
for r in results:
    row = reg[reg["ref"] == r["intervention"]].iloc[0]
    # each result's chart is drawn only while its section is open: 17 closed charts drawn on
    # every visit took 0.4 s of the browser's time (opening one reruns the page)
    with st.expander(f"{md(row['type_label'])} at {md(row['place_name'])}: {r['verdict']}",
                     key=f"result_{r['intervention']}", on_change="rerun") as section:
        st.markdown(f"**{md(row['type_label'])}** at **{md(row['place_name'])}** "
                    f"({md(row['agency'])}, from {month_text(row['start_month'])}"
                    + (f" to {month_text(row['end_month'])}" if pd.notna(row["end_month"])
                       else ", ongoing") + f") — verdict: **{md(r['verdict'])}**")
        VERDICT_STYLE.get(r["verdict"], st.info)(md(_said(r["sentence"])))
        if r.get("counts_text"):
            if section.open:
                frame, spec = before_after(r["counts_text"])
                st.vega_lite_chart(frame, spec, width="content")
            st.caption(f"Incidents in the {before} months before the start (left) and the "
                       f"{after} after (right)"
                       + (f"; a count under {view.k}, none included, is shown as "
                          f"\"{view.label}\" and not drawn" if not view.exact
                          else "") + ".")
        if r["sufficient"] and view.exact:
            w, sc, its = r["wdq"], r["synthetic"], r["its"]
            lines = []
            if its:
                lines.append(f"Interrupted time series against the surrounding area: "
                             f"{its['level_change']:+.0%} (95% CI {its['level_low']:+.0%} to "
                             f"{its['level_high']:+.0%}), {md(its['model'])}.")
            if sc:
                donors = ", ".join(f"{md(k)} {val:.2f}" for k, val in sc["weights"].items())
                lines.append(
                    f"Matched comparison ({sc['donors']} donors; weights {donors}): "
                    f"{sc['effect']:+.0%}; before-period fit error {sc['pre_rmspe']:.2f} "
                    f"({sc['noise_floor']:.2f} expected by chance"
                    f"{', poor' if sc['poor_fit'] else ''}); placebo in space p = "
                    f"{sc['placebo_p']:.2f}, rank {sc['placebo_rank']} of "
                    f"{sc['placebos'] + 1}; RMSPE ratio {sc['rmspe_ratio']:.1f}.")
                if sc["time_placebo_p"] is not None:
                    lines.append(f"Placebo in time (fake start mid-way through the before "
                                 f"months): {sc['time_placebo_effect']:+.0%}, p = "
                                 f"{sc['time_placebo_p']:.2f}"
                                 f"{' — the comparison drifted' if sc['time_drift'] else ''}.")
            # one source for displacement: the reading is shown only where the sentence
            # makes the claim (a reduction); otherwise the quotient is not read
            reading = w["reading"] if r["displacement"] else "not read: no clear reduction"
            lines.append(f"WDQ: {w['wdq']:.2f} ({md(reading)})" if w["wdq"] is not None
                         else f"WDQ: {md(w['reading'])}")
            comp = "matched comparison" if r["wdd"].get("comparison") == "matched" else \
                "surrounding area"
            lines.append(f"Weighted displacement difference against the {comp}: "
                         f"{r['wdd']['wdd']:+.0f} (p = {r['wdd']['p']:.2f}).")
            st.caption(" ".join(lines))

st.subheader("Register")
table = reg[["ref", "place_name", "type_label", "agency", "start_month", "end_month",
             "description"]].rename(columns={
                 "ref": "Reference", "place_name": "Place", "type_label": "Type",
                 "agency": "Agency", "start_month": "Start", "end_month": "End",
                 "description": "Description"})
shown_table = table.assign(Start=table["Start"].map(month_text),
                           End=table["End"].map(month_text))
st.dataframe(shown_table, hide_index=True, width="stretch")
_state.download("Download the register (CSV)", lambda: table, what="interventions.csv",
                file_name="interventions.csv", mime="text/csv")

if actions.may(role, "intervention_edit"):
    places = _data.places(v).sort_values("name")
    types = _data.vocabularies(v)["intervention_type"]
    with st.expander("Add an intervention"), st.form("add_intervention", clear_on_submit=True):
        ref = st.text_input("Reference", placeholder="e.g. INT-2025-014")
        place = st.selectbox("Place", places["unit_id"],
                             format_func=_state.named(dict(zip(places["unit_id"], places["name"],
                                                  strict=True))))
        kind = st.selectbox("Type", [c for c, _ in types], format_func=_state.named(dict(types)))
        agency = st.text_input("Lead agency")
        start = st.date_input("Start month", value=date.today().replace(day=1))
        description = st.text_area("Description (no names or personal details)")
        if st.form_submit_button("Add"):
            if not ref.strip() or not agency.strip():
                st.error("A reference and a lead agency are needed.")
            else:
                try:
                    actions.add_intervention(
                        _state.actor(), role, ref=ref.strip(), place_id=int(place), kind=kind,
                        agency=agency.strip(), start_month=start.replace(day=1), end_month=None,
                        description=description.strip())
                    st.cache_data.clear()
                    st.success(f"Added {md(ref)}.")
                except (actions.Denied, ValueError) as exc:
                    st.error(md(exc))
                except Exception as exc:  # a duplicate reference, for one
                    st.error(f"Not added: {type(exc).__name__}")
    with st.expander("Edit an intervention"):
        which = st.selectbox("Intervention", reg["ref"].tolist(), key="iv_edit_ref")
        if which:
            cur = reg[reg["ref"] == which].iloc[0]
            place_ids = places["unit_id"].astype(str).tolist()
            type_codes = [c for c, _ in types]
            with st.form(f"edit_intervention_{which}"):
                place = st.selectbox(
                    "Place", place_ids,
                    index=place_ids.index(str(cur["place_id"]))
                    if str(cur["place_id"]) in place_ids else 0,
                    format_func=_state.named(dict(zip(place_ids, places["name"], strict=True))))
                kind = st.selectbox("Type", type_codes, index=type_codes.index(cur["type"])
                                    if cur["type"] in type_codes else 0,
                                    format_func=_state.named(dict(types)))
                agency = st.text_input("Lead agency", value=str(cur["agency"]),
                                       key=f"iv_edit_agency_{which}")
                start = st.date_input("Start month", value=pd.Timestamp(cur["start_month"]).date(),
                                      key=f"iv_edit_start_{which}")
                ended = st.checkbox("Ended", value=pd.notna(cur["end_month"]),
                                    key=f"iv_edit_ended_{which}")
                end = st.date_input("End month", value=pd.Timestamp(cur["end_month"]).date()
                                    if pd.notna(cur["end_month"]) else date.today().replace(day=1),
                                    key=f"iv_edit_end_{which}")
                description = st.text_area("Description (no names or personal details)",
                                           value=str(cur["description"] or ""),
                                           key=f"iv_edit_description_{which}")
                if st.form_submit_button("Save"):
                    try:
                        changed = actions.edit_intervention(
                            _state.actor(), role, which, place_id=int(place), kind=kind,
                            agency=agency.strip(), start_month=start.replace(day=1),
                            end_month=end.replace(day=1) if ended else None,
                            description=description.strip())
                        st.cache_data.clear()
                        (st.success if changed else st.error)(
                            f"{md(which)} saved." if changed else
                            "Not saved: the end month is before the start.")
                    except (actions.Denied, ValueError) as exc:
                        st.error(md(exc))
    with st.expander("End an intervention"), st.form("end_intervention"):
        open_refs = reg[reg["end_month"].isna()]["ref"].tolist()
        which = st.selectbox("Intervention", open_refs)
        end = st.date_input("End month", value=date.today().replace(day=1))
        if st.form_submit_button("End it") and which:
            changed = actions.end_intervention(_state.actor(), role, which, end.replace(day=1))
            st.cache_data.clear()
            (st.success if changed else st.error)(
                f"{md(which)} ended." if changed else "The end month is before the start.")
