"""What every page shares: settings, the read-only connection, the user's role, the banner.

Roles are decided here on the server; a page asks :func:`require` before showing anything,
so hiding a menu item is never the only protection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import streamlit as st

from geo import db
from geo.config import Settings, get_settings

ROLES = ("partner", "board", "analyst", "admin")
ROLE_LABELS = {
    "partner": "Community safety partner",
    "board": "Strategy board member",
    "analyst": "Analyst",
    "admin": "Administrator",
}


def settings() -> Settings:
    return get_settings()


def demo_mode() -> bool:
    s = settings()
    return s.demo and s.embedded


def current_role() -> str | None:
    """The signed-in user's role (in demo mode, the one chosen in the switcher)."""
    if demo_mode():
        return st.session_state.get("demo_role", "partner")
    return st.session_state.get("role")


def require(*roles: str) -> str:
    """Stop the page unless the user has one of ``roles``; returns the role."""
    role = current_role()
    if role not in roles:
        st.error("You do not have access to this page.")
        st.stop()
    assert role is not None
    return role


@contextmanager
def read_connection() -> Iterator[psycopg.Connection[Any]]:
    """A connection as the read-only dashboard role."""
    with db.connect("dashboard", settings()) as conn:
        yield conn


def banner() -> None:
    if demo_mode():
        st.warning(
            "**Demo mode**: synthetic data on a private database, with a role "
            "switcher in the sidebar. Not for real data.",
            icon="🧪",
        )
