"""The kinds of file a load takes, in the order a new partnership loads them (boundaries
before what is placed on them).

The one list: the command line's choices, the Upload page and :data:`geo.ingest.SPECS`
(a test checks that every kind has its spec) read it from here. A light module, so the
command line does not import the loader to parse its arguments.
"""

from __future__ import annotations

KINDS: tuple[str, ...] = ("incidents", "interventions", "places", "assessments", "wards",
                          "lsoas", "population", "features")
