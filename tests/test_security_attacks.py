"""Issue #16: each attack of the second security pass, replayed, and now refused.

Numbers refer to the issue's problems (and docs/security.md): 1 the demo key, 2 demo mode
and DNS rebinding, 3 exports, 4 Markdown injection, 5 audit gaps, 6 the database roles,
7 the CSV neutraliser.
"""

from __future__ import annotations

import csv
import io
import os
import pwd
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
import shapely
from conftest import VISIBLE_INCIDENTS, running_app
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from geo.cli.serve import command
from geo.config import DEMO_PSEUDONYM_KEY, KeyRefused, Settings, get_settings
from geo.ingest import load
from geo.render import exports
from geo.services import access, actions
from geo.services.access import demo_allowed
from geo.services.exports import export
from geo.store import db

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
REAL_KEY = "a-real-key-for-tests-" + "x" * 30
INCIDENTS = "month,harm_type,easting,northing,person_id\n2024-01,cse,406900,286600,YP000001\n"


def last_audit(settings: Settings, where: str = "true") -> tuple:
    with db.connect("superuser", settings) as conn:
        return conn.execute(
            "SELECT actor, role, action, target, outcome, detail, source, db_login "  # noqa: S608
            f"FROM audit_log WHERE {where} ORDER BY audit_id DESC LIMIT 1").fetchone()


# --- 1. fail closed on keys --------------------------------------------------------------

def test_1_demo_key_refused_outside_demo_mode(ingest_settings, tmp_path: Path) -> None:
    f = tmp_path / "real.csv"
    f.write_text(INCIDENTS)
    real = ingest_settings.model_copy(update={"demo": False})
    assert real.uses_demo_key
    with db.connect("superuser", real) as conn:
        before = conn.execute("SELECT count(*) FROM extract").fetchone()[0]
    with pytest.raises(KeyRefused, match="CONTEXTS_PSEUDONYM_KEY"):
        load("incidents", f, settings=real)
    # the command says so too, and stops
    env = {**os.environ, "CONTEXTS_DEMO": "false",
           "CONTEXTS_DATABASE_NAME": ingest_settings.database_name}
    env.pop("CONTEXTS_PSEUDONYM_KEY", None)
    res = subprocess.run([sys.executable, "-m", "geo.cli", "load", "incidents", str(f)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2 and "public demo key" in res.stderr
    assert "CONTEXTS_PSEUDONYM_KEY" in res.stderr
    with db.connect("superuser", real) as conn:
        assert conn.execute("SELECT count(*) FROM extract").fetchone()[0] == before


def test_1_app_refuses_the_demo_key_outside_demo_mode(settings, monkeypatch) -> None:
    monkeypatch.setenv("CONTEXTS_DEMO", "false")
    monkeypatch.delenv("CONTEXTS_PSEUDONYM_KEY", raising=False)
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.user = {"is_logged_in": True, "email": "ana@example.org"}
        at.run()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert not at.exception
    assert at.error and "CONTEXTS_PSEUDONYM_KEY" in at.error[0].value
    assert not [t for t in at.title if t.value == "Map"]


def test_1_short_key_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(pseudonym_key="x" * 31)
    assert Settings(pseudonym_key="x" * 32).pseudonym_key
    env = {**os.environ, "CONTEXTS_PSEUDONYM_KEY": "short-key"}
    res = subprocess.run([sys.executable, "-m", "geo.cli", "load", "incidents",
                          str(tmp_path / "none.csv")], capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode != 0 and "at least 32" in res.stderr


def test_1_key_change_detected_before_pseudonyms_mix(ingest_settings, tmp_path: Path) -> None:
    s = ingest_settings
    first = tmp_path / "first.csv"
    first.write_text(INCIDENTS)
    res = load("incidents", first, settings=s)  # the key the database's extracts were made with
    assert res.status in ("loaded", "already_loaded")
    with db.connect("superuser", s) as conn:
        fps = {r[0] for r in conn.execute(
            "SELECT DISTINCT key_fingerprint FROM extract WHERE kind = 'incidents' "
            "AND status = 'loaded'")}
        columns = conn.execute("SELECT string_agg(coalesce(key_fingerprint, ''), '') || "
                               "string_agg(message, '') FROM extract").fetchone()[0]
    assert fps == {s.key_fingerprint}
    assert DEMO_PSEUDONYM_KEY not in columns  # the fingerprint, never the key
    other = s.model_copy(update={"demo": False, "pseudonym_key": REAL_KEY})
    assert other.key_fingerprint != s.key_fingerprint
    second = tmp_path / "second.csv"
    second.write_text(INCIDENTS.replace("YP000001", "YP000002"))
    with db.connect("superuser", s) as conn:
        incidents = conn.execute("SELECT count(*) FROM incident").fetchone()[0]
    res = load("incidents", second, settings=other)
    assert res.status == "rejected" and "pseudonym key has changed" in res.message
    assert s.key_fingerprint in res.message and other.key_fingerprint in res.message
    with db.connect("superuser", s) as conn:
        assert conn.execute("SELECT count(*) FROM incident").fetchone()[0] == incidents


# --- 2. demo mode in the app; Host checked -------------------------------------------------

def test_2_demo_needs_loopback_binding_and_a_loopback_host(settings) -> None:
    demo = settings
    assert demo_allowed(demo, "127.0.0.1", {"Host": "localhost:8501"})
    assert demo_allowed(demo, "127.0.0.1", {"host": "127.0.0.1:8501"})
    assert demo_allowed(demo, "::1", {"Host": "[::1]:8501"})
    # DNS rebinding: the browser is at evil.example, which now resolves to 127.0.0.1
    assert not demo_allowed(demo, "127.0.0.1", {"Host": "evil.example:8501"})
    assert not demo_allowed(demo, "127.0.0.1", {"Host": "127.0.0.1.evil.example"})
    assert not demo_allowed(demo, "127.0.0.1", {"Host": "localhost@evil.example"})
    assert not demo_allowed(demo, "127.0.0.1", {"Origin": "http://localhost"})  # no Host
    # `streamlit run dashboard/app.py --server.address 0.0.0.0` (or no address: all)
    assert not demo_allowed(demo, "0.0.0.0", {"Host": "localhost:8501"})
    assert not demo_allowed(demo, None, {"Host": "localhost:8501"})
    # not the private cluster, or demo turned off: never
    external = demo.model_copy(update={"database_url": "postgresql://db.example/contexts"})
    assert not demo_allowed(external, "127.0.0.1", {"Host": "localhost"})
    assert not demo_allowed(demo.model_copy(update={"demo": False}), "127.0.0.1",
                            {"Host": "localhost"})


@pytest.mark.pages
def test_2_app_bound_beyond_loopback_shows_no_switcher(settings) -> None:
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["demo_role"] = "admin"
        at.run()
    finally:
        config.set_option("server.address", None)
    assert not at.exception
    assert not at.selectbox, "the role switcher was shown"
    assert at.error and "only to this computer" in at.error[0].value
    assert not [t for t in at.title if t.value == "Map"]


def _upgrade(url: str, host: str) -> str:
    """The status line of a WebSocket handshake with this Host (and Origin)."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((
            "GET /_stcore/stream HTTP/1.1\r\n"
            f"Host: {host}\r\nOrigin: http://{host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: streamlit\r\n\r\n").encode())
        return sock.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def test_2_dns_rebinding_host_is_refused_by_the_server(app_url: str) -> None:
    assert any(a == "--server.allowedHosts=localhost" for a in command(8501, "127.0.0.1"))
    port = app_url.rsplit(":", 1)[1]
    assert " 101 " in _upgrade(app_url, f"127.0.0.1:{port}")
    assert " 101 " in _upgrade(app_url, f"localhost:{port}")
    refused = _upgrade(app_url, f"evil.example:{port}")
    assert " 101 " not in refused and refused.startswith("HTTP/1.1 4"), refused


@pytest.mark.browser
def test_2_rebound_name_gets_no_demo_even_when_allowed_as_a_host(settings,
                                                                  artifacts: Path) -> None:
    """DNS rebinding end to end: Chromium opens http://evil.example:<port>, which resolves
    to 127.0.0.1. Even with that name let through by allowedHosts (a misconfigured proxy
    setting), the app sees a Host that is not loopback and shows no role switcher."""
    from playwright.sync_api import sync_playwright
    from test_browser import settled

    with running_app(env={"CONTEXTS_ALLOWED_HOSTS": "evil.example"}) as url:
        port = url.rsplit(":", 1)[1]
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--host-resolver-rules=MAP evil.example 127.0.0.1"])
            page = browser.new_page()
            page.goto(f"http://evil.example:{port}/admin")
            page.get_by_text("only to this computer").first.wait_for(timeout=60_000)
            settled(page)
            page.screenshot(path=str(artifacts / "rebinding-refused.png"), full_page=True)
            text = page.locator("body").inner_text()
            browser.close()
    assert "Demo role" not in text and "Audit log" not in text and "Demo mode" not in text


# --- 3. one export path ---------------------------------------------------------------------

def test_3_every_download_checks_the_role_neutralises_and_audits(settings) -> None:
    frame = pd.DataFrame({"Place": ["=HYPERLINK(\"http://evil\",\"x\")", "Station"],
                          "n": [12, 30]})
    with pytest.raises(actions.Denied):
        export(frame, actor="pat@example.org", role="partner", what="q.csv",
                       action="export_quarantine", settings=settings)
    assert last_audit(settings)[1:5] == ("partner", "export_quarantine", "q.csv", "denied")
    data = export(frame, actor="ana@example.org", role="analyst", what="q.csv",
                          action="export_quarantine", settings=settings)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\",\"x\")"
    row = last_audit(settings)
    assert row[:5] == ("ana@example.org", "analyst", "export_quarantine", "q.csv", "ok")
    assert row[5] == {"rows": 2}


@pytest.mark.pages
def test_3_table_toolbar_download_is_off_and_downloads_are_made_on_click(settings) -> None:
    args = command(8501, "127.0.0.1")
    assert "--client.disableDataExport=true" in args
    import tomllib

    from geo.config import PROJECT_ROOT

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True  # `streamlit run` from the project
    assert config["server"]["enableAgentApi"] is False and "--server.enableAgentApi=false" in args
    res = subprocess.run([sys.executable, "-m", "geo.cli", "serve", "--",
                          "--client.disableDataExport=false"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode != 0 and "fixed" in res.stderr
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["demo_role"] = "analyst"
    at.run()
    at.switch_page("views/interventions.py").run()
    assert not at.exception
    buttons = at.get("download_button")
    assert buttons
    for b in buttons:
        # deferred: no file in the media store (and no /media/ URL) until a live session
        # clicks, and then through geo.services.exports.export
        assert b.proto.deferred_file_id and not b.proto.url


# --- 4. user text is text -------------------------------------------------------------------

HOSTILE_PLACES = {"HOSTILE-1": "![b](http://host/p.png)", "HOSTILE-2": "<img src=x>"}
HOSTILE_AGENCY = "[click](javascript:alert(1)) <b>Agency</b> :red[x]"


@pytest.fixture
def hostile(settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    gdf = gpd.GeoDataFrame({"ref": list(HOSTILE_PLACES), "name": list(HOSTILE_PLACES.values()),
                            "category": ["street", "park"]},
                           geometry=[shapely.Point(407200, 286900).buffer(60),
                                     shapely.Point(407500, 286700).buffer(60)], crs=27700)
    path = tmp_path / "hostile_places.geojson"
    gdf.to_file(path, driver="GeoJSON")
    res = load("places", path, settings=settings)
    assert res.status in ("loaded", "already_loaded"), res.message
    with db.connect("superuser", settings) as conn:
        place = conn.execute("SELECT place_id FROM place WHERE ref = 'HOSTILE-1'").fetchone()[0]
    actions.add_intervention("tests", "analyst", ref="HOSTILE-IV", place_id=place,
                             kind="lighting_cctv", agency=HOSTILE_AGENCY,
                             start_month=date(2024, 3, 1), end_month=None,
                             description="![d](http://host/d.png)", settings=settings)
    try:
        yield str(place), "HOSTILE-IV"
    finally:
        with db.connect("superuser", settings) as conn:
            conn.execute("DELETE FROM intervention WHERE ref = 'HOSTILE-IV'")
            conn.commit()


def _markdown_bodies(at: AppTest) -> list[str]:
    out = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "title",
                 "header", "subheader", "text"):
        out += [str(e.value) for e in at.get(kind)]
    for m in at.get("metric"):
        out += [str(m.label), str(m.value)]
    return out


@pytest.mark.pages
def test_4_hostile_names_are_text_on_every_page_and_in_the_board_pack(settings,
                                                                      hostile) -> None:
    place, _ = hostile
    pages = ["views/map.py", "views/hotspots.py", "views/profile.py",
             "views/interventions.py", "views/upload.py", "views/board_pack.py",
             "views/admin.py"]
    seen_escaped = set()
    for page in pages:
        at = AppTest.from_file(APP, default_timeout=120)
        at.session_state["demo_role"] = "admin"
        at.session_state["profile"] = ("place", place)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
        if page.endswith("board_pack.py"):
            at.button[0].click().run()
            doc = at.session_state["board_pack"]
            assert "<img src=x>" not in doc and "<b>Agency" not in doc
        for body in _markdown_bodies(at):
            # an image, link or colour directive would only work unescaped
            assert "![b](" not in body and "![d](" not in body, (page, body)
            assert "](javascript:" not in body and ":red[" not in body, (page, body)
            assert "<img" not in body and "<b>" not in body, (page, body)
            if "\\!\\[b\\]" in body:
                seen_escaped.add(page)
            if "\\[click\\]" in body:
                seen_escaped.add(page + ":agency")
    # the names are shown (as text) where they belong
    assert "views/profile.py" in seen_escaped
    assert "views/interventions.py" in seen_escaped
    assert "views/interventions.py:agency" in seen_escaped


# --- 5. audit -----------------------------------------------------------------------------

@pytest.mark.pages
def test_5_page_opened_by_address_is_refused_and_audited(settings) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_role"] = "partner"
    at.run()
    at.switch_page("views/admin.py").run()  # a partner typing /admin
    assert at.error and "do not have access" in at.error[0].value
    assert not at.dataframe
    assert last_audit(settings)[:5] == ("demo:partner", "partner", "page", "admin", "denied")


@pytest.fixture
def signed_in_mode(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("CONTEXTS_DEMO", "false")
    monkeypatch.setenv("CONTEXTS_PSEUDONYM_KEY", REAL_KEY)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.pages
def test_5_inactive_user_is_stopped_on_the_next_click(settings, signed_in_mode) -> None:
    who = "sam.stopped@example.org"
    access.set_user(who, "analyst", ("*",), actor="tests")
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": True, "iss": "https://idp.example", "sub": "sam",
               "email": who, "email_verified": True}
    at.run()
    assert not at.exception and at.title[0].value == "Map"
    access.set_user(who, "analyst", ("*",), actor="tests", active=False)
    at.run()  # the next click
    assert at.title[0].value == "No access"
    assert not [t for t in at.title if t.value == "Map"]
    assert last_audit(get_settings(), "action = 'session'")[0:5] == (
        who, "analyst", "session", "dashboard", "denied")
    # made a partner instead: the next click has the partner's pages and views
    access.set_user(who, "partner", ("E08000025",), actor="tests")
    at.switch_page("views/upload.py").run()
    assert at.error and "do not have access" in at.error[0].value


def test_5_audit_rows_only_through_the_function(settings) -> None:
    with db.connect("loader", settings) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO audit_log (at, actor, action, outcome) "
                         "VALUES ('2001-01-01', 'someone-else', 'x', 'ok')")
        conn.rollback()
        with pytest.raises(psycopg.errors.RaiseException, match="no actor"):
            conn.execute("SELECT contexts_audit('admin', 'x', '', 'ok')")
        conn.rollback()
        conn.execute("SELECT set_config('contexts.actor', 'os:tester', true)")
        audit_id = conn.execute("SELECT contexts_audit('cli', 'probe', 't', 'ok')").fetchone()[0]
        conn.commit()
    with db.connect("owner", settings) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO audit_log (actor, action, outcome) VALUES ('x','x','x')")
    with db.connect("superuser", settings) as conn:
        at, source, login, age = conn.execute(
            "SELECT at, source, db_login, now() - at FROM audit_log WHERE audit_id = %s",
            (audit_id,)).fetchone()
    assert (source, login) == ("os", "contexts_loader")
    assert age.total_seconds() < 60  # stamped by the database, not given
    with db.connect("dashboard", settings) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT contexts_audit('admin', 'x', '', 'ok')")


def test_5_command_actor_is_the_os_user(settings) -> None:
    env = {**os.environ, "USER": "mallory", "LOGNAME": "mallory"}
    res = subprocess.run([sys.executable, "-m", "geo.cli", "purge", "--older-than", "1200"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    me = pwd.getpwuid(os.getuid()).pw_name
    row = last_audit(settings, "action = 'purge'")
    assert row[0] == f"os:{me}" and row[6] == "os"
    res = subprocess.run([sys.executable, "-m", "geo.cli", "load", "incidents", "x.csv",
                          "--actor", "someone-else"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode != 0 and "--actor" in res.stderr


# --- 6. the database --------------------------------------------------------------------

def test_6_dashboard_role_cannot_widen_its_areas(settings) -> None:
    with db.connect("superuser", settings) as conn:
        total = conn.execute("SELECT count(*) FROM incident").fetchone()[0]
    # a session with no pass (as the attacker would open one) sees nothing, set what it may
    raw = psycopg.connect(db.dsn("dashboard", settings))
    with raw:
        raw.execute("SELECT set_config('contexts.areas', '*', false)")
        assert raw.execute(VISIBLE_INCIDENTS).fetchone()[0] == 0
        raw.execute("SELECT set_config('contexts.areas_seal', repeat('0', 64), false)")
        assert raw.execute(VISIBLE_INCIDENTS).fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("SELECT contexts_area_pass(ARRAY['*'])")
        raw.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            raw.execute("SELECT contexts_enter('*|99999999999|' || repeat('a', 64))")
        raw.rollback()
    # the app's connection with a user's areas: a pass for '*' cannot be entered on top
    with db.connect("dashboard", settings, areas=("E08000099",)) as conn:
        assert conn.execute(VISIBLE_INCIDENTS).fetchone()[0] == 0
        conn.execute("SELECT set_config('contexts.areas', '*', false)")
        assert conn.execute(VISIBLE_INCIDENTS).fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="already"):
            conn.execute("SELECT contexts_enter(%s)", (db.area_pass(("*",), settings),))
    with db.connect("dashboard", settings) as conn:  # all areas, as the demo
        assert conn.execute(VISIBLE_INCIDENTS).fetchone()[0] == total > 0


def test_6_time_limit_and_read_only_cannot_be_lifted(settings) -> None:
    quick = settings.model_copy(update={"dashboard_timeout_ms": 300})
    with db.connect("dashboard", quick) as conn:
        conn.execute("SET statement_timeout = 0")
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(3)")
        conn.rollback()
        with pytest.raises(psycopg.errors.QueryCanceled):  # lifted inside the statement
            conn.execute("SELECT set_config('statement_timeout', '0', false), pg_sleep(3)")
        conn.rollback()
        conn.execute("SET default_transaction_read_only = off")
        conn.commit()
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("UPDATE place SET name = name")
    # no temporary tables, even with read-only lifted on a session of the attacker's own
    with psycopg.connect(db.dsn("dashboard", settings), autocommit=True) as raw:
        raw.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="temporary"):
            raw.execute("CREATE TEMP TABLE t (x int)")


def test_6_dashboard_role_reads_no_users_or_ledger(settings) -> None:
    access.set_user("someone.else@example.org", "admin", ("*",), actor="tests")
    with db.connect("dashboard", settings) as conn:
        for table in ("app_user", "extract", "gate_secret"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")  # noqa: S608
            conn.rollback()
        rows = conn.execute("SELECT * FROM contexts_user('https://idp.example', 'nobody', "
                            "'nobody@example.org')").fetchall()
        assert rows == []
        assert conn.execute("SELECT latest FROM extract_latest").fetchone()[0] > 0
        cur = conn.execute("SELECT * FROM extract_ledger LIMIT 1")
        shown = {c.name for c in cur.description or []}
        assert "file_name" in shown and not shown & {"file_sha256", "key_fingerprint",
                                                     "message", "reasons"}
    who = access.SignIn("https://idp.example", "someone", "someone.else@example.org")
    assert access.lookup(who, settings).role == "admin"


# --- 7. the CSV neutraliser ----------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    "=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1",
    "x;=cmd|' /C calc'!A0", "a,=HYPERLINK(\"http://evil\")", "ok | @x", "line\n=1",
    "a\"; =1", "x;  -2+3",
])
def test_7_every_formula_in_every_cell_is_neutralised(cell: str) -> None:
    frame = pd.DataFrame({"a": ["safe", cell], cell: ["x", "y"]})
    data = exports.safe_csv(frame)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][1] == "'" + cell and rows[2][0] == "'" + cell
    assert rows[1][0] == "safe"
    text = data.decode("utf-8-sig")  # every field quoted: only separators between them
    assert re.fullmatch(r'(?:"(?:[^"]|"")*"(?:,|\r?\n))*', text), text


def test_7_the_whole_content_is_checked() -> None:
    exports.check_csv(b'"a","b"\n"1","Stop - search"\n')
    with pytest.raises(exports.UnsafeExport):
        exports.check_csv(b'"a","b"\n"1","x;=cmd|calc"\n')
    with pytest.raises(exports.UnsafeExport):
        exports.check_csv(b'a,=1\n')
