"""Migrations and function files: the schema of ``sql/migrations/`` applied once each, in
order, and the current definitions of ``sql/functions/`` applied whenever they change."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import psycopg

from geo.store.named import FUNCTIONS_DIR, MIGRATIONS_DIR

log = logging.getLogger(__name__)

#: one lock for every run of :func:`migrate`: two at once wait for each other
_MIGRATE_LOCK = 727274

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

_FUNCTION_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_function (
    name       text PRIMARY KEY,
    file       text NOT NULL,
    sha256     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

#: the last migration written before functions moved to ``sql/functions/``: it and those
#: before it are history, left as they were applied (their recorded sha256 must not
#: change); later migrations change the schema only (tests/test_sql_functions.py)
LAST_MIGRATION_WITH_FUNCTIONS = 17

#: a line of a migration asking for a function file before it runs (a policy, trigger or
#: statement of the migration calls it): ``-- needs function: contexts_x``
_NEEDS = re.compile(r"^--\s*needs function:\s*(\w+)\s*$", re.MULTILINE)


def migration_files(folder: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Numbered migrations ``NNNN_name.sql`` of ``folder`` in order."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        head = path.name.split("_", 1)[0]
        if not head.isdigit():
            raise ValueError(f"migration file name must start with a number: {path.name}")
        found.append((int(head), path))
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration files share a number")
    return found


def function_files(folder: Path = FUNCTIONS_DIR) -> list[tuple[str, Path]]:
    """The function files ``NN_<function name>.sql`` of ``folder`` as (function name,
    path), in the order of their numbers: a function comes after those it calls."""
    found = []
    for path in folder.glob("*.sql"):
        head, _, name = path.stem.partition("_")
        if not head.isdigit() or not name:
            raise ValueError(
                f"function file name must be <number>_<function name>.sql: {path.name}")
        found.append((int(head), name, path))
    found.sort()
    names = [name for _, name, _ in found]
    if len(set(names)) != len(names):
        raise ValueError("two function files define the same function")
    return [(name, path) for _, name, path in found]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _apply_functions(conn: psycopg.Connection[Any], files: list[tuple[str, Path]]) -> list[str]:
    """Run each function file whose text changed since it was recorded, or whose function
    is missing; in the caller's transaction. Returns ``functions/<file>`` of each."""
    recorded = dict(conn.execute("SELECT name, sha256 FROM schema_function").fetchall())
    present = {r[0] for r in conn.execute(
        "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")}
    applied = []
    for name, path in files:
        text = path.read_text()
        digest = _digest(text)
        if recorded.get(name) == digest and name in present:
            continue
        try:
            conn.execute(text)
        except psycopg.Error as e:
            e.add_note(f"in the function file {path.name}")
            raise
        conn.execute(
            "INSERT INTO schema_function (name, file, sha256) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET file = excluded.file, "
            "sha256 = excluded.sha256, applied_at = now()",
            (name, path.name, digest))
        applied.append(f"functions/{path.name}")
        log.info("applied function file %s", path.name)
    return applied


def migrate(conn: psycopg.Connection[Any], migrations: Path = MIGRATIONS_DIR,
            functions: Path = FUNCTIONS_DIR) -> list[str]:
    """Apply pending migrations, then the function files that changed; returns the
    applied names (``NNNN_name.sql``, then ``functions/NN_name.sql``).

    Each migration of ``migrations`` runs in its own transaction and is recorded with its
    sha256 in ``schema_migration``; one already recorded is skipped, and one edited after
    it was applied is reported rather than silently ignored. Then, in one transaction,
    each file of ``functions`` (one function's current definition, its owner and
    privileges) is run again if its sha256 differs from the one recorded in
    ``schema_function`` or its function is missing, and recorded; rows of files that are
    gone are removed. Running this twice changes nothing. A migration with a line
    ``-- needs function: <name>`` gets that function file first, in its transaction.
    See ``sql/functions/README.md``.
    """
    conn.autocommit = False
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute(_LEDGER)
        conn.execute(_FUNCTION_LEDGER)
    files = function_files(functions)
    by_name = dict(files)
    applied: list[str] = []
    for version, path in migration_files(migrations):
        text = path.read_text()
        digest = _digest(text)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
            row = conn.execute(
                "SELECT sha256 FROM schema_migration WHERE version = %s", (version,)
            ).fetchone()
            if row:
                if row[0] != digest:
                    raise RuntimeError(f"migration {path.name} changed after it was applied")
                continue
            needs = _NEEDS.findall(text)
            missing = [n for n in needs if n not in by_name]
            if missing:
                raise ValueError(f"migration {path.name} needs function files that do not "
                                 f"exist: {', '.join(missing)}")
            applied += _apply_functions(conn, [(n, by_name[n]) for n in needs])
            try:
                conn.execute(text)
            except psycopg.Error as e:
                e.add_note(f"in the migration {path.name}")
                raise
            conn.execute(
                "INSERT INTO schema_migration (version, name, sha256) VALUES (%s, %s, %s)",
                (version, path.stem, digest),
            )
        applied.append(path.name)
        log.info("applied migration %s", path.name)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        applied += _apply_functions(conn, files)
        gone = conn.execute("DELETE FROM schema_function WHERE NOT name = ANY(%s) RETURNING file",
                            ([n for n, _ in files],)).fetchall()
        for (file,) in gone:
            log.info("function file %s is gone: its row in schema_function removed", file)
    return applied
