"""Admin: users and roles, and the audit log."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import _data, _state
from geo import roles
from geo.render.plain import md
from geo.render.words import audit_table, count_phrase, readable_table
from geo.services import actions, admin

role = _state.require("admin")
who = _state.actor()
st.title("Admin")
st.subheader("Users")
if said := st.session_state.pop("admin_said", None):
    st.success(said)  # the change made on the last run, now in the list below
users = _data.users()
if users.empty:
    st.write("No users are registered yet (in demo mode the role switcher stands in for "
             "sign-in).")
else:
    shown = users.assign(role=users["role"].map(lambda r: _state.ROLE_LABELS.get(r, r)))
    st.dataframe(readable_table(shown, dates=["created_at"]), hide_index=True,
                 width="stretch")


def _role_label(r: str) -> str:
    return _state.ROLE_LABELS.get(r, r)


AREAS_HELP = ("Area codes the user may see, separated by commas, or * for every area. "
              "A user with no area sees no rows.")

if not users.empty:
    with st.expander("Change a user", icon=":material/manage_accounts:"):
        ids = list(users["identity"])
        pick = str(st.selectbox("User", ids, key="user_pick"))
        row = users[users["identity"] == pick].iloc[0]
        n = ids.index(pick)
        with st.form(f"user_change_{n}"):  # a form per user: its own values
            new_role = st.selectbox("Role", roles.ROLES,
                                    index=roles.ROLES.index(row["role"]),
                                    format_func=_role_label, key=f"user_role_{n}")
            areas = st.text_input("Areas", value=", ".join(row["areas"] or ()),
                                  help=AREAS_HELP, key=f"user_areas_{n}")
            active = st.checkbox("May sign in (untick to disable the account)",
                                 value=bool(row["active"]), key=f"user_active_{n}")
            if st.form_submit_button("Save the change", key=f"user_save_{n}"):
                try:
                    admin.change_user(who, role, pick, new_role, admin.areas_of(areas),
                                      active)
                    st.session_state["admin_said"] = (
                        f"{pick}: {_role_label(new_role)}, "
                        + ("may sign in." if active else "disabled."))
                    st.rerun()
                except (ValueError, actions.Denied) as exc:
                    st.error(md(exc))

with st.expander("Add a user", icon=":material/person_add:"), \
        st.form("user_add", clear_on_submit=True):
    identity = st.text_input("E-mail address they sign in with", key="user_new")
    new_role = st.selectbox("Role", roles.ROLES, format_func=_role_label, key="user_new_role")
    areas = st.text_input("Areas", help=AREAS_HELP, key="user_new_areas")
    if st.form_submit_button("Add the user", key="user_add_save"):
        try:
            admin.change_user(who, role, identity, new_role, admin.areas_of(areas),
                              new=True)
            st.session_state["admin_said"] = (f"{identity.strip()} added as "
                                              f"{_role_label(new_role)}.")
            st.rerun()
        except (ValueError, actions.Denied) as exc:
            st.error(md(exc))
st.caption("The same as the command `contexts users set`; every change is in the audit "
           "log.")

st.subheader("Audit log")
c1, c2, c3 = st.columns(3)
action = c1.selectbox("Action", ["all", *admin.AUDIT_ACTIONS], key="audit_action",
                      format_func=lambda a: "All actions" if a == "all"
                      else a.replace("_", " ").capitalize())
actor = c2.text_input("Who (part of the name)", key="audit_who")
target = c3.text_input("What (part of the target)", key="audit_target")
d1, d2 = st.columns(2)
since = d1.date_input("From", value=None, key="audit_since", format="DD/MM/YYYY")
until = d2.date_input("To", value=None, key="audit_until", format="DD/MM/YYYY")
wanted = admin.AuditFilter(actor=actor, action=None if action == "all" else action,
                           target=target, since=since, until=until)
try:
    log = admin.audit_log(who, role, wanted)
except (ValueError, actions.Denied) as exc:
    st.error(md(exc))
    st.stop()
st.caption(f"The {count_phrase(len(log), 'most recent entry', 'most recent entries')}: "
           f"{wanted.describe()}")
pages = {p.name: p.title for p in roles.PAGES}
table = audit_table(log, _state.ROLE_LABELS, pages)
_state.download("Download these entries (CSV)", lambda: table,
                what=f"audit log ({wanted.describe()})",
                file_name=f"audit-log-{date.today():%Y-%m-%d}.csv", mime="text/csv",
                action="audit_export", key="audit_csv")
st.dataframe(table, hide_index=True, width="stretch")
