"""The app's writes, each checked for the role on the server and written to the audit log.

A page asks; this module decides. A refused action raises :class:`Denied` after the
refusal itself is audited. Writes run as the loader role, never the read-only one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from geo.config import Settings, get_settings
from geo.kinds import KINDS
from geo.roles import PERMISSIONS, may
from geo.store import db
from geo.store import interventions as register
from geo.store.audit import record

log = logging.getLogger(__name__)


class Denied(PermissionError):
    """The role may not do this; the attempt was audited."""


def audit(actor: str, role: str, action: str, target: str, outcome: str,
          detail: dict[str, Any] | None = None, settings: Settings | None = None) -> None:
    """One audit row (who, what, when, outcome; never personal data)."""
    with db.transaction("loader", settings or get_settings()) as conn:
        record(conn, actor, role, action, target, outcome, detail)


def authorise(actor: str, role: str, action: str, target: str = "",
              settings: Settings | None = None) -> None:
    """Raise :class:`Denied` (and audit the refusal) unless ``role`` may do ``action``."""
    if not may(role, action):
        audit(actor, role, action, target, "denied", settings=settings)
        log.warning("denied: a %s may not %s (%s)", role, action, target)
        raise Denied(f"a {role} may not {action.replace('_', ' ')}")


def upload(actor: str, role: str, kind: str, path: Path, file_name: str,
           progress: Callable[[int, int, str], None] | None = None,
           settings: Settings | None = None, sheet: str | None = None,
           covers: Any = None, layer: str | None = None, label: str | None = None,
           feature: str | None = None) -> Any:
    """Load an uploaded extract through the one ingest pipeline (analysts, admins);
    ``sheet``: the .xlsx sheet to read (the first when None); ``covers``: what an
    incidents file covers (default the whole area); ``layer``: a GeoPackage's layer;
    ``label``: what to record the load as, if it passes the guard (the file's own name
    never is: a neutral label and its digest are); ``feature``: a feature layer's name
    (kind "features")."""
    import hashlib

    from geo.ingest import load
    from geo.ingest._guard import load_label

    # even a refusal is audited under a name that identifies nobody
    shown = load_label(kind, hashlib.sha256(Path(path).read_bytes()).hexdigest(), label)
    authorise(actor, role, "upload", f"{kind}:{shown}", settings)
    kwargs: dict[str, Any] = {"progress": progress} if progress else {}
    if covers is not None:
        kwargs["covers"] = covers
    # parsed in a child process with CPU and memory limits: not in the app's (issue #28)
    return load(kind, path, actor=actor, role=role, file_name=file_name, settings=settings,
                sheet=sheet or None, isolate=True, layer=layer or None, label=label or None,
                feature=feature, **kwargs)


def gpkg_layers(data: bytes) -> list[str]:
    """The layers of an uploaded GeoPackage (none when it cannot be read: the load then
    says why), for the Upload page to offer when there are several: read in the limited
    child process (``geo.ingest._isolated``), never by GDAL in the app's."""
    import tempfile

    from geo.ingest import _isolated

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.gpkg"
        path.write_bytes(data)
        try:
            return _isolated.layers(path, name="the GeoPackage")
        except ValueError:  # not a GeoPackage, or too costly: the load says why
            return []


#: a ward holding at least this share of a file's points is suggested as covered
SUGGEST_SHARE = 0.01
#: points spread over this share of the wards or more: the whole area is suggested
SUGGEST_WHOLE = 0.9


@dataclass(frozen=True)
class Suggestion:
    """What an incidents file seems to cover, from its own rows (the Upload page's
    coverage question): the wards holding its points (code, name, share of the points),
    how many wards the area has, whether that is (nearly) all of them, and its months."""

    rows: int
    located: int
    wards: list[tuple[str, str, float]]
    all_wards: int
    whole: bool
    first_month: str
    last_month: str


def suggest_coverage(actor: str, role: str, data: bytes, suffix: str,
                     sheet: str | None = None, settings: Settings | None = None
                     ) -> Suggestion | None:
    """A suggestion of what an uploaded incidents file covers, from where and when its
    rows are (read in the limited child process, ``geo.ingest._isolated.extent``): the
    wards holding at least 1 % of a sample of its points, or the whole area when they
    are 90 % of the wards. ``None`` for a file the reader refuses (the load then says
    why) or a zip (a police.uk download)."""
    import tempfile

    from geo.ingest import _isolated
    from geo.store import coverage

    authorise(actor, role, "upload", "coverage suggestion", settings)
    if suffix.lower() == ".zip":
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix.lower()}"
        path.write_bytes(data)
        try:
            ext = _isolated.extent(path, sheet, name="the file", suffix_of=path.name)
        except ValueError:
            return None
    with db.connect("loader", settings or get_settings()) as conn:
        found = coverage.suggest(conn, ext.xs, ext.ys)
        wards = int((coverage.names(conn)["kind"] == "ward").sum())
    n = max(len(ext.xs), 1)
    kept = [(str(c), str(nm), int(p) / n) for c, nm, p in
            zip(found["code"], found["name"], found["points"], strict=True)
            if int(p) / n >= SUGGEST_SHARE]
    return Suggestion(ext.rows, ext.located, kept, wards,
                      bool(wards) and len(kept) >= SUGGEST_WHOLE * wards,
                      ext.first_month, ext.last_month)


def record_export(actor: str, role: str, what: str, rows: int,
                  settings: Settings | None = None, action: str = "export") -> None:
    """Check and audit an export (every export records who took it)."""
    authorise(actor, role, action, what, settings)
    audit(actor, role, action, what, "ok", {"rows": rows}, settings)


def _no_identifiers(text: str, field: str, known: frozenset[str] = frozenset()) -> None:
    """Refuse typed text holding a direct identifier or a person's name (the guard free
    text read from files goes through: ``known``, the words of the area's own names)."""
    from geo.ingest._guard import identifier_in, person_name_in

    found = identifier_in(text) or ("a person's name" if person_name_in(text, known)
                                    else None)
    if found:
        raise ValueError(f"The {field} holds {found}: leave personal details out.")


def _area_words(settings: Settings | None) -> frozenset[str]:
    from geo.ingest import area_words

    with db.connect("loader", settings or get_settings()) as conn:
        return area_words(conn)


def _entry(actor: str, role: str, ref: str, place_id: int, kind: str, agency: str,
           start_month: date, end_month: date | None, description: str,
           settings: Settings | None) -> dict[str, Any]:
    """Check the role and the typed text of a register entry; its statement parameters."""
    authorise(actor, role, "intervention_edit", ref, settings)
    known = _area_words(settings)
    _no_identifiers(description, "description", known)
    _no_identifiers(agency, "agency", known)
    return {"ref": ref, "place_id": place_id, "type": kind, "agency": agency,
            "start_month": start_month, "end_month": end_month, "description": description}


def add_intervention(actor: str, role: str, *, ref: str, place_id: int, kind: str,
                     agency: str, start_month: date, end_month: date | None,
                     description: str, settings: Settings | None = None) -> int:
    """Add an intervention to the register; returns its id."""
    params = _entry(actor, role, ref, place_id, kind, agency, start_month, end_month,
                    description, settings)
    with db.transaction("loader", settings or get_settings()) as conn:
        new_id = register.add(conn, params)
        if new_id is None:
            raise ValueError(f"no place with id {place_id}")
        record(conn, actor, role, "intervention_edit", ref, "added")
    return int(new_id)


def edit_intervention(actor: str, role: str, ref: str, *, place_id: int, kind: str,
                      agency: str, start_month: date, end_month: date | None,
                      description: str, settings: Settings | None = None) -> bool:
    """Change an intervention's place, type, agency, months or description (its reference
    stays); returns whether it changed (not when the end month falls before the start).
    """
    params = _entry(actor, role, ref, place_id, kind, agency, start_month, end_month,
                    description, settings)
    with db.transaction("loader", settings or get_settings()) as conn:
        changed = register.update(conn, params)
        record(conn, actor, role, "intervention_edit", ref,
               "edited" if changed else "not changed")
    return changed > 0


def end_intervention(actor: str, role: str, ref: str, end_month: date,
                     settings: Settings | None = None) -> bool:
    """Set an intervention's end month; returns whether one was changed."""
    authorise(actor, role, "intervention_edit", ref, settings)
    with db.transaction("loader", settings or get_settings()) as conn:
        changed = register.end(conn, ref, end_month)
        record(conn, actor, role, "intervention_edit", ref, "ended" if changed else "not found")
    return changed > 0


def quarantine_report(actor: str, role: str, extract_id: int,
                      settings: Settings | None = None) -> Any:
    """The quarantined rows of one extract (analysts, admins): row, reason, detail."""
    from geo.ingest import quarantine_report as report

    authorise(actor, role, "upload", f"quarantine:{extract_id}", settings)
    return report(extract_id, settings)


__all__ = ["KINDS", "PERMISSIONS", "Denied", "add_intervention", "audit", "authorise",
           "edit_intervention", "end_intervention", "may", "quarantine_report",
           "record_export", "suggest_coverage", "upload"]
