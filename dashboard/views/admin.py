"""Admin: users and roles, and the audit log."""

from __future__ import annotations

import streamlit as st

from dashboard import _data, _state

role = _state.require("admin")
st.title("Admin")
st.subheader("Users")
users = _data.users()
if users.empty:
    st.write("No users are registered yet (in demo mode the role switcher stands in for "
             "sign-in).")
else:
    st.dataframe(users, hide_index=True, width="stretch")

st.subheader("Audit log")
action = st.selectbox("Action", ["all", "upload", "export", "board_pack", "intervention_edit",
                                 "page", "sign_in", "role_change", "purge"], key="audit_action")
log = _data.audit_log(None if action == "all" else action)
st.caption(f"{len(log)} most recent entries")
st.dataframe(log, hide_index=True, width="stretch")
