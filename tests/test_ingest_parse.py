"""Field parsers of an extract (geo/ingest/_parse.py): Arrow's fast paths and pandas'
fallbacks give the same answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.ingest import _parse
from geo.ingest._pseudonym import pseudonym, pseudonymise


def test_timestamps_mixing_utc_offsets_uk_dates_and_bad_values() -> None:
    s = pd.Series(["2023-07-16T15:54:00Z", "", "16/01/2023 10:00",
                   "2023-01-16T10:00:00+05:00", "junk", "2023-01-16"], dtype=str)
    got, bad = _parse.timestamps(s)
    # UTC in summer is an hour behind UK time; a naive time is UK time already
    assert got.astype(str).tolist() == ["2023-07-16T16:54:00", "NaT", "2023-01-16T10:00:00",
                                        "2023-01-16T05:00:00", "NaT", "2023-01-16T00:00:00"]
    assert bad.tolist() == [False, False, False, False, True, False]


def test_timestamps_fast_path_equals_pandas() -> None:
    values = ["2024-03-31 01:30", "", "2024-10-27 23:59", "2023-01-01 00:00"]
    fast, bad = _parse.timestamps(pd.Series(values, dtype=str))
    slow = pd.to_datetime(pd.Series(values), format="ISO8601", errors="coerce")
    assert fast.tolist() == slow.to_numpy(dtype="datetime64[s]").tolist()
    assert not bad.any()


def test_numbers_fast_path_and_fallback() -> None:
    got, bad = _parse.numbers(pd.Series(["412272", "300271.5", "7"], dtype=str))
    assert got.tolist() == [412272.0, 300271.5, 7.0] and not bad.any()
    got, bad = _parse.numbers(pd.Series(["1,234", "", "x", "inf"], dtype=str))
    assert np.isnan(got[1:]).sum() == 2 and got[0] == 1234.0
    assert bad.tolist() == [False, False, True, True]


def test_pseudonyms_of_a_column_trim_and_fold_case() -> None:
    got = pseudonymise(pd.Series(["ab12", "", " AB12 ", None], dtype=str), "demo")
    assert got.tolist() == [pseudonym("ab12", "demo"), None, pseudonym("ab12", "demo"), None]


def test_pseudonyms_remembered_across_chunks_are_the_same(monkeypatch) -> None:
    """The chunks of one file share what they hashed: the same pseudonyms as hashing each
    chunk afresh, a domain's never another's, and the memory bounded (CACHE_MAX)."""
    from geo.ingest import _pseudonym

    monkeypatch.setattr(_pseudonym, "CACHE_MAX", 3)
    seen: dict[str, str | None] = {}
    chunks = [["a1", "B2", "", None], [" a1 ", "c3", "d4", "e5"], ["e5", "A1", "b2"]]
    for chunk in chunks:
        s = pd.Series(chunk, dtype=str)
        assert (pseudonymise(s, "k" * 32, cache=seen).tolist()
                == pseudonymise(s, "k" * 32).tolist())
    assert len(seen) == 3  # "a1", "B2", "" kept; the rest hashed as they came
    crime: dict[str, str | None] = {}
    got = pseudonymise(pd.Series(["a1"], dtype=str), "k" * 32, "crime", cache=crime)
    assert got[0] != seen["a1"] and got[0] == crime["a1"]
