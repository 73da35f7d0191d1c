"""Peer and place networks (geo.stats.networks) recover planted groups and corridors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from geo.stats import networks

PLACES = [f"P{i:02d}" for i in range(30)]
GROUP_A = ["P01", "P02", "P03"]
GROUP_B = ["P10", "P11", "P12", "P13"]  # P10 -> P11 is the county-lines corridor


def planted(seed: int, noise_people: int = 300, members: int = 8) -> pd.DataFrame:
    """Two groups of young people moving between their places (each member seen at each
    of the group's places, several times), one with a route between two stations (seen at
    P10, then at P11 a day or two later), and many young people seen once or twice
    anywhere (the noise a real extract has)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, pd.Timestamp]] = []
    start = pd.Timestamp("2025-01-01")

    def day() -> pd.Timestamp:
        return start + pd.Timedelta(days=int(rng.integers(0, 330)))

    for g, places in (("A", GROUP_A), ("B", GROUP_B)):
        for k in range(members):
            for place in places:
                rows += [(f"{g}{k}", place, day()) for _ in range(int(rng.integers(1, 3)))]
            if g == "B":
                for _ in range(int(rng.integers(2, 5))):
                    d = day()
                    rows.append((f"{g}{k}", "P10", d))
                    rows.append((f"{g}{k}", "P11", d + pd.Timedelta(days=int(rng.integers(1, 3)))))
    for k in range(noise_people):
        rows += [(f"N{k}", str(rng.choice(PLACES)), day()) for _ in range(int(rng.integers(1, 3)))]
    return pd.DataFrame(rows, columns=["person_key", "place_id", "when"])


def test_place_links_count_distinct_people_at_both_places() -> None:
    s = pd.DataFrame({"person_key": ["a", "a", "a", "b", "b", "c"],
                      "place_id": ["1", "2", "2", "1", "2", "3"],
                      "when": pd.to_datetime(["2025-01-01"] * 6)})
    links = networks.place_links(s)
    assert links[["a", "b", "people"]].to_dict("records") == [{"a": "1", "b": "2", "people": 2}]
    # 3 young people, 2 seen at each place, both shared: p = P(2 shared) = 1/3
    assert links["p"].iloc[0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("seed", range(1, 11))
def test_communities_recover_the_planted_groups(seed: int) -> None:
    found = networks.communities(networks.place_links(planted(seed)))
    truth = {p: 0 for p in GROUP_A} | {p: 1 for p in GROUP_B}
    got = found.set_index("place_id")["community"]
    assert set(truth) <= set(got.index), "a planted place is in no community"
    # every place found in a community, scored against the truth (a place in no planted
    # group is a group of its own): noise pulled into a planted group lowers the score
    places = sorted(set(got.index) | set(truth))
    want = [truth.get(p, 100 + k) for k, p in enumerate(places)]
    labels = [int(got.get(p, 200 + k)) for k, p in enumerate(places)]
    assert adjusted_rand_score(want, labels) >= 0.8


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_corridor_is_the_strongest_link(seed: int) -> None:
    routes = networks.corridors(planted(seed), within_days=7)
    top = routes.iloc[0]
    assert (top["origin"], top["destination"]) == ("P10", "P11")
    back = routes[(routes["origin"] == "P11") & (routes["destination"] == "P10")]
    assert back.empty or back["trips"].iloc[0] < top["trips"]


def test_corridors_need_consecutive_sightings_within_the_days() -> None:
    s = pd.DataFrame({"person_key": ["a", "a", "a", "b", "b"],
                      "place_id": ["1", "2", "3", "1", "2"],
                      "when": pd.to_datetime(["2025-01-01", "2025-01-03", "2025-03-01",
                                              "2025-01-01", "2025-01-20"])})
    routes = networks.corridors(s, within_days=7)
    assert routes.to_dict("records") == [
        {"origin": "1", "destination": "2", "people": 1, "trips": 1}]


def test_bipartite_keeps_the_contexts_people_and_their_other_places() -> None:
    s = planted(1)
    edges = networks.bipartite(s, ["P10"])
    assert set(edges["person_key"]) == set(s.loc[s["place_id"] == "P10", "person_key"])
    assert {"P10", "P11"} <= set(edges["place_id"])


def test_aggregate_links_keep_only_k_or_more_people() -> None:
    links = networks.place_links(planted(2))
    shown = networks.aggregate_links(links, k=5)
    assert (shown["people"] >= 5).all()
    assert len(shown) == int((links["people"] >= 5).sum())


def test_empty_sightings_give_empty_answers() -> None:
    empty = pd.DataFrame(columns=["person_key", "place_id", "when"])
    assert networks.place_links(empty).empty
    assert networks.communities(networks.place_links(empty)).empty
    assert networks.corridors(empty).empty
