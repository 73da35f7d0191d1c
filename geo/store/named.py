"""The named-SQL runner: every statement the project runs against PostGIS lives in a file
under ``sql/``; code asks for it by name and passes parameters, so no SQL is ever
assembled from user input."""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from typing import Any

import pandas as pd
import psycopg
import psycopg.sql
import pyarrow as pa
import pyarrow.csv as pa_csv

from geo.config import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
QUERIES_DIR = SQL_DIR / "queries"
FUNCTIONS_DIR = SQL_DIR / "functions"


@cache
def sql(name: str) -> str:
    """The text of the named query ``sql/queries/<name>.sql``."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no named query {name!r} in {QUERIES_DIR}")
    return path.read_text()


def statement(name: str, tables: Mapping[str, str] | None = None) -> Any:
    """The named statement, its ``{name}`` placeholders filled with quoted table names."""
    text: Any = sql(name)
    if tables:
        text = psycopg.sql.SQL(text).format(
            **{k: psycopg.sql.Identifier(v) for k, v in tables.items()})
    return text


def execute(
    conn: psycopg.Connection[Any],
    name: str,
    params: Mapping[str, Any] | None = None,
    tables: Mapping[str, str] | None = None,
) -> int:
    """Run a named statement; returns the affected row count. ``tables`` fills the
    statement's ``{name}`` placeholders with quoted table names.
    """
    cur = conn.execute(statement(name, tables), params or {})
    return cur.rowcount


def frame(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run a named query and return its rows as a data frame."""
    cur = conn.execute(sql(name), params or {})
    cols = [c.name for c in cur.description or []]
    return pd.DataFrame(cur.fetchall(), columns=cols)


def arrow(conn: psycopg.Connection[Any], name: str) -> pa.Table:
    """Run a named query (no parameters) through ``COPY ... TO STDOUT`` and read its rows
    with Arrow: for hundreds of thousands of rows, ten times faster than fetching tuples.
    A guarded page-read connection (:class:`geo.store.connect.GuardedConnection`) enters
    its guard first, as its ``execute`` does."""
    query = sql(name).strip().rstrip(";")
    guard = getattr(conn, "guard", None)
    if callable(guard):
        guard()
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(
            f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
        for data in copy:
            buf.write(data)
    buf.seek(0)
    return pa_csv.read_csv(buf)


def scalar(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> Any:
    """The first column of the first row of a named query (None without a row)."""
    row = conn.execute(sql(name), params or {}).fetchone()
    return None if row is None else row[0]
