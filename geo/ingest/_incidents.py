"""Validate and shape an incident extract, vectorised: rows to load and rows to quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import Transformer

from geo.ingest import _guard, _parse, _police, _quarantine
from geo.ingest._cells import Cells, split
from geo.ingest._columns import match, normalise
from geo.ingest._pseudonym import pseudonymise
from geo.ingest._quarantine import Fault
from geo.ingest._read import Table
from geo.ingest._vocab import POLICE_UK_HARM, RISK_SYNONYMS, age_to_band, vocab_mapping

FIELDS = (
    "month",
    "occurred_at",
    "harm_type",
    "risk_level",
    "age_band",
    "age",
    "person_id",
    "longitude",
    "latitude",
    "easting",
    "northing",
    "x",
    "y",
    "ward_code",
    "lsoa_code",
    "crime_id",
    "age_range",
)

#: how far outside the area boundary a point may fall and still count (metres)
BOUNDARY_TOLERANCE_M = 50.0

_TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


@dataclass
class Context:
    """What validation needs from the database, fetched once per load."""

    boundary: shapely.Geometry | None
    ward_codes: set[str]
    lsoa_codes: set[str]
    harm_types: pd.DataFrame
    risk_levels: pd.DataFrame
    age_bands: pd.DataFrame
    place_refs: dict[str, int]
    place_categories: set[str]
    intervention_types: set[str]
    pseudonym_key: str
    #: the words of the area's own names (wards, LSOAs, places): free text naming them
    #: does not name a person (``_guard.person_name_in``)
    known_words: frozenset[str] = frozenset()
    cells: Cells | None = None
    #: the cells while they are still being fetched: the first chunk that needs them waits
    #: for them (:meth:`cell_grid`), not the reading of the file
    cells_pending: Future[Cells] | None = None

    def cell_grid(self) -> Cells | None:
        """The cells, once fetched (None when the load does without them)."""
        if self.cells is None and self.cells_pending is not None:
            self.cells = self.cells_pending.result()
        return self.cells


@dataclass
class Prepared:
    """Rows to stage (columns ready for COPY), rows to quarantine, other counts, and rows
    ready for the kind's own table, copied straight in (incidents their cell places)."""

    rows: pd.DataFrame | pa.Table
    quarantine: pd.DataFrame
    notes: dict[str, int]
    direct: pa.Table | None = None


def quarantine_frame(table: Table, reason: np.ndarray,
                     faults: dict[str, Fault] | None = None,
                     values: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """The quarantined rows: number, reason, column at fault, description and the known
    fields' safe values only (``_quarantine``); nothing else of the row is kept."""
    return _quarantine.frame(table, reason, faults or {}, values)


#: a row dated after the month it is loaded in (a typing slip, or a system's placeholder
#: date): quarantined, so that a handful of such rows never makes a month of their own
FUTURE = Fault((), "the month is after the month the file was loaded in")


def in_future(month: np.ndarray, today: date | None = None) -> np.ndarray:
    """Which months (datetime64, NaT for none) are after the month of ``today``."""
    now = today or date.today()
    this_month = np.datetime64(date(now.year, now.month, 1), "D")
    flagged: np.ndarray = ~np.isnat(month) & (month.astype("datetime64[D]") > this_month)
    return flagged


def _first(reason: np.ndarray, mask: np.ndarray, code: str) -> None:
    reason[(reason == None) & mask] = code  # noqa: E711


#: rows validated at a time: the database takes in one chunk while the next is validated
CHUNK_ROWS = 100_000


def prepare_chunks(
    table: Table, ctx: Context, file_name: str, size: int | None = None
) -> Iterator[Prepared]:
    """Check the file as a whole (columns, identifiers: raises at once), then validate and
    shape its rows ``size`` (default ``CHUNK_ROWS``) at a time, lazily."""
    cols = _check(table, ctx, file_name)
    size = size or CHUNK_ROWS
    seen: dict[str, dict[str, str | None]] = {"": {}, "crime": {}}  # pseudonyms, by domain
    return (_prepare_rows(_rows(table, start, start + size), ctx, cols, seen)
            for start in range(0, max(len(table), 1), size))


def _rows(table: Table, start: int, stop: int) -> Table:
    numbers = table.row_numbers[start:stop]
    mine = set(numbers.tolist()) if table.formula_cells else set()
    formulas = {r: c for r, c in table.formula_cells.items() if r in mine}
    return Table(table.columns.iloc[start:stop], numbers, formula_cells=formulas)


def _check(table: Table, ctx: Context, file_name: str) -> dict[str, str]:
    """The file's columns by field (and ``_shape``, its police.uk shape if it is one);
    raises if it holds identifiers or cannot be placed."""
    df = table.columns
    names = [str(c) for c in df.columns]
    shape = _police.shape(names)
    cols = match(names, FIELDS)
    if shape is not None:
        cols.pop("ward_code", None)  # police.uk's "ward" holds names, not codes
    if shape == "stop_search":
        cols.pop("harm_type", None)  # its "Type" is the kind of search
        if "age_band" in cols and normalise(cols["age_band"]) == "agerange":
            cols["age_range"] = cols.pop("age_band")  # police.uk's ranges, not our bands
    else:
        cols.pop("age_range", None)
    # police.uk's own columns: anonymised map points, area names, ...: never stored
    police_cols = _police.unstored(names, shape)
    parsed_cols = [
        cols[f]
        for f in (
            "month",
            "occurred_at",
            "longitude",
            "latitude",
            "easting",
            "northing",
            "x",
            "y",
            "person_id",
            "crime_id",
            "age",
        )
        if f in cols
    ]
    _guard.check(
        df,
        table.row_numbers,
        file_name,
        allowed_names=police_cols,
        skip_values=parsed_cols + police_cols,
    )
    if "harm_type" not in cols and shape != "stop_search":
        raise ValueError(
            f"{file_name}: no harm type column (expected one of: harm_type, "
            "harm, crime_type, type, category)"
        )
    if ctx.boundary is None:
        raise ValueError(
            "no area boundary is loaded yet: load wards first (contexts load wards FILE)"
        )
    if shape is not None:
        cols["_shape"] = shape
    return cols


def _prepare_rows(table: Table, ctx: Context, cols: dict[str, str],
                  seen: dict[str, dict[str, str | None]] | None = None) -> Prepared:
    """Validate the rows of ``table`` (a chunk of a file) and shape the valid ones;
    ``seen``: the pseudonyms made for the file's chunks before, by domain."""
    df = table.columns
    n = len(df)
    shape = cols.get("_shape")
    reason = np.full(n, None, dtype=object)
    blank: list[pd.Series] = []

    def col(f: str) -> pd.Series:
        if f in cols:
            return df[cols[f]]
        if not blank:  # one column of empty values serves every missing field
            blank.append(pd.Series(np.full(n, ""), index=df.index, dtype=str))
        return blank[0]

    if table.formula_cells:
        at = {r: k for k, r in enumerate(table.row_numbers.tolist())}
        for row in table.formula_cells:
            reason[at[row]] = "formula_cell"

    month, bad_m = _parse.months(col("month"))
    occurred, bad_t = _parse.timestamps(col("occurred_at"))
    derived = np.isnat(month) & ~np.isnat(occurred)
    month[derived] = occurred[derived].astype("datetime64[M]").astype("datetime64[D]")
    _first(reason, bad_m, "bad_month")
    _first(reason, np.isnat(month) & ~bad_t, "missing_month")
    _first(reason, in_future(month), "future_month")

    if shape == "stop_search":
        harm, bad_h = np.full(n, STOP_SEARCH, dtype=object), np.zeros(n, dtype=bool)
    else:
        harm, bad_h = _parse.vocabulary(col("harm_type"),
                                        vocab_mapping(ctx.harm_types, POLICE_UK_HARM))
        if shape == "street":  # a police.uk category not in our table: "other crime"
            harm[bad_h] = "other_crime"
            bad_h = np.zeros(n, dtype=bool)
    _first(reason, bad_h, "unknown_harm_type")
    _first(reason, harm == None, "missing_harm_type")  # noqa: E711
    risk, bad_r = _parse.vocabulary(
        col("risk_level"), vocab_mapping(ctx.risk_levels, RISK_SYNONYMS)
    )
    _first(reason, bad_r, "unknown_risk_level")
    band, bad_b = _parse.vocabulary(col("age_band"), vocab_mapping(ctx.age_bands))
    _first(reason, bad_b, "unknown_age_band")
    if "age_range" in cols:
        band = np.where(band == None, _police.stop_age_bands(col("age_range")), band)  # noqa: E711
    if "age" in cols:
        age, bad_a = _parse.numbers(col("age"))
        from_age = age_to_band(age)
        _first(reason, bad_a | (~np.isnan(age) & (from_age == None)), "bad_age")  # noqa: E711
        band = np.where(band == None, from_age, band)  # noqa: E711
    _first(reason, bad_t, "bad_timestamp")
    _first(reason, np.isnat(month), "missing_month")

    x, y, bad_xy, lon, lat = _coordinates(df, cols, n)
    _first(reason, bad_xy, "bad_coordinates")
    has_xy = ~np.isnan(x)
    none, clean = np.full(n, None, dtype=object), np.zeros(n, dtype=bool)
    ward, bad_w = (_parse.codes(col("ward_code"), ctx.ward_codes) if "ward_code" in cols
                   else (none, clean))
    lsoa, bad_l = (_parse.codes(col("lsoa_code"), ctx.lsoa_codes) if "lsoa_code" in cols
                   else (none, clean))
    boundary = ctx.boundary
    inside = np.zeros(n, dtype=bool)
    inside[has_xy] = shapely.contains_xy(boundary, x[has_xy], y[has_xy])
    given_lonlat = ~np.isnan(lon)
    lonlat = given_lonlat & ~inside
    swapped = np.zeros(n, dtype=bool)
    if lonlat.any():
        sx, sy = _TO_BNG.transform(lat[lonlat], lon[lonlat])
        swapped[lonlat] = shapely.contains_xy(boundary, sx, sy)
    en = has_xy & ~inside & ~given_lonlat
    if en.any():
        swapped[en] = shapely.contains_xy(boundary, y[en], x[en])
    _first(reason, swapped, "swapped_coordinates")
    _first(reason, has_xy & ~inside, "outside_area")
    _first(reason, ~has_xy & bad_w, "unknown_ward_code")
    _first(reason, ~has_xy & bad_l, "unknown_lsoa_code")
    no_loc = ~has_xy & (ward == None) & (lsoa == None)  # noqa: E711
    _first(reason, no_loc, "no_location")

    ok = reason == None  # noqa: E711
    keys = np.full(n, None, dtype=object)
    if "person_id" in cols:
        keys = pseudonymise(col("person_id"), ctx.pseudonym_key,
                            cache=seen[""] if seen is not None else None)
    crimes = np.full(n, None, dtype=object)
    if "crime_id" in cols:
        crimes = pseudonymise(col("crime_id"), ctx.pseudonym_key, "crime",
                              cache=seen["crime"] if seen is not None else None)
    direct, staged = split(
        {
            "source_row": table.row_numbers[ok],
            "month": month[ok],
            "occurred_at": occurred[ok],
            "harm_type": harm[ok],
            "risk_level": risk[ok],
            "age_band": band[ok],
            "person_key": keys[ok],
            "crime_key": crimes[ok],
        },
        x[ok], y[ok], ward[ok], lsoa[ok], ctx.cell_grid(),
    )
    if ok.all():
        return Prepared(staged, _EMPTY_QUARANTINE.copy(), {}, direct)
    safe = {"month": month, "harm_type": harm, "risk_level": risk, "age_band": band,
            **_quarantine.rounded(x, y, lon, lat)}
    return Prepared(staged, quarantine_frame(table, reason, _faults(cols, ctx), safe), {},
                    direct)


#: police.uk stop-and-search records take this harm type (migration 0012)
STOP_SEARCH = "stop_search"

_EMPTY_QUARANTINE = pd.DataFrame({"row_number": pd.Series(dtype=int),
                                  "reason": pd.Series(dtype=str),
                                  "column_name": pd.Series(dtype=str),
                                  "detail": pd.Series(dtype=str),
                                  "row_values": pd.Series(dtype=object)})


def _faults(cols: dict[str, str], ctx: Context) -> dict[str, Fault]:
    """What each reason means in this file: its column and a description."""
    def c(*fields: str) -> tuple[str, ...]:
        return tuple(cols[f] for f in fields if f in cols)

    pair = (c("longitude", "latitude") or c("easting", "northing") or c("x", "y"))
    # the labels (accepted as well as the codes): what a person reads and can type
    codes = ", ".join(sorted(ctx.harm_types["label"].astype(str)))
    bands = ", ".join(sorted(ctx.age_bands["label"].astype(str)))
    return {
        "formula_cell": Fault((), "a spreadsheet formula in {column}; formulas are never "
                              "evaluated: enter the value instead"),
        "bad_month": Fault(c("month"), "{column} {value} is not a month (YYYY-MM, MM/YYYY, "
                           "DD/MM/YYYY or Mon YYYY)"),
        "future_month": Fault(c("month", "occurred_at"), FUTURE.text),
        "missing_month": Fault(c("month", "occurred_at"),
                               "no month: {column} is blank" if c("month", "occurred_at")
                               else "no month: the file has no month or date column"),
        "unknown_harm_type": Fault(c("harm_type"), "{column} is not one of the known harm "
                                   f"types ({codes}) nor a police.uk crime category; the "
                                   "value is not kept"),
        "missing_harm_type": Fault(c("harm_type"), "{column} is blank"),
        "unknown_risk_level": Fault(c("risk_level"), "{column} is not low, medium or high "
                                    "(or L/M/H, 1/2/3); the value is not kept"),
        "unknown_age_band": Fault(c("age_band"), f"{{column}} is not one of {bands}; the "
                                  "value is not kept"),
        "bad_age": Fault(c("age"), "{column} {value} is not an age from 0 to 24"),
        "bad_timestamp": Fault(c("occurred_at"), "{column} {value} is not a date and time "
                               "(ISO 8601 or DD/MM/YYYY HH:MM)"),
        "bad_coordinates": Fault(pair, "{column} {value}: not a pair of coordinates (numbers, "
                                 "or degrees such as 52.48°N)"),
        "swapped_coordinates": Fault(pair, "{column} appear to be the wrong way round (they "
                                     "fall inside the area swapped); rounded values kept"),
        "outside_area": Fault(pair, f"{{column}}: more than {BOUNDARY_TOLERANCE_M:.0f} m "
                              "outside the area boundary; rounded values kept"),
        "unknown_ward_code": Fault(c("ward_code"), "{column} {value} is not a ward of the "
                                   "area"),
        "unknown_lsoa_code": Fault(c("lsoa_code"), "{column} {value} is not an LSOA of the "
                                   "area (2021 codes)"),
        "no_location": Fault(pair + c("ward_code", "lsoa_code"),
                             "no location: no coordinates, ward code or LSOA code"),
    }


def _coordinates(
    df: pd.DataFrame, cols: dict[str, str], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BNG x, y for every row that has a location (NaN otherwise), a bad mask, and the
    longitude and latitude as given for the rows located by them (NaN for the others).
    Degrees with a compass point (``52.48°N``, ``1°53'W``) and decimal commas in
    longitude and latitude are read as numbers.
    """
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    pairs = [
        ("longitude", "latitude", "lonlat"),
        ("easting", "northing", "bng"),
        ("x", "y", "either"),
    ]
    for fx, fy, kind in pairs:
        if fx not in cols or fy not in cols:
            continue
        a, bad_a = _parse.coordinates(df[cols[fx]], degrees=kind == "lonlat")
        b, bad_b = _parse.coordinates(df[cols[fy]], degrees=kind == "lonlat")
        todo = np.isnan(x)
        bad |= todo & (bad_a | bad_b | (np.isnan(a) ^ np.isnan(b)))
        both = todo & ~np.isnan(a) & ~np.isnan(b)
        small = (np.abs(a) <= 180) & (np.abs(b) <= 90)
        if kind == "lonlat":
            bad |= both & ~small
            ll, en = both & small, np.zeros(n, dtype=bool)
        elif kind == "bng":
            ll, en = np.zeros(n, dtype=bool), both
        else:
            ll, en = both & small, both & ~small
        if ll.any():
            x[ll], y[ll] = _TO_BNG.transform(a[ll], b[ll])
            lon[ll], lat[ll] = a[ll], b[ll]
        x[en], y[en] = a[en], b[en]
    bad &= np.isnan(x)
    x[bad] = y[bad] = lon[bad] = lat[bad] = np.nan
    return x, y, bad, lon, lat


def prepare_outcomes(table: Table, ctx: Context, file_name: str) -> Prepared:
    """A police.uk outcomes file (loaded as incidents): each row is what became of a crime,
    kept as its Crime ID's pseudonym, month and outcome category (``crime_outcome``)."""
    df = table.columns
    names = [str(c) for c in df.columns]
    cols = match(names, ("crime_id", "month"))
    police_cols = _police.unstored(names, "outcomes")
    _guard.check(df, table.row_numbers, file_name, allowed_names=police_cols,
                 skip_values=[*cols.values(), *police_cols])
    outcome_col = next(c for c in names if normalise(c) == "outcometype")
    if "month" not in cols:
        raise ValueError(f"{file_name}: a police.uk outcomes file with no Month column")
    n = len(df)
    reason = np.full(n, None, dtype=object)
    if table.formula_cells:
        at = {r: k for k, r in enumerate(table.row_numbers.tolist())}
        for row in table.formula_cells:
            reason[at[row]] = "formula_cell"
    month, bad_m = _parse.months(df[cols["month"]])
    _first(reason, bad_m, "bad_month")
    _first(reason, np.isnat(month), "missing_month")
    _first(reason, in_future(month), "future_month")
    keys = pseudonymise(df[cols["crime_id"]], ctx.pseudonym_key, "crime")
    _first(reason, keys == None, "missing_crime_id")  # noqa: E711
    outcome = _police.outcome_codes(df[outcome_col])
    _first(reason, outcome == None, "missing_outcome")  # noqa: E711
    ok = reason == None  # noqa: E711
    rows = pd.DataFrame({"source_row": table.row_numbers[ok], "crime_key": keys[ok],
                         "month": month[ok], "outcome": outcome[ok]})
    faults = {
        "formula_cell": Fault((), "a spreadsheet formula in {column}; formulas are never "
                              "evaluated: enter the value instead"),
        "bad_month": Fault((cols["month"],), "{column} {value} is not a month"),
        "future_month": Fault((cols["month"],), FUTURE.text),
        "missing_month": Fault((cols["month"],), "no month: {column} is blank"),
        "missing_crime_id": Fault((cols["crime_id"],), "{column} is blank: an outcome "
                                  "belongs to a crime"),
        "missing_outcome": Fault((outcome_col,), "{column} is blank"),
    }
    return Prepared(rows, quarantine_frame(table, reason, faults, {"month": month}), {})
