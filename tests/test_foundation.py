"""The ground: private cluster, PostGIS, migrations, roles, geometry typmods, wards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from geo.config import PROJECT_ROOT
from geo.store import db

TABLES = [
    "area",
    "ward",
    "lsoa",
    "place",
    "extract",
    "incident",
    "quarantine",
    "intervention",
    "location_assessment",
    "audit_log",
    "app_user",
    "harm_type",
    "population",
]


def test_cluster_runs_postgis(admin: psycopg.Connection) -> None:
    version = admin.execute("SELECT postgis_full_version()").fetchone()[0]
    assert "POSTGIS=" in version
    sock = admin.execute("SHOW unix_socket_directories").fetchone()[0]
    # The socket is in var/pg/run of the checkout (as root var/pg links to the cluster's
    # folder under the state directory, which the server user can reach).
    assert Path(sock).resolve() == (PROJECT_ROOT / "var" / "pg" / "run").resolve()
    assert admin.execute("SHOW listen_addresses").fetchone()[0] == ""


def test_migrations_are_recorded_and_idempotent(settings, admin: psycopg.Connection) -> None:
    before = admin.execute("SELECT version, sha256 FROM schema_migration ORDER BY 1").fetchall()
    assert [v for v, _ in before] == [v for v, _ in db.migration_files()]
    with db.connect("superuser", settings) as conn:
        assert db.migrate(conn) == []
    after = admin.execute("SELECT version, sha256 FROM schema_migration ORDER BY 1").fetchall()
    assert before == after


@pytest.mark.parametrize("table", TABLES)
def test_dashboard_role_cannot_write(settings, table: str) -> None:
    with db.connect("dashboard", settings) as conn:
        for stmt in (
            f"DELETE FROM {table}",  # noqa: S608 - fixed table names
            f"UPDATE {table} SET {'code' if table == 'harm_type' else 'extract_id'} = NULL"  # noqa: S608
            if table not in ("audit_log", "app_user", "harm_type", "extract")
            else f"DELETE FROM {table} WHERE false",  # noqa: S608
            f"INSERT INTO {table} DEFAULT VALUES",
        ):
            with pytest.raises(
                (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)
            ):
                conn.execute(stmt)
            conn.rollback()
        # the app's connection cannot open a read-write transaction (migration 0010's guard
        # runs first in every transaction)...
        with pytest.raises(psycopg.errors.ActiveSqlTransaction):
            conn.execute("BEGIN READ WRITE")
        conn.rollback()
    # ...and even in one, on a session of its own, the privileges do not allow it
    with psycopg.connect(db.dsn("dashboard", settings), autocommit=True) as raw:
        raw.execute("BEGIN READ WRITE")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute(f"DELETE FROM {table}")  # noqa: S608
        raw.execute("ROLLBACK")


def test_dashboard_role_settings(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "10s"
        assert conn.execute("SELECT current_user").fetchone()[0] == "contexts_dashboard"


def test_dashboard_statement_timeout_cancels_long_query(settings) -> None:
    with db.connect("dashboard", settings) as conn:
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(10.5)")


def test_geometry_rejects_wrong_srid(admin: psycopg.Connection) -> None:
    wgs84 = "SRID=4326;MULTIPOLYGON(((-1.9 52.4,-1.8 52.4,-1.8 52.5,-1.9 52.4)))"
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="SRID"):
        admin.execute(
            "INSERT INTO ward (ward_code, name, area_code, geom) "
            "VALUES ('E05999999', 'x', 'E08000025', %s::geometry)",
            (wgs84,),
        )
    point = "SRID=27700;POINT(407000 286000)"
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        admin.execute(
            "INSERT INTO ward (ward_code, name, area_code, geom) "
            "VALUES ('E05999999', 'x', 'E08000025', %s::geometry)",
            (point,),
        )


def test_geometry_columns_have_typmods_and_gist(admin: psycopg.Connection) -> None:
    rows = admin.execute(
        "SELECT f_table_name, type, srid FROM geometry_columns "
        "WHERE f_table_schema = 'public' ORDER BY 1"
    ).fetchall()
    assert {r[0] for r in rows} >= {"area", "ward", "lsoa", "place", "incident"}
    assert all(srid == 27700 for _, _, srid in rows)
    gist = {
        r[0]
        for r in admin.execute(
            "SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist%'"
        ).fetchall()
    }
    assert gist >= {"area", "ward", "lsoa", "place"}
    # incident has no spatial index on purpose: no query uses one (migration 0007)
    incident = {r[0] for r in admin.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'incident'").fetchall()}
    assert incident == {"incident_pkey", "incident_month", "incident_ward_month",
                        "incident_place_month"}


def test_the_69_wards_are_loaded(admin: psycopg.Connection) -> None:
    n, lo, hi, km2 = admin.execute(
        "SELECT count(*), min(ward_code), max(ward_code), sum(ST_Area(geom)) / 1e6 FROM ward"
    ).fetchone()
    assert (n, lo, hi) == (69, "E05011118", "E05011186")
    codes = {r[0] for r in admin.execute("SELECT ward_code FROM ward")}
    assert codes == {f"E05011{k}" for k in range(118, 187)}
    assert km2 == pytest.approx(267.8, abs=0.1)


def test_db_url_reaches_the_same_database(settings) -> None:
    env_url = subprocess.run(
        [sys.executable, "-m", "geo.cli", "db", "url"], check=True, capture_output=True, text=True
    ).stdout.strip()
    out = subprocess.run(
        ["psql", env_url, "-Atc", "SELECT count(*) FROM ward"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert out == "69"


def test_incident_references_are_checked(admin: psycopg.Connection) -> None:
    extract = admin.execute("SELECT min(extract_id) FROM extract").fetchone()[0]
    ok = ("INSERT INTO incident (extract_id, source_row, month, harm_type, ward_code) "
          "VALUES (%s, 1, '2024-01-01', %s, %s)")
    with admin.transaction(force_rollback=True):
        admin.execute(ok, (extract, "cse", "E05011151"))
    for harm, ward in (("no_such_harm", "E05011151"), ("cse", "E05999999")):
        with pytest.raises(psycopg.errors.ForeignKeyViolation), admin.transaction():
            admin.execute(ok, (extract, harm, ward))
    with db.connect("loader", None) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM ward WHERE false")


def test_hex_cells_agree_in_numpy_sql_and_postgis(admin: psycopg.Connection) -> None:
    import numpy as np

    from geo.stats import grid

    rng = np.random.default_rng(9)
    x = rng.uniform(400_000, 415_000, 300)
    y = rng.uniform(280_000, 295_000, 300)
    i, j = grid.hex_index(x, y, 250)
    rows = admin.execute(
        "SELECT p.n, contexts_hex(p.x, p.y, 250), h.i, h.j FROM "
        "unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(x, y, n) "
        "JOIN ST_HexagonGrid(250, ST_MakeEnvelope(399000, 279000, 416000, 296000, 27700)) h "
        "ON ST_Intersects(h.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 27700)) ORDER BY p.n",
        (x.tolist(), y.tolist())).fetchall()
    assert len(rows) == 300
    for n, sql_cell, hi, hj in rows:
        assert sql_cell == [hi, hj] == [int(i[n - 1]), int(j[n - 1])]
