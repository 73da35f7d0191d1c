"""Contexts: the safeguarding partnership's map of extra-familial harm.

Entry point for ``streamlit run`` (``contexts serve``): sets the page, the role, and the
pages that role may open. Each page checks the role again itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _state  # noqa: E402

FAVICON = Path(__file__).parent / "assets" / "favicon.png"  # local: nothing fetched from CDNs
st.set_page_config(page_title="Contexts", page_icon=str(FAVICON), layout="wide")

_state.refuse_unsafe_setup()
if _state.demo_mode():
    with st.sidebar:
        st.selectbox("Demo role", _state.ROLES, key="demo_role",
                     format_func=lambda r: _state.ROLE_LABELS[r])
else:
    _state.sign_in()

role = _state.current_role()
EVERYONE = _state.ROLES
PAGES = [
    ("views/map.py", "Map", ":material/map:", EVERYONE),
    ("views/hotspots.py", "Hot spots", ":material/local_fire_department:", EVERYONE),
    ("views/profile.py", "Place profile", ":material/location_on:", EVERYONE),
    ("views/interventions.py", "Interventions", ":material/construction:", EVERYONE),
    ("views/upload.py", "Upload", ":material/upload_file:", ("analyst", "admin")),
    ("views/board_pack.py", "Board pack", ":material/description:", ("board", "analyst", "admin")),
    ("views/admin.py", "Admin", ":material/admin_panel_settings:", ("admin",)),
]
if role is None:
    st.error("You are not signed in.")
    st.stop()
# every page is registered; those of other roles are hidden from the menu, and opened by
# their address (/admin) they refuse and audit the attempt themselves (_state.require)
pages = [st.Page(path, title=title, icon=icon, default=(k == 0),
                 visibility="visible" if role in roles else "hidden")
         for k, (path, title, icon, roles) in enumerate(PAGES)]
nav = st.navigation(pages)
_state.banner()
st.sidebar.caption(f"Signed in as: {_state.ROLE_LABELS.get(role, role)}")
nav.run()
