"""Contexts: the safeguarding partnership's map of extra-familial harm.

Entry point for ``streamlit run`` (``contexts serve``): sets the page, the role, and the
pages that role may open. Each page checks the role again itself.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import _state
from geo import roles
from geo.services import pages as reads

FAVICON = Path(__file__).parent / "assets" / "favicon.png"  # local: nothing fetched from CDNs
st.set_page_config(page_title="Contexts", page_icon=str(FAVICON), layout="wide",
                   initial_sidebar_state="auto")
try:
    _state.settings()
except ValueError as exc:  # a bad setting (pydantic's ValidationError is a ValueError)
    st.error(f"The dashboard cannot start: {exc}")
    st.stop()
_state.start()  # the state of a shared link (filters, period, unit, place) before any widget

_state.refuse_unsafe_setup()
if _state.demo_mode():
    with st.sidebar:
        st.selectbox("Demo role", _state.ROLES, key="demo_role",
                     format_func=lambda r: _state.ROLE_LABELS[r])
else:
    _state.sign_in()

role = _state.current_role()
if role is None:
    st.error("You are not signed in.")
    st.stop()
# every page is registered; those of other roles are hidden from the menu, and opened by
# their address (/admin) they refuse and audit the attempt themselves (_state.require)
pages = [st.Page(f"views/{p.name}.py", title=p.title, icon=p.icon, default=(k == 0),
                 visibility="visible" if roles.may_open(role, p.name) else "hidden")
         for k, p in enumerate(roles.PAGES)]
nav = st.navigation(pages)
_state.remember(role=role if _state.demo_mode() else None)
_state.banner()
_state.phone_layout(nav.url_path)
st.sidebar.caption(f"Signed in as: {_state.ROLE_LABELS.get(role, role)}")
try:
    nav.run()
except reads.TooSlow:
    # the read was cancelled by the statement timeout: nothing was written, nothing cached
    st.warning(reads.TOO_SLOW, icon=":material/hourglass_disabled:")
