"""A statement timeout for each step of a load (issue #28: bounded work per upload).

The loader's login keeps a 30-minute ``statement_timeout`` as a last resort; inside a
load's transaction each step sets its own (``SET LOCAL`` through ``set_config(..., true)``),
sized for what the step does: seconds for a lookup or the ledger row, a minute plus a
little per row for a COPY or the placing of a large file's points, a few minutes for the
cells of a boundary layer. A pathological input (a polygon of a quarter of a million
vertices against the place cells, a file whose points all need a geometry test) is then
stopped at the step it hurts, the transaction rolls back whole, and the load is refused
with a message naming the file and the step. (``client_connection_check_interval``, set
by ``load_settings``, ends a killed loader's statement.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors

#: called with the connection and the step's name once its timeout is set, before the step
#: runs (tests pass one, as they pass ``progress``, to make a step run long)
BeforeStep = Callable[[psycopg.Connection[Any], str], None]
#: called with the name of each stage of a load's transaction once it is done, inside the
#: transaction: "ledger", "copied", "attached" (incidents only), "inserted" (after the
#: rollups), "audited", and "archive" once every file of a police.uk download is written.
#: The ingest benchmark times the stages with it; the fault tests raise in it to fail a
#: load mid-way and check that nothing was written
OnStep = Callable[[str], None]
#: told the rows done of a total, and what is being done (the Upload page's progress bar)
Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, phase: str) -> None:
    return None


def no_step(step: str) -> None:
    return None

#: (seconds, and seconds more per thousand rows of the file) a step may run
_BUDGETS: dict[str, tuple[float, float]] = {
    "lookup": (10, 0),
    "copy": (60, 0.1),  # 100,000 rows: 70 s
    "place": (60, 0.2),  # placing the points no cell settles: PostGIS, per row
    "attach": (60, 0.1),  # checking, indexing and attaching the extract's table
    "replace": (120, 0.2),  # finding older extracts' same records
    "cells": (300, 0),  # a boundary or place layer's cells (Birmingham's LSOAs: ~10 s)
    "refresh": (60, 0),
}
#: what each step is called in a message, and its budget; steps not listed are lookups
_STEPS: dict[str, tuple[str, str]] = {
    "copy": ("copying the rows in", "copy"),
    "quarantine": ("storing the quarantined rows", "copy"),
    "rollups": ("adding the monthly counts", "copy"),
    "incident_insert": ("writing the incidents", "place"),
    "incident_partition_attach": ("checking and attaching the incidents", "attach"),
    "rollup_partitions_attach": ("attaching the monthly counts", "attach"),
    "duplicates": ("finding records already loaded", "replace"),
    "place_cells_refresh": ("computing the places' cells", "cells"),
    "area_cells_refresh": ("computing the wards' and LSOAs' cells", "cells"),
    "area_refresh": ("making the area from its wards", "refresh"),
    "rollup_place_person_add": ("counting young people at places", "place"),
    "read_back": ("reading the placed rows back", "place"),
}
_PLACING = ("stage_incident_index", "stage_incident_analyze", "stage_point_ward",
            "stage_point_ward_near", "stage_point_lsoa", "stage_point_lsoa_near",
            "stage_point_place", "stage_point_found_analyze", "stage_incident_placed",
            "incident_place", "incident_place_area")


class StepTimedOut(RuntimeError):
    """A step of a load ran past its statement timeout; the load was rolled back."""


def words(step: str) -> str:
    """A step as a message names it."""
    if step in _PLACING:
        return "placing the points in wards, LSOAs and places"
    if step in _STEPS:
        return _STEPS[step][0]
    return step.replace("_", " ")


def seconds(step: str, rows: int, scale: float = 1.0) -> float:
    """How long ``step`` may run for a file of ``rows`` rows."""
    budget = "place" if step in _PLACING else _STEPS.get(step, ("", "lookup"))[1]
    base, per_thousand = _BUDGETS[budget]
    return (base + per_thousand * rows / 1000) * scale


@dataclass
class Steps:
    """The steps of one load: its file's name (for messages), its rows (for the budgets),
    a scale (``Settings.load_step_scale``) and the hooks (:data:`BeforeStep`,
    :data:`OnStep`)."""

    name: str
    rows: int = 0
    scale: float = 1.0
    before: BeforeStep | None = None
    current: str = "starting"
    on_step: OnStep = no_step

    def done(self, stage: str) -> None:
        """A stage of the load's transaction is done (:data:`OnStep`)."""
        self.on_step(stage)

    def at(self, conn: psycopg.Connection[Any], step: str) -> None:
        """The statements that follow are ``step``'s, under its statement timeout (until
        the next step, or the transaction's end)."""
        self.current = step
        limit = seconds(step, self.rows, self.scale)
        conn.execute("SELECT set_config('statement_timeout', %s, true)",
                     (f"{max(int(limit * 1000), 1)}ms",))
        if self.before is not None:
            self.before(conn, step)

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """A statement cancelled by its step's timeout becomes :class:`StepTimedOut`,
        naming the file and the step."""
        try:
            yield
        except errors.QueryCanceled as exc:
            if "statement timeout" not in str(exc):
                raise
            limit = seconds(self.current, self.rows, self.scale)
            raise StepTimedOut(
                f"{self.name}: the load was stopped while {words(self.current)}: that step "
                f"may run for {_duration(limit)} for a file of {self.rows:,} rows, and ran "
                "longer. Nothing from this file was stored. A file this slow to load is "
                "unusual (a polygon with a great many vertices, points far from every "
                "cell): simplify or split it, or ask an administrator.") from None


def _duration(limit: float) -> str:
    if limit >= 120:
        return f"{limit / 60:.0f} minutes"
    return f"{limit:.0f} s" if limit >= 1 else f"{limit:.2f} s"
