"""The monthly rollups are declared once (``geo/store/rollup_schema.py``) and every place
that spells them out agrees with it: the SQL generated from it is up to date, the loader
sums exactly its tables with their columns and types, the database's catalogue (after
every migration) holds exactly its tables with their columns, types and row-level
security, and no other statement names a rollup table it does not declare. A rollup added
in one place only (a migration, the declaration, a statement) fails one of these.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from conftest import database_name, from_template

from geo.config import get_settings
from geo.ingest._rollups import Rollups
from geo.store import counts, db, rollup_schema
from geo.store.named import FUNCTIONS_DIR, QUERIES_DIR

#: the SQL type of each Arrow type the loader writes (binary COPY into the table's copy)
ARROW_SQL = {pa.int64(): "bigint", pa.int32(): "integer", pa.int16(): "smallint",
             pa.string(): "text", pa.date32(): "date"}


def test_the_generated_sql_is_up_to_date() -> None:
    stale = [str(path) for path, text in rollup_schema.generated().items()
             if not path.is_file() or path.read_text() != text]
    assert not stale, ("edited by hand or the declaration changed: run "
                       f"`python -m geo.store.rollup_schema` ({stale})")


def test_the_declaration_has_twelve_tables_of_unit_and_level() -> None:
    names = [t.name for t in rollup_schema.TABLES]
    assert len(names) == len(set(names)) == 12
    assert names[:3] == ["rollup_ward", "rollup_ward_harm", "rollup_ward_month"]
    assert rollup_schema.RollupTable("hex", "_harm").columns == (
        "extract_id", "hex_i", "hex_j", "month", "harm_type", "area_code", "n", "ck")
    # every table's columns have a type; a page's counting read covers every level
    for cols in rollup_schema.catalogue().values():
        assert all(typ for _, typ, _ in cols)
    assert set(counts.UNITS) == set(rollup_schema.UNITS)  # the units the store counts
    for unit in rollup_schema.UNITS:
        text = rollup_schema.page_counts_function_sql(unit)
        assert [t.name for t in rollup_schema.TABLES if t.unit == unit] == sorted(
            re.findall(r"FROM public\.(rollup_\w+)", text), key=len)


def _incident_rows() -> tuple[pa.Table, np.ndarray]:
    """Five incidents as ``_cells.split`` hands them to the loader: one at no unit at all."""
    months = [date(2024, 1, 1), date(2024, 1, 1), date(2024, 2, 1), date(2024, 2, 1),
              date(2024, 2, 1)]
    rows = pa.table({
        "month": pa.array(months, pa.date32()),
        "harm_type": pa.array(["cse", "cse", "cce", "cse", "missing"]),
        "risk_level": pa.array(["high", "high", None, "low", "low"]),
        "age_band": pa.array(["u10", "u10", "14-15", None, "16-17"]),
        "area_code": pa.array(["E08000025"] * 5),
        "ward_code": pa.array(["E05011155", "E05011155", "E05011156", "E05011156", None]),
        "lsoa_code": pa.array(["E01000001", "E01000001", "E01000002", "E01000003", None]),
        "place_id": pa.array([3, 3, None, 4, None], pa.int64()),
        "hex_i": pa.array([1090, 1090, 1091, 1091, None], pa.int32()),
        "hex_j": pa.array([669, 669, 670, 670, None], pa.int32()),
    })
    return rows, np.arange(1, 6, dtype=np.int64) + (9 << 32)


def test_the_loader_sums_the_declared_tables_with_their_columns_and_types() -> None:
    rollups = Rollups(9, seed=12345)
    rows, ids = _incident_rows()
    rollups.add(rows, ids)
    written = list(rollups.tables())
    declared = rollup_schema.catalogue()
    assert [name for name, _ in written] == [t.name for t in rollup_schema.TABLES]
    for name, table in written:
        assert tuple((f.name, ARROW_SQL[f.type]) for f in table.schema) == tuple(
            (c, typ) for c, typ, _ in declared[name]), name
        assert sum(table["n"].to_pylist()) == 5, name  # every incident once
    by = dict(written)
    assert sorted(by["rollup_ward_month"]["n"].to_pylist()) == [1, 2, 2]  # NULL ward too


@pytest.mark.db
def test_the_database_holds_exactly_the_declared_rollups() -> None:
    """Read from the catalogue of a database every migration made: a rollup table a
    migration adds and the declaration lacks (or the other way round) fails here."""
    s = from_template(get_settings().model_copy(
        update={"database_name": database_name("rollup_schema")}), "schema")
    with db.connect("superuser", s) as conn:
        found: dict[str, list[tuple[str, str, bool]]] = {}
        for table, col, typ, not_null in conn.execute(
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
                "a.attnotnull FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                "AND NOT a.attisdropped WHERE s.nspname = 'public' AND c.relkind IN "
                "('r', 'p') AND NOT c.relispartition AND c.relname LIKE 'rollup\\_%' "
                "ORDER BY c.relname, a.attnum"):
            found.setdefault(table, []).append((col, typ, not_null))
        secured = conn.execute(
            "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity, "
            "array_agg(p.polname ORDER BY p.polname) FROM pg_class c "
            "JOIN pg_namespace s ON s.oid = c.relnamespace "
            "LEFT JOIN pg_policy p ON p.polrelid = c.oid WHERE s.nspname = 'public' "
            "AND c.relname = ANY(%s) GROUP BY 1, 2", (list(found),)).fetchall()
        # each monthly table partitioned by extract (migration 0027: a load attaches its own)
        partitioned = {r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_partitioned_table t JOIN pg_class c ON c.oid = t.partrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = t.partattrs[0] "
            "WHERE c.relname LIKE 'rollup\\_%' AND t.partstrat = 'l' AND a.attname = 'extract_id'")}
        pages = {r[0] for r in conn.execute(
            "SELECT proname FROM pg_proc WHERE proname LIKE 'contexts\\_page\\_counts\\_%' "
            "AND proname <> 'contexts_page_counts_hex_sized'")}
    assert {t: tuple(c) for t, c in found.items()} == rollup_schema.catalogue()
    assert partitioned == {t for t in found if t != "rollup_place_person"}
    # each under incident's row-level security (migrations 0018, 0019)
    assert len(secured) == len(found)
    for table, forced, policies in secured:
        assert forced and policies == [f"{table}_by_area", f"{table}_writers"], table
    # and the pages count every unit, by a function of its own
    assert pages == {f"contexts_page_counts_{u}" for u in rollup_schema.UNITS}


#: a rollup table a statement reads or writes (the loader's temporary copies and the
#: refresh's rollup_refill are not tables of the schema)
_NAMED = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|LIKE)\s+(?:public\.)?(rollup_\w+)",
                    re.IGNORECASE)


def test_every_statement_names_only_declared_rollups() -> None:
    declared = set(rollup_schema.catalogue())
    named: dict[str, set[str]] = {}
    for path in [*QUERIES_DIR.glob("*.sql"), *FUNCTIONS_DIR.glob("*.sql")]:
        code = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
        for table in _NAMED.findall(code):
            named.setdefault(table, set()).add(path.name)
    unknown = {t: files for t, files in named.items()
               if t not in declared and t != "rollup_refill"}
    assert not unknown, unknown
    # and the purge and the refresh keep every one of them
    for name in ("rollup_purge.sql", "rollup_refresh_delete.sql"):
        assert {t for t, files in named.items() if name in files} == declared, name
    assert {t for t, files in named.items() if "rollup_refresh_insert.sql" in files} == (
        declared | {"rollup_refill"})
