"""Contexts: the safeguarding partnership's map of extra-familial harm.

Entry point for ``streamlit run`` (``contexts serve``): sets the page, the role, and the
pages that role may open.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _state  # noqa: E402

st.set_page_config(page_title="Contexts", page_icon="🗺️", layout="wide")

if _state.demo_mode():
    with st.sidebar:
        st.selectbox(
            "Demo role", _state.ROLES, key="demo_role", format_func=lambda r: _state.ROLE_LABELS[r]
        )

role = _state.current_role()
pages = [st.Page("pages/map.py", title="Map", icon="🗺️", default=True)]
nav = st.navigation(pages)
_state.banner()
nav.run()
