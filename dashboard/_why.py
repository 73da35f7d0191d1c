"""The place profile's "Why here, and for how long" section and its location assessments
(issue #35): the place's risk terrain factors, the near-repeat window, its hot spot status,
past interventions, and the structured location assessment with actions and a review date.

Composes :mod:`geo.services.why` (what each role may see is decided there, through the
disclosure gate) and Streamlit; no statistics here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import _charts, _data, _state
from geo.filters import Filters
from geo.render.plain import md
from geo.render.words import month_text
from geo.services import actions, detail, why


def _when(value: Any, exact: bool) -> str:
    if value is None or pd.isna(value):
        return ""
    t = pd.Timestamp(value)
    return f"{t.day} {t:%b %Y}" if exact else month_text(t)


def _risk_map(t: why.Terrain) -> None:
    if t.risk_map.empty:
        return
    _charts.show("risk_terrain", t.risk_map)
    st.caption("The combined risk of the features found to matter, within 1.5 km of the "
               "place (cross): each cell's relative risk is the product of its factors'. "
               "It is computed from the features alone, not from counts.")


@st.cache_data(ttl=_data.TTL, max_entries=_data.ENTRIES, show_spinner=False)
def _hot_spot_status(v: Any, place_id: str, filters: Filters, view: Any) -> str:
    """The place's hot spot status in words (kept: the hot spots of every place are a
    table a rerun need not copy to read one row)."""
    try:
        hs = _data.hotspots(v, "place", filters, emerging=True, view=view)
    except detail.TooDetailed as exc:
        return str(exc)
    row = hs[hs["unit_id"].astype(str) == place_id]
    if row.empty:
        return "Not analysed."
    r = row.iloc[0]
    label = str(r.get("label") or "") or "not a hot or cold spot"
    conf = {3: " (99 % confidence)", 2: " (95 % confidence)", 1: " (90 % confidence)"}
    b = r.get("bin", 0)
    said = label[:1].upper() + label[1:] + (conf.get(abs(int(b)), "") if pd.notna(b) else "")
    category = str(r.get("category") or "")
    if category and category not in ("no pattern detected", "too little data", "no data"):
        said += f"; over the months: {category}"
    return said + "."


def show(v: _data.Key, place_id: str, filters: Filters, here: pd.DataFrame,
         assessments: pd.DataFrame) -> None:
    """The section for one place (``v``: the page's data version, :func:`_data.version`;
    ``here``: its interventions from the register; ``assessments``: its location
    assessments)."""
    view = _state.view()
    role = _state.current_role() or "partner"
    st.subheader("Why here, and for how long")
    st.caption(
        "What is near the place that harm gathers near across the area (risk terrain: "
        "relative risks from a regression of incidents on 100 m hexagons against each "
        "feature layer and place category, selected as risk terrain modelling does), how "
        "long raised risk lasts after an incident (near repeat: the Knox test), its hot "
        "spot status and what has been tried here."
        + ("" if view.exact else " Only relative risks and ratios are shown, for the "
           "period as a whole (no other filter), each resting on at least "
           f"{4 * view.k} incidents."))
    t = _data.terrain_at(v, place_id, why.model_filters(filters, view), view)
    left, right = st.columns(2)
    with left:
        st.markdown("**What is near it (risk terrain)**")
        if t.refused:
            st.write("Too little data for a risk terrain model in this period.")
        elif t.place_factors:
            for said in t.place_factors:
                st.markdown("- " + md(said))
        else:
            st.write("None of the risk factors found across the area is at this place.")
        if t.place_risk is not None and t.place_rank is not None:
            st.caption(f"Relative risk of this place from its surroundings: "
                       f"{md(t.place_risk)}, higher than {round(100 * t.place_rank)} % of "
                       "the area.")
        _risk_map(t)
    with right:
        st.markdown("**For how long (near repeat)**")
        near = _data.near_repeat(v, filters, view)
        st.info(md(near.sentence))
        st.caption("Across the whole area: how much likelier another incident is within a "
                   "distance and a time of one, against the same places with their dates "
                   "shuffled (Ratcliffe's near repeat calculator; 'raised': significantly "
                   "more than chance, p ≤ 0.05, ratio ≥ 1.2).")
        if near.sampled:
            st.caption(near.sampled)
        if not near.table.empty:
            with st.expander("Near-repeat table"):
                st.dataframe(near.table, hide_index=True, width="stretch")
        st.markdown("**Hot spot status**")
        st.write(_hot_spot_status(v, place_id, filters, view))
        st.markdown("**Past interventions**")
        if here.empty:
            st.write("None recorded at this place.")
        else:
            for _, iv in here.sort_values("start_month").iterrows():
                st.markdown(f"- {md(iv['type_label'])} by {md(iv['agency'])}, "
                            f"{month_text(iv['start_month'])} to "
                            f"{month_text(iv['end_month'])}")
    if not t.refused and not t.factors.empty:
        with st.expander("Every risk factor found across the area"):
            for said in t.sentences:
                st.markdown("- " + md(said))
            st.dataframe(t.factors, hide_index=True, width="stretch")
            if view.exact:
                d = t.details
                st.caption(
                    f"Model: {d['family']} regression (dispersion {d['alpha']:.2f}) of "
                    f"{d['incidents']:,} incidents on {d['cells']:,} hexagons of "
                    f"{d['cell_size']:g} m; {d['tested']} candidate variables tested; BIC "
                    f"{d['bic']:,.1f} against {d['null_bic']:,.1f} with no factor. Steps: "
                    + md("; ".join(d["steps"])))
                layers = _data.feature_layers(v)
                st.caption("Feature layers loaded: " + (", ".join(
                    f"{md(r.layer)} ({int(r.features)})" for r in layers.itertuples())
                    if not layers.empty else "none (contexts load features FILE --name NAME)")
                    + ". Places of concern are layers too, by category: they were chosen "
                    "because harm was seen there, so their relative risks are partly "
                    "circular; loaded layers are not.")
    _assessments(v, place_id, assessments, view, role)


def _assessments(v: Any, place_id: str, a: pd.DataFrame, view: Any, role: str) -> None:
    st.subheader("Location assessments")
    if st.session_state.pop("assessment_recorded", False):
        st.success("Assessment recorded.")
    choices = _data.assessment_choices(v)
    label = {f: dict(c) for f, c in choices.items()}
    if a.empty:
        st.write("No location assessment recorded.")
    else:
        def many(field: str, codes: Any) -> str:
            return ", ".join(label.get(field, {}).get(c, c) for c in (codes or []))

        shown = pd.DataFrame({
            "Assessed": [_when(x, view.exact) for x in a["assessed_on"]],
            "Risk rating": a["rating"],
            "Guardianship": [label["guardianship"].get(x, "") if x else "" for x in
                             a["guardianship"]],
            "Lighting": [label["lighting"].get(x, "") if x else "" for x in a["lighting"]],
            "Who uses it when": [many("users", x) for x in a["users"]],
            "Observations": [many("observations", x) for x in a["observations"]],
            "Review by": [_when(x, view.exact) for x in a["review_date"]],
        })
        if a["factors"].fillna("").str.len().gt(0).any():
            shown["Factors (from a file)"] = a["factors"].fillna("")
        st.dataframe(shown, hide_index=True, width="stretch")
        acts = _data.assessment_actions(v, place_id)
        if not acts.empty:
            st.markdown("**Actions agreed**")
            st.dataframe(pd.DataFrame({
                "Action": acts["description"], "Owner": acts["owner"],
                "Due": [_when(x, True) for x in acts["due_date"]],
                "Done": [_when(x, True) or "open" for x in acts["done_on"]]}),
                hide_index=True, width="stretch")
    if not actions.may(role, "assessment_record"):
        return
    acts = _data.assessment_actions(v, place_id)
    still = acts[acts["done_on"].isna()] if not acts.empty else acts
    if not still.empty:
        with st.expander("Mark an action done"), st.form("assessment_done"):
            what = dict(zip(still["action_id"], still["description"], strict=True))
            aid = st.selectbox("Action", list(what), format_func=lambda a: str(what.get(a, "")))
            if st.form_submit_button("Mark done"):
                try:
                    why.complete_assessment_action(_state.actor(), role, _state.areas(),
                                                   int(place_id), int(str(aid)))
                except (why.AssessmentError, actions.Denied) as exc:
                    st.error(md(exc))
                else:
                    _data.assessment_actions.clear()
                    st.rerun()
    # the form is made only while its section is open: a dozen widgets drawn on every visit
    # of a profile took about 0.15 s of the browser's time (opening it reruns the page)
    with st.expander("Record a location assessment", key="assessment_open",
                     on_change="rerun") as section:
        if section.open:
            _assessment_form(place_id, choices, role)


def _assessment_form(place_id: str, choices: dict[str, Any], role: str) -> None:
    """The form that records a location assessment of the place, with up to three actions."""
    with st.form("assessment_form", clear_on_submit=True):
        today = date.today()
        on = st.date_input("Assessed on", value=today, max_value=today)
        rating = st.selectbox("Risk rating", ("low", "medium", "high"), index=1)
        g = dict(choices.get("guardianship", []))
        lt = dict(choices.get("lighting", []))
        guard = st.selectbox("Guardianship", [None, *g], format_func=lambda c: g.get(c, "—"))
        light = st.selectbox("Lighting", [None, *lt], format_func=lambda c: lt.get(c, "—"))
        us = dict(choices.get("users", []))
        ob = dict(choices.get("observations", []))
        users = st.multiselect("Who uses the place, and when", list(us),
                               format_func=lambda c: us.get(c, c))
        seen = st.multiselect("Observations", list(ob), format_func=lambda c: ob.get(c, c))
        review = st.date_input("Review by", value=today + timedelta(days=91))
        st.caption("Actions (an owner is an agency or a role, never a person's name; no "
                   "details of any person).")
        rows = []
        for k in range(3):
            c1, c2, c3 = st.columns([3, 2, 1])
            rows.append((c1.text_input("Action", key=f"as_act_{k}"),
                         c2.text_input("Owner", key=f"as_own_{k}"),
                         c3.date_input("Due", value=None, key=f"as_due_{k}")))
        if st.form_submit_button("Record the assessment"):
            entry = why.Assessment(
                place_id=int(place_id), assessed_on=on, rating=rating, guardianship=guard,
                lighting=light, users=tuple(users), observations=tuple(seen),
                review_date=review,
                actions=tuple((d, o, due) for d, o, due in rows if d.strip() or o.strip()))
            try:
                why.record_assessment(_state.actor(), role, _state.areas(), entry)
            except (why.AssessmentError, actions.Denied) as exc:
                st.error(md(exc))
            else:
                _data.profile_data.clear()
                _data.profile_counts.clear()  # it keeps the place's assessments too
                _data.assessment_actions.clear()
                st.session_state["assessment_recorded"] = True
                st.rerun()  # the table above shows it
