"""Networks: places linked by the same young people, their groups and corridors."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import _data, _state
from geo.render import mapping
from geo.render.text import people_band
from geo.render.words import HOW_WORKED_OUT
from geo.services import actions

role = _state.require("networks")
view = _state.view()
v = _data.version()
st.title("Networks of places")
st.write("Places are linked when the same young people were seen at both (their "
         "pseudonymous keys, never names). Groups of places linked more than by chance "
         "can show a peer group's territory; a corridor is a route where young people were "
         "seen at one place and then at another within a week, as on a county line.")
with st.expander(HOW_WORKED_OUT):
    st.caption("Links more than chance: the hypergeometric test of a statistically validated "
               "network (how many young people two places would share if each place drew "
               "them independently). Groups of places: Louvain modularity communities over "
               "those links. Corridors: one place then another within 7 days. Numbers of "
               "young people partners and the board see are published in bands.")
period = _data.period(v)
if period is None:
    st.info("No incidents are loaded yet.")
    st.stop()
filters = _state.filter_controls(period, _data.vocabularies(v), default_months=12)
net = _data.place_networks(v, filters, view)
if not view.exact:
    st.caption(f"Only links of {view.k} or more young people are shown, with published "
               "numbers; who was seen where is never shown.")
names = dict(zip(net.places["unit_id"], net.places["name"], strict=True))
where = net.places.set_index("unit_id")[["lat", "lon"]]


def _published(n: pd.Series) -> list[str]:
    return [people_band(int(x), view) for x in n]


st.subheader("Strongest links")
if net.links.empty:
    st.write("No two places share young people in this period"
             + (" in numbers that can be shown." if not view.exact else "."))
else:
    top = net.links.head(30)
    table = pd.DataFrame({"Place": top["a"].map(names), "and place": top["b"].map(names),
                          "Young people at both": _published(top["people"])})
    if view.exact:
        table["More than chance"] = top["validated"].map({True: "yes", False: "no"})
    st.dataframe(table, hide_index=True, width="stretch")

st.subheader("Groups of places")
if net.communities.empty:
    st.write("No group of places is linked more than chance would give.")
else:
    groups = net.communities.assign(place=net.communities["place_id"].map(names))
    for k, g in groups.groupby("community"):
        st.text(f"Group {int(k) + 1}: " + ", ".join(sorted(g["place"].dropna())))

st.subheader("Corridors")
routes = net.corridors.head(15)
if routes.empty:
    st.write("No corridor between places in this period.")
else:
    st.dataframe(pd.DataFrame({
        "From": routes["origin"].map(names), "Then to": routes["destination"].map(names),
        "Young people": _published(routes["people"])}), hide_index=True, width="stretch")
    m = mapping.base_map(_state.settings(), [
        float(where["lon"].min()), float(where["lat"].min()),
        float(where["lon"].max()), float(where["lat"].max())])
    for _, r in routes.iterrows():
        if r["origin"] in where.index and r["destination"] in where.index:
            a, b = where.loc[r["origin"]], where.loc[r["destination"]]
            # the exact number only for exact views: for others a width would tell what
            # the band hides
            mapping.add_corridor(m, [a["lat"], a["lon"]], [b["lat"], b["lon"]],
                                 names.get(r["origin"], ""), names.get(r["destination"], ""),
                                 (2 + min(int(r["people"]), 10)) if view.exact else 4)
    st_folium(m, key="corridors", height=420, use_container_width=True, returned_objects=[])

if view.exact and actions.may(role, "network_people"):
    st.subheader("Young people and places of a context (analysts)")
    recs = _data.contexts_listing(v, period[1])
    with_places = recs[recs["places"] > 0]
    if with_places.empty:
        st.write("No context with places is recorded.")
    else:
        ref = st.selectbox("Context", list(with_places["ref"]), format_func=dict(
            zip(with_places["ref"], with_places["name"], strict=True)).get)
        d = _data.context_details(v, ref, filters)
        from geo.services.networks import context_people

        people = context_people(net, [str(p) for p in d["places"]["place_id"]]) if d else None
        if people is None or people.empty:
            st.write("No young person with a key was seen at its places in this period.")
        else:
            st.write(f"{people['person_key'].nunique()} young people (by key) seen at its "
                     f"places, and the {people['place_id'].nunique()} places they were seen "
                     "at.")
            st.dataframe(people.assign(person_key=people["person_key"].str[:10] + "…",
                                       place=people["place_id"].map(names)),
                         hide_index=True, width="stretch")
