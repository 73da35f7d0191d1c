"""The SQL functions live in ``sql/functions/``, one file each, re-applied by ``migrate``.

The static tests read the files; the others make databases of their own in the private
PostGIS cluster (a fresh one per test, dropped after) and migrate them for real.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import psycopg.sql
import pytest
from conftest import cluster_lock, database_name

from geo.config import Settings, get_settings
from geo.ingest import INCIDENT_ID_SHIFT
from geo.store import cluster, db

SQL = db.SQL_DIR
#: the project's roles (migrations 0001, 0003, 0010)
ROLES = set(db.ROLE_LOGINS.values()) | {"contexts_gate"}

#: the sha256 of migrations 0001-0017 as every existing database recorded them in
#: schema_migration: history, never edited (the runner refuses a migration that changed)
HISTORY = {
    1: "948a5b5d493718487ced8ba518ddddac7cd5424f4281d264ba83cb66bdbdf0b9",
    2: "52d5884779b7741b5e279a3738e9e6876eaf3524fdf36bd2b05eec0e0c1e5f81",
    3: "67340e64883812b13a53b1b9b7cb9f8bc2e983053b14fa48ba22e67801a9c9bb",
    4: "ceaa6aa64ef9513ce04d4bf59aeb0f1c400ee69a9896500d266f6c4e98df35b4",
    5: "cff50a57f806adb0abe49d9348126ccf0bdd4879475ea67673c57fae381941d6",
    6: "ed5285b1c5ec9e5d0725366eec41d4282c5569b587246a89b55325c81499be1b",
    7: "53f3f4127d29e7dfe1f02165a0925914e4d6f309d541c1bb388bd8deadc8f2df",
    8: "7dec147e82bb624f23582fad8eb4748116f5f34bd2cbcccb965ed3093370df4b",
    9: "5529d4f7c7ab3952274a8e33c08b444a38de2dc91c380ca62509cffffb898e88",
    10: "edc86883466454e1af9aef5f62f3381b6966de48b6578d5829367b2dfaf24a8e",
    11: "161d30f6bccf0b50ce9d0c96f5a5861a01941da81be112c49a05e847fb5d3c18",
    12: "e9b2f23ed969a5c26e0598e4b6ce0e2dab840d30c8ea75ba5c91298987367b92",
    13: "f643854e79a4fc1fe62ecd27eb01f9d5bfd7772883e4c3c97e398f9e575b90b8",
    17: "566cba8c338c9cfd93b8d751e9594ee6b06b03584cc46e65973833ae672ccf7a",
}

#: the sha256 of each function file as cut from the migrations (the last definition of
#: the function in them, with the owner and privileges they left): a file still so must
#: leave a database exactly as the migrations did. A file edited since is, by design,
#: another definition, and is checked against its own text only.
AS_CUT = {
    "contexts_hex": "d1d484cca85685fe760b91ac8ca616d92660f06bf61bc8b7e3c68ce34471db5e",
    "contexts_incident_references_sql":
        "cd286c70cd25528b20242d4827a86ce174ba8c1d9c859561d92d8bdc2e804090",
    "incident_references_check":
        "37fa77db80b051aca65c37ae6c0ff58d73a596f81f1f21464cac88ec964aff25",
    "contexts_new_incident_partition":
        "c1183a1866d7cd3f7e5044192cd3a90e799d51882a787ca5cc54f9aced77b68e",
    "contexts_attach_incident_partition":
        "8206d85e5440c8c96daeced53094e5bca56d105a77008225bfda0360785fb798",
    "contexts_drop_empty_incident_partitions":
        "27ac8fdcf2c176ed9960ed5e3a417dce97433bc2383563d99ef709e46f82287d",
    "contexts_interior_cells_by_size":
        "d04aa7234e6cdb602556f6d31195dcc4e9b453c84167364cb2606e4006362dfd",
    "contexts_refresh_area_cells":
        "e9965340fdc3b15c6d620b61de243e46e893975adc3809994a682c2e6cb77d32",
    "contexts_refresh_place_cells":
        "87cae44c041ebf507c2181fa665cdba65edc91176acc5744bda0fd85fd92ba67",
    "contexts_mac": "e103a00d565f2d6a6b96d12cef13cdff2341289d2ebf012245e47425c817c38f",
    "contexts_area_seal": "e08e19744b7ec7549479694e2696a3edf2cf0b0f1cb12298c5bc30483786f1a3",
    "contexts_area_pass": "28576b7b01b0abcdfdacd8f9502da0f8883fc914625d85c7061590e171724e30",
    "contexts_enter": "dfd3ba2a524043a0effa24a62dedd8d21a4ccf50442bf06de5d11d0aecd90a2f",
    "contexts_area_list": "8d28ee9e1e55bdd7d553d0d5a45133f51076a1359701557d38b24bd2d6005f73",
    "contexts_all_areas": "967b397020d387f625c197ede88c3a5e117d990eb957f26818c748db8bc04c9f",
    "contexts_area_visible": "59c2fb0af1fbd8c55bec206ad6a52d407ff42ae0ee3770b10620896d7e3ee8c7",
    "contexts_user": "7d46d6507ff0cfdb48cb39dc77e5464f0106433da546a417af900ea774644925",
    "contexts_audit": "3917086f90efa094eb8fc48abbe86e46da44ad07561bb31aae111f23accc4d4b",
}

#: the page reads' definer functions (migration 0023: the dashboard role reads the area
#: tables only through them), one per named query
PAGE_READS = {n for n, _ in db.function_files() if n.startswith("contexts_page_")}

#: functions made after the move, in their files only (no migration ever defined them)
MADE_AFTER = {"contexts_bind_user", "contexts_new_rollup_partitions",
              "contexts_attach_rollup_partitions", "contexts_drop_empty_rollup_partitions"
              } | PAGE_READS

#: what a migration written after the move may not do: define a function or change who
#: owns or may call one (that is the function file's); DROP FUNCTION stays a schema change
FUNCTION_DDL = re.compile(
    r"^\s*(CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)|ALTER\s+(FUNCTION|PROCEDURE)"
    r"|(GRANT|REVOKE)\b[^;]*?\bON\s+(ALL\s+)?(FUNCTION|PROCEDURE|ROUTINE)S?\b)",
    re.IGNORECASE | re.MULTILINE)

CREATE = re.compile(r"^CREATE OR REPLACE FUNCTION (\w+)\(", re.MULTILINE)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _code(text: str) -> str:
    """The text without its ``--`` comments."""
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


# --- the files --------------------------------------------------------------------------


def test_each_function_file_defines_the_function_it_is_named_for() -> None:
    files = db.function_files()
    assert {n for n, _ in files} == set(AS_CUT) | MADE_AFTER
    for name, path in files:
        text = path.read_text()
        assert CREATE.findall(text) == [name], path.name
        assert not re.search(r"^CREATE FUNCTION", text, re.MULTILINE), (
            f"{path.name}: CREATE OR REPLACE, so that applying it again keeps what "
            "depends on the function (policies, triggers)")
        # its owner and privileges are stated for this function only
        for stmt in re.findall(r"^(?:ALTER|GRANT|REVOKE)[^;]*;", text, re.MULTILINE):
            assert re.findall(r"FUNCTION (\w+)\(", stmt) == [name], (path.name, stmt)
        # every role loses what it had, so the GRANT after it is the whole list of callers
        revoke = re.search(rf"^REVOKE ALL ON FUNCTION {name}\([^)]*\) FROM([^;]*);", text,
                           re.MULTILINE)
        assert revoke, f"{path.name} does not state who may call it"
        owner = re.search(r"OWNER TO (\w+);", text)
        assert {r.strip() for r in revoke.group(1).split(",")} >= (
            {"PUBLIC"} | ROLES) - {owner.group(1) if owner else ""}, path.name


def test_a_function_file_comes_after_the_functions_it_calls() -> None:
    files = db.function_files()
    order = {name: i for i, (name, _) in enumerate(files)}
    calls = 0
    for name, path in files:
        text = path.read_text()
        body = _code(text[text.index("CREATE OR REPLACE FUNCTION"):])
        for other in order:
            if other != name and re.search(rf"\b{other}\(", body):
                calls += 1
                assert order[other] < order[name], f"{path.name} calls {other}, made after it"
    assert calls >= 10  # the gate's functions call each other, the loads' too


def test_migrations_after_the_move_define_no_function() -> None:
    found = db.migration_files()
    for version, path in found:
        hits = FUNCTION_DDL.findall(_code(path.read_text()))
        if version > db.LAST_MIGRATION_WITH_FUNCTIONS:
            assert not hits, f"{path.name} defines a function: put it in sql/functions/"
    # the check sees what it is for: the history defines functions all through
    history = "\n".join(_code(p.read_text()) for v, p in found if v in (2, 8, 10))
    assert len(FUNCTION_DDL.findall(history)) >= 20
    assert not FUNCTION_DDL.findall("DROP FUNCTION contexts_x(text);\nCREATE TABLE f (x int);")


def test_the_migrations_are_the_history_existing_databases_recorded() -> None:
    got = {v: _sha(p.read_text()) for v, p in db.migration_files()
           if v <= db.LAST_MIGRATION_WITH_FUNCTIONS}
    assert got == HISTORY


def test_the_incident_id_shift_is_a_parameter_not_a_copy() -> None:
    """Incident ids are ``extract_id << INCIDENT_ID_SHIFT`` plus the row: the statements
    that make them take the shift from Python; no SQL statement spells it out."""
    assert INCIDENT_ID_SHIFT == 32
    spelt = re.compile(r"4294967296|<<\s*32\b|\b2\s*\^\s*32\b|power\(\s*2\s*,\s*32\s*\)",
                       re.IGNORECASE)
    for path in sorted(SQL.rglob("*.sql")):
        assert not spelt.search(_code(path.read_text())), path
    for name in ("incident_place", "incident_place_area"):
        assert "<< %(id_shift)s" in db.sql(name)


# --- in a database ----------------------------------------------------------------------

CATALOGUE = """
SELECT p.proname, pg_get_functiondef(p.oid), pg_get_userbyid(p.proowner), p.prosrc,
       ARRAY(SELECT CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
                    || ':' || a.privilege_type
             FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a ORDER BY 1),
       p.xmin::text
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


def _catalogue(conn: psycopg.Connection[Any]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(CATALOGUE).fetchall()
    names = [r[0] for r in rows]
    assert len(set(names)) == len(names), f"overloaded functions: {names}"
    return {r[0]: {"def": r[1], "owner": r[2], "src": r[3], "acl": r[4], "xmin": r[5]}
            for r in rows}


def _ledger(conn: psycopg.Connection[Any]) -> dict[str, tuple[str, str, Any]]:
    return {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
        "SELECT name, file, sha256, applied_at FROM schema_function")}


@pytest.fixture
def fresh() -> Iterator[Settings]:
    """An empty database of this test's own, dropped after."""
    s = get_settings().model_copy(update={"database_name": database_name("functions")})
    name = psycopg.sql.Identifier(s.database_name)
    with cluster_lock():
        server = cluster.up(s).url("postgres")
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))
    yield s
    loader = db.dsn("loader", s)
    db.store().passes.forget(lambda url: url == loader)  # passes of this database, about to go
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def _migrate(conn: psycopg.Connection[Any], **folders: Path) -> list[str]:
    """``db.migrate`` after ending the reads' transaction (it works in its own)."""
    conn.commit()
    with cluster_lock():  # migrations touch cluster-wide roles: one process at a time
        return db.migrate(conn, **folders)


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for p in src.glob("*.sql"):
        shutil.copy(p, dst / p.name)
    return dst


@pytest.mark.db
def test_a_fresh_database_holds_each_function_as_its_file(fresh: Settings) -> None:
    files = dict(db.function_files())
    with db.connect("superuser", fresh) as conn:
        applied = _migrate(conn)
        assert applied == ([p.name for _, p in db.migration_files()]
                           + [f"functions/{p.name}" for p in files.values()])
        funcs = _catalogue(conn)
        login = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        # every function of the project's schema has exactly one file, and back
        assert set(funcs) == set(files)
        for name, path in files.items():
            text = path.read_text()
            f = funcs[name]
            # the body the database runs is the file's, character for character
            assert f["src"] in text and len(f["src"].strip()) > 20, path.name
            # SECURITY DEFINER and the search path are the file's
            head = text[text.index("CREATE OR REPLACE"):text.index(f["src"])]
            assert ("SECURITY DEFINER" in head) == ("SECURITY DEFINER" in f["def"]), name
            assert ("SET search_path" in head) == ("SET search_path" in f["def"]), name
            # the owner and who may call it are the file's
            owner = re.search(r"OWNER TO (\w+);", text)
            assert f["owner"] == (owner.group(1) if owner else login), name
            grant = re.search(rf"GRANT EXECUTE ON FUNCTION {name}\([^)]*\) TO([^;]*);", text)
            callers = {g.strip() for g in grant.group(1).split(",")} if grant else set()
            assert set(f["acl"]) == {f"{c}:EXECUTE" for c in callers | {f["owner"]}}, name
        assert {n: row[:2] for n, row in _ledger(conn).items()} == {
            n: (p.name, _sha(p.read_text())) for n, p in files.items()}
        assert _migrate(conn) == []


@pytest.mark.db
def test_a_database_migrated_before_the_move_migrates_to_the_same_functions(
        fresh: Settings, tmp_path: Path) -> None:
    """What the old code left (the migrations only, no schema_function) migrates: every
    function file is applied once, and a file as cut changes nothing in the catalogue."""
    with db.connect("superuser", fresh) as conn:
        (tmp_path / "none").mkdir()
        _migrate(conn, functions=tmp_path / "none")  # the migrations alone
        conn.execute("DROP TABLE schema_function")
        conn.commit()
        recorded = dict(conn.execute("SELECT version, sha256 FROM schema_migration"))
        assert {v: h for v, h in recorded.items() if v in HISTORY} == HISTORY
        before = _catalogue(conn)

        files = db.function_files()
        assert _migrate(conn) == [f"functions/{p.name}" for _, p in files]
        after = _catalogue(conn)
        assert set(after) == set(before) | MADE_AFTER
        kept = 0
        for name, path in files:
            if AS_CUT.get(name) == _sha(path.read_text()):
                kept += 1
                for key in ("def", "owner", "acl"):
                    assert after[name][key] == before[name][key], (name, key)
        # most functions cut from the migrations are as they left them
        assert kept >= len(AS_CUT) // 2
        recorded = dict(conn.execute("SELECT version, sha256 FROM schema_migration"))
        assert {v: h for v, h in recorded.items() if v in HISTORY} == HISTORY
        assert _migrate(conn) == []
    # and it works: a dashboard connection enters its pass through the gate's functions
    with db.connect("dashboard", fresh) as conn:
        assert conn.execute("SELECT contexts_all_areas()").fetchone() == (True,)


@pytest.mark.db
def test_a_changed_function_file_is_applied_again_alone(fresh: Settings, tmp_path: Path
                                                        ) -> None:
    with db.connect("superuser", fresh) as conn:
        _migrate(conn)
        before, ledger = _catalogue(conn), _ledger(conn)
        q, r = conn.execute("SELECT contexts_hex(1000, 1000, 250)").fetchone()[0]  # type: ignore[index]

        changed = _copy(db.FUNCTIONS_DIR, tmp_path / "functions")
        hexf = changed / "10_contexts_hex.sql"
        text = hexf.read_text()
        hexf.write_text(text.replace(
            "    SELECT ARRAY[q::int, (r + floor((q - (q::int & 1)) / 2.0))::int] FROM fixed",
            "    SELECT ARRAY[q::int + 1, (r + floor((q - (q::int & 1)) / 2.0))::int] FROM fixed"))
        assert hexf.read_text() != text

        assert _migrate(conn, functions=changed) == ["functions/10_contexts_hex.sql"]
        after, ledger2 = _catalogue(conn), _ledger(conn)
        assert "q::int + 1" in after["contexts_hex"]["src"]
        assert conn.execute("SELECT contexts_hex(1000, 1000, 250)").fetchone() == ([q + 1, r],)
        assert ledger2["contexts_hex"][1] == _sha(hexf.read_text())
        assert ledger2["contexts_hex"][2] > ledger["contexts_hex"][2]
        # only it: no other function's row in pg_proc was rewritten, no other ledger row
        for name in before:
            if name != "contexts_hex":
                assert after[name] == before[name], name
                assert ledger2[name] == ledger[name], name
        assert after["contexts_hex"]["acl"] == before["contexts_hex"]["acl"]
        assert _migrate(conn, functions=changed) == []

        # back to the project's file: applied again, the database as before
        assert _migrate(conn) == ["functions/10_contexts_hex.sql"]
        back = _catalogue(conn)
        assert {k: v for k, v in back["contexts_hex"].items() if k != "xmin"} == {
            k: v for k, v in before["contexts_hex"].items() if k != "xmin"}
        assert _ledger(conn)["contexts_hex"][1] == ledger["contexts_hex"][1]


@pytest.mark.db
def test_a_function_file_that_fails_changes_nothing(fresh: Settings, tmp_path: Path) -> None:
    with db.connect("superuser", fresh) as conn:
        _migrate(conn)
        before, ledger = _catalogue(conn), _ledger(conn)
        changed = _copy(db.FUNCTIONS_DIR, tmp_path / "functions")
        hexf = changed / "10_contexts_hex.sql"
        hexf.write_text(hexf.read_text().replace("FROM fixed", "FROM fixed -- edited"))
        bad = changed / "46_contexts_area_visible.sql"
        bad.write_text(bad.read_text().replace("SELECT public.contexts_all_areas()",
                                               "SELECT public.contexts_all_areas() OR"))
        with pytest.raises(psycopg.errors.SyntaxError) as err:
            _migrate(conn, functions=changed)
        assert "in the function file 46_contexts_area_visible.sql" in err.value.__notes__
        conn.rollback()
        # one transaction: the good file before it was not kept either
        assert _catalogue(conn) == before and _ledger(conn) == ledger


@pytest.mark.db
def test_a_function_dropped_outside_its_file_is_made_again(fresh: Settings) -> None:
    with db.connect("superuser", fresh) as conn:
        _migrate(conn)
        before = _catalogue(conn)
        conn.execute("DROP FUNCTION contexts_area_visible(text)")  # nothing depends on it
        conn.commit()
        assert _migrate(conn) == ["functions/46_contexts_area_visible.sql"]
        again = _catalogue(conn)["contexts_area_visible"]
        # made from nothing by its file: the gate's, SECURITY DEFINER, the same callers
        for key in ("def", "owner", "acl"):
            assert again[key] == before["contexts_area_visible"][key], key


@pytest.mark.db
def test_a_migration_may_ask_for_a_function_before_it_runs(fresh: Settings, tmp_path: Path
                                                           ) -> None:
    migrations = _copy(db.MIGRATIONS_DIR, tmp_path / "migrations")
    functions = _copy(db.FUNCTIONS_DIR, tmp_path / "functions")
    (functions / "90_contexts_test_answer.sql").write_text(
        "CREATE OR REPLACE FUNCTION contexts_test_answer() RETURNS integer\n"
        "LANGUAGE sql IMMUTABLE AS $$ SELECT 42 $$;\n")
    table = "CREATE TABLE test_answer (x integer NOT NULL DEFAULT contexts_test_answer());\n"
    (migrations / "0099_test_answer.sql").write_text(table)
    with db.connect("superuser", fresh) as conn:
        # without asking, the function is not there yet when the migration runs
        with pytest.raises(psycopg.errors.UndefinedFunction) as err:
            _migrate(conn, migrations=migrations, functions=functions)
        assert "in the migration 0099_test_answer.sql" in err.value.__notes__
        conn.rollback()
        (migrations / "0099_test_answer.sql").write_text(
            "-- needs function: contexts_test_answer\n" + table)
        applied = _migrate(conn, migrations=migrations, functions=functions)
        assert applied[:2] == ["functions/90_contexts_test_answer.sql", "0099_test_answer.sql"]
        assert "functions/90_contexts_test_answer.sql" not in applied[2:]
        assert len(applied) == 2 + len(db.function_files())  # the project's, first time here
        conn.execute("INSERT INTO test_answer DEFAULT VALUES")
        assert conn.execute("SELECT x FROM test_answer").fetchone() == (42,)
        conn.rollback()
        # a file that is gone leaves the ledger too
        (functions / "90_contexts_test_answer.sql").unlink()
        assert _migrate(conn, migrations=migrations, functions=functions) == []
        assert "contexts_test_answer" not in _ledger(conn)
