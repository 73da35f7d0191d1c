"""What the sample data set plants, as numbers: the mixes of harm, risk and age, the weekly
and daily rhythm, the 40 synthetic places and the stations' roles, the planted rates and
effects, the pooled interventions, the groups of young people and the data's months."""

from __future__ import annotations

import numpy as np
import pandas as pd

START = "2023-01"
BASE_ROWS = 20_000
CENTRE = (406_900.0, 286_600.0)  # Birmingham New Street, BNG
STATION_RADIUS_M = 150.0
RING_M = 200.0

HARM_MIX = {
    "cse": 0.08,
    "cce": 0.12,
    "county_lines": 0.08,
    "serious_youth_violence": 0.20,
    "missing": 0.22,
    "peer_abuse": 0.10,
    "weapons": 0.08,
    "drugs": 0.07,
    "robbery": 0.05,
}
KEYED_HARMS = ("cse", "cce", "county_lines", "missing")
RISK_MIX = {"low": 0.4, "medium": 0.4, "high": 0.2}
AGE_MIX = {"u10": 0.02, "10-13": 0.15, "14-15": 0.35, "16-17": 0.40, "18-24": 0.08}
DOW_WEIGHTS = np.array([0.8, 0.8, 0.9, 1.0, 1.3, 1.4, 1.0])  # Monday first
HOUR_WEIGHTS = np.array(
    [3, 2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 2, 2, 2, 3, 3, 4, 6, 7, 6, 5, 5, 6, 6, 5, 4], dtype=float
)
TIMESTAMP_SHARE = 0.7
KEYED_SHARE = 0.5

CATEGORY_RADIUS = {
    "transport_hub": 150.0,
    "park": 200.0,
    "shopping_centre": 150.0,
    "estate": 250.0,  # not the hexagon size: how far an estate's incidents spread
    "fast_food": 80.0,
    "street": 100.0,
    "school_vicinity": 100.0,
}
CATEGORY_NOUN = {
    "park": "park",
    "shopping_centre": "shopping centre",
    "estate": "estate",
    "fast_food": "takeaway",
    "street": "high street",
    "school_vicinity": "school gates",
}

#: the 40 synthetic places: (ward, category, name or None for "<ward> <noun>", role)
SYNTHETIC = [
    ("Lozells", "street", "Lozells Road parade", "displaced"),
    ("Kingstanding", "park", "Kingstanding park", "intensifying"),
    ("Shard End", "fast_food", "Shard End takeaway", "diminishing"),
    ("Druids Heath & Monyhull", "estate", "Druids Heath estate", "new"),
    ("Sparkhill", "fast_food", "Stratford Road takeaway", "complex_flag"),
    ("Harborne", "school_vicinity", "Harborne school gates", "complex_no_flag"),
    ("Handsworth", "park", "Handsworth park", "persistent"),
    ("Newtown", "estate", None, "works"),
    ("Aston", "park", None, "no_effect"),
    ("Alum Rock", "street", None, "works"),
    ("Bordesley Green", "fast_food", None, "no_effect"),
    ("Small Heath", "park", None, "works"),
    ("Sparkbrook & Balsall Heath East", "street", None, "no_effect"),
    ("Balsall Heath West", "fast_food", None, "works"),
    ("Moseley", "street", None, "no_effect"),
    ("Acocks Green", "shopping_centre", None, None),
    ("Erdington", "shopping_centre", None, None),
    ("Stockland Green", "school_vicinity", None, None),
    ("Castle Vale", "estate", None, None),
    ("Northfield", "shopping_centre", None, None),
    ("Longbridge & West Heath", "park", None, None),
    ("Weoley & Selly Oak", "school_vicinity", None, None),
    ("Bartley Green", "estate", None, None),
    ("Quinton", "fast_food", None, None),
    ("Edgbaston", "park", None, None),
    ("Soho & Jewellery Quarter", "street", None, None),
    ("Holyhead", "school_vicinity", None, None),
    ("Perry Common", "estate", None, None),
    ("Ward End", "fast_food", None, None),
    ("Yardley West & Stechford", "street", None, None),
    ("Hall Green North", "school_vicinity", None, None),
    ("Billesley", "park", None, None),
    ("Frankley Great Park", "estate", None, None),
    ("Sutton Trinity", "shopping_centre", None, None),
    ("Heartlands", "park", None, None),
    ("Tyseley & Hay Mills", "street", None, None),
    ("Garretts Green", "school_vicinity", None, None),
    ("Birchfield", "fast_food", None, None),
    ("Sutton Vesey", "park", None, None),
    ("Stirchley", "street", None, None),
]
#: station roles by CRS code
STATION_ROLES = {
    "BHM": "persistent",
    "BMO": "persistent",
    "PRY": "persistent",
    "AST": "effective",
    "ERD": "null",
}

#: planted monthly rates at the 20,000-row scale (before the seasonal factor)
PERSISTENT_RATE = 10.0
TREND_RATES = {"intensifying": (12.0, 30.0), "diminishing": (30.0, 12.0)}
NEW_COUNT = 20.0
EFFECT_RATE = 14.0
EFFECT = -0.40
DISPLACED_SHARE = 0.25
INTERVENTION_START = {"effective": 15, "displaced": 18, "null": 16}  # month index
#: two types of intervention at 4 places each, with staggered starts: one works, one not
POOLED = {
    "works": ("environmental_design", -0.30, "Birmingham City Council",
              "Environmental design: hedges cut back, sight lines opened, lighting renewed"),
    "no_effect": ("licensing_action", 0.0, "Licensing authority",
                  "Licensing action: test purchases and reviews of late-night premises"),
}
POOLED_RATE = 10.0


def pooled_starts(role: str, months: int) -> list[int]:
    """Start month indices of the 4 places of a pooled role: staggered, 12 months each side."""
    last = max(12, months - 14)
    starts = np.round(np.linspace(12, last, 4)).astype(int)
    if role == "no_effect":
        starts = np.minimum(starts + 1, months - 13)
    return [int(x) for x in starts]


def month_starts(months: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{START}-01", periods=months, freq="MS")


#: two groups of young people, each moving between its places in the last 12 months (each
#: member seen at each place, once or twice), one of them on a county line: seen at the
#: first station, then at the second a day or two later, several times
NETWORK_GROUPS = {
    "peer_group": ("SYN-20", "SYN-21", "SYN-33"),
    "county_line": ("STN-WTT", "STN-SUT", "SYN-34", "SYN-39"),
}
NETWORK_CORRIDOR = ("STN-WTT", "STN-SUT")
NETWORK_MEMBERS = 8
#: a place where 3 young people are first seen together in the last month of the data: the
#: "Next meeting" agenda of that month lists it as newly over the complex-strategy threshold
NEW_FLAG_PLACE = "SYN-18"
