"""How each kind of file is loaded: how its rows are validated, the stage table they are
copied into, the statements that write them and what is refreshed after.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

from geo.config import Settings
from geo.ingest import (
    _features,
    _incidents,
    _polygons,
    _records,
)
from geo.ingest._background import ahead
from geo.ingest._incidents import Context, Prepared
from geo.ingest._incidents import prepare_outcomes as _police_outcomes
from geo.ingest._read import Table

Prepare = Callable[[Table, Context, str, Settings], Generator[Prepared, None, None]]


def whole(fn: Callable[[Table, Context, str], Prepared]) -> Prepare:
    """A kind validated in one piece."""
    def prepare(table: Table, ctx: Context, name: str, settings: Settings
                ) -> Generator[Prepared, None, None]:
        part = fn(table, ctx, name)  # now: what rejects the file is raised before writing
        return (p for p in (part,))

    return prepare


def _boundaries(kind: str) -> Prepare:
    def prepare(table: Table, ctx: Context, name: str, settings: Settings
                ) -> Generator[Prepared, None, None]:
        part = _polygons.prepare_boundaries(table, ctx, name, kind,
                                            (settings.area_code, settings.area_name))
        return (p for p in (part,))

    return prepare


#: statements that prepare the incidents' insert (their row counts are not the file's rows)
POINT_STEPS = ("stage_incident_index", "stage_incident_analyze", "stage_point_ward",
                "stage_point_ward_near", "stage_point_lsoa", "stage_point_lsoa_near",
                "stage_point_place", "stage_point_found_analyze", "stage_incident_placed",
                "incident_place", "incident_place_area")


@dataclass(frozen=True)
class KindSpec:
    """How one kind of file is loaded: validated by ``prepare`` (chunks of rows and
    quarantine), COPY'd into the ``stage`` table by ``copy``, written by the ``inserts``
    (in order; those in :data:`POINT_STEPS` prepare and write no rows of the file), then
    the ``after`` statements refresh what depends on it."""

    prepare: Prepare
    stage: str
    copy: str
    inserts: tuple[str, ...]
    after: tuple[str, ...] = ()
    #: identifiers pseudonymised with the key: the extract records its fingerprint, and the
    #: demo key is refused outside demo mode
    pseudonymised: bool = False
    #: rows go into a table of their own, attached as a partition (migration 0008); large
    #: files fetch the 50 m and 10 m cells while they are read; the file may declare what
    #: it covers
    partitioned: bool = False
    #: what the kind's rows replace of older extracts' when they are the same records
    #: (migration 0021): "incidents" (after the inserts, before the table is attached) or
    #: "outcomes" (before the insert)
    replaces: str | None = None


SPECS: dict[str, KindSpec] = {
    # validated a chunk at a time in the background while the chunks before are copied
    "incidents": KindSpec(
        lambda table, ctx, name, settings: ahead(_incidents.prepare_chunks(table, ctx, name)),
        "stage_incident", "stage_incident_copy",
        (*POINT_STEPS, "incident_insert"),
        # the loader sums the monthly rollups (migration 0018: _rollups) itself, and
        # rollup_place_person (0019) its keyed incidents at places
        after=("rollup_place_person_add",),
        pseudonymised=True, partitioned=True, replaces="incidents"),
    "interventions": KindSpec(whole(_records.prepare_interventions), "stage_intervention",
                              "stage_intervention_copy", ("intervention_upsert",)),
    "places": KindSpec(whole(_polygons.prepare_places), "stage_place", "stage_place_copy",
                       ("place_upsert",), after=("place_cells_refresh",)),
    "assessments": KindSpec(whole(_records.prepare_assessments), "stage_assessment",
                            "stage_assessment_copy", ("assessment_insert",)),
    "wards": KindSpec(_boundaries("wards"), "stage_polygon", "stage_polygon_copy",
                      ("ward_upsert",), after=("area_refresh", "area_cells_refresh")),
    "lsoas": KindSpec(_boundaries("lsoas"), "stage_polygon", "stage_polygon_copy",
                      ("lsoa_upsert",), after=("area_cells_refresh",)),
    "population": KindSpec(whole(_records.prepare_population), "stage_population",
                           "stage_population_copy", ("population_upsert",)),
    # feature layers for risk terrain modelling (issue #35): the layer's name comes with
    # the load (``feature``), so the spec's own prepare only refuses a load without one
    "features": KindSpec(whole(lambda t, c, n: _features.prepare_features(t, c, n, None)),
                         "stage_feature", "stage_feature_copy", ("feature_insert",)),
}
#: police.uk outcomes files, given as incidents: what became of crimes, into crime_outcome
OUTCOMES = KindSpec(whole(_police_outcomes), "stage_outcome", "stage_outcome_copy",
                    ("outcome_insert",), replaces="outcomes")
