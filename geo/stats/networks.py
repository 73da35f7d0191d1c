"""Networks of places linked by the same young people (peer and place mapping).

Contextual Safeguarding's *peer mapping* asks which places the same young people move
between: a group exploited across a park, a takeaway and a station shows up as places
linked by the same (pseudonymised) people. From sightings — a person key seen at a place
on a day — this module builds:

* the **place network**: places linked when the same young people were seen at both in the
  period; an edge's weight is the number of distinct young people seen at both, and its
  p-value says how unlikely that many shared young people would be if each were seen at
  places independently (the hypergeometric test of a *statistically validated network*,
  Tumminello et al. 2011, PLoS ONE 6(3): e17994): busy places share people by chance, a
  group's places share more than chance;
* its **communities** (Louvain modularity, :func:`networkx.community.louvain_communities`,
  seeded so the same data always give the same groups);
* **corridors**: ordered place pairs (A then B) where the same young people were seen at A
  and then at B within a few days, as in a county-lines route between two stations;
* the **bipartite view** of one context: person keys and places, for analysts only.

Pure: frames in, frames out. Person keys are HMAC pseudonyms and never leave the analyst
views; what partners and boards may see (aggregated links of at least k young people) is
decided by :func:`aggregate_links` and the disclosure gate.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from scipy.stats import hypergeom

from geo.stats.hotspots import bh_threshold

#: columns of a sightings frame
SIGHTINGS = ("person_key", "place_id", "when")


def _clean(sightings: pd.DataFrame) -> pd.DataFrame:
    df = sightings.dropna(subset=list(SIGHTINGS))[list(SIGHTINGS)].copy()
    df["when"] = pd.to_datetime(df["when"])
    df["place_id"] = df["place_id"].astype(str)
    df["person_key"] = df["person_key"].astype(str)
    return df


def place_links(sightings: pd.DataFrame) -> pd.DataFrame:
    """Undirected links between places: ``a``, ``b`` (a < b), ``people`` (distinct young
    people seen at both) and ``p`` (the chance of that many or more shared young people if
    each place's young people were drawn independently from everyone seen at any place:
    the hypergeometric upper tail), sorted by ``people`` descending.

    ``sightings`` has ``person_key``, ``place_id`` and ``when``; rows missing any are left
    out. Each person contributes one to every pair of distinct places they were seen at.
    """
    df = _clean(sightings)[["person_key", "place_id"]].drop_duplicates()
    pairs = df.merge(df, on="person_key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["place_id_a"] < pairs["place_id_b"]]
    out = (pairs.groupby(["place_id_a", "place_id_b"], sort=False)["person_key"].nunique()
           .rename("people").reset_index()
           .rename(columns={"place_id_a": "a", "place_id_b": "b"}))
    size = df.groupby("place_id")["person_key"].nunique()
    total = df["person_key"].nunique()
    out["p"] = hypergeom.sf(out["people"].to_numpy() - 1, total,
                            size.reindex(out["a"]).to_numpy(),
                            size.reindex(out["b"]).to_numpy()) if len(out) else []
    return out.sort_values(["people", "a", "b"], ascending=[False, True, True],
                           ignore_index=True)


def validated(links: pd.DataFrame, min_people: int = 2, fdr: float = 0.05) -> pd.DataFrame:
    """The links that are more than chance: ``min_people`` or more young people, and a
    p-value under the Benjamini–Hochberg threshold at ``fdr`` over every pair of places
    that could be linked (Tumminello et al. 2011)."""
    if links.empty:
        return links
    places = pd.unique(pd.concat([links["a"], links["b"]]))
    n_pairs = len(places) * (len(places) - 1) // 2
    # pairs never linked have p = 1: they count in the number of tests, never pass
    p = np.r_[links["p"].to_numpy(dtype=float), np.ones(max(n_pairs - len(links), 0))]
    cut = bh_threshold(p, fdr)
    keep = (links["people"] >= min_people) & (links["p"] <= cut)
    return links[keep].reset_index(drop=True)


def graph(links: pd.DataFrame, min_people: int = 1) -> nx.Graph:
    """The place network of :func:`place_links`, keeping links of ``min_people`` or more."""
    g = nx.Graph()
    kept = links[links["people"] >= min_people]
    g.add_weighted_edges_from(
        zip(kept["a"], kept["b"], kept["people"].astype(float), strict=True))
    return g


def communities(links: pd.DataFrame, min_people: int = 2, seed: int = 0,
                resolution: float = 1.0, fdr: float = 0.05) -> pd.DataFrame:
    """Groups of places more linked to each other than to the rest (Louvain modularity on
    the :func:`validated` links).

    Returns ``place_id``, ``community`` (0 = the group with the most links' weight) and
    ``strength`` (the place's summed link weight). Links of fewer than ``min_people`` young
    people, or no more than chance, are left out first: one young person passing two
    places is not a group, nor are two busy places that share people by chance. Places
    with no link kept are in no community.
    """
    g = graph(validated(links, min_people, fdr))
    if g.number_of_edges() == 0:
        return pd.DataFrame({"place_id": pd.Series(dtype=str),
                             "community": pd.Series(dtype=int),
                             "strength": pd.Series(dtype=float)})
    found = nx.community.louvain_communities(g, weight="weight", resolution=resolution,
                                             seed=seed)
    strength = dict(g.degree(weight="weight"))
    ranked = sorted(found, key=lambda c: (-sum(strength[p] for p in c), min(c)))
    rows = [(p, k, strength[p]) for k, c in enumerate(ranked) for p in sorted(c)]
    return pd.DataFrame(rows, columns=["place_id", "community", "strength"])


def corridors(sightings: pd.DataFrame, within_days: int = 7) -> pd.DataFrame:
    """Ordered place pairs: ``origin``, ``destination``, ``people`` (distinct young people
    seen at the origin and then, within ``within_days`` days after, at the destination)
    and ``trips`` (such consecutive sightings), strongest first.

    Only consecutive sightings of a person count (A then B with nothing between), so a
    route's direction shows: a person going A, B, A counts once each way.
    """
    df = _clean(sightings).sort_values(["person_key", "when", "place_id"], kind="stable")
    key = df["person_key"].to_numpy()
    place = df["place_id"].to_numpy()
    when = df["when"].to_numpy().astype("datetime64[D]").astype(np.int64)
    nxt = np.r_[key[1:] == key[:-1], False]
    gap = np.r_[when[1:] - when[:-1], 0]
    move = nxt & (np.r_[place[1:], place[:1]] != place) & (gap <= within_days) & (gap >= 0)
    idx = np.flatnonzero(move)
    trips = pd.DataFrame({"origin": place[idx], "destination": place[idx + 1],
                          "person_key": key[idx]})
    cols = ["origin", "destination", "people", "trips"]
    if trips.empty:
        return pd.DataFrame(columns=cols)
    out = trips.groupby(["origin", "destination"]).agg(
        people=("person_key", "nunique"), trips=("person_key", "size")).reset_index()
    return out.sort_values(["people", "trips", "origin", "destination"],
                           ascending=[False, False, True, True], ignore_index=True)[cols]


def bipartite(sightings: pd.DataFrame, places: list[str] | None = None) -> pd.DataFrame:
    """Person-place edges (``person_key``, ``place_id``, ``times``) for the given places
    (all when None), with every place the same people were seen at: the peer map of a
    context, for analysts only (nodes are keys, never names)."""
    df = _clean(sightings)
    if places is not None:
        people = df.loc[df["place_id"].isin([str(p) for p in places]), "person_key"].unique()
        df = df[df["person_key"].isin(people)]
    return (df.groupby(["person_key", "place_id"]).size().rename("times").reset_index()
            .sort_values(["person_key", "place_id"], ignore_index=True))


def aggregate_links(links: pd.DataFrame, k: int) -> pd.DataFrame:
    """The links partners and boards may see: those of ``k`` or more young people (fewer
    could point at a child), with the exact number left for the disclosure gate."""
    return links[links["people"] >= k].reset_index(drop=True)
