"""Peer and place networks of a period, as a viewer may see them.

Analysts see the validated place links, their communities, the corridors and, for one
context, the young-people-to-places view (person keys, never names). Partners and boards
see only links of at least k young people (``CONTEXTS_SUPPRESSION_K``), with the number of
young people published by the disclosure gate, and never the people layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.config import get_settings
from geo.filters import Filters
from geo.stats import networks
from geo.store import contexts as context_store
from geo.store import counts, db


@dataclass(frozen=True)
class Networks:
    places: pd.DataFrame  # unit_id, ref, name, category, x, y (WGS84 centroid)
    links: pd.DataFrame  # a, b, people, p (+ validated)
    communities: pd.DataFrame  # place_id, community, strength
    corridors: pd.DataFrame  # origin, destination, people, trips
    sightings: pd.DataFrame  # analysts only: person_key, place_id, when


def _places(conn: Any) -> pd.DataFrame:
    units = counts.units(conn, "place")
    centre = units.geometry.representative_point()
    return pd.DataFrame({"unit_id": units["unit_id"].astype(str), "ref": units["ref"],
                         "name": units["name"], "category": units["category"],
                         "lon": centre.x, "lat": centre.y})


def build(areas: tuple[str, ...], filters: Filters, exact: bool, k: int,
          within_days: int = 7) -> Networks:
    """The networks of the incidents passing ``filters``: everything for an exact (analyst)
    view; for an aggregate view only links and corridors of ``k`` or more young people,
    no communities of smaller links and no sightings."""
    def read(conn: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        start = filters.start or counts.data_period(conn)["first"]
        end = filters.end or counts.data_period(conn)["last"]
        return (context_store.sightings(
            conn, Filters(start, end, filters.harms, filters.risks, filters.ages)),
            _places(conn))

    sightings, places = db.read(read, areas, get_settings())
    links = networks.place_links(sightings)
    valid = networks.validated(links)
    links = links.assign(validated=links.set_index(["a", "b"]).index.isin(
        valid.set_index(["a", "b"]).index))
    routes = networks.corridors(sightings, within_days)
    if not exact:
        # what could point at fewer than k young people is never used, even to group
        links = networks.aggregate_links(links, k)
        routes = routes[routes["people"] >= k].reset_index(drop=True)
        sightings = sightings.iloc[0:0]
    comms = networks.communities(links, min_people=k if not exact else 2)
    return Networks(places, links, comms.reset_index(drop=True), routes, sightings)


def context_people(net: Networks, place_ids: list[str]) -> pd.DataFrame:
    """For analysts: young people (keys) seen at a context's places and every place they
    were seen at, as edges person-place with the number of sightings."""
    if net.sightings.empty or not place_ids:
        return pd.DataFrame(columns=["person_key", "place_id", "times"])
    return networks.bipartite(net.sightings, place_ids)
