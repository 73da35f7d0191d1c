"""The sample's records around the incidents: the interventions at places (planted, pooled
and random), the location assessments and the contexts of concern."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.sample.incidents import pooled_start_of
from geo.sample.plan import INTERVENTION_START, NETWORK_GROUPS, POOLED, month_starts


def context_frame(places: pd.DataFrame, interventions: pd.DataFrame, months: int
              ) -> pd.DataFrame:
    """Contexts of concern the partnership keeps (dates relative to the data's last month):
    three due for review in the last month (one of them overdue), one closed."""
    last = month_starts(months)[-1]

    def day(months_after: int, d: int = 15) -> str:
        return str((last + pd.DateOffset(months=months_after, days=d - 1)).strftime("%Y-%m-%d"))

    effective = str(interventions.loc[interventions["place_ref"] == "STN-AST", "ref"].iloc[0])
    rows = [
        ("CTX-001", "Witton to Sutton Coldfield line", "route", "plan_in_place",
         "British Transport Police", "Young people travelling between the two stations "
         "after school, reported by rail staff", day(0), ";".join(NETWORK_GROUPS["county_line"]),
         "", "", "high", day(-3)),
        ("CTX-002", "Northfield and Frankley peer group", "peer_group", "assessed",
         "Birmingham Youth Service", "A group seen across the shopping centre, the park and "
         "the estate", day(2), ";".join(NETWORK_GROUPS["peer_group"]), "", "", "medium",
         day(-2)),
        ("CTX-003", "Stratford Road takeaway", "place", "identified", "Licensing authority",
         "Several young people linked to the takeaway within weeks", day(0, 20),
         str(places.loc[places["role"] == "complex_flag", "ref"].iloc[0]), "", "", "", ""),
        ("CTX-004", "Aston station evenings", "place", "reviewing",
         "Birmingham Youth Service", "Detached youth work on site", day(3), "STN-AST", "",
         effective, "medium", day(-6)),
        ("CTX-005", "Group chat used to recruit", "online", "identified",
         "West Midlands Police", "Reported by two schools", day(-2), "", "", "", "", ""),
        ("CTX-006", "Lozells Road parade", "place", "closed", "West Midlands Police",
         "Patrols ended and harm fell", day(0), "SYN-01", "", "", "low", day(-4)),
    ]
    return pd.DataFrame(rows, columns=["ref", "name", "kind", "status", "lead_agency",
                                       "summary", "review_date", "places", "wards",
                                       "interventions", "rating", "rated_on"])


def intervention_frame(places: pd.DataFrame, months: int, rng: np.random.Generator) -> pd.DataFrame:
    mi = month_starts(months)
    rows = []
    spec = {
        "effective": (
            "detached_youth_work",
            "Birmingham Youth Service",
            "Detached youth workers on site Thursday to Saturday evenings",
        ),
        "displaced": (
            "patrols",
            "West Midlands Police",
            "High-visibility patrols on the parade after school",
        ),
        "null": (
            "guardianship_training",
            "West Midlands Railway",
            "Guardianship training for station staff",
        ),
    }
    for role, (kind, agency, desc) in spec.items():
        p = places[places["role"] == role].iloc[0]
        start = INTERVENTION_START[role]
        rows.append(
            {
                "ref": f"INT-{role.upper()}",
                "place_ref": p.ref,
                "intervention_type": kind,
                "agency": agency,
                "start_month": mi[start].strftime("%Y-%m"),
                "end_month": "",
                "description": desc,
            }
        )
    starts = pooled_start_of(places, months)
    for role, (kind, _, agency, desc) in POOLED.items():
        refs = sorted(places.loc[places["role"] == role, "ref"])
        for k, ref in enumerate(refs):
            rows.append(
                {
                    "ref": f"INT-{role.upper().replace('_', '')}-{k + 1}",
                    "place_ref": ref,
                    "intervention_type": kind,
                    "agency": agency,
                    "start_month": mi[starts[ref]].strftime("%Y-%m"),
                    "end_month": "",
                    "description": desc,
                }
            )
    others = places[places["role"].isna()].sort_values("ref")
    chosen = others.iloc[rng.choice(len(others), size=6, replace=False)].sort_values("ref")
    kinds = [  # not the pooled types, whose truth is their planted effect
        "lighting_cctv",
        "positive_activities",
        "guardianship_training",
        "lighting_cctv",
        "detached_youth_work",
        "patrols",
    ]
    agencies = [
        "Birmingham City Council",
        "Birmingham Children's Trust",
        "West Midlands Police",
        "Voluntary sector partner",
        "Birmingham Youth Service",
        "Licensing authority",
    ]
    for k, p in enumerate(chosen.itertuples()):
        start = int(rng.integers(6, months - 6))
        end = "" if k % 2 else mi[min(start + 6, months - 1)].strftime("%Y-%m")
        rows.append(
            {
                "ref": f"INT-{k + 1:03d}",
                "place_ref": p.ref,
                "intervention_type": kinds[k],
                "agency": agencies[k],
                "start_month": mi[start].strftime("%Y-%m"),
                "end_month": end,
                "description": f"{kinds[k].replace('_', ' ').capitalize()} at {p.name}",
            }
        )
    return pd.DataFrame(rows)


def assessment_frame(
    places: pd.DataFrame, interventions: pd.DataFrame, months: int, rng: np.random.Generator
) -> pd.DataFrame:
    mi = month_starts(months)
    factors = [
        "poor lighting",
        "no capable guardians after dark",
        "known drug supply point",
        "unsupervised gathering of young people",
        "adults loitering near exits",
        "blind spots out of CCTV view",
        "late-night food outlets",
    ]
    refs = sorted(set(interventions["place_ref"]) | set(places.loc[places["role"].notna(), "ref"]))
    rows = []
    for ref in refs:
        for k in range(int(rng.integers(1, 4))):
            m = int(rng.integers(0, months))
            picked = rng.choice(len(factors), size=int(rng.integers(1, 4)), replace=False)
            rows.append(
                {
                    "place_ref": ref,
                    "assessed_on": (mi[m] + pd.Timedelta(days=int(rng.integers(0, 27)))).strftime(
                        "%Y-%m-%d"
                    ),
                    "rating": ["low", "medium", "high"][int(rng.integers(0, 3))],
                    "factors": "; ".join(factors[i] for i in sorted(picked)),
                }
            )
            del k
    return pd.DataFrame(rows).sort_values(["place_ref", "assessed_on"]).reset_index(drop=True)
