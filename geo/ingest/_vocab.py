"""How values in extracts map onto the project's vocabularies.

The vocabularies themselves are tables in the database (``harm_type``, ``risk_level``, ...);
this module adds the spellings files use for them, most importantly police.uk's crime
categories. The police.uk table below is the documented mapping (README, "Loading data").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: police.uk crime category (API slug and archive title) -> our harm type
POLICE_UK_HARM: dict[str, str] = {
    "anti-social-behaviour": "asb",
    "anti-social behaviour": "asb",
    "violent-crime": "violence",
    "violent crime": "violence",  # the title before May 2013
    "violence-and-sexual-offences": "violence",
    "violence and sexual offences": "violence",
    "drugs": "drugs",
    "possession-of-weapons": "weapons",
    "possession of weapons": "weapons",
    "robbery": "robbery",
    "public-order": "other_crime",
    "public order": "other_crime",
    "burglary": "other_crime",
    "vehicle-crime": "other_crime",
    "vehicle crime": "other_crime",
    "criminal-damage-arson": "other_crime",
    "criminal damage and arson": "other_crime",
    "shoplifting": "other_crime",
    "other-theft": "other_crime",
    "other theft": "other_crime",
    "theft-from-the-person": "other_crime",
    "theft from the person": "other_crime",
    "bicycle-theft": "other_crime",
    "bicycle theft": "other_crime",
    "other-crime": "other_crime",
    "other crime": "other_crime",
    # before May 2013: public disorder and weapons were one category
    "public-disorder-weapons": "other_crime",
    "public disorder and weapons": "other_crime",
}

RISK_SYNONYMS = {
    "l": "low",
    "m": "medium",
    "med": "medium",
    "h": "high",
    "1": "low",
    "2": "medium",
    "3": "high",
}


def vocab_mapping(
    codes_labels: pd.DataFrame, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """``value -> code`` from a vocabulary table (code and label both accepted)."""
    out = {str(c).lower(): c for c in codes_labels["code"]}
    out.update(
        {
            str(lbl).lower(): c
            for c, lbl in zip(codes_labels["code"], codes_labels["label"], strict=True)
        }
    )
    out.update({c.replace("_", " "): c for c in codes_labels["code"]})
    out.update({c.replace("_", "-"): c for c in codes_labels["code"]})
    if extra:
        out.update(extra)
    return out


def age_to_band(age: np.ndarray) -> np.ndarray:
    """Exact ages (never stored) to the project's age bands; None outside 0-24."""
    bands = np.full(age.shape, None, dtype=object)
    edges = [
        (0, 9, "u10"),
        (10, 13, "10-13"),
        (14, 15, "14-15"),
        (16, 17, "16-17"),
        (18, 24, "18-24"),
    ]
    for lo, hi, code in edges:
        bands[(age >= lo) & (age <= hi)] = code
    return bands
