"""Admin: users and roles, and the audit log."""

from __future__ import annotations

import streamlit as st

from dashboard import _data, _state
from geo import roles
from geo.render.words import audit_table, count_phrase, readable_table

role = _state.require("admin")
st.title("Admin")
st.subheader("Users")
users = _data.users()
if users.empty:
    st.write("No users are registered yet (in demo mode the role switcher stands in for "
             "sign-in).")
else:
    users = users.assign(role=users["role"].map(lambda r: _state.ROLE_LABELS.get(r, r)))
    st.dataframe(readable_table(users, dates=["created_at"]), hide_index=True, width="stretch")

st.subheader("Audit log")
action = st.selectbox("Action", ["all", "upload", "export", "board_pack", "intervention_edit",
                                 "page", "sign_in", "role_change", "purge"], key="audit_action",
                      format_func=lambda a: "All actions" if a == "all"
                      else a.replace("_", " ").capitalize())
log = _data.audit_log(None if action == "all" else action)
st.caption(f"The {count_phrase(len(log), 'most recent entry', 'most recent entries')}")
pages = {p.name: p.title for p in roles.PAGES}
st.dataframe(audit_table(log, _state.ROLE_LABELS, pages), hide_index=True, width="stretch")
