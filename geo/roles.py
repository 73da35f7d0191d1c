"""Who may do what: the roles, the pages each may open, and the actions each may take.

The one list of roles. The app's navigation, the page checks, the server-side action checks,
the ``contexts users`` command and the disclosure gate read it from here; the database's
``app_user.role`` CHECK holds the same list, and a test compares the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

#: a role of the app (a row of ``app_user``). Not a database role
#: (:data:`geo.store.connect.DbRole`: the logins the dashboard and the loader connect as)
AppRole = Literal["partner", "board", "analyst", "admin"]

#: every role, from least to most access
ROLES: tuple[AppRole, ...] = get_args(AppRole)

ROLE_LABELS: dict[str, str] = {
    "partner": "Community safety partner",
    "board": "Strategy board member",
    "analyst": "Analyst",
    "admin": "Administrator",
}

#: roles that see only published (disclosure-controlled) figures
AGGREGATE_ROLES: tuple[str, ...] = ("partner", "board")

EVERYONE = ROLES
ANALYSTS = ("analyst", "admin")


@dataclass(frozen=True)
class Page:
    """A page of the dashboard: its name (the file ``dashboard/views/<name>.py``), title,
    icon and the roles that may open it."""

    name: str
    title: str
    icon: str
    roles: tuple[str, ...]


PAGES: tuple[Page, ...] = (
    Page("map", "Map", ":material/map:", EVERYONE),
    Page("hotspots", "Hot spots", ":material/local_fire_department:", EVERYONE),
    Page("profile", "Place profile", ":material/location_on:", EVERYONE),
    Page("interventions", "Interventions", ":material/construction:", EVERYONE),
    Page("contexts", "Contexts", ":material/diversity_3:", EVERYONE),
    Page("meeting", "Next meeting", ":material/event:", EVERYONE),
    Page("networks", "Networks", ":material/hub:", EVERYONE),
    Page("upload", "Upload", ":material/upload_file:", ANALYSTS),
    Page("board_pack", "Board pack", ":material/description:", ("board", "analyst", "admin")),
    Page("admin", "Admin", ":material/admin_panel_settings:", ("admin",)),
)
PAGE_ROLES: dict[str, tuple[str, ...]] = {p.name: p.roles for p in PAGES}

#: who may take each server-side action
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "upload": ANALYSTS,
    "intervention_edit": ANALYSTS,
    "export_points": ANALYSTS,
    "export": EVERYONE,
    "export_quarantine": ANALYSTS,
    "board_pack": ("board", "analyst", "admin"),
    "audit_read": ("admin",),
    "audit_export": ("admin",),
    "user_edit": ("admin",),
    "context_edit": ANALYSTS,
    "network_people": ANALYSTS,
    # a location assessment of a place (issue #35): partners record them too
    "assessment_record": ("partner", "analyst", "admin"),
}


def may_open(role: str | None, page: str) -> bool:
    """Whether ``role`` may open the page named ``page``."""
    return role is not None and role in PAGE_ROLES.get(page, ())


def may(role: str | None, action: str) -> bool:
    """Whether ``role`` may take ``action``."""
    return role is not None and role in PERMISSIONS.get(action, ())
