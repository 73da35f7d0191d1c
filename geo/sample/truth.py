"""The sample's ``truth.json``: what was planted, so tests can check the analysis finds it."""

from __future__ import annotations

import pandas as pd

from geo.sample.plan import (
    DISPLACED_SHARE,
    EFFECT,
    EFFECT_RATE,
    INTERVENTION_START,
    PERSISTENT_RATE,
    POOLED,
    POOLED_RATE,
    month_starts,
    pooled_starts,
)


def truth_of(
    places: pd.DataFrame,
    interventions: pd.DataFrame,
    months: int,
    rows: int,
    seed: int,
    scale: float,
) -> dict[str, object]:
    def ref(role: str) -> str:
        return str(places.loc[places["role"] == role, "ref"].iloc[0])

    mi = month_starts(months)
    iv = {
        r: str(interventions.loc[interventions["place_ref"] == ref(r), "ref"].iloc[0])
        for r in ("effective", "displaced", "null")
    }
    return {
        "seed": seed,
        "rows": rows,
        "months": months,
        "period": [mi[0].strftime("%Y-%m"), mi[-1].strftime("%Y-%m")],
        "hotspots": {
            "persistent": sorted(places.loc[places["role"] == "persistent", "ref"].tolist()),
            "new": ref("new"),
            "intensifying": ref("intensifying"),
            "diminishing": ref("diminishing"),
        },
        "interventions": {
            "effective": {
                "intervention": iv["effective"],
                "place": ref("effective"),
                "effect": EFFECT,
                "displacement_share": 0.0,
                "start_month": mi[INTERVENTION_START["effective"]].strftime("%Y-%m"),
            },
            "displaced": {
                "intervention": iv["displaced"],
                "place": ref("displaced"),
                "effect": EFFECT,
                "displacement_share": DISPLACED_SHARE,
                "start_month": mi[INTERVENTION_START["displaced"]].strftime("%Y-%m"),
            },
            "null": {
                "intervention": iv["null"],
                "place": ref("null"),
                "effect": 0.0,
                "displacement_share": 0.0,
                "start_month": mi[INTERVENTION_START["null"]].strftime("%Y-%m"),
            },
        },
        "pooled": {
            role: {
                "intervention_type": kind,
                "effect": effect,
                "places": sorted(places.loc[places["role"] == role, "ref"]),
                "interventions": sorted(
                    interventions.loc[
                        interventions["place_ref"].isin(places.loc[places["role"] == role, "ref"]),
                        "ref",
                    ]
                ),
                "start_months": [
                    mi[m].strftime("%Y-%m") for m in pooled_starts(role, months)
                ],
                "rate_per_month": POOLED_RATE * scale,
            }
            for role, (kind, effect, _, _) in POOLED.items()
        },
        "complex_strategy": {
            "flagged": ref("complex_flag"),
            "distinct_people": 4,
            "not_flagged": ref("complex_no_flag"),
            "not_flagged_people": 2,
            "window_days": 90,
        },
        "rates_per_month": {
            "persistent": PERSISTENT_RATE * scale,
            "intervention_baseline": EFFECT_RATE * scale,
        },
        "notes": "Places with no role may also be flagged or hot by chance: the truth "
        "lists only what was planted.",
    }
