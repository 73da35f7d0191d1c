"""Networks: places linked by the same young people, their groups and corridors."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import _data, _maps, _state
from geo.render.maps.base import add_labels, add_outline, base_map
from geo.render.maps.networks import add_network, add_network_legend, network_lines
from geo.render.maps.places import add_places
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

st.subheader("Map of the network")
lines = network_lines(where, names, net.links.head(30), routes, view,
                              lambda n: people_band(n, view))
if not lines:
    st.write("Nothing to draw: no link or corridor in this period"
             + (" in numbers that can be shown." if not view.exact else "."))
else:
    wards = _data.wards(v)
    ends = pd.DataFrame([p for ln in lines for p in (ln["a"], ln["b"])],
                        columns=["lat", "lon"])
    pad = 0.1 * max(float(ends["lat"].max() - ends["lat"].min()),
                    float(ends["lon"].max() - ends["lon"].min()), 0.01)
    # fitted to the lines (with a margin), the wards around them for context
    m = base_map(_state.settings(), [
        float(ends["lon"].min()) - pad, float(ends["lat"].min()) - pad,
        float(ends["lon"].max()) + pad, float(ends["lat"].max()) + pad])
    add_outline(m, wards)
    add_labels(m, wards)
    add_network(m, lines)
    on_map = {str(p) for ln in (net.links.head(30)[["a", "b"]], routes[["origin",
              "destination"]]) for p in ln.to_numpy().ravel()}
    figures = _maps.place_figures(v, filters, view)
    drawn = figures[figures["unit_id"].astype(str).isin(on_map)]
    categories = dict(_data.vocabularies(v).get("place_category", []))
    add_places(m, drawn, categories)
    add_network_legend(m, view, {c: categories.get(c, c) for c in
                                         sorted(drawn["category"].astype(str).unique())})
    st.caption("Grey dashed lines: the same young people seen at both places; red lines: "
               "corridors, the arrow pointing the way; wider lines carry more young people. "
               "Click a place for its figures and a link to its profile.")
    _maps.show(m, "network_map", height=520)

if view.exact and actions.may(role, "network_people"):
    st.subheader("Young people and places of a context (analysts)")
    recs = _data.contexts_listing(v, period[1])
    with_places = recs[recs["places"] > 0]
    if with_places.empty:
        st.write("No context with places is recorded.")
    else:
        ref = st.selectbox("Context", list(with_places["ref"]), format_func=_state.named(dict(
            zip(with_places["ref"], with_places["name"], strict=True))))
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
