"""Match a file's column names to the fields we know, by documented synonyms.

Names are compared case- and punctuation-insensitively (``Crime type`` = ``crime_type`` =
``CRIMETYPE``). The table below is the documentation of what each field may be called.
"""

from __future__ import annotations

import re

#: field -> accepted column names (already normalised: lower case letters and digits only)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "month": ("month", "incidentmonth", "period", "yearmonth"),
    "occurred_at": (
        "occurredat",
        "datetime",
        "timestamp",
        "incidentdatetime",
        "incidentdate",
        "date",
        "occurred",
        "incidenttime",
    ),
    "harm_type": ("harmtype", "harm", "crimetype", "type", "category", "incidenttype"),
    "risk_level": ("risklevel", "risk", "riskrating"),
    "age_band": ("ageband", "agegroup", "agerange"),
    "age": ("age", "ageatincident"),
    "person_id": (
        "personid",
        "personkey",
        "caseid",
        "childid",
        "youngpersonid",
        "subjectid",
        "personref",
        "caseref",
    ),
    "longitude": ("longitude", "lon", "lng", "long", "locationlongitude"),
    "latitude": ("latitude", "lat", "locationlatitude"),
    "crime_id": ("crimeid", "persistentid", "crimeref", "crimereference", "crimenumber",
                 "occurrenceref", "occurrencenumber", "incidentref", "incidentnumber"),
    "age_range": ("agerange",),
    "easting": ("easting", "eastings", "bngeasting", "xcoord"),
    "northing": ("northing", "northings", "bngnorthing", "ycoord"),
    "x": ("x",),
    "y": ("y",),
    "ward_code": ("wardcode", "wd18cd", "wd22cd", "wd23cd", "wardcd"),
    "lsoa_code": ("lsoacode", "lsoa", "lsoa21cd", "lsoa11cd", "lsoa21", "lsoa11"),
    "name": (
        "name",
        "placename",
        "ward",
        "wardname",
        "wd18nm",
        "lsoaname",
        "lsoa21nm",
        "lsoa11nm",
        "stationname",
    ),
    "code": (
        "code",
        "ref",
        "id",
        "placeref",
        "placeid",
        "wardcode",
        "wd18cd",
        "lsoacode",
        "lsoa21cd",
        "lsoa21",
        "lsoa11cd",
    ),
    "area_code": ("areacode", "ladcode", "lad18cd", "lad22cd", "lad23cd"),
    "area_name": ("area", "areaname", "ladname", "lad18nm", "lad22nm"),
    "category": ("category", "placecategory", "placetype", "type", "kind"),
    "status": ("status",),
    "flagged_on": ("flaggedon", "flagged", "flaggeddate"),
    "synthetic": ("synthetic",),
    "place_ref": ("placeref", "placeid", "place", "placecode"),
    "intervention_type": ("interventiontype", "type", "intervention"),
    "agency": ("agency", "leadagency", "partner", "organisation", "organization"),
    "start_month": ("startmonth", "start", "started", "startdate"),
    "end_month": ("endmonth", "end", "ended", "enddate"),
    "description": ("description", "summary"),
    "assessed_on": ("assessedon", "assessmentdate", "date", "assessed"),
    "rating": ("rating", "riskrating", "risk", "risklevel"),
    "factors": ("factors", "riskfactors"),
    "unit_code": ("unitcode", "code", "wardcode", "lsoacode", "lsoa21cd", "wd18cd"),
    "unit_kind": ("unitkind", "unit", "geography"),
    "year": ("year",),
    "young_people": ("youngpeople", "population", "count", "pop1024", "aged1024"),
}


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def match(columns: list[str], fields: tuple[str, ...]) -> dict[str, str]:
    """Map each wanted field to the file's column that names it (first synonym wins).

    A column serves one field only; fields are resolved in the order given.
    """
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(normalise(c), c)
    found: dict[str, str] = {}
    used: set[str] = set()
    for f in fields:
        for syn in SYNONYMS[f]:
            col = by_norm.get(syn)
            if col is not None and col not in used:
                found[f] = col
                used.add(col)
                break
    return found
