"""The Admin page (issue #31): users listed and changed there as by `contexts users set`
(audited, admins only), and the audit log filtered by who, action, dates and target, with
its CSV export audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest
from test_dashboard import run
from test_security_attacks import last_audit

from geo.config import PROJECT_ROOT
from geo.services import access, actions, admin
from geo.services.exports import export
from geo.store import db

pytestmark = pytest.mark.pages
ADMIN = "admin-h31@example.org"
PARTNER = "partner-h31@example.org"


@pytest.fixture(name="two_users")
def _two_users(settings):
    access.set_user(ADMIN, "admin", ("*",), actor="os:tests", settings=settings)
    access.set_user(PARTNER, "partner", ("E05011118",), actor="os:tests",
                    display_name="Pat", settings=settings)
    yield
    with db.connect("superuser", settings) as conn:
        conn.execute("DELETE FROM app_user WHERE identity = ANY(%s)",
                     ([ADMIN, PARTNER, "new-h31@example.org"],))


def _user(settings, identity: str) -> tuple:
    with db.connect("superuser", settings) as conn:
        return conn.execute("SELECT role, areas, active, display_name FROM app_user "
                            "WHERE identity = %s", (identity,)).fetchone()


@pytest.mark.usefixtures("two_users")
@pytest.mark.parametrize("role", ["partner", "board", "analyst"])
def test_only_admins_see_or_use_users_and_the_audit_log(settings, role) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "views" / "admin.py"),
                           default_timeout=60)
    at.session_state["demo_role"] = role
    at.run()
    assert [e.value for e in at.error] == ["You do not have access to this page."]
    assert not at.dataframe and not at.get("download_button") and not at.button
    # and the services refuse the role on the server, auditing the refusal
    with pytest.raises(actions.Denied):
        admin.change_user(f"demo:{role}", role, PARTNER, "admin", ("*",), settings=settings)
    assert last_audit(settings)[1:5] == (role, "user_edit", PARTNER, "denied")
    assert _user(settings, PARTNER)[0] == "partner"
    with pytest.raises(actions.Denied):
        admin.audit_log(f"demo:{role}", role, admin.AuditFilter(), settings=settings)
    with pytest.raises(actions.Denied):
        export(admin.audit_log("demo:admin", "admin", admin.AuditFilter(), settings=settings),
               actor=f"demo:{role}", role=role, what="audit log", action="audit_export",
               settings=settings)
    assert last_audit(settings)[1:5] == (role, "audit_export", "audit log", "denied")


@pytest.mark.usefixtures("two_users")
def test_an_admin_changes_a_role_and_areas_and_disables_a_user(settings) -> None:
    at = run("admin", "admin")
    listed = at.dataframe[0].value
    assert PARTNER in set(listed.iloc[:, 0].astype(str))
    at.selectbox(key="user_pick").set_value(PARTNER).run()
    n = list(at.selectbox(key="user_pick").options).index(PARTNER)
    at.selectbox(key=f"user_role_{n}").set_value("analyst")
    at.text_input(key=f"user_areas_{n}").input("E05011118, E05011119")
    at.button(key=f"user_save_{n}").click().run()
    assert not at.exception
    assert _user(settings, PARTNER) == ("analyst", ["E05011118", "E05011119"], True, "Pat")
    row = last_audit(settings)
    assert row[:5] == ("demo:admin", "admin", "role_change", PARTNER, "ok")
    assert row[5] == {"role": "analyst", "areas": ["E05011118", "E05011119"], "active": True}
    assert any(PARTNER in s.value for s in at.success)

    at.selectbox(key="user_pick").set_value(PARTNER).run()
    at.checkbox(key=f"user_active_{n}").uncheck()
    at.button(key=f"user_save_{n}").click().run()
    assert _user(settings, PARTNER)[2] is False
    assert last_audit(settings)[5]["active"] is False
    # a disabled user no longer signs in (the same table the sign-in reads)
    assert access.lookup(access.SignIn("https://issuer", "sub-h31", PARTNER),
                         settings) is None

    at.text_input(key="user_new").input("new-h31@example.org")
    at.selectbox(key="user_new_role").set_value("board")
    at.text_input(key="user_new_areas").input("*")
    at.button(key="user_add_save").click().run()
    assert _user(settings, "new-h31@example.org")[:3] == ("board", ["*"], True)
    assert last_audit(settings)[:5] == ("demo:admin", "admin", "role_change",
                                        "new-h31@example.org", "ok")


@pytest.mark.usefixtures("two_users")
def test_the_last_active_admin_is_kept_and_bad_input_refused(settings) -> None:
    with db.connect("superuser", settings) as conn:
        others = conn.execute("SELECT identity FROM app_user WHERE role = 'admin' AND active "
                              "AND identity <> %s", (ADMIN,)).fetchall()
    if not others:
        with pytest.raises(ValueError, match="only active administrator"):
            admin.change_user("demo:admin", "admin", ADMIN, "partner", ("*",),
                              settings=settings)
        with pytest.raises(ValueError, match="only active administrator"):
            admin.change_user("demo:admin", "admin", ADMIN, "admin", ("*",), active=False,
                              settings=settings)
        assert _user(settings, ADMIN)[:3] == ("admin", ["*"], True)
    with pytest.raises(ValueError, match="already a user"):
        admin.change_user("demo:admin", "admin", PARTNER, "board", (), new=True,
                          settings=settings)
    with pytest.raises(ValueError, match="not a user"):
        admin.change_user("demo:admin", "admin", "nobody@example.org", "board", ())
    with pytest.raises(ValueError, match="no spaces"):
        admin.change_user("demo:admin", "admin", "two words", "board", (), new=True)
    assert admin.areas_of("E05011118, E05011119;E05011118 *") == (
        "E05011118", "E05011119", "*")


def test_the_audit_log_filters_by_who_action_dates_and_target_and_exports(settings) -> None:
    import uuid

    mark = uuid.uuid4().hex[:8]  # this run's own entries, whatever the log held before
    actions.audit(f"demo:h31-someone-{mark}", "partner", "export",
                  f"h31log{mark} hot spots.csv", "ok", settings=settings)
    actions.audit(f"demo:h31-other-{mark}", "analyst", "upload", f"h31log{mark} incidents",
                  "ok", settings=settings)
    at = run("admin", "admin")
    at.text_input(key="audit_who").input(f"H31-SOMEONE-{mark}").run()
    log = at.dataframe[-1].value
    assert list(log["Who"]) == [f"demo:h31-someone-{mark}"]
    at.text_input(key="audit_who").input("").run()
    at.text_input(key="audit_target").input(f"h31log{mark}").run()
    assert set(at.dataframe[-1].value["Who"]) == {f"demo:h31-someone-{mark}",
                                                  f"demo:h31-other-{mark}"}
    at.selectbox(key="audit_action").set_value("upload").run()
    assert list(at.dataframe[-1].value["Who"]) == [f"demo:h31-other-{mark}"]
    today = date.today()
    at.date_input(key="audit_since").set_value(today - timedelta(days=1)).run()
    at.date_input(key="audit_until").set_value(today + timedelta(days=1)).run()
    assert list(at.dataframe[-1].value["Who"]) == [f"demo:h31-other-{mark}"]
    at.date_input(key="audit_until").set_value(today - timedelta(days=1)).run()
    assert at.dataframe[-1].value.empty
    at.date_input(key="audit_since").set_value(today + timedelta(days=1)).run()
    assert [e.value.replace("\\", "") for e in at.error] == ["The first day is after the last."]
    at.date_input(key="audit_since").set_value(None).run()
    at.date_input(key="audit_until").set_value(None).run()
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == ["Download these entries (CSV)"]
    assert buttons[0].proto.deferred_file_id and not buttons[0].proto.url

    # the export the button makes: the table shown, through the one export path, audited
    wanted = admin.AuditFilter(action="upload", target=f"h31log{mark}")
    from geo.render.words import audit_table

    table = audit_table(admin.audit_log("demo:admin", "admin", wanted, settings=settings),
                        {})
    data = export(table, actor="demo:admin", role="admin",
                  what=f"audit log ({wanted.describe()})", action="audit_export",
                  settings=settings)
    assert f"demo:h31-other-{mark}".encode() in data and b"h31-someone" not in data
    row = last_audit(settings)
    assert row[:5] == ("demo:admin", "admin", "audit_export",
                       f"audit log (action upload, target contains 'h31log{mark}')", "ok")
    assert row[5] == {"rows": 1}
