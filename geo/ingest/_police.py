"""police.uk files in every published shape, recognised by their columns.

data.police.uk publishes, per force and month: **street** files (recorded crime and
anti-social behaviour; the archive's ``Crime ID,Month,Reported by,...,Context`` and the
API's ``category``/``persistent_id``/``location.*`` fields, however flattened),
**outcomes** files (``Crime ID,...,Outcome type``: what became of a crime) and
**stop-and-search** files (``Type,Date,...,Object of search,Outcome,...``). A file is
recognised by the columns it has, not by their order or number, so older archives (no
``Context``), API extracts flattened by any tool, and a column an analyst added are read
alike (an added column goes through the identifier guard as in any file).

police.uk's own columns that carry nothing the project uses (anonymised map points, force
and area names, outcome categories, a stop's gender and ethnicity) are never stored and
need no scan. ``Crime ID`` (64 hex digits, blank for anti-social behaviour) is kept only
as a keyed pseudonym (``crime_key``), which links a crime to its outcomes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from geo.ingest._columns import normalise

Shape = Literal["street", "outcomes", "stop_search"]

#: police.uk columns never stored (values not scanned: published, anonymised data)
UNSTORED = frozenset({
    "reportedby", "fallswithin", "location", "lsoaname", "lastoutcomecategory", "context",
    "street", "streetname", "streetid", "locationstreetname", "locationstreetid",
    "locationtype", "locationsubtype", "outcomestatus", "outcomestatuscategory",
    "outcomestatusdate", "ward", "id", "outcometype",
    # stop and search
    "type", "partofapolicingoperation", "policingoperation", "gender",
    "selfdefinedethnicity", "officerdefinedethnicity", "legislation", "objectofsearch",
    "outcome", "outcomelinkedtoobjectofsearch", "removalofmorethanjustouterclothing",
    "operation", "operationname", "agerange",
})
#: columns only police.uk's street files have (two of them, with a crime category, tell
#: the shape; "location" or "street" alone are too common to)
_STREET_MARKS = frozenset({
    "crimeid", "persistentid", "reportedby", "fallswithin", "lsoaname",
    "lastoutcomecategory", "locationstreetname", "locationstreetid", "locationtype",
    "outcomestatuscategory", "outcomestatus", "locationsubtype",
})
_CATEGORY = ("crimetype", "category", "type")
_STOP_MARKS = frozenset({"objectofsearch", "legislation", "officerdefinedethnicity",
                         "selfdefinedethnicity", "partofapolicingoperation",
                         "outcomelinkedtoobjectofsearch", "removalofmorethanjustouterclothing"})
#: the API shape some tools write: ``"",type,street,month,latitude,longitude,ward``
_API_FLAT = ("type", "street", "month", "latitude", "longitude")

#: stop-and-search age ranges that are one of our age bands (the others span two or more,
#: or are adults: the row is loaded with no age band)
STOP_AGE_BANDS = {"under 10": "u10", "18-24": "18-24"}

#: police.uk outcome categories (outcomes files' ``Outcome type``, street files' ``Last
#: outcome category``); any other text is stored as ``other`` (it is never kept as written)
OUTCOMES = tuple(sorted({
    "Investigation complete; no suspect identified", "Status update unavailable",
    "Under investigation", "Unable to prosecute suspect", "Court result unavailable",
    "Awaiting court outcome", "Offender given a caution", "Local resolution",
    "Offender given community sentence", "Offender fined", "Offender sent to prison",
    "Offender given suspended prison sentence", "Offender given conditional discharge",
    "Offender given absolute discharge", "Offender ordered to pay compensation",
    "Offender deprived of property", "Offender otherwise dealt with",
    "Defendant found not guilty", "Defendant sent to Crown Court",
    "Suspect charged as part of another case", "Formal action is not in the public interest",
    "Further investigation is not in the public interest",
    "Further action is not in the public interest",
    "Action to be taken by another organisation", "Offender given penalty notice",
    "Offender given a drugs possession warning", "Defendant discharged",
    "Court case unable to proceed", "Awaiting court result", "Suspect charged",
    "Offender given a penalty notice", "Offender given a community resolution",
    "Community resolution", "Cautioned", "Charged",
}))
_OUTCOME_CODES = {o.lower(): o for o in OUTCOMES}


def shape(columns: list[str]) -> Shape | None:
    """Which police.uk file a header is, or ``None``."""
    norm = {normalise(c) for c in columns}
    if len(norm & _STOP_MARKS) >= 2 or ("objectofsearch" in norm):
        return "stop_search"
    if "outcometype" in norm and norm & {"crimeid", "persistentid"}:
        return "outcomes"
    has_category = bool(norm & set(_CATEGORY))
    if has_category and len(norm & _STREET_MARKS) >= 2:
        return "street"
    if set(_API_FLAT) <= norm:
        return "street"
    return None


def unstored(columns: list[str], found: Shape | None) -> list[str]:
    """The police.uk columns of a file that are never stored nor scanned."""
    if found is None:
        return []
    return [c for c in columns if normalise(c) in UNSTORED]


def stop_age_bands(s: pd.Series) -> np.ndarray:
    """A stop's ``Age range`` as our age band where it is one, else None."""
    keys = s.astype(str).str.strip().str.lower()
    out: np.ndarray = keys.map(STOP_AGE_BANDS).to_numpy(dtype=object, na_value=None)
    return out


def outcome_codes(s: pd.Series) -> np.ndarray:
    """Outcome categories as published, ``other`` for any text not among them (never kept
    as written), None where blank."""
    keys = s.astype(str).str.strip()
    out: np.ndarray = keys.str.lower().map(_OUTCOME_CODES).to_numpy(dtype=object,
                                                                    na_value=None)
    out[(out == None) & (keys != "").to_numpy()] = "other"  # noqa: E711
    return out
