"""The synthetic sample data set: real Birmingham geography, incidents whose truth is known.

``write(out, rows, months, seed)`` writes, deterministically (same arguments, same bytes):

* ``places.geojson``: the 37 real railway stations inside Birmingham's wards (a 150 m
  polygon around each) and 40 synthetic places of the other categories;
* ``incidents.csv``: de-identified incidents with planted patterns (below);
* ``interventions.csv``, ``assessments.csv``, ``population.csv``;
* ``truth.json``: what was planted, so tests can check the analysis recovers it.

Planted: ward background rates falling with distance from the centre, a seasonal cycle and
a weekly and daily rhythm; persistent hot spots; one new, one intensifying and one
diminishing hot spot; an intervention with a 40 % fall and no displacement, one with a
40 % fall of which a quarter moves into the 200 m ring, one with no effect; a place where
4 distinct young people appear within 90 days and one where 2 do; two types of
intervention at 4 places each with staggered starts, one cutting incidents by 30 % at
every place (environmental design), one with no effect (licensing action). Planted monthly counts
are fixed (rounded expectations), so truths hold exactly; background counts are random.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo.sample.geography import (
    place_frame,
    places_geojson,
    points_in,
    population_frame,
    reference_geography,
    ring_points,
)
from geo.sample.incidents import (
    background,
    categorical,
    complex_visits,
    network_incidents,
    planted_counts,
    pooled_start_of,
    timestamps,
)
from geo.sample.plan import (
    AGE_MIX,
    BASE_ROWS,
    HARM_MIX,
    KEYED_HARMS,
    KEYED_SHARE,
    NETWORK_CORRIDOR,
    NETWORK_GROUPS,
    NETWORK_MEMBERS,
    NEW_FLAG_PLACE,
    RISK_MIX,
    TIMESTAMP_SHARE,
    month_starts,
)
from geo.sample.records import assessment_frame, context_frame, intervention_frame
from geo.sample.truth import truth_of


def generate(
    rows: int = BASE_ROWS, months: int = 36, seed: int = 20171, shared: Path | None = None
) -> dict[str, object]:
    """Build the whole data set in memory (frames and the truth)."""
    if months < 25:
        raise ValueError("months must be at least 25 (12 before and after an intervention)")
    rng = np.random.default_rng(seed)
    geo = reference_geography(shared)
    places = place_frame(geo, rng)
    scale = rows / BASE_ROWS
    mi = month_starts(months)

    parts: list[pd.DataFrame] = []
    starts = pooled_start_of(places, months)
    for p in places.itertuples():
        if not isinstance(p.role, str) or p.role.startswith("complex"):
            continue
        at_place, in_ring = planted_counts(p.role, months, scale, starts.get(p.ref))
        for counts, where in ((at_place, "place"), (in_ring, "ring")):
            total = int(counts.sum())
            if total == 0:
                continue
            pts = (
                points_in(p.geometry, total, rng)
                if where == "place"
                else ring_points(p.geometry, total, rng)
            )
            parts.append(
                pd.DataFrame(
                    {
                        "m": np.repeat(np.arange(months), counts),
                        "x": pts[:, 0],
                        "y": pts[:, 1],
                        "planted": p.ref,
                    }
                )
            )
    complex_rows = complex_visits(places, months, rng)
    planted = pd.concat(parts + [complex_rows], ignore_index=True)

    n_bg = rows - len(planted)
    if n_bg < 0:
        raise ValueError(f"{rows} rows are too few for the planted patterns")
    bg = background(geo, n_bg, months, rng)
    inc = pd.concat([planted, bg], ignore_index=True)
    n = len(inc)
    inc["harm_type"] = categorical(rng, HARM_MIX, n)
    inc["risk_level"] = categorical(rng, RISK_MIX, n)
    inc["age_band"] = categorical(rng, AGE_MIX, n)
    keyed = np.isin(inc["harm_type"], KEYED_HARMS) & (rng.random(n) < KEYED_SHARE)
    pool = max(200, rows // 10)
    pid = np.where(keyed, [f"YP{v:06d}" for v in rng.integers(0, pool, n)], "")
    has_planted_key = inc.get("person_id", pd.Series([""] * n)).fillna("").to_numpy(dtype=str)
    pid = np.where(has_planted_key != "", has_planted_key, pid)
    # background keys never land in the complex-strategy places (nor the one that crosses
    # the threshold in the last month), so their truth is exact
    quiet = places[places["role"].fillna("").str.startswith("complex")
                   | (places["ref"] == NEW_FLAG_PLACE)]
    zone = shapely.union_all(shapely.buffer(quiet["geometry"].to_numpy(), 60.0))
    in_zone = shapely.contains_xy(zone, inc["x"].to_numpy(), inc["y"].to_numpy())
    pid = np.where(in_zone & (has_planted_key == ""), "", pid)
    inc["person_id"] = pid
    ts = timestamps(inc["m"].to_numpy(), mi, rng)
    stamped = (rng.random(n) < TIMESTAMP_SHARE) | (pid != "")
    if "when" in inc:
        fixed = inc["when"].notna().to_numpy()
        ts[fixed] = inc["when"][fixed].to_numpy().astype("datetime64[m]")
    inc["occurred_at"] = np.where(stamped, pd.Series(ts).dt.strftime("%Y-%m-%d %H:%M"), "")
    inc["month"] = mi.strftime("%Y-%m").to_numpy()[inc["m"].to_numpy()]
    inc["easting"] = np.round(inc["x"]).astype(int)
    inc["northing"] = np.round(inc["y"]).astype(int)
    order = np.lexsort((rng.random(n), inc["m"].to_numpy()))
    cols = ["month", "occurred_at", "harm_type", "risk_level", "age_band", "person_id",
            "easting", "northing"]
    incidents = inc.iloc[order][cols]
    # the planted groups of young people take the place of the last background rows (a
    # random sample of them), made by a generator of their own after everything else:
    # every other row, so every other planted truth, is as it was without them
    groups = network_incidents(places, months, np.random.default_rng(seed + 1))
    gone = np.arange(n - len(groups), n)
    incidents = pd.concat([incidents[~incidents.index.isin(gone)], groups[cols]])
    incidents = incidents.sort_values("month", kind="stable").reset_index(drop=True)

    interventions = intervention_frame(places, months, rng)
    assessments = assessment_frame(places, interventions, months, rng)
    population = population_frame(geo, rng)
    contexts = context_frame(places, interventions, months)
    truth = truth_of(places, interventions, months, rows, seed, scale)
    truth["networks"] = {
        "groups": {k: list(v) for k, v in NETWORK_GROUPS.items()},
        "corridor": list(NETWORK_CORRIDOR), "members": NETWORK_MEMBERS,
        "period": [mi[months - 12].strftime("%Y-%m"), mi[-1].strftime("%Y-%m")]}
    last_day = (mi[-1] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d")
    ended = pd.to_datetime(interventions["end_month"].replace("", None), format="%Y-%m")
    truth["next_meeting"] = {
        "on": last_day, "since": (mi[-2] + pd.offsets.MonthEnd(0)).strftime("%Y-%m-%d"),
        "reviews_due": sorted(contexts.loc[(contexts["status"] != "closed")
                                           & (contexts["review_date"] <= last_day), "ref"]),
        "newly_flagged": [NEW_FLAG_PLACE],
        "new_hot_spot_near": truth["hotspots"]["new"],  # type: ignore[index]
        "intensifying_hot_spot_near": truth["hotspots"]["intensifying"],  # type: ignore[index]
        "interventions_ended": sorted(interventions.loc[ended == mi[-1], "ref"])}
    return {
        "places": places,
        "incidents": incidents,
        "interventions": interventions,
        "assessments": assessments,
        "population": population,
        "contexts": contexts,
        "truth": truth,
    }


def write(
    out: Path,
    rows: int = BASE_ROWS,
    months: int = 36,
    seed: int = 20171,
    shared: Path | None = None,
) -> dict[str, object]:
    """Generate and write the data set to ``out``; returns the truth."""
    data = generate(rows, months, seed, shared)
    out.mkdir(parents=True, exist_ok=True)
    (out / "places.geojson").write_text(places_geojson(data["places"]))
    for name in ("incidents", "interventions", "assessments", "population", "contexts"):
        frame: pd.DataFrame = data[name]
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (out / "truth.json").write_text(json.dumps(data["truth"], indent=2) + "\n")
    return data["truth"]  # type: ignore[return-value]
