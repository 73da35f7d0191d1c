"""Issue #28: the attacks on the database from the owner's and the dashboard's logins,
replayed, and now refused (docs/security.md, section 10).

2 the owner login rewrites the audit trail with a trigger; 3 the owner hijacks the gate's
SECURITY DEFINER functions through the search path (an operator ``public.||(text,
integer)``); 5 the dashboard login counts the rows row-level security hides from
``EXPLAIN ANALYZE``; 9 the dashboard login gives itself lax defaults (``ALTER ROLE ... SET``).
The replica URL with the wrong login (4) is in ``test_replica.py``; the sign-in (6) in
``test_signin.py``; the matrix of every privilege in ``test_privileges.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import psycopg.sql
import pytest
from conftest import VISIBLE_INCIDENTS

from geo.config import Settings
from geo.services import access, retention
from geo.store import db
from geo.store.audit import record


def _audit_rows(settings: Settings, after: int) -> list[tuple[Any, ...]]:
    with db.connect("superuser", settings) as conn:
        return conn.execute(
            "SELECT actor, role, action, target, outcome, db_login, at > now() - "
            "interval '10 minutes' FROM audit_log WHERE audit_id > %s ORDER BY audit_id",
            (after,)).fetchall()


def _last_id(settings: Settings) -> int:
    with db.connect("superuser", settings) as conn:
        return int(conn.execute("SELECT coalesce(max(audit_id), 0) FROM audit_log")
                   .fetchone()[0])  # type: ignore[index]


# --- 2. the owner and the audit log ------------------------------------------------------

#: the attack of the issue: a BEFORE INSERT trigger that drops a purge's audit row and
#: rewrites a role change's actor and time
TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION public.attack_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.action = 'purge' THEN RETURN NULL; END IF;
    NEW.actor := 'someone-else'; NEW.at := '2001-01-01';
    RETURN NEW;
END $$
"""


@pytest.fixture
def owner(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """The owner's login, autocommit (each attempt on its own), its leftovers dropped."""
    with db.connect("owner", settings, autocommit=True) as conn:
        yield conn
    with db.connect("superuser", settings, autocommit=True) as conn:
        conn.execute("DROP FUNCTION IF EXISTS public.attack_audit() CASCADE")


def test_2_owner_cannot_touch_the_audit_log(settings: Settings,
                                            owner: psycopg.Connection[Any]) -> None:
    owner.execute(TRIGGER_FUNCTION)  # the owner may still create functions in public
    refused = [
        "CREATE TRIGGER attack BEFORE INSERT ON audit_log FOR EACH ROW "
        "EXECUTE FUNCTION public.attack_audit()",
        "CREATE TRIGGER attack AFTER INSERT ON audit_log FOR EACH STATEMENT "
        "EXECUTE FUNCTION public.attack_audit()",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE audit_log OWNER TO contexts_owner",
        "ALTER TABLE audit_log ADD COLUMN note text",
        "GRANT ALL ON audit_log TO contexts_owner",
        "GRANT INSERT ON audit_log TO contexts_loader",
        "CREATE RULE attack AS ON INSERT TO audit_log DO INSTEAD NOTHING",
        "CREATE POLICY attack ON audit_log USING (false)",
        "INSERT INTO audit_log (actor, action, outcome) VALUES ('x', 'x', 'x')",
        "UPDATE audit_log SET actor = 'someone-else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "SELECT count(*) FROM audit_log",
        "SELECT setval('audit_log_audit_id_seq', 1)",
        "CREATE TABLE attack_ref (id bigint REFERENCES audit_log)",
    ]
    for statement in refused:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            owner.execute(statement)
    # and what the attack tried to rewrite is written as it happened
    before = _last_id(settings)
    access.set_user("victim.of.rewrite@example.org", "partner", ("E08000025",),
                    actor="os:tester", settings=settings)
    retention.purge(1200, actor="os:tester", today=date(2024, 1, 1), settings=settings)
    rows = _audit_rows(settings, before)
    assert [r[:6] for r in rows] == [
        ("os:tester", "admin", "role_change", "victim.of.rewrite@example.org", "ok",
         "contexts_owner"),
        ("os:tester", "cli", "purge", "older than 1200 months", "ok", "contexts_loader")]
    assert all(r[6] for r in rows)  # stamped now, by the database
    with db.connect("superuser", settings) as conn:
        assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                            "'audit_log'::regclass").fetchone() == (0,)


# --- 3. the search path of the gate's functions -------------------------------------------

#: the attack of the issue: an operator text || integer in public, which the gate's
#: functions picked before pg_catalog's (text || anynonarray is not an exact match) when
#: their search path held public. The owner's function records who ran it and, when it
#: runs as the gate, the gate's secret (any pass, any seal).
HIJACK = """
CREATE TABLE public.attack_seen (who text, secret text);
GRANT INSERT ON public.attack_seen TO PUBLIC;
CREATE FUNCTION public.attack_cat(a text, b integer) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        INSERT INTO public.attack_seen
        VALUES (current_user, (SELECT secret FROM public.gate_secret));
    EXCEPTION WHEN insufficient_privilege THEN
        INSERT INTO public.attack_seen VALUES (current_user, NULL);
    WHEN read_only_sql_transaction THEN
        NULL;  -- a dashboard transaction: the trap stays quiet (the loader's records)
    END;
    RETURN a OPERATOR(pg_catalog.||) b::text;
END $$;
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = integer, FUNCTION = public.attack_cat);
CREATE FUNCTION public.contexts_mac(msg character varying) RETURNS text LANGUAGE sql
AS $$ SELECT 'forged' $$;
"""


@pytest.fixture
def hijack(settings: Settings) -> Iterator[None]:
    with db.connect("owner", settings) as conn:
        conn.execute(HIJACK)
        conn.commit()
    yield
    with db.connect("superuser", settings, autocommit=True) as conn:
        conn.execute("DROP OPERATOR IF EXISTS public.|| (text, integer)")
        conn.execute("DROP FUNCTION IF EXISTS public.attack_cat(text, integer)")
        conn.execute("DROP FUNCTION IF EXISTS public.contexts_mac(character varying)")
        conn.execute("DROP TABLE IF EXISTS public.attack_seen")


def test_3_owner_cannot_hijack_the_gate_through_the_search_path(
        settings: Settings, hijack: None) -> None:
    # the trap works: where public is on the path, text || integer runs the owner's code
    with db.connect("owner", settings) as conn:
        conn.execute("SET search_path = pg_catalog, public")
        assert conn.execute("SELECT 'a' || 1").fetchone() == ("a1",)
        conn.commit()
    # every function of the gate, called by each role that may call it
    pass_ = db.area_pass(("E08000025",), settings)
    with db.connect("loader", settings) as conn:
        conn.execute("SELECT contexts_area_pass(ARRAY['E08000025'], 60)")
        conn.execute("SELECT contexts_enter(%s)", (pass_,))
        assert conn.execute("SELECT contexts_area_list(), contexts_all_areas(), "
                            "contexts_area_visible('E08000025')").fetchone() == (
            ["E08000025"], False, True)
        record(conn, "os:tester", "cli", "probe", "hijack", "ok")
        conn.execute("SELECT * FROM contexts_user('https://idp.example', 'x', 'x@example.org')")
        conn.execute("SELECT contexts_bind_user('https://idp.example', 'x', 'x@example.org')")
        conn.commit()
    partner = db.read(lambda c: c.execute(VISIBLE_INCIDENTS).fetchone()[0],
                      ("E08000025",), settings)
    everything = db.read(lambda c: c.execute(VISIBLE_INCIDENTS).fetchone()[0],
                         ("*",), settings)
    assert 0 < partner <= everything
    with db.connect("owner", settings) as conn:
        conn.execute("SELECT contexts_enter(%s)", (pass_,))
        conn.commit()
    with db.connect("superuser", settings) as conn:
        seen = conn.execute("SELECT who, secret FROM attack_seen").fetchall()
        secret = conn.execute("SELECT secret FROM gate_secret").fetchone()[0]  # type: ignore[index]
    assert ("contexts_owner", None) in seen  # the trap above
    assert not [s for s in seen if s[0] == "contexts_gate" or s[1] == secret], seen
    assert {s[0] for s in seen} == {"contexts_owner"}


def test_3_no_project_role_creates_where_the_gate_resolves_names(settings: Settings) -> None:
    for role in ("loader", "dashboard", "auditor"):  # the logins, read-only lifted
        with psycopg.connect(db.dsn(role, settings), autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")
            for statement in ("CREATE FUNCTION public.attack() RETURNS int LANGUAGE sql "
                              "AS 'SELECT 1'",
                              "CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = integer, "
                              "FUNCTION = pg_catalog.textcat)",
                              "CREATE SCHEMA attack"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)


# --- 5. the plans of page reads ------------------------------------------------------------

#: every page read of an area table (incident, the rollups, places, interventions,
#: assessments, contexts), with parameters; each named query is run as the pages run it
PAGE_READS = (
    "counts_hex", "counts_hex_sized", "counts_lsoa", "counts_place", "counts_ward",
    "data_months", "data_period", "keyed_at_places", "units_place", "coverage_selected",
    "data_version", "interventions_list", "impact_series", "impact_near",
    "profile_monthly_place", "profile_monthly_ward", "profile_times_place",
    "profile_times_ward", "place_assessments", "ward_places", "incident_points",
    "context_list", "context_places", "context_wards", "context_ratings", "context_actions",
    "context_events", "context_interventions", "context_place_sightings",
    "near_repeat_points", "place_geom", "place_visible", "place_geoms",
    "place_assessment_actions")

#: a plan line that counts rows a filter, join or recheck dropped, or rows scanned
#: (estimates or actual) of a table
REVEALING = re.compile(r"Rows Removed by|Heap Fetches|^\s*(->\s*)?\S.* on (public\.)?(\w+)")

#: a partner of an area with none of the demo's 20,000 incidents: every row is hidden
OUTSIDER = ("E09000001",)


def _page_params() -> dict[str, Any]:
    """Parameters for every page read: the whole period, a demo place, ward and context."""
    from geo.filters import Filters

    place, ward, hex_i, hex_j = 3, "E05011155", 1090, 669
    return Filters().params() | {
        "by_month": True, "by_harm": True, "size": 500.0, "limit": 100, "unit_id": str(place),
        "context_id": 1, "on": date(2024, 1, 1), "buffer": 200.0, "place_id": place,
        "cell_bits": 32, "keys": [1], "place_ids": [place], "firsts": [date(2000, 1, 1)],
        "lasts": [date(2999, 1, 1)], "wards": [ward], "cell_k": [1], "hex_i": [hex_i],
        "hex_j": [hex_j]}


def _area_tables(settings: Settings) -> dict[str, tuple[int, int]]:
    """Every table with row-level security and every partition of one: its oid and rows."""
    with db.connect("superuser", settings) as conn:
        found = conn.execute("""
            SELECT c.relname, c.oid::bigint FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relrowsecurity
            UNION
            SELECT p.relname, p.oid::bigint FROM pg_inherits h
            JOIN pg_class c ON c.oid = h.inhparent JOIN pg_class p ON p.oid = h.inhrelid
            WHERE c.relrowsecurity""").fetchall()
        return {n: (oid, int(conn.execute(psycopg.sql.SQL("SELECT count(*) FROM {}").format(
            psycopg.sql.Identifier(n))).fetchone()[0]))  # type: ignore[index]
            for n, oid in found}


def test_5_explain_shows_the_dashboard_role_no_hidden_rows(settings: Settings) -> None:
    """As the dashboard role with a partner's pass (an area with none of the incidents):
    EXPLAIN (ANALYZE, VERBOSE, BUFFERS) of every page read names no area table and counts
    no removed rows, only the rows returned (none, or one aggregate); a direct SELECT or
    EXPLAIN of any area table or partition is refused; pg_stats shows none of them; and
    the plans of the statements inside a page read do not reach the client through
    debug_print_plan."""
    tables = _area_tables(settings)
    assert tables["incident"][1] == 20_000 and len(tables) >= 25
    params = _page_params()
    with db.connect("dashboard", settings, areas=OUTSIDER) as conn:
        for name in PAGE_READS:
            plan = [r[0] for r in conn.execute(
                "EXPLAIN (ANALYZE, VERBOSE, BUFFERS) " + db.sql(name), params).fetchall()]
            for line in plan:
                m = REVEALING.search(line)
                assert not m or (m.group(3) or "").startswith("contexts_page_"), (name, line)
            assert not [t for t in tables if re.search(rf"(public\.|on ){t}\b",
                                                       "\n".join(plan))], (name, plan)
            # the one number of rows it shows is that of the rows the read returns
            returned = len(conn.execute(db.sql(name), params).fetchall())
            assert f"rows={returned} loops=1)" in plan[0], (name, plan[0])
            assert returned <= 1, name  # nothing to see but aggregates of nothing
            conn.rollback()
        for table in tables:
            for statement in ("SELECT count(*) FROM {}", "EXPLAIN SELECT * FROM {}",
                              "EXPLAIN ANALYZE SELECT count(*) FROM {}"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(psycopg.sql.SQL(statement).format(
                        psycopg.sql.Identifier(table)))
                conn.rollback()
        assert conn.execute("SELECT count(*) FROM pg_stats WHERE schemaname = 'public' "
                            "AND tablename = ANY(%s)", (list(tables),)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM pg_stats_ext WHERE schemaname = 'public' "
                            "AND tablename = ANY(%s)", (list(tables),)).fetchone() == (0,)
        conn.rollback()
        # the plans inside: debug_print_plan sends each statement's plan as a LOG message,
        # which a client with client_min_messages = log receives (both are the user's to set)
        said: list[str] = []
        conn.add_notice_handler(lambda d: said.append(
            f"{d.message_primary}\n{d.message_detail or ''}"))
        for name in PAGE_READS:
            conn.execute("SET client_min_messages = debug5")
            conn.execute("SET debug_print_plan = on")
            conn.execute(db.sql(name), params).fetchall()
            conn.rollback()
        assert said  # the trap works: the plans of the statements the client sent
        leaked = [t for t, (oid, _) in tables.items()
                  if any(re.search(rf":relid {oid}\b", m) for m in said)]
        assert not leaked, leaked
    # the same reads with a pass for the incidents' area do see them: the rows are hidden
    # above by row-level security, not missing
    with db.connect("dashboard", settings, areas=("E08000025",)) as conn:
        assert conn.execute(db.sql("data_months")).fetchall()
        assert sum(r[1] for r in conn.execute(db.sql("data_months")).fetchall()) == 20_000
    # and every page read's function is one of those above
    with db.connect("superuser", settings) as conn:
        made = {r[0] for r in conn.execute(
            "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
            "AND has_function_privilege('contexts_dashboard', oid, 'EXECUTE') "
            "AND prosecdef AND proowner = 'contexts_reader'::regrole").fetchall()}
    assert made == {f"contexts_page_{name}" for name in PAGE_READS}


# --- 9. the dashboard login's own defaults -------------------------------------------------


@pytest.fixture
def lax_dashboard(settings: Settings) -> Iterator[None]:
    """The dashboard login gives itself lax defaults in the test database (PostgreSQL lets
    any role ALTER ROLE itself ... SET); reset after."""
    name = psycopg.sql.Identifier(settings.database_name)
    with psycopg.connect(db.dsn("dashboard", settings), autocommit=True) as raw:
        raw.execute("SET default_transaction_read_only = off")
        for setting, value in (("default_transaction_read_only", "off"),
                               ("statement_timeout", "0"), ("row_security", "off"),
                               ("search_path", "pg_temp, pg_catalog")):
            raw.execute(psycopg.sql.SQL("ALTER ROLE contexts_dashboard IN DATABASE {} "
                                        "SET {} = {}").format(
                name, psycopg.sql.Identifier(setting), psycopg.sql.Literal(value)))
    try:
        yield
    finally:
        with db.connect("superuser", settings, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("ALTER ROLE contexts_dashboard IN DATABASE {} "
                                         "RESET ALL").format(name))


def test_9_dashboard_login_cannot_lift_its_limits_with_its_own_defaults(
        settings: Settings, lax_dashboard: None) -> None:
    with psycopg.connect(db.dsn("dashboard", settings)) as raw:  # the defaults took
        assert raw.execute("SHOW statement_timeout").fetchone() == ("0",)
        assert raw.execute("SHOW default_transaction_read_only").fetchone() == ("off",)
    quick = settings.model_copy(update={"dashboard_timeout_ms": 300})
    with db.connect("dashboard", quick, areas=("E09000001",)) as conn:
        shown = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', "
            "'default_transaction_read_only', 'transaction_read_only', 'row_security', "
            "'search_path')").fetchall())
        assert shown == {"statement_timeout": "300", "default_transaction_read_only": "on",
                         "transaction_read_only": "on", "row_security": "on",
                         "search_path": "public"}
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(3)")
        conn.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("UPDATE place SET name = name")
        conn.rollback()
        # row-level security applies: another area's partner sees none of the incidents
        assert conn.execute(VISIBLE_INCIDENTS).fetchone() == (0,)
    # pooled page reads the same
    assert db.read(lambda c: c.execute("SHOW statement_timeout").fetchone()[0],
                   ("E09000001",), quick) == "300ms"


# --- 4. page reads as the dashboard role or not at all (the primary's side) ---------------


def test_4_a_page_read_connection_with_another_login_is_refused(settings: Settings) -> None:
    """A connection for page reads that is the owner's (or loader's) login cannot take the
    dashboard role: refused, whatever its URL; a superuser's takes the dashboard role and
    its row-level security, and a statement after a RESET ROLE is refused."""
    for role in ("owner", "loader"):
        conn = db.GuardedConnection.connect(db.dsn(role, settings))
        with conn, pytest.raises(db.WrongRole):
            db.as_dashboard(conn)
    with db.GuardedConnection.connect(db.dsn("superuser", settings)) as conn:
        db.as_dashboard(conn)
        assert conn.execute("SELECT current_user").fetchone() == ("contexts_dashboard",)
        conn._contexts_guard = {"pass": db.area_pass(("E09000001",), settings),
                                "timeout": "10s"}
        assert conn.execute(VISIBLE_INCIDENTS).fetchone() == (0,)
        conn.rollback()
        psycopg.Connection.execute(conn, "RESET ROLE")  # a slip: the superuser again
        conn.commit()
        with pytest.raises(db.WrongRole):
            conn.execute(VISIBLE_INCIDENTS)
