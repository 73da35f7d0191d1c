"""Validate non-spatial extracts: interventions, location assessments, population."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.ingest import _guard, _parse
from geo.ingest._columns import match
from geo.ingest._incidents import Context, Prepared, _first, quarantine_frame
from geo.ingest._quarantine import Fault
from geo.ingest._read import Table

FORMULA = Fault((), "a spreadsheet formula in {column}; formulas are never evaluated: "
                "enter the value instead")


def formulas(table: Table, reason: np.ndarray) -> None:
    """Quarantine the rows holding a spreadsheet formula (never evaluated nor kept)."""
    at = {r: k for k, r in enumerate(table.row_numbers.tolist())}
    for row in table.formula_cells:
        reason[at[row]] = "formula_cell"


def _required(cols: dict[str, str], fields: tuple[str, ...], file_name: str, kind: str) -> None:
    missing = [f for f in fields if f not in cols]
    if missing:
        raise ValueError(f"{file_name}: no column for {', '.join(missing)} in {kind}")


def _place_ids(s: pd.Series, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    ref = s.str.strip()
    ids = ref.map(ctx.place_refs)
    return ids.to_numpy(dtype=object), ids.isna().to_numpy()


def prepare_interventions(table: Table, ctx: Context, file_name: str) -> Prepared:
    df = table.columns
    cols = match(
        list(df.columns),
        (
            "code",
            "place_ref",
            "intervention_type",
            "agency",
            "start_month",
            "end_month",
        ),
    )
    # a description is free text: never loaded from a file (``geo.ingest`` leaves the
    # column out before this sees the file); the agency is a name, checked for a person's
    _guard.check(
        df,
        table.row_numbers,
        file_name,
        skip_values=[cols[f] for f in ("start_month", "end_month") if f in cols],
        known=ctx.known_words,
        named=[cols[f] for f in ("agency",) if f in cols],
    )
    _required(
        cols,
        ("code", "place_ref", "intervention_type", "agency", "start_month"),
        file_name,
        "interventions",
    )
    reason = np.full(len(df), None, dtype=object)
    formulas(table, reason)
    ref = df[cols["code"]].str.strip()
    _first(reason, (ref == "").to_numpy() | ref.duplicated().to_numpy(), "bad_ref")
    place, bad_p = _place_ids(df[cols["place_ref"]], ctx)
    _first(reason, bad_p, "unknown_place")
    types = {t: t for t in ctx.intervention_types} | {
        t.replace("_", " "): t for t in ctx.intervention_types
    }
    kind, bad_k = _parse.vocabulary(df[cols["intervention_type"]], types)
    _first(reason, bad_k | (kind == None), "unknown_intervention_type")  # noqa: E711
    agency = df[cols["agency"]].str.strip()
    _first(reason, (agency == "").to_numpy(), "missing_agency")
    start, bad_s = _parse.months(df[cols["start_month"]])
    _first(reason, bad_s | np.isnat(start), "bad_start_month")
    end = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[D]")
    if "end_month" in cols:
        end, bad_e = _parse.months(df[cols["end_month"]])
        _first(reason, bad_e | (~np.isnat(end) & (end < start)), "bad_end_month")
    ok = reason == None  # noqa: E711
    rows = pd.DataFrame(
        {
            "ref": ref[ok].to_numpy(),
            "place_id": place[ok],
            "type": kind[ok],
            "agency": agency[ok].to_numpy(),
            "start_month": start[ok],
            "end_month": end[ok],
        }
    )
    c = cols.get
    faults = {
        "formula_cell": FORMULA,
        "bad_ref": Fault((c("code", ""),), "{column} is blank or repeats an earlier row's"),
        "unknown_place": Fault((c("place_ref", ""),), "{column} {value} is not a known place"),
        "unknown_intervention_type": Fault((c("intervention_type", ""),),
                                           "{column} is not one of the intervention types "
                                           f"({', '.join(sorted(ctx.intervention_types))})"),
        "missing_agency": Fault((c("agency", ""),), "{column} is blank"),
        "bad_start_month": Fault((c("start_month", ""),), "{column} {value} is not a month"),
        "bad_end_month": Fault((c("end_month", ""),), "{column} {value} is not a month on or "
                               "after the start month"),
    }
    return Prepared(rows, quarantine_frame(table, reason, faults,
                                           {"start_month": start, "end_month": end}), {})


def prepare_assessments(table: Table, ctx: Context, file_name: str) -> Prepared:
    df = table.columns
    cols = match(list(df.columns), ("place_ref", "assessed_on", "rating"))
    # factors are free text: never loaded from a file (left out before this sees it)
    _guard.check(
        df,
        table.row_numbers,
        file_name,
        skip_values=[cols[f] for f in ("assessed_on",) if f in cols],
        known=ctx.known_words,
    )
    _required(cols, ("place_ref", "assessed_on", "rating"), file_name, "assessments")
    reason = np.full(len(df), None, dtype=object)
    formulas(table, reason)
    place, bad_p = _place_ids(df[cols["place_ref"]], ctx)
    _first(reason, bad_p, "unknown_place")
    when, bad_d = _parse.timestamps(df[cols["assessed_on"]])
    _first(reason, bad_d | np.isnat(when), "bad_date")
    rating, bad_r = _parse.vocabulary(
        df[cols["rating"]],
        {"low": "low", "medium": "medium", "high": "high", "l": "low", "m": "medium", "h": "high"},
    )
    _first(reason, bad_r | (rating == None), "unknown_rating")  # noqa: E711
    ok = reason == None  # noqa: E711
    rows = pd.DataFrame(
        {
            "place_id": place[ok],
            "assessed_on": when[ok].astype("datetime64[D]"),
            "rating": rating[ok],
        }
    )
    faults = {
        "formula_cell": FORMULA,
        "unknown_place": Fault((cols["place_ref"],), "{column} {value} is not a known place"),
        "bad_date": Fault((cols["assessed_on"],), "{column} {value} is not a date"),
        "unknown_rating": Fault((cols["rating"],), "{column} is not low, medium or high"),
    }
    return Prepared(rows, quarantine_frame(table, reason, faults, {"rating": rating}), {})


def prepare_population(table: Table, ctx: Context, file_name: str) -> Prepared:
    df = table.columns
    cols = match(list(df.columns), ("unit_code", "unit_kind", "year", "young_people"))
    _guard.check(df, table.row_numbers, file_name, skip_values=list(df.columns))
    _required(cols, ("unit_code", "year", "young_people"), file_name, "population")
    reason = np.full(len(df), None, dtype=object)
    formulas(table, reason)
    code = df[cols["unit_code"]].str.strip().str.upper()
    is_ward = code.isin(ctx.ward_codes).to_numpy()
    is_lsoa = code.isin(ctx.lsoa_codes).to_numpy()
    _first(reason, ~is_ward & ~is_lsoa, "unknown_unit_code")
    year, bad_y = _parse.numbers(df[cols["year"]])
    _first(reason, bad_y | np.isnan(year) | (year < 1990) | (year > 2100), "bad_year")
    people, bad_n = _parse.numbers(df[cols["young_people"]])
    _first(reason, bad_n | np.isnan(people) | (people < 0), "bad_count")
    ok = reason == None  # noqa: E711
    rows = pd.DataFrame(
        {
            "unit_kind": np.where(is_ward, "ward", "lsoa")[ok],
            "unit_code": code[ok].to_numpy(),
            "year": year[ok].astype(int),
            "young_people": people[ok].astype(int),
        }
    )
    faults = {
        "formula_cell": FORMULA,
        "unknown_unit_code": Fault((cols["unit_code"],), "{column} {value} is not a ward or "
                                   "LSOA of the area"),
        "bad_year": Fault((cols["year"],), "{column} {value} is not a year"),
        "bad_count": Fault((cols["young_people"],), "{column} {value} is not a count"),
    }
    return Prepared(rows, quarantine_frame(table, reason, faults), {})
