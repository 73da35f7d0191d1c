"""Contexts of concern: the records a partnership keeps on a place, peer group, school,
route or online space, from identification to closure (DESIGN §7b).

Analysts and admins create and change records (in the app, or from a file with
``contexts load contexts FILE``); every change is checked for the role on the server,
its free text for identifiers (the upload guard: names, postcodes, dates of birth, ...),
written with a line of the record's history, and audited in the same transaction.
Partners and boards read the records of their areas (row-level security), with published
figures only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo.config import Settings, get_settings
from geo.filters import Filters
from geo.ingest._guard import FREE_TEXT_LEFT_OUT
from geo.services.actions import authorise
from geo.store import contexts as store
from geo.store import db, profile
from geo.store.audit import record

log = logging.getLogger(__name__)

RATINGS = ("low", "medium", "high")
#: columns of a contexts file (``contexts load contexts FILE``); lists are split on ";"
FILE_COLUMNS = ("ref", "name", "kind", "status", "lead_agency", "summary", "review_date",
                "places", "wards", "interventions", "rating", "rated_on")
REQUIRED = ("ref", "name", "kind")


class ContextError(ValueError):
    """A context cannot be saved as given; the message says what to change."""


@dataclass(frozen=True)
class Entry:
    """A context as an analyst writes it."""

    ref: str
    name: str
    kind: str
    status: str = "identified"
    lead_agency: str = ""
    summary: str = ""
    review_date: date | None = None
    places: tuple[str, ...] = ()
    wards: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    rating: str | None = None
    rated_on: date | None = None
    opened_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


#: a date of birth named as such in typed text ("DOB 02/03/2011", "born 2 March 2011");
#: bounded, so it runs in linear time
_BIRTH = re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?)\b[\s:]{0,3}\S{0,20}\d",
                    re.IGNORECASE)


def _guard(text: str, what: str, known: frozenset[str] = frozenset()) -> None:
    """Refuse typed text holding a direct identifier (the upload guard's e-mail, postcode,
    NHS and phone checks, a date of birth named as such) or a person's name (``known``:
    the words of the area's own names), as free text read from any file is."""
    from geo.ingest._guard import identifier_in, person_name_in

    found = (identifier_in(text) or ("a date of birth" if _BIRTH.search(text) else None)
             or ("a person's name" if person_name_in(text, known) else None))
    if found:
        raise ContextError(f"The {what} holds {found}: leave personal details out.")


def _check(conn: Any, e: Entry) -> None:
    if not e.ref.strip() or not e.name.strip():
        raise ContextError("A context needs a reference and a name.")
    kinds = dict(store.vocabulary(conn, "context_kind"))
    statuses = dict(store.vocabulary(conn, "context_status"))
    if e.kind not in kinds:
        raise ContextError(f"Unknown kind {e.kind!r}: one of {', '.join(kinds)}.")
    if e.status not in statuses:
        raise ContextError(f"Unknown status {e.status!r}: one of {', '.join(statuses)}.")
    for text, what, most in ((e.ref, "reference", 40), (e.name, "name", 120),
                             (e.lead_agency, "lead agency", 120), (e.summary, "summary", 2000)):
        if len(text) > most:
            raise ContextError(f"The {what} is longer than {most} characters.")
    if e.rating is not None and e.rating not in RATINGS:
        raise ContextError(f"Unknown risk rating {e.rating!r}: one of {', '.join(RATINGS)}.")
    from geo.ingest import area_words

    known = area_words(conn)
    for text, what in ((e.ref, "reference"), (e.name, "name"), (e.summary, "summary"),
                       (e.lead_agency, "lead agency")):
        _guard(text, what, known)


def _save(conn: Any, e: Entry, on: date, extract_id: int | None = None,
          new_only: bool = False) -> tuple[int, str]:
    """Write one entry in the caller's transaction; its id and what happened
    (``new_only``: refuse a reference already recorded rather than change that record)."""
    _check(conn, e)
    before = store.find(conn, e.ref)
    if new_only and before is not None:
        raise ContextError(f"A context with reference {e.ref} is already recorded: "
                           "open it to change it.")
    cid = store.upsert(conn, {
        "ref": e.ref, "name": e.name, "kind": e.kind, "status": e.status,
        "lead_agency": e.lead_agency, "summary": e.summary, "review_date": e.review_date,
        "opened_on": e.opened_on, "area_code": None, "extract_id": extract_id,
        # from a file, which never carries a summary: the one typed on the page stays
        "keep_summary": "row" in e.extra})
    statuses = dict(store.vocabulary(conn, "context_status"))
    if before is None:
        store.add_event(conn, cid, e.opened_on or on, "opened",
                        f"Opened as {statuses[e.status].lower()}")
        outcome = "added"
    elif before[1] != e.status:
        store.add_event(conn, cid, on, "status",
                        f"Status: {statuses[before[1]]} → {statuses[e.status]}")
        outcome = "edited"
    else:
        store.add_event(conn, cid, on, "edit", "Record updated")
        outcome = "edited"
    for what, refs in (("place", e.places), ("ward", e.wards),
                       ("intervention", e.interventions)):
        for ref in refs:
            store.link(conn, cid, what, ref)
    have = store.links(conn, cid)
    missing = ([r for r in e.places if r not in have["place"]]
               + [r for r in e.wards if r not in have["ward"]])
    if missing:
        raise ContextError(f"No place or ward with reference {', '.join(missing)}.")
    unknown = [r for r in e.interventions if r not in have["intervention"]]
    if unknown:
        raise ContextError(f"No intervention with reference {', '.join(unknown)}.")
    store.set_area(conn, cid)
    if e.rating is not None:
        when = e.rated_on or on
        store.add_rating(conn, cid, when, e.rating)
        store.add_event(conn, cid, when, "rating", f"Risk rated {e.rating}")
    return cid, outcome


def save(actor: str, role: str, entry: Entry, on: date | None = None,
         settings: Settings | None = None, new_only: bool = False) -> int:
    """Add a context or change the one with the same reference (analysts, admins);
    ``new_only``: only add (the page's "new context" form never overwrites a record)."""
    authorise(actor, role, "context_edit", entry.ref, settings)
    with db.transaction("loader", settings or get_settings()) as conn:
        cid, outcome = _save(conn, entry, on or date.today(), new_only=new_only)
        record(conn, actor, role, "context_edit", entry.ref, outcome)
    log.info("context %s %s by %s", entry.ref, outcome, actor)
    return cid


def _context_id(conn: Any, ref: str) -> int:
    found = store.find(conn, ref)
    if found is None:
        raise ContextError(f"No context with reference {ref!r}.")
    return found[0]


def add_action(actor: str, role: str, ref: str, description: str, owner: str,
               due_date: date | None, on: date | None = None,
               settings: Settings | None = None) -> int:
    """An action on a context, with its owner (an agency or role, never a person's name)."""
    authorise(actor, role, "context_edit", ref, settings)
    if not description.strip() or not owner.strip():
        raise ContextError("An action needs a description and an owner.")
    _guard(description, "action")
    _guard(owner, "owner")
    with db.transaction("loader", settings or get_settings()) as conn:
        cid = _context_id(conn, ref)
        aid = store.add_action(conn, cid, description, owner, due_date)
        due = f", due {due_date:%d %b %Y}" if due_date else ""
        store.add_event(conn, cid, on or date.today(), "action",
                        f"Action for {owner}{due}: {description}")
        record(conn, actor, role, "context_edit", ref, "action added")
    return aid


def complete_action(actor: str, role: str, ref: str, action_id: int,
                    on: date | None = None, settings: Settings | None = None) -> bool:
    """Mark an action done; whether one was changed."""
    authorise(actor, role, "context_edit", ref, settings)
    when = on or date.today()
    with db.transaction("loader", settings or get_settings()) as conn:
        cid = _context_id(conn, ref)
        done = store.action_done(conn, cid, action_id, when) > 0
        if done:
            store.add_event(conn, cid, when, "action_done", f"Action {action_id} done")
        record(conn, actor, role, "context_edit", ref,
               "action done" if done else "action not found")
    return done


def review(actor: str, role: str, ref: str, rating: str, next_review: date | None,
           status: str | None = None, on: date | None = None,
           settings: Settings | None = None) -> None:
    """A review: a dated risk rating, the next review date and optionally a new status."""
    authorise(actor, role, "context_edit", ref, settings)
    when = on or date.today()
    with db.transaction("loader", settings or get_settings()) as conn:
        r = store.record(conn, ref)
        if r is None:
            raise ContextError(f"No context with reference {ref!r}.")
        entry = Entry(ref=ref, name=str(r["name"]), kind=str(r["kind"]),
                      status=status or str(r["status"]), lead_agency=str(r["lead_agency"]),
                      summary=str(r["summary"]), review_date=next_review, rating=rating,
                      rated_on=when)
        cid, _ = _save(conn, entry, when)
        store.add_event(conn, cid, when, "review",
                        "Reviewed" + (f"; next review {next_review:%d %b %Y}"
                                      if next_review else ""))
        record(conn, actor, role, "context_edit", ref, "reviewed")


# --- files -------------------------------------------------------------------------------


def _split(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ()
    return tuple(p.strip() for p in str(value).split(";") if p.strip())


def _date(value: Any, row: int, column: str, name: str) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return None
    try:
        day: date = pd.Timestamp(str(value).strip()).date()
    except ValueError:
        raise ContextError(f"{name}, row {row}, column {column}: {value!r} is not a date "
                           "(write YYYY-MM-DD)") from None
    return day


def entries_from_file(path: Path, name: str) -> tuple[list[Entry], list[str]]:
    """The contexts of a CSV or .xlsx file (columns :data:`FILE_COLUMNS`; ``places``,
    ``wards`` and ``interventions`` are lists separated by ";"), and the free-text columns
    left out (``summary``, notes...: free text is never loaded from a file; it is typed
    on the Contexts page, where the guard checks it). A bad value stops the file with its
    row (counting the header as row 1) and column."""
    from geo.ingest._guard import column_label, is_free_text_column
    from geo.ingest._read import read_table

    table = read_table(path, None, path.read_bytes())
    given = [str(c) for c in table.columns.columns]
    free = [c for c in given if is_free_text_column(c)]
    frame = table.columns.drop(columns=free)
    if any(c not in free for cols in table.formula_cells.values() for c in cols):
        raise ContextError(f"{name}: cells hold formulas; save the sheet as values")
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ContextError(f"{name}: no column {', '.join(missing)} (the columns are "
                           f"{', '.join(FILE_COLUMNS)})")
    unknown = [c for c in frame.columns if c not in FILE_COLUMNS]
    if unknown:
        raise ContextError(f"{name}: unknown column {', '.join(unknown)} (the columns are "
                           f"{', '.join(FILE_COLUMNS)}); nothing was loaded")
    if frame.empty:
        raise ContextError(f"{name}: the file has a header but no rows")
    out = []
    for i, r in zip(table.row_numbers.tolist(), frame.to_dict("records"), strict=True):
        def text(col: str, r: dict[str, Any] = r) -> str:
            v = r.get(col)
            return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()

        rating = text("rating").lower() or None
        out.append(Entry(
            ref=text("ref"), name=text("name"), kind=text("kind").lower(),
            status=text("status").lower() or "identified", lead_agency=text("lead_agency"),
            summary=text("summary"),
            review_date=_date(r.get("review_date"), i, "review_date", name),
            places=_split(r.get("places")), wards=_split(r.get("wards")),
            interventions=_split(r.get("interventions")), rating=rating,
            rated_on=_date(r.get("rated_on"), i, "rated_on", name),
            extra={"row": i}))
    return out, [column_label(c, given) for c in free]


def load_file(path: str | Path, actor: str, role: str, file_name: str | None = None,
              on: date | None = None, only_new: bool = False,
              settings: Settings | None = None) -> dict[str, Any]:
    """Load a file of contexts in one transaction: all rows or none (a bad row stops the
    file, naming its row and column). Returns how many were added and changed, and the
    free-text columns left out (``left_out``, with ``why``).
    ``only_new``: leave contexts already recorded as they are (``contexts demo`` run
    twice changes nothing)."""
    path = Path(path)
    name = file_name or path.name
    authorise(actor, role, "context_edit", "file", settings)
    entries, left_out = entries_from_file(path, name)
    added = edited = 0
    with db.transaction("loader", settings or get_settings()) as conn:
        for e in entries:
            if only_new and store.find(conn, e.ref) is not None:
                continue
            try:
                _, outcome = _save(conn, e, on or date.today())
            except ContextError as exc:
                raise ContextError(f"{name}, row {e.extra.get('row')}: {exc}") from None
            added += outcome == "added"
            edited += outcome == "edited"
        record(conn, actor, role, "context_edit", "file", "loaded",
               {"added": added, "edited": edited,
                **({"left_out": left_out} if left_out else {})})
    return {"rows": len(entries), "added": added, "edited": edited, "left_out": left_out,
            **({"why": FREE_TEXT_LEFT_OUT} if left_out else {})}


# --- reads -------------------------------------------------------------------------------


def _read(areas: tuple[str, ...], fn: Any) -> Any:
    """``fn(conn)`` on a pooled read-only connection seeing ``areas``: the read replica's
    when one is configured (and has replayed this process's writes), as for every page
    (:func:`geo.store.db.read`)."""
    return db.read(fn, areas, get_settings())


def listing(areas: tuple[str, ...], on: date) -> pd.DataFrame:
    """The contexts the viewer may see, with whether each review is due on ``on``."""
    found: pd.DataFrame = _read(areas, lambda conn: store.contexts(conn, on))
    return found


def vocabularies(areas: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = _read(areas, lambda conn: {
        n: store.vocabulary(conn, n) for n in ("context_kind", "context_status")})
    return found


def details(areas: tuple[str, ...], ref: str, filters: Filters) -> dict[str, Any] | None:
    """One record: its row, parts (places, wards, ratings, actions, history,
    interventions) and the exact monthly incidents at its places over ``filters``
    (the page publishes them for the viewer), or None when the viewer cannot see it."""
    def read(conn: Any) -> tuple[dict[str, Any], list[pd.DataFrame]] | None:
        recs = store.contexts(conn, date.today())
        row = recs[recs["ref"] == ref]
        if row.empty:
            return None
        cid = int(row.iloc[0]["context_id"])
        out: dict[str, Any] = {"row": row.iloc[0].to_dict(), **store.parts(conn, cid)}
        return out, [profile.monthly(conn, "place", str(pid), filters)
                     for pid in out["places"]["place_id"]]

    found: tuple[dict[str, Any], list[pd.DataFrame]] | None = _read(areas, read)
    if found is None:
        return None
    out, frames = found
    monthly = (pd.concat(frames) if frames else
               pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"),
                             "harm_type": pd.Series(dtype=str), "n": pd.Series(dtype=int)}))
    out["monthly"] = monthly
    return out


def timeline(d: dict[str, Any]) -> pd.DataFrame:
    """The record's history interleaved with its ratings, actions due and interventions:
    ``when``, ``what`` (a label) and ``detail``, oldest first."""
    rows: list[tuple[Any, str, str]] = []
    for _, e in d["events"].iterrows():
        rows.append((e["happened"], str(e["kind"]).replace("_", " ").capitalize(),
                     str(e["what"])))
    for _, a in d["ratings"].iterrows():
        if a["source"] == "assessment":
            rows.append((a["rated_on"], "Location assessment",
                         f"{a['place']}: risk {a['rating']}"))
    for _, iv in d["interventions"].iterrows():
        rows.append((iv["start_month"], "Intervention started",
                     f"{iv['type_label']} by {iv['agency']} at {iv['place_name']}"))
        if pd.notna(iv["end_month"]):
            rows.append((iv["end_month"], "Intervention ended",
                         f"{iv['type_label']} at {iv['place_name']}"))
    for _, a in d["actions"].iterrows():
        if pd.notna(a["due_date"]) and pd.isna(a["done_on"]):
            rows.append((a["due_date"], "Action due", f"{a['owner']}: {a['description']}"))
    out = pd.DataFrame(rows, columns=["when", "what", "detail"])
    out["when"] = pd.to_datetime(out["when"])
    return out.sort_values("when", kind="stable", ignore_index=True)

