"""Monthly rollups (migration 0018, issue #21): after every load, purge and boundary reload
the rollup tables hold exactly what a fresh GROUP BY of incident gives (n and cell key ck,
per extract), and the pages count from them what they counted from incident, for every
filter and for a partner who sees one area only.

Its own database (boundaries and places only, then small incident files made here), so
the property test can load and purge at will.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from conftest import VISIBLE_INCIDENTS, database_name, from_template, reader
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

import geo.ingest._file
from geo.config import PROJECT_ROOT, Settings, get_settings
from geo.filters import Filters
from geo.ingest import load
from geo.services import pages
from geo.services.retention import purge
from geo.store import counts, db, rollup_schema

pytestmark = pytest.mark.db

SAMPLE = PROJECT_ROOT / "sample_data"
KEY = "(hashint8extended(incident_id, (SELECT seed FROM disclosure_key)) & 255)::int"
#: the tables as declared (geo/store/rollup_schema.py; tests/test_rollup_schema.py checks
#: the database holds exactly these): each unit's key columns, each level's
UNITS = {u: ", ".join(key) for u, key in rollup_schema.UNITS.items()}
LEVELS = {level: ", ".join(c for c in cols if c != "area_code")
          for level, cols in rollup_schema.LEVELS}
HARMS = ("cse", "cce", "missing", "robbery", "serious_youth_violence")
RISKS = ("low", "medium", "high", "")
AGES = ("u10", "10-13", "14-15", "16-17", "")
#: the purge's "today": its cut-offs fall inside the months the files cover (2021-2024)
TODAY = date(2025, 1, 1)
OTHER_AREA = "E08000099"


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A database of its own with the real boundaries and places, no incidents."""
    return from_template(get_settings().model_copy(
        update={"database_name": database_name("rollups")}), "boundaries")


@pytest.fixture
def own_rs() -> Settings:
    """A database of its own for a test that counts every extract and month it holds
    (the module's other tests, in any order, load into ``rs``)."""
    return from_template(get_settings().model_copy(
        update={"database_name": database_name("rollups_own")}), "boundaries")


@pytest.fixture(scope="module")
def spots(rs: Settings) -> np.ndarray:
    """A point inside each ward (BNG metres): where the files' incidents are put."""
    with db.connect("superuser", rs) as conn:
        rows = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                            "FROM ward ORDER BY ward_code) s").fetchall()
    return np.array(rows, dtype=float)


_files = iter(range(10**6))


def incidents_file(folder: Path, spots: np.ndarray, seed: int, rows: int, first: date,
                   months: int) -> Path:
    """``rows`` incidents over ``months`` from ``first`` (and about a tenth as many again,
    each a copy of the one before but for its harm type): most at points near a ward's
    inside point (up to 400 m off, so some near places, some across boundaries), some
    located only by a ward or LSOA code; blank risk levels and age bands among them; most
    with a time and a young person's id from a small pool."""
    rng = np.random.default_rng(seed)
    lines = ["month,occurred_at,harm_type,risk_level,age_band,person_id,easting,northing,"
             "ward_code"]
    with_code = rng.random(rows) < 0.1
    for k in range(rows):
        m = first.month - 1 + int(rng.integers(0, months))
        month = f"{first.year + m // 12}-{m % 12 + 1:02d}"
        harm, risk, age = (str(rng.choice(v)) for v in (HARMS, RISKS, AGES))
        x, y = spots[rng.integers(0, len(spots))] + rng.normal(0, 200, 2)
        # some with a time (a few days a month, so repeats), some keyed (a small pool of
        # people, so the same person at the same place and day in several files)
        when = (f"{month}-{int(rng.integers(1, 4)):02d} {int(rng.integers(0, 24)):02d}:00"
                if rng.random() < 0.6 else "")
        person = f"YP{int(rng.integers(0, 12))}" if rng.random() < 0.7 else ""
        if with_code[k]:
            lines.append(f"{month},{when},{harm},{risk},{age},{person},,,E05011118")
        else:
            lines.append(f"{month},{when},{harm},{risk},{age},{person},{x:.0f},{y:.0f},")
        if rng.random() < 0.1:  # the same person, place and day again (another harm)
            lines.append(lines[-1].replace(f",{harm},", f",{rng.choice(HARMS)},", 1))
    path = folder / f"incidents_{seed}_{next(_files)}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def differences(s: Settings) -> dict[str, int]:
    """For each rollup table, how many of its keys' sums differ from a fresh GROUP BY of
    incident (per extract, as the rollups are kept) in either direction; and each table's
    total against the incidents'; and the keys written more than once (one row per extract
    and key: the sums per key are compared, as every reader sums)."""
    out: dict[str, int] = {}
    with db.connect("superuser", s) as conn:
        total = conn.execute("SELECT count(*) FROM incident").fetchone()[0]
        for unit, cols in UNITS.items():
            for level, dims in LEVELS.items():
                table = f"rollup_{unit}{level}"
                key = f"extract_id, {cols}, {dims}, area_code"
                # fixed names only (S608): this module's tables and columns
                fresh = (f"SELECT {key}, count(*)::int AS n, (sum({KEY}) & 255)::int AS ck "  # noqa: S608
                         f"FROM incident GROUP BY {key}")
                kept = (f"SELECT {key}, sum(n)::int, (sum(ck) & 255)::int "  # noqa: S608
                        f"FROM {table} GROUP BY {key}")
                diff = conn.execute(f"SELECT count(*) FROM (({fresh} EXCEPT ALL {kept}) "  # noqa: S608
                                    f"UNION ALL ({kept} EXCEPT ALL {fresh})) d").fetchone()[0]
                # and one row a key: a load writes each of its keys once
                diff += conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} "  # noqa: S608
                                     f"GROUP BY {key} HAVING count(*) > 1) d").fetchone()[0]
                summed = conn.execute(f"SELECT coalesce(sum(n), 0) FROM {table}"  # noqa: S608
                                      ).fetchone()[0]
                out[table] = diff + abs(summed - total)
    return out


#: rollup_place_person (migration 0019) as a fresh DISTINCT from incident gives it
PLACE_PERSON = ("SELECT DISTINCT extract_id, area_code, place_id, month, "
                "coalesce(occurred_at::date, month) AS day, person_key FROM incident "
                "WHERE place_id IS NOT NULL AND person_key IS NOT NULL")


def place_person_differences(s: Settings) -> int:
    """Rows of rollup_place_person not in a fresh DISTINCT of incident, and the other way
    round (repeats counted: the table holds each once)."""
    kept = ("SELECT extract_id, area_code, place_id, month, day, person_key "
            "FROM rollup_place_person")
    with db.connect("superuser", s) as conn:
        return int(conn.execute(f"SELECT count(*) FROM (({PLACE_PERSON} EXCEPT ALL {kept}) "  # noqa: S608
                                f"UNION ALL ({kept} EXCEPT ALL {PLACE_PERSON})) d"
                                ).fetchone()[0])


def assert_rollups_fresh(s: Settings) -> None:
    found = differences(s)
    assert set(found) == {f"rollup_{u}{lv}" for u in UNITS for lv in LEVELS}
    assert not any(found.values()), {t: d for t, d in found.items() if d}
    assert place_person_differences(s) == 0


def raw_counts(conn: psycopg.Connection[Any], unit: str, f: Filters, by_month: bool,
               by_harm: bool) -> set[tuple[Any, ...]]:
    """What the counting queries gave before the rollups: a GROUP BY of incident, with the
    row-level security of the ``reader`` connection ``conn`` (as the pages' definer
    functions read)."""
    cols = {"hex": "hex_i || ':' || hex_j"}.get(unit, f"{UNITS[unit]}::text")
    key = (f"{cols}" + (", month" if by_month else "") + (", harm_type" if by_harm else ""))
    q = (f"SELECT {key}, count(*), (sum({KEY}) & 255)::int FROM incident "  # noqa: S608
         f"WHERE {UNITS[unit].split(',')[0]} IS NOT NULL "
         "AND month >= %(start)s AND month <= %(end)s "
         "AND (%(harms)s::text[] IS NULL OR harm_type = ANY(%(harms)s::text[])) "
         "AND (%(risks)s::text[] IS NULL OR risk_level = ANY(%(risks)s::text[])) "
         "AND (%(ages)s::text[] IS NULL OR age_band = ANY(%(ages)s::text[])) "
         f"GROUP BY {key}")
    return {tuple(_plain(v) for v in r) for r in conn.execute(q, f.params())}


def _plain(v: Any) -> Any:
    return v.isoformat()[:10] if hasattr(v, "isoformat") else v


def page_counts(conn: psycopg.Connection[Any], unit: str, f: Filters, by_month: bool,
                by_harm: bool) -> set[tuple[Any, ...]]:
    """What the store's counting (the pages' reads) gives now, from the rollups, on the
    dashboard connection ``conn``."""
    frame = counts.counts(conn, unit, f, by_month=by_month, by_harm=by_harm)  # type: ignore[arg-type]
    cols = ["unit_id"] + (["month"] if by_month else []) + (["harm_type"] if by_harm else [])
    return {tuple(_plain(v) for v in r) + (int(n), int(ck))
            for r, n, ck in zip(frame[cols].itertuples(index=False, name=None), frame["n"],
                                frame["ck"], strict=True)}


FILTERS = (Filters(), Filters(date(2022, 1, 1), date(2022, 12, 1)),
           Filters(harms=("cse", "missing")), Filters(risks=("high",)),
           Filters(ages=("14-15", "u10")),
           Filters(date(2021, 6, 1), date(2023, 3, 1), harms=("robbery",),
                   risks=("low", "medium"), ages=("16-17",)))


def assert_pages_count_as_raw(s: Settings, areas: tuple[str, ...]) -> None:
    """Every unit, filter and breakdown: the pages' counts (a dashboard connection seeing
    ``areas``) are the raw GROUP BY's (a reader with their pass); one connection of each
    for all the comparisons (a connection each made most of the work)."""
    with reader(s, areas) as raw, db.connect("dashboard", s, areas=areas) as page:
        for unit in UNITS:
            for f in FILTERS:
                for by_month, by_harm in ((False, False), (True, False), (True, True)):
                    want = raw_counts(raw, unit, f, by_month, by_harm)
                    got = page_counts(page, unit, f, by_month, by_harm)
                    assert got == want, (unit, f, by_month, by_harm)


def test_loads_purge_and_boundary_reload_keep_the_rollups_exact(
        own_rs: Settings, spots: np.ndarray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs = own_rs
    assert_rollups_fresh(rs)  # none yet
    for seed, first, months in ((1, date(2021, 1, 1), 24), (2, date(2022, 6, 1), 18)):
        # the second as a large file is loaded: most rows placed by the loader's cells and
        # summed by it (geo/ingest/_rollups.py), the rest by PostGIS and SQL
        monkeypatch.setattr(geo.ingest._file, "CELLS_MIN_LINES", 0 if seed == 2 else 8_000)
        res = load("incidents", incidents_file(tmp_path, spots, seed, 1500, first, months),
                   actor="tests", settings=rs)
        assert res.status == "loaded" and res.rows_loaded > 1300, res.message
        assert_rollups_fresh(rs)
    with db.connect("superuser", rs) as conn:
        # the second's rows were placed both ways (cells; PostGIS)
        assert conn.execute("SELECT count(*) FILTER (WHERE geom IS NULL) > 50 "
                            "FROM incident WHERE extract_id = (SELECT max(extract_id) "
                            "FROM extract WHERE kind = 'incidents')").fetchone()[0]
    with db.connect("superuser", rs) as conn:  # the second file's months overlap the first's
        assert conn.execute("SELECT count(*) FROM (SELECT ward_code, month, harm_type "
                            "FROM rollup_ward_harm GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
                            ).fetchone()[0] > 0
    assert_pages_count_as_raw(rs, ("*",))
    with db.connect("superuser", rs) as conn:  # keyed rows, some repeated within and across files
        kept, keyed = conn.execute(
            "SELECT (SELECT count(*) FROM rollup_place_person), count(*) FROM incident "
            "WHERE place_id IS NOT NULL AND person_key IS NOT NULL").fetchone()
        assert 0 < kept < keyed, (kept, keyed)
        assert conn.execute("SELECT count(DISTINCT extract_id) FROM rollup_place_person"
                            ).fetchone()[0] == 2

    before = differences(rs)
    done = purge(48, actor="tests", today=TODAY, settings=rs)  # cut-off 2021-01: nothing
    assert done["incidents"] == 0 and differences(rs) == before
    done = purge(42, actor="tests", today=TODAY, settings=rs)  # cut-off 2021-07
    assert done["incidents"] > 0
    assert_rollups_fresh(rs)
    with db.connect("superuser", rs) as conn:
        assert conn.execute("SELECT min(month) FROM rollup_hex").fetchone()[0] == date(2021, 7, 1)
    assert_pages_count_as_raw(rs, ("*",))

    # a boundary reload: the places again, renamed (the next test moves wards to an area)
    places = json.loads((SAMPLE / "places.geojson").read_text())
    for feat in places["features"]:
        feat["properties"]["name"] = feat["properties"]["name"] + " (renamed)"
    (tmp_path / "places.geojson").write_text(json.dumps(places))
    assert load("places", tmp_path / "places.geojson", actor="tests",
                settings=rs).status == "loaded"
    assert_rollups_fresh(rs)


def rollup_tables(s: Settings) -> dict[str, tuple[str, int]]:
    """Each table of the rollup tables (their partitions, migration 0027): its parent
    and its rows."""
    with db.connect("superuser", s) as conn:
        parts = conn.execute(
            "SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
            "i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname LIKE "
            "'rollup\\_%'").fetchall()
        return {name: (parent, conn.execute(f"SELECT count(*) FROM {name}"  # noqa: S608
                                            ).fetchone()[0]) for name, parent in parts}


def test_a_load_writes_its_rollups_into_tables_of_its_own_and_a_purge_drops_them(
        own_rs: Settings, spots: np.ndarray, tmp_path: Path) -> None:
    """A load copies its rollup rows into tables of its own, attached to the rollup tables
    in its transaction (migration 0027); the loader may not write them afterwards; a purge
    that leaves none of the extract's incidents drops them with its incidents' table."""
    rs = own_rs
    res = load("incidents", incidents_file(tmp_path, spots, 3, 400, date(2023, 1, 1), 6),
               actor="tests", settings=rs)
    assert res.status == "loaded", res.message
    tables = rollup_tables(rs)
    mine = {name: n for name, (parent, n) in tables.items()
            if name == f"{parent}_x{res.extract_id}"}
    assert len(mine) == len(UNITS) * len(LEVELS) and all(mine.values()), tables
    # every rollup row is in the extract's tables: there is no default partition
    assert set(tables) == set(mine), tables
    assert_rollups_fresh(rs)
    with db.connect("loader", rs) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"INSERT INTO rollup_ward_x{res.extract_id} SELECT * FROM rollup_ward")  # noqa: S608
    done = purge(1, actor="tests", today=TODAY, settings=rs)  # cut-off 2024-12: every month
    assert done["incidents"] == res.rows_loaded
    assert not rollup_tables(rs)
    assert_rollups_fresh(rs)


def test_pages_read_the_rollups_while_a_load_is_open_after_its_attach(
        own_rs: Settings, spots: np.ndarray, tmp_path: Path) -> None:
    """A load attaches its rollup tables inside its transaction. With no default
    partition (migration 0027) the attach takes only SHARE UPDATE EXCLUSIVE on each
    rollup table, so a page reading the rollups while the load is still open (as a
    police.uk archive's members stay open until the last) is never made to wait: it sees
    the rollups as they were, and the load's rows once it commits."""
    rs = own_rs
    first = load("incidents", incidents_file(tmp_path, spots, 5, 200, date(2023, 1, 1), 3),
                 actor="tests", settings=rs)
    assert first.status == "loaded", first.message
    month_total = "SELECT coalesce(sum(n), 0)::bigint FROM rollup_ward_month"
    seen: list[int] = []

    def read_meanwhile(step: str) -> None:
        if step != "audited":  # after the attach, before the commit
            return
        with db.connect("superuser", rs) as other:
            other.execute("SET lock_timeout = '5s'")  # a wait would fail, not hang
            seen.append(other.execute(month_total).fetchone()[0])  # type: ignore[index]
            with reader(rs) as page:  # as a page's definer function reads
                page.execute("SET lock_timeout = '5s'")
                seen.append(page.execute(VISIBLE_INCIDENTS).fetchone()[0])  # type: ignore[index]

    second = load("incidents", incidents_file(tmp_path, spots, 6, 300, date(2023, 6, 1), 3),
                  actor="tests", settings=rs, on_step=read_meanwhile)
    assert second.status == "loaded", second.message
    assert seen == [first.rows_loaded, first.rows_loaded]
    with db.connect("superuser", rs) as conn:
        assert conn.execute(month_total).fetchone()[0] == (  # type: ignore[index]
            first.rows_loaded + second.rows_loaded)


def test_a_partner_of_one_area_counts_from_the_rollups_what_incident_shows_them(
        rs: Settings, spots: np.ndarray, tmp_path: Path) -> None:
    """Five wards move to another area (a boundary reload); incidents loaded after are
    that area's. Its partner, Birmingham's, and everyone see from the rollups exactly the
    counts a GROUP BY of incident gives them under row-level security."""
    wards = json.loads((SAMPLE / "birmingham_wards_2018_bng.geojson").read_text())
    moved = sorted(wards["features"], key=lambda f: f["properties"]["WardCode"])[:5]
    for feat in moved:
        feat["properties"] = {"code": feat["properties"]["WardCode"],
                              "name": feat["properties"]["Ward"],
                              "area_code": OTHER_AREA, "area_name": "Elsewhere"}
    wards["features"] = moved
    (tmp_path / "wards.geojson").write_text(json.dumps(wards))
    res = load("wards", tmp_path / "wards.geojson", actor="tests", settings=rs)
    assert res.status == "loaded", res.message
    assert_rollups_fresh(rs)
    res = load("incidents", incidents_file(tmp_path, spots, 3, 2000, date(2022, 1, 1), 24),
               actor="tests", settings=rs)
    assert res.status == "loaded", res.message
    assert_rollups_fresh(rs)
    with db.connect("superuser", rs) as conn:
        areas = dict(conn.execute("SELECT area_code, count(*) FROM incident GROUP BY 1"
                                  ).fetchall())
    assert areas.get(OTHER_AREA, 0) > 50 and areas.get("E08000025", 0) > 1000, areas
    for seen in ((OTHER_AREA,), ("E08000025",), ("*",)):
        assert_pages_count_as_raw(rs, seen)
    with _pages_on(rs):  # the pages' own reads (pooled connections), as a partner
        got = pages.monthly((OTHER_AREA,), "ward", Filters())
        period = pages.period((OTHER_AREA,))
    assert int(got["n"].sum()) == areas[OTHER_AREA]
    assert set(got["unit_id"]) <= {f["properties"]["code"] for f in moved}
    with reader(rs, (OTHER_AREA,)) as conn:
        assert period == tuple(conn.execute("SELECT min(month), max(month) FROM incident"
                                            ).fetchone())
    with reader(rs, ("",)) as conn:  # no area: nothing (fails closed)
        assert conn.execute("SELECT count(*) FROM rollup_hex_month").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM rollup_place_person").fetchone()[0] == 0
    with db.connect("dashboard", rs, areas=("",)) as conn:  # and the pages' reads of them
        assert conn.execute(db.sql("counts_hex"), Filters().params() | {
            "by_month": True, "by_harm": False}).fetchall() == []
        assert counts.keyed_at_places(conn, Filters()).empty
    # the complex-strategy flag's keyed rows: a partner reads their area's only, each as a
    # fresh DISTINCT of the incidents incident shows them
    wide = Filters(date(2000, 1, 1), date(2100, 1, 1))
    with db.connect("superuser", rs) as conn:
        by_area = dict(conn.execute("SELECT area_code, count(*) FROM rollup_place_person "
                                    "GROUP BY 1").fetchall())
    assert by_area.get(OTHER_AREA, 0) > 0 and by_area.get("E08000025", 0) > 0, by_area
    for seen in ((OTHER_AREA,), ("E08000025",), ("*",)):
        with db.connect("dashboard", rs, areas=seen) as conn:
            got = counts.keyed_at_places(conn, wide)
        with reader(rs, seen) as conn:
            want = conn.execute("SELECT place_id, person_key, coalesce(occurred_at::date, "
                                "month) FROM incident WHERE place_id IS NOT NULL "
                                "AND person_key IS NOT NULL").fetchall()
            areas_seen = {r[0] for r in conn.execute(
                "SELECT DISTINCT area_code FROM rollup_place_person").fetchall()}
        assert areas_seen == ({"E08000025", OTHER_AREA} if seen == ("*",) else set(seen))
        assert len(got) == sum(by_area[a] for a in areas_seen)
        assert set(map(tuple, got[["place_id", "person_key", "when"]].itertuples(
            index=False))) == set(want)


@contextmanager
def _pages_on(s: Settings) -> Iterator[None]:
    """``geo.services.pages`` reads the configured database: this module's, for a while."""
    old = os.environ.get("CONTEXTS_DATABASE_NAME")
    os.environ["CONTEXTS_DATABASE_NAME"] = s.database_name
    get_settings.cache_clear()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CONTEXTS_DATABASE_NAME", None)
        else:
            os.environ["CONTEXTS_DATABASE_NAME"] = old
        get_settings.cache_clear()


_OPS = st.lists(st.one_of(
    # the last: the loader's cells place most rows (as for any file of 8,000 lines or
    # more), which it sums itself; else PostGIS places every row, summed in SQL
    st.tuples(st.just("load"), st.integers(10, 10**6), st.integers(1, 400),
              st.integers(0, 40), st.integers(1, 18), st.booleans()),
    st.tuples(st.just("purge"), st.integers(24, 50)),
), min_size=1, max_size=4)


@hyp_settings(max_examples=10, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_rollups_equal_a_fresh_count_after_any_loads_and_purges(
        rs: Settings, spots: np.ndarray, tmp_path: Path, ops: list[tuple[int | str, ...]]
) -> None:
    for op in ops:
        if op[0] == "load":
            _, seed, rows, start, months, cells = op
            m = 2021 * 12 + int(start)
            with pytest.MonkeyPatch.context() as mp:
                if cells:
                    mp.setattr(geo.ingest._file, "CELLS_MIN_LINES", 0)
                res = load("incidents", incidents_file(
                    tmp_path, spots, int(seed), int(rows), date(m // 12, m % 12 + 1, 1),
                    int(months)), actor="tests", settings=rs)
            assert res.status in ("loaded", "already_loaded"), res.message
        else:
            purge(int(op[1]), actor="tests", today=TODAY, settings=rs)
        assert_rollups_fresh(rs)
