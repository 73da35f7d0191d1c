"""The pure parts of placing incidents by their 50 m cell (geo/ingest/_cells.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.ingest._cells import Cells, ewkb, settle, split, unpack


def test_ewkb_is_what_shapely_writes() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(390_000, 430_000, 500)
    y = rng.uniform(270_000, 310_000, 500)
    x[[3, 70]] = np.nan
    got = ewkb(x, y).to_pylist()
    want = shapely.to_wkb(shapely.set_srid(shapely.points(x, y), 27700), include_srid=True)
    for k in range(500):
        assert got[k] == (None if np.isnan(x[k]) else want[k])


def _cells() -> Cells:
    area = pd.DataFrame({"ci": [100, 100, 101], "cj": [200, 201, 200],
                         "ward_code": ["W1", "W1", "W2"], "lsoa_code": ["L1", "L2", "L3"],
                         "area_code": ["A", "A", "A"]})
    near = pd.DataFrame({"ci": [100, 102], "cj": [201, 205]})
    # 10 m cells: one inside W3/L9 in a 50 m cell that is not an area cell; in the place
    # cell (100, 201) one 10 m cell whose only place is 7, one near no place
    # (as area_cell_fine_pack holds it: slot 5 * 0 + 0 of 50 m cell (102, 200), pair 0)
    fine = unpack(pd.DataFrame({"ci": [102], "cj": [200], "cells": ["0 0"]}))
    pairs = pd.DataFrame({"pair": [0], "ward_code": ["W3"], "lsoa_code": ["L9"],
                          "area_code": ["A"]})
    place_fine = pd.DataFrame({"fi": [500, 501], "fj": [1005, 1005], "place_id": [7, None]})
    return Cells.from_frames(area, near, fine, pairs, place_fine)


def test_unpack_reads_each_10m_cell_of_a_50m_cell() -> None:
    got = unpack(pd.DataFrame({"ci": [10, 11], "cj": [20, 21], "cells": ["0 3 24 1 7 3", "12 0"]}))
    assert got.to_dict("list") == {"fi": [50, 54, 51, 57], "fj": [100, 104, 102, 107],
                                   "pair": [3, 1, 3, 0]}


def test_settle_finds_each_point_cell_and_nothing_outside() -> None:
    cells = _cells()
    x = np.array([5000.0, 5049.9, 5050.0, 5005.0, 5015.0, 5025.0, 5105.0, 5200.0, -3.0])
    y = np.array([10000.0, 10049.9, 10000.0, 10055.0, 10055.0, 10055.0, 10005.0, 10250.0,
                  10000.0])
    row, place = settle(cells, x, y)
    wards, lsoas = cells.ward_code.to_pylist(), cells.lsoa_code.to_pylist()
    assert [wards[r] if r >= 0 else None for r in row] == [
        "W1", "W1", "W2", "W1", "W1", "W1", "W3", None, None]
    assert [lsoas[r] if r >= 0 else None for r in row][:7] == [
        "L1", "L1", "L3", "L2", "L2", "L2", "L9"]
    # place: -1 none, -2 for PostGIS to find (a 10 m cell of a place cell not settled)
    assert place.tolist() == [-1, -1, -1, 7, -1, -2, -1, -1, -1]


def test_a_large_extent_is_looked_up_in_sorted_keys(monkeypatch) -> None:
    """A region's or a country's 10 m cells would not fit a dense array: the same answers
    come from sorted keys."""
    from geo.ingest import _cells as cells_module

    x = np.array([5000.0, 5049.9, 5050.0, 5005.0, 5015.0, 5025.0, 5105.0, 5200.0, -3.0])
    y = np.array([10000.0, 10049.9, 10000.0, 10055.0, 10055.0, 10055.0, 10005.0, 10250.0,
                  10000.0])
    dense = settle(_cells(), x, y)
    monkeypatch.setattr(cells_module, "DENSE_MAX", 0)
    sparse_cells = _cells()
    assert sparse_cells.fine_row.keys is not None and sparse_cells.row.keys is not None
    sparse = settle(sparse_cells, x, y)
    assert dense[0].tolist() == sparse[0].tolist() and dense[1].tolist() == sparse[1].tolist()


def test_split_keeps_every_row_once_and_stages_what_postgis_must_place() -> None:
    cells = _cells()
    x = np.array([5000.0, 5025.0, np.nan, 7000.0, 5060.0])
    y = np.array([10000.0, 10060.0, np.nan, 9000.0, 10010.0])
    n = len(x)
    cols = {"source_row": np.arange(2, n + 2), "month": np.full(n, "2024-01-01", "datetime64[D]"),
            "occurred_at": np.full(n, "NaT", "datetime64[s]"),
            "harm_type": np.full(n, "cce", object), "risk_level": np.full(n, None, object),
            "age_band": np.full(n, None, object), "person_key": np.full(n, None, object)}
    ward = np.array([None, None, "W9", None, None], dtype=object)
    direct, staged = split(cols, x, y, ward, np.full(n, None, object), cells)
    assert sorted(direct["source_row"].to_pylist() + staged["source_row"].to_pylist()) == [
        2, 3, 4, 5, 6]
    # rows 2 and 6 lie in area cells near no place: ward and LSOA from the cell
    assert direct.select(["source_row", "ward_code", "lsoa_code"]).to_pylist() == [
        {"source_row": 2, "ward_code": "W1", "lsoa_code": "L1"},
        {"source_row": 6, "ward_code": "W2", "lsoa_code": "L3"}]
    got = {r["source_row"]: r for r in staged.to_pylist()}
    assert (got[3]["ward_code"], got[3]["unsettled"], got[3]["near_place"]) == ("W1", False, True)
    assert (got[5]["ward_code"], got[5]["unsettled"], got[5]["near_place"]) == (None, True, False)
    assert (got[4]["ward_code"], got[4]["geom"], got[4]["hex_i"]) == ("W9", None, None)
    assert staged["source_row"].to_pylist()[-1] == 4  # rows without a point come last
