"""``contexts demo``: load the sample data set through the ordinary ingest pipeline.

Running it again changes nothing: every file is recognised by its sha256.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from geo.config import Settings, get_settings

#: (kind, file) in load order: boundaries before what is placed on them
FILES = (
    ("wards", "birmingham_wards_2018_bng.geojson"),
    ("lsoas", "birmingham_lsoa21_bng.geojson"),
    ("places", "places.geojson"),
    ("population", "population.csv"),
    ("incidents", "incidents.csv"),
    ("interventions", "interventions.csv"),
    ("assessments", "assessments.csv"),
    ("contexts", "contexts.csv"),
)


def load_demo(folder: Path, settings: Settings | None = None) -> Iterator[str]:
    """Migrate, then load each sample file; yields one line per file."""
    from geo.ingest import load
    from geo.store import db

    settings = settings or get_settings()
    with db.connect("superuser", settings) as conn:
        db.migrate(conn)
    for kind, name in FILES:
        if kind == "contexts":
            from geo.services.contexts import load_file

            done = load_file(folder / name, actor="app:demo", role="analyst", only_new=True,
                             settings=settings)
            yield (f"{kind:<14} {'loaded':<15} {name}: {done['added']} added, "
                   f"{done['rows'] - done['added']} already there")
            continue
        res = load(kind, folder / name, actor="app:demo", settings=settings)
        if res.status == "rejected":
            raise RuntimeError(res.message)
        yield f"{kind:<14} {res.status:<15} {res.message}"
