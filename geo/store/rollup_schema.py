"""The monthly rollups, declared once: each table's unit, level, key columns and measures.

Migration 0018 made the twelve tables (unit x level) and 0019 ``rollup_place_person``; the
pages count from them (DESIGN §9, issue #21). Everything else that names them follows
this declaration:

- the loader sums :data:`UNITS` x :data:`LEVELS` (``geo/ingest/_rollups.py`` imports them);
- the SQL that spells every table out is generated from it by
  ``python -m geo.store.rollup_schema`` (:func:`generated`): the retention purge
  (``rollup_purge.sql``), a replacement's refresh (``rollup_refresh_{delete,fill,insert}``),
  and the pages' counting reads, one templated statement (:data:`_PAGE_COUNTS`) made into
  one definer function per unit (``sql/functions/50_contexts_page_counts_<unit>.sql``,
  called by ``sql/queries/counts_<unit>.sql``);
- ``tests/test_rollup_schema.py`` checks that the generated files are up to date, that the
  database's tables (its catalogue, after every migration) are exactly these with these
  columns, types and policies, that the loader writes these, and that every other
  statement reads only these: a rollup added in one place only fails it.

A new rollup table is a migration (the table, its grants and row-level security as 0018's)
and a line here, then ``python -m geo.store.rollup_schema``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from geo.store.named import FUNCTIONS_DIR, QUERIES_DIR

#: each column's SQL type, and whether it may be NULL (a row whose unit is NULL counts
#: too: each table holds every incident once)
COLUMN_TYPES: dict[str, str] = {
    "extract_id": "bigint", "ward_code": "text", "lsoa_code": "text", "hex_i": "integer",
    "hex_j": "integer", "place_id": "bigint", "month": "date", "harm_type": "text",
    "risk_level": "text", "age_band": "text", "area_code": "text", "n": "integer",
    "ck": "smallint",
}
NOT_NULL = frozenset({"extract_id", "month", "harm_type", "n", "ck"})

#: each unit's key columns in its rollup tables
UNITS: dict[str, tuple[str, ...]] = {
    "ward": ("ward_code",), "lsoa": ("lsoa_code",), "hex": ("hex_i", "hex_j"),
    "place": ("place_id",),
}
#: the three levels (table suffix, the columns after the unit's), finest first; a page
#: reads the smallest level its filters allow
LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("month", "harm_type", "risk_level", "age_band", "area_code")),
    ("_harm", ("month", "harm_type", "area_code")),
    ("_month", ("month", "area_code")),
)
#: the measures: n incidents and their cell key ck (the sum of the records' keys mod 256,
#: migration 0011), both summed by every reader (ck mod 256)
MEASURES = ("n", "ck")


@dataclass(frozen=True)
class RollupTable:
    """One rollup table: ``rollup_<unit><level>``."""

    unit: str
    level: str

    @property
    def name(self) -> str:
        return f"rollup_{self.unit}{self.level}"

    @property
    def keys(self) -> tuple[str, ...]:
        """The columns a row is summed by (with ``extract_id``): the unit's, the level's."""
        return (*UNITS[self.unit], *dict(LEVELS)[self.level])

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column, in the table's order."""
        return ("extract_id", *self.keys, *MEASURES)


#: the twelve tables, unit by unit, each unit's finest level first
TABLES: tuple[RollupTable, ...] = tuple(
    RollupTable(unit, level) for unit in UNITS for level, _ in LEVELS)

#: rollup_place_person (migration 0019): the distinct (place, person key, day) of keyed
#: incidents at places, per extract and area; kept as the twelve are (loads add their
#: extract's rows, the purge and a replacement's refresh delete by month)
PLACE_PERSON = "rollup_place_person"
PLACE_PERSON_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("extract_id", "bigint", True), ("area_code", "text", False),
    ("place_id", "bigint", True), ("month", "date", True), ("day", "date", True),
    ("person_key", "text", True),
)


def catalogue() -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Every rollup table's columns as (name, SQL type, NOT NULL), in the table's order:
    what the database's catalogue should hold."""
    out = {t.name: tuple((c, COLUMN_TYPES[c], c in NOT_NULL) for c in t.columns)
           for t in TABLES}
    out[PLACE_PERSON] = PLACE_PERSON_COLUMNS
    return out


def _flag(unit: str) -> str:
    """The GROUPING flag of a unit in the refresh's one scan (0: the row is the unit's)."""
    return "g" + unit[0]


def _wrap(text: str, indent: str, width: int = 92) -> str:
    """``text`` broken between words into lines of at most ``width`` characters, the
    lines after the first indented by ``indent``."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def _generated_by() -> str:
    return ("-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):"
            "\n-- edit there, not here.\n")


def purge_sql() -> str:
    """``rollup_purge.sql``: every rollup table's months before the cut-off."""
    parts = [f"{t.name[len('rollup_'):]} AS (DELETE FROM {t.name} WHERE month < %(cutoff)s)"
             for t in TABLES]
    parts.append(f"place_person AS (DELETE FROM {PLACE_PERSON} WHERE month < %(cutoff)s)")
    return ("-- The retention purge's months out of the monthly rollups (migration 0018) and\n"
            "-- rollup_place_person (0019), in the purge's transaction: purge_incidents "
            "deletes every\n"
            "-- incident of a month before the cut-off, so every rollup row of such a month "
            "goes, and\n-- no other.\n" + _generated_by()
            + "WITH " + ",\n     ".join(parts) + "\n"
            "SELECT true AS done  -- (data-modifying WITH parts run whether read or not)\n")


def refresh_delete_sql() -> str:
    """``rollup_refresh_delete.sql``: the touched (extract, month)s of every rollup table."""
    names = [*(t.name for t in TABLES), PLACE_PERSON]
    parts = "".join(
        f", {name[len('rollup_'):]} AS (DELETE FROM {name} r USING touched t\n"
        "    WHERE r.extract_id = t.extract_id AND r.month = t.month)\n" for name in names)
    return ("-- The older extracts' monthly rollup rows (migrations 0018, 0019) of the months "
            "in which a\n"
            "-- load replaced some of their incidents (duplicate_replace): deleted, then "
            "summed again\n"
            "-- from incident (rollup_refresh_fill, rollup_refresh_insert), in the load's "
            "transaction.\n" + _generated_by()
            + "WITH touched AS (SELECT DISTINCT extract_id, month FROM incident_replaced)\n"
            + parts + "SELECT true AS done  -- (data-modifying WITH parts run whether read "
            "or not)\n")


def refresh_fill_sql() -> str:
    """``rollup_refresh_fill.sql``: the touched months' incidents, one scan, a grouping set
    per unit."""
    if len({_flag(u) for u in UNITS}) != len(UNITS):
        raise ValueError("two units' GROUPING flags have one name: rename one in _flag")
    flags = ", ".join(f"GROUPING(i.{UNITS[u][0]}) AS {_flag(u)}" for u in UNITS)
    keys = ", ".join(f"i.{c}" for u in UNITS for c in UNITS[u])
    dims = [c for c in dict(LEVELS)[""] if c != "area_code"]
    sets = ", ".join("(" + ", ".join(f"i.{c}" for c in UNITS[u]) + ")" for u in UNITS)
    return ("-- The incidents left in the months of older extracts touched by a replacement\n"
            "-- (incident_replaced), grouped as migration 0018 fills the rollups: one scan, "
            "a grouping\n"
            "-- set per unit; cell keys as the database makes them (the loader reads the "
            "seed: 0018).\n" + _generated_by()
            + "CREATE TEMP TABLE rollup_refill ON COMMIT DROP AS\n"
            + _wrap(f"SELECT {flags}, i.extract_id, {keys}, "
                    f"{', '.join(f'i.{c}' for c in dims)}, i.area_code, count(*)::integer AS n,",
                    "       ") + "\n"
            "       (sum((hashint8extended(i.incident_id, (SELECT seed FROM disclosure_key))"
            " & 255)::int)\n"
            "        & 255)::smallint AS ck\n"
            "FROM incident i JOIN (SELECT DISTINCT extract_id, month FROM incident_replaced) t\n"
            "     ON t.extract_id = i.extract_id AND t.month = i.month\n"
            f"GROUP BY i.extract_id, {', '.join(f'i.{c}' for c in dims)}, i.area_code,\n"
            f"         GROUPING SETS ({sets})\n")


def refresh_insert_sql() -> str:
    """``rollup_refresh_insert.sql``: every rollup table's rows of the touched months,
    from ``rollup_refill``; the finest level as it is, the others summed."""
    parts = []
    for t in TABLES:
        cols = ", ".join(t.columns)
        by = ", ".join(("extract_id", *t.keys))
        where = f"FROM rollup_refill WHERE {_flag(t.unit)} = 0"
        if t.level == LEVELS[0][0]:
            select = f"SELECT {cols} {where})"
        else:
            select = (f"SELECT {by}, sum(n)::integer, (sum(ck) & 255)::smallint\n"
                      f"        {where} GROUP BY {by})")
        parts.append(f"{t.name[len('rollup_'):]} AS (INSERT INTO {t.name} ({cols})\n"
                     f"        {select}")
    parts.append(
        f"place_person AS (INSERT INTO {PLACE_PERSON}\n"
        "        SELECT DISTINCT i.extract_id, i.area_code, i.place_id, i.month,\n"
        "               coalesce(i.occurred_at::date, i.month), i.person_key\n"
        "        FROM incident i JOIN (SELECT DISTINCT extract_id, month FROM "
        "incident_replaced) t\n"
        "             ON t.extract_id = i.extract_id AND t.month = i.month\n"
        "        WHERE i.place_id IS NOT NULL AND i.person_key IS NOT NULL)")
    return ("-- The older extracts' rollup rows of the months touched by a replacement, "
            "summed again\n"
            "-- from incident (rollup_refresh_fill) into the rollup tables (after\n"
            "-- rollup_refresh_delete), and rollup_place_person's from incident, as "
            "migrations 0018\n-- and 0019 fill them.\n" + _generated_by()
            + "WITH " + "\n, ".join(parts) + "\nSELECT true AS done\n")


#: what a page's counting read of a unit returns for the unit: (column, type, expression
#: on the rollup table); every other unit is one text ``unit_id``
_PAGE_KEYS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "hex": (("i", "integer", "hex_i"), ("j", "integer", "hex_j")),
}
#: "Incidents per <this> in the filtered period"
_PAGE_NOUNS: dict[str, str] = {"hex": "cell of the default hexagon grid (assigned at load)"}
#: the filters of a page's counting read (its parameters): harm types $2 (and the split
#: by harm type $3), risk levels $4, age bands $5
_FILTERS = {"harm_type": "$2", "risk_level": "$4", "age_band": "$5"}
#: when a page's counting read takes each level: the smallest its filters allow
_PAGE_WHEN = {
    "_month": ("$2::text[] IS NULL AND NOT $3\n"
               "              AND $4::text[] IS NULL AND $5::text[] IS NULL"),
    "_harm": ("NOT ($2::text[] IS NULL AND NOT $3)\n"
              "              AND $4::text[] IS NULL AND $5::text[] IS NULL"),
    "": "NOT ($4::text[] IS NULL AND $5::text[] IS NULL)",
}
_SIGNATURE = "(boolean, text[], boolean, text[], text[], date, date)"

#: the one counting statement of the pages (a unit's name and columns filled in)
_PAGE_COUNTS = """\
-- contexts_page_counts_{unit}{signature}
{generated_by}--
-- The page read counts_{unit} (sql/queries/counts_{unit}.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
{about}CREATE OR REPLACE FUNCTION contexts_page_counts_{unit}(
    p_by_month boolean,
    p_harms text[],
    p_by_harm boolean,
    p_risks text[],
    p_ages text[],
    p_start date,
    p_end date)
RETURNS TABLE (
{returns}
    month date,
    harm_type text,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT {outer}, month, harm_type, sum(n)::bigint AS n, (sum(ck) & 255)::int AS ck
        FROM (
{parts}
        ) r
        GROUP BY {group_by}
    $q$ USING p_by_month, p_harms, p_by_harm, p_risks, p_ages, p_start, p_end;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_counts_{unit}{signature}
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_counts_{unit}{signature} FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_counts_{unit}{signature} TO
    contexts_dashboard;
"""


def _page_keys(unit: str) -> tuple[tuple[str, str, str], ...]:
    if unit in _PAGE_KEYS:
        return _PAGE_KEYS[unit]
    (key,) = UNITS[unit]
    return (("unit_id", "text", f"{key}::text"),)


def _about(unit: str) -> str:
    """The comment saying what a unit's counting read returns and where it reads."""
    names = {level: f"rollup_{unit}{level}" for level, _ in LEVELS}
    words = (f"Incidents per {_PAGE_NOUNS.get(unit, unit)} in the filtered period; by month "
             "and/or harm type when asked. ck: the cell key, the sum of the records' keys "
             "mod 256 (cell key method, migration 0011). From the monthly rollups (migration "
             f"0018), at the smallest level the filters allow: {names['_month']} with no "
             "harm type, risk level or age band asked for (and no split by harm type), "
             f"{names['_harm']} with harm types only, {names['']} with a risk level or an "
             "age band (the other parts are skipped whole).")
    return _wrap("-- " + words, "-- ") + "\n"


def page_counts_function_sql(unit: str) -> str:
    """``sql/functions/50_contexts_page_counts_<unit>.sql``: the counting statement for one
    unit, as the definer function the dashboard role may call."""
    keys = _page_keys(unit)
    first = UNITS[unit][0]
    parts = []
    for level, cols in reversed(LEVELS):  # the smallest level first
        select = ", ".join(expr if expr == name else f"{expr} AS {name}"
                           for name, _, expr in keys)
        harm = ("CASE WHEN $3 THEN harm_type END" if "harm_type" in cols else "NULL::text")
        filters = "".join(
            f"\n              AND ({p}::text[] IS NULL OR {c} = ANY({p}::text[]))"
            for c, p in _FILTERS.items() if c in cols and level != "_month")
        parts.append(
            f"            SELECT {select},\n"
            "                   CASE WHEN $1 THEN month END AS month,\n"
            f"                   {harm} AS harm_type, n, ck\n"
            f"            FROM public.rollup_{unit}{level}\n"
            f"            WHERE {_PAGE_WHEN[level]}\n"
            f"              AND {first} IS NOT NULL\n"
            f"              AND month >= $6 AND month <= $7{filters}")
    return _PAGE_COUNTS.format(
        unit=unit, signature=_SIGNATURE, generated_by=_generated_by(), about=_about(unit),
        returns="\n".join(f"    {name} {typ}," for name, typ, _ in keys),
        outer=", ".join(name for name, _, _ in keys),
        parts="\n            UNION ALL\n".join(parts),
        group_by=", ".join(str(k) for k in range(1, len(keys) + 3)))


def page_counts_query_sql(unit: str) -> str:
    """``sql/queries/counts_<unit>.sql``: the page's named read, calling the function."""
    words = (f"The pages' counts per {_PAGE_NOUNS.get(unit, unit)}, through the definer "
             f"function sql/functions/50_contexts_page_counts_{unit}.sql (which says what "
             "it counts, and how): the dashboard role reads no area table itself "
             "(docs/security.md, section 10).")
    return (_wrap("-- " + words, "-- ") + "\n" + _generated_by()
            + f"SELECT * FROM public.contexts_page_counts_{unit}(\n"
            "    p_by_month => %(by_month)s::boolean,\n"
            "    p_harms => %(harms)s::text[],\n"
            "    p_by_harm => %(by_harm)s::boolean,\n"
            "    p_risks => %(risks)s::text[],\n"
            "    p_ages => %(ages)s::text[],\n"
            "    p_start => %(start)s::date,\n"
            "    p_end => %(end)s::date)\n")


def generated() -> dict[Path, str]:
    """Every file generated from the declaration, and its text."""
    out = {QUERIES_DIR / "rollup_purge.sql": purge_sql(),
           QUERIES_DIR / "rollup_refresh_delete.sql": refresh_delete_sql(),
           QUERIES_DIR / "rollup_refresh_fill.sql": refresh_fill_sql(),
           QUERIES_DIR / "rollup_refresh_insert.sql": refresh_insert_sql()}
    for unit in UNITS:
        out[FUNCTIONS_DIR / f"50_contexts_page_counts_{unit}.sql"] = (
            page_counts_function_sql(unit))
        out[QUERIES_DIR / f"counts_{unit}.sql"] = page_counts_query_sql(unit)
    return out


def main() -> None:
    """Write every generated file (``python -m geo.store.rollup_schema``), then say which
    changed."""
    for path, text in generated().items():
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            sys.stdout.write(f"written: {path}\n")


if __name__ == "__main__":
    main()
