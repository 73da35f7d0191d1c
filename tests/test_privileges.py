"""Privileges as a whole (issue #28): every grant in the database, against one declared
matrix.

The test reads, from ``pg_catalog``, who owns and who may do what to every relation
(tables, partitions, views, sequences), column, function and schema of the project, the
database itself, the default privileges, and the project roles' attributes and
memberships, and compares the whole with ``tests/data/privileges.toml``. A grant nobody
declared (a forgotten ``TRIGGER``, ``CREATE`` on a schema, a function callable by
``PUBLIC``), a grant that went away, an object without an entry, all fail, with the
difference printed.

Privileges are written as PostgreSQL writes them in an ACL (``aclitem``): ``r`` SELECT,
``a`` INSERT, ``w`` UPDATE, ``d`` DELETE, ``D`` TRUNCATE, ``x`` REFERENCES, ``t`` TRIGGER,
``X`` EXECUTE, ``U`` USAGE, ``C`` CREATE, ``c`` CONNECT, ``T`` TEMPORARY, ``m`` MAINTAIN;
a ``*`` after a letter: with grant option. ``migrator`` is the login that ran the
migrations (the cluster's superuser here; ``DATABASE_URL``'s login on an external
server), ``PUBLIC`` every role. The partitions of ``incident`` made by loads
(``incident_x<extract>``) share one entry, ``incident_x*``; so do those of each rollup
table (``rollup_ward_x<extract>``: ``rollup_ward_x*``, migration 0027).

After a migration that changes privileges on purpose, write the file again with
``CONTEXTS_WRITE_PRIVILEGES=1 pytest tests/test_privileges.py`` and read its diff: the
review of that diff is the review of the change. Some rules hold whatever the file says
(the invariants below): the owner login cannot touch the audit log, no project role but
the owner may create in a schema, every SECURITY DEFINER function has a safe search path.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from geo.config import Settings
from geo.store import db

MATRIX = Path(__file__).parent / "data" / "privileges.toml"
ROLES = ("contexts_owner", "contexts_loader", "contexts_dashboard", "contexts_auditor",
         "contexts_gate", "contexts_reader")

LETTERS = {"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d", "TRUNCATE": "D",
           "REFERENCES": "x", "TRIGGER": "t", "EXECUTE": "X", "USAGE": "U", "CREATE": "C",
           "CONNECT": "c", "TEMPORARY": "T", "MAINTAIN": "m"}
ORDER = "rawdDxtXUCcTm"

KINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view",
         "S": "sequence", "f": "foreign table"}

def _rows(conn: psycopg.Connection[Any], query: str, params: Any = None
          ) -> list[tuple[Any, ...]]:
    return conn.execute(query, params).fetchall()  # type: ignore[arg-type]


#: who may do what to an object: its ACL, or the default one when it has none
ACLS = {
    "relation": """
        SELECT c.oid, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)
               END, a.privilege_type, a.is_grantable
        FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault(
            CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
        WHERE c.relnamespace = 'public'::regnamespace""",
    "function": """
        SELECT p.oid, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)
               END, a.privilege_type, a.is_grantable
        FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        WHERE p.pronamespace = 'public'::regnamespace""",
    "schema": """
        SELECT n.oid, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)
               END, a.privilege_type, a.is_grantable
        FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a""",
    "database": """
        SELECT d.oid, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee)
               END, a.privilege_type, a.is_grantable
        FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
        WHERE d.datname = current_database()""",
}


def _acls(conn: psycopg.Connection[Any], kind: str) -> dict[int, list[tuple[str, str, bool]]]:
    out: dict[int, list[tuple[str, str, bool]]] = {}
    for oid, grantee, priv, grantable in _rows(conn, ACLS[kind]):
        out.setdefault(int(oid), []).append((grantee, priv, grantable))
    return out


def _letters(privs: list[tuple[str, bool]]) -> str:
    out = sorted({(ORDER.index(LETTERS[p]), LETTERS[p] + ("*" if g else "")) for p, g in privs})
    return "".join(s for _, s in out)


def _grants(rows: list[tuple[str, str, bool]], migrator: str) -> dict[str, str]:
    by: dict[str, list[tuple[str, bool]]] = {}
    for grantee, priv, grantable in rows:
        by.setdefault(_name(grantee, migrator), []).append((priv, grantable))
    return {k: _letters(v) for k, v in sorted(by.items())}


def _name(role: str, migrator: str) -> str:
    return "migrator" if role == migrator else role


def _rel_name(name: str) -> str:
    return re.sub(r"^(incident|rollup_[a-z_]+)_x\d+$", r"\1_x*", name)


def catalogue(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Everything the matrix declares, as read from the catalogue."""
    migrator = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    out: dict[str, Any] = {"relation": {}, "column": {}, "function": {}, "schema": {},
                           "database": {}, "default_acl": {}, "role": {}}

    rels = _rows(conn, """
        SELECT c.oid, c.relname, c.relkind, pg_get_userbyid(c.relowner),
               c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')""")
    rel_acls = _acls(conn, "relation")
    for oid, name, kind, owner, rls, force in rels:
        acl = rel_acls[int(oid)]
        entry = {"kind": KINDS[kind], "owner": _name(owner, migrator),
                 "row_security": "forced" if force else "on" if rls else "off",
                 "grants": _grants(acl, migrator)}
        key = _rel_name(name)
        if key in out["relation"] and out["relation"][key] != entry:
            raise AssertionError(f"{name}: not as the other {key} ({entry} vs "
                                 f"{out['relation'][key]})")
        out["relation"][key] = entry

    cols = _rows(conn, """
        SELECT c.relname, a.attname,
               CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
               x.privilege_type, x.is_grantable
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid,
             aclexplode(a.attacl) x
        WHERE c.relnamespace = 'public'::regnamespace AND a.attacl IS NOT NULL
          AND NOT a.attisdropped""")
    by_col: dict[str, list[tuple[str, str, bool]]] = {}
    for rel, col, grantee, priv, grantable in cols:
        by_col.setdefault(f"{_rel_name(rel)}.{col}", []).append((grantee, priv, grantable))
    out["column"] = {k: _grants(v, migrator) for k, v in sorted(by_col.items())}

    funcs = _rows(conn, """
        SELECT p.oid, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
               pg_get_userbyid(p.proowner), p.prosecdef, p.proconfig
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')""")
    fn_acls = _acls(conn, "function")
    for oid, sig, owner, definer, config in funcs:
        acl = fn_acls[int(oid)]
        entry = {"owner": _name(owner, migrator), "security_definer": bool(definer),
                 "grants": _grants(acl, migrator)}
        if config:
            entry["config"] = sorted(config)
        out["function"][sig] = entry

    schemas = _rows(conn, """
        SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n
        WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'""")
    nsp_acls = _acls(conn, "schema")
    for oid, name, owner in schemas:
        acl = nsp_acls[int(oid)]
        out["schema"][name] = {"owner": _name(owner, migrator),
                               "grants": _grants(acl, migrator)}

    (acl,) = _acls(conn, "database").values()
    out["database"] = {"grants": _grants(acl, migrator)}

    defaults = _rows(conn, """
        SELECT pg_get_userbyid(d.defaclrole), coalesce(n.nspname, ''), d.defaclobjtype,
               CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
               x.privilege_type, x.is_grantable
        FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,
             aclexplode(d.defaclacl) x""")
    by_def: dict[str, list[tuple[str, str, bool]]] = {}
    for role, nsp, objtype, grantee, priv, grantable in defaults:
        by_def.setdefault(f"{_name(role, migrator)} {nsp} {objtype}", []).append(
            (grantee, priv, grantable))
    out["default_acl"] = {k: _grants(v, migrator) for k, v in sorted(by_def.items())}

    for name, sup, createrole, createdb, login, repl, bypass, inherit in _rows(conn, """
            SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin,
                   rolreplication, rolbypassrls, rolinherit
            FROM pg_roles WHERE rolname = ANY(%s)""", (list(ROLES),)):
        attrs = [a for a, on in (("superuser", sup), ("createrole", createrole),
                                 ("createdb", createdb), ("login", login),
                                 ("replication", repl), ("bypassrls", bypass),
                                 ("inherit", inherit)) if on]
        member_of = sorted(r[0] for r in _rows(conn, """
            SELECT pg_get_userbyid(m.roleid) FROM pg_auth_members m
            WHERE m.member = %s::regrole""", (name,)))
        members = sorted(_name(r[0], migrator) for r in _rows(conn, """
            SELECT pg_get_userbyid(m.member) FROM pg_auth_members m
            WHERE m.roleid = %s::regrole""", (name,)))
        out["role"][name] = {"attributes": attrs, "member_of": member_of,
                             "members": members}
    return out


# --- the file ---------------------------------------------------------------------------


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_value(k)


def to_toml(found: dict[str, Any]) -> str:
    lines = [
        "# Every privilege of the project's database, declared (tests/test_privileges.py).",
        "# Letters as in a PostgreSQL ACL: r SELECT, a INSERT, w UPDATE, d DELETE,",
        "# D TRUNCATE, x REFERENCES, t TRIGGER, X EXECUTE, U USAGE, C CREATE, c CONNECT,",
        "# T TEMPORARY, m MAINTAIN; * after a letter: with grant option. migrator: the",
        "# login that ran the migrations; PUBLIC: every role. A change here is a change",
        "# of who may do what: review it as such.",
        "",
    ]
    for section in ("role", "database", "schema", "default_acl", "relation", "column",
                    "function"):
        body = found[section]
        if section == "database":
            lines += ["[database]", f"grants = {_toml_value(body['grants'])}", ""]
            continue
        lines.append(f"[{section}]")
        for name, entry in sorted(body.items()):
            lines.append(f"{_key(name)} = {_toml_value(entry)}")
        lines.append("")
    return "\n".join(lines)


def declared() -> dict[str, Any]:
    with MATRIX.open("rb") as fh:
        data = tomllib.load(fh)
    for section in ("role", "schema", "default_acl", "relation", "column", "function"):
        data.setdefault(section, {})
    return data


def _differences(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    out = []
    for section in sorted(set(want) | set(got)):
        w, g = want.get(section, {}), got.get(section, {})
        if section == "database":
            if w != g:
                out.append(f"database: declared {w}, found {g}")
            continue
        for name in sorted(set(w) | set(g)):
            if name not in g:
                out.append(f"{section} {name}: declared, not in the database")
            elif name not in w:
                out.append(f"{section} {name}: not declared: {g[name]}")
            elif w[name] != g[name]:
                out.append(f"{section} {name}: declared {w[name]}, found {g[name]}")
    return out


@pytest.fixture(scope="module")
def found(settings: Settings) -> Iterator[dict[str, Any]]:
    """The catalogue of the test database (migrated, the demo loaded: partitions made)."""
    with db.connect("superuser", settings) as conn:
        yield catalogue(conn)


def test_every_privilege_is_the_declared_one(found: dict[str, Any]) -> None:
    if os.environ.get("CONTEXTS_WRITE_PRIVILEGES"):
        MATRIX.write_text(to_toml(found))
    diff = _differences(declared(), found)
    assert not diff, "privileges differ from tests/data/privileges.toml:\n" + "\n".join(diff)


# --- rules that hold whatever the file says ------------------------------------------------

PROJECT = set(ROLES) | {"PUBLIC"}


def test_the_owner_login_cannot_touch_the_audit_log(found: dict[str, Any]) -> None:
    """audit_log and its sequence belong to the gate (no login); the auditor reads it; no
    one else has any privilege on it, its columns, or its sequence (issue #28, 2)."""
    for name in ("audit_log", "audit_log_audit_id_seq"):
        entry = found["relation"][name]
        assert entry["owner"] == "contexts_gate", name
        assert set(entry["grants"]) <= {"contexts_gate", "contexts_auditor"}, entry
    assert found["relation"]["audit_log"]["grants"].get("contexts_auditor") == "r"
    assert not [c for c, g in found["column"].items()
                if c.startswith("audit_log.") and set(g) - {"contexts_gate"}]


def test_no_project_role_but_the_owner_creates_in_a_schema(found: dict[str, Any]) -> None:
    for name, entry in found["schema"].items():
        creators = {r for r, letters in entry["grants"].items() if "C" in letters}
        assert not (creators & PROJECT) - {"contexts_owner"}, (name, creators)
    assert "C" not in found["database"]["grants"].get("PUBLIC", "")
    assert not {r for r, g in found["database"]["grants"].items() if "C" in g} & PROJECT


def test_no_role_triggers_or_references_a_table_it_does_not_own(
        found: dict[str, Any]) -> None:
    for name, entry in found["relation"].items():
        for role, letters in entry["grants"].items():
            if role != entry["owner"] and role in PROJECT:
                assert not set(letters) & {"t", "x"}, (name, role, letters)


def test_project_roles_have_no_special_powers(found: dict[str, Any]) -> None:
    for name, entry in found["role"].items():
        assert not set(entry["attributes"]) & {"superuser", "createrole", "createdb",
                                               "replication", "bypassrls"}, name
        assert not entry["member_of"], name  # no project role inherits another's rights
    assert "login" not in found["role"]["contexts_gate"]["attributes"]
    assert found["role"]["contexts_gate"]["members"] in ([], ["migrator"])
    # the owner of the page reads' definer functions (migration 0023): no login, no members
    assert "login" not in found["role"]["contexts_reader"]["attributes"]
    assert found["role"]["contexts_reader"]["members"] in ([], ["migrator"])


def test_the_dashboard_role_reads_no_area_table_itself(found: dict[str, Any]) -> None:
    """The dashboard role may not SELECT a table with row-level security (EXPLAIN would
    show it the rows the policies hide, issue #28, 5); it reads them through the definer
    functions of contexts_reader, whose policies they are."""
    protected = {n for n, e in found["relation"].items() if e["row_security"] != "off"}
    assert {"incident", "rollup_ward", "place", "context"} <= protected
    for name in protected:
        grants = found["relation"][name]["grants"]
        assert "r" not in grants.get("contexts_dashboard", ""), name
        assert "r" not in grants.get("PUBLIC", ""), name
    pages = {s: f for s, f in found["function"].items() if s.startswith("contexts_page_")}
    assert len(pages) >= 29
    for sig, f in pages.items():
        assert f["owner"] == "contexts_reader" and f["security_definer"], sig
        assert set(f["grants"]) == {"contexts_dashboard", "contexts_reader"}, sig


def test_every_security_definer_function_has_a_safe_search_path(
        found: dict[str, Any]) -> None:
    """A definer function's search path lists pg_catalog, pg_temp last, and otherwise only
    schemas where nobody but the function's owner (and the migrating login) may create:
    no one else can plant a function, operator or table it would resolve (issue #28, 3).
    The gate's functions (contexts_gate: the secret, the audit log) have pg_catalog and
    pg_temp only, their project names qualified."""
    definers = {s: f for s, f in found["function"].items() if f["security_definer"]}
    assert len(definers) >= 12
    for sig, f in definers.items():
        paths = [c.split("=", 1)[1] for c in f.get("config", []) if c.startswith("search_path=")]
        assert len(paths) == 1, f"{sig} has no search_path of its own"
        path = [p.strip().strip('"') for p in paths[0].split(",")]
        assert path[-1] == "pg_temp", (sig, path)  # else pg_temp is searched first
        for schema in path[:-1]:
            if schema == "pg_catalog":
                continue
            entry = found["schema"][schema]
            creators = {r for r, letters in entry["grants"].items() if "C" in letters}
            creators |= {entry["owner"]}
            assert creators <= {f["owner"], "migrator", "pg_database_owner"}, (
                sig, schema, creators)
        if f["owner"] == "contexts_gate":
            assert path == ["pg_catalog", "pg_temp"], (sig, path)
