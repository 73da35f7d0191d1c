"""Meeting outputs: the Next meeting agenda, a place profile and a context as a PDF (the
board pack's A4 machinery, :mod:`geo.render.board_pack`) and as CSV.

A page builds a :class:`Document` from the very values it shows (every count already
through the disclosure gate: "<5", "—" for a withheld breakdown with the reason), shows
its parts, and offers the same document as a PDF (:func:`pdf`) and as one CSV table
(:func:`csv_frame`). So a partner's PDF says exactly what the partner's page says. Every
text, typed by someone or read from the data, is escaped in the HTML; the CSV leaves
through :func:`geo.services.exports.export` (cells neutralised, audited).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from geo.render import board_pack
from geo.render.text import DAYS, flags_rule_text
from geo.render.words import HEX_SIZE, MIN_PEOPLE, WINDOW_DAYS, now_text
from geo.stats.disclosure import View

#: what a page shows for a breakdown it withholds (the gate's own mark)
WITHHELD = "—"


@dataclass(frozen=True, eq=False)
class Part:
    """One heading of a document: sentences, a table and items (a line and its result)."""

    heading: str
    lines: tuple[str, ...] = ()
    table: pd.DataFrame | None = None
    items: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True, eq=False)
class Document:
    """What a page shows, to print or download: a title, a line saying what it covers,
    its parts, and the note on how its counts are published."""

    title: str
    about: str
    parts: tuple[Part, ...]
    note: str = ""


def method_note(view: View) -> str:
    """How the counts of a document are published, in words (as the board pack says)."""
    if view.exact:
        return "Exact counts (analyst view): not for circulation beyond analysts."
    return (f"Counts are published by the cell key method: each may differ from the true "
            f"count by up to {view.d}, the same way every time, and counts from 0 to "
            f'{view.k - 1} (none included) are shown alike as "{view.label}". '
            f'"{WITHHELD}": not shown at this detail.')


def html_of(doc: Document, made_by: str, made_on: date) -> str:
    """The document as one self-contained HTML page (no script, no link), every value
    escaped."""
    e = html.escape
    body = []
    for part in doc.parts:
        out = [f"<h2>{e(part.heading)}</h2>"]
        out += [f"<p>{e(line)}</p>" for line in part.lines]
        if part.table is not None and not part.table.empty:
            wide = len(part.table.columns) > 10
            out.append(('<div class="wide">' if wide else "<div>")
                       + board_pack.table(part.table) + "</div>")
        if part.items:
            out.append("<ul>" + "".join(
                f"<li>{e(line)}" + (f"<br><i>{e(result)}</i>" if result else "") + "</li>"
                for line, result in part.items) + "</ul>")
        body.append('<div class="part">' + "".join(out) + "</div>")
    css = board_pack.CSS + ".wide td,.wide th{font-size:6.5pt;padding:.1rem .15rem}"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{e(doc.title)}</title><style>{css}</style></head><body>
<h1>{e(doc.title)}</h1>
<p class="note">{e(doc.about)} Prepared {e(now_text(made_on))} by {e(made_by)}.
{e(doc.note)}</p>
{"".join(body)}
</body></html>"""


def pdf(doc: Document, made_by: str, made_on: date) -> bytes:
    """The document as an A4 PDF (the board pack's WeasyPrint set-up)."""
    return board_pack.pdf(html_of(doc, made_by, made_on))


def csv_frame(doc: Document) -> pd.DataFrame:
    """The document as one table: a ``Section`` column, then each part's table columns
    (a part's sentences and items under ``Text`` and ``Result``); every value as the page
    shows it (text)."""
    frames = []
    for part in doc.parts:
        rows: list[pd.DataFrame] = []
        if part.lines:
            rows.append(pd.DataFrame({"Text": list(part.lines)}))
        if part.table is not None and not part.table.empty:
            rows.append(part.table.astype(str).rename(columns=str))
        if part.items:
            rows.append(pd.DataFrame({"Text": [i[0] for i in part.items],
                                      "Result": [i[1] for i in part.items]}))
        for r in rows:
            frames.append(r.assign(Section=part.heading))
    if not frames:
        return pd.DataFrame({"Section": [doc.title], "Text": [doc.about]})
    out = pd.concat(frames, ignore_index=True).fillna("")
    return out[["Section", *[c for c in out.columns if c != "Section"]]]


def _day(d: Any) -> str:
    return "" if pd.isna(d) else f"{pd.Timestamp(d):%d %b %Y}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def agenda(a: Any, view: View, categories: dict[str, str], people: list[str],
           results: list[str]) -> Document:
    """The Next meeting agenda (a :class:`geo.services.meeting.Agenda`): ``categories``,
    the place categories' labels; ``people``, the distinct young people of each flagged
    place as the gate writes them; ``results``, each ended intervention's result as the
    viewer may read it."""
    on, since = a.on, a.since
    rev = a.reviews
    reviews = Part("1. Reviews due", ("No context is due for review.",)) if rev.empty else Part(
        "1. Reviews due", (_plural(len(rev), "context is", "contexts are") + " due for review.",),
        pd.DataFrame({"Reference": rev["ref"], "Context": rev["name"],
                      "Kind": rev["kind_label"], "Status": rev["status_label"],
                      "Lead agency": rev["lead_agency"],
                      "Review date": [_day(d) for d in rev["review_date"]],
                      "Risk": rev["rating"].fillna("not rated")}))
    fl = a.flagged
    head = "2. Places newly over the complex-strategy threshold"
    rule = (flags_rule_text(view),) if not view.exact else ()
    flagged = Part(head, ((f"No place crossed the threshold since {since:%d %b %Y}."
                           if view.exact else
                           f"No place to list at this level of detail since {since:%d %b %Y}."),
                          *rule)) \
        if fl.empty else Part(
        head, (_plural(len(fl), "place", "places") + f" where {MIN_PEOPLE} or more young "
               f"people were seen within {WINDOW_DAYS} days, and not at the last meeting.",
               *rule),
        pd.DataFrame({"Place": fl["name"],
                      "Category": [categories.get(c, str(c)) for c in fl["category"]],
                      "Distinct young people": people}))
    hs = a.hotspots
    head = "3. New and intensifying hot spots"
    hot = Part(head, ("No new or intensifying hot spot.",)) if hs.empty else Part(
        head, (_plural(len(hs), f"{HEX_SIZE} area", f"{HEX_SIZE} areas")
               + " became or grew as hot spots "
               "over the last 36 months.",),
        pd.DataFrame({"Area": hs["name"], "Pattern": hs["category"].str.capitalize()}))
    en = a.ended
    head = "4. Interventions that ended"
    if en.empty:
        ended = Part(head, (f"No intervention ended between "
                            f"{pd.Timestamp(since) + pd.Timedelta(days=1):%d %b %Y} and "
                            f"{on:%d %b %Y}.",))
    else:
        ended = Part(head, items=tuple(
            (f"{iv['type_label']} at {iv['place_name']} by {iv['agency']}, "
             f"{pd.Timestamp(iv['start_month']):%b %Y} to {pd.Timestamp(iv['end_month']):%b %Y}",
             said) for (_, iv), said in zip(en.iterrows(), results, strict=True)))
    return Document("Next meeting", f"Meeting at the end of {on:%B %Y}; what changed since "
                    f"{since:%d %b %Y}.", (reviews, flagged, hot, ended), method_note(view))


def grid_table(grid: pd.DataFrame) -> pd.DataFrame:
    """The day x hour grid (``day``, ``hour``, ``incidents`` as text) as a table: a row per
    day, a column per hour ("00" to "23")."""
    cells: dict[tuple[str, int], Any] = {}  # the first text given for a day and hour
    for day, hour, said in zip(grid["day"], grid["hour"], grid["incidents"], strict=True):
        if pd.notna(said):
            cells.setdefault((str(day), int(hour)), said)
    hours = sorted({h for _, h in cells})
    days = [d for d in DAYS if any((d, h) in cells for h in hours)]
    return pd.DataFrame({"Day": days} | {f"{h:02d}": [cells.get((d, h), "") for d in days]
                                         for h in hours})


def counts_table(frame: pd.DataFrame, first: str, values: list[str]) -> pd.DataFrame:
    """A published series as a table: its labels (``values``) and ``incidents`` text."""
    return pd.DataFrame({first: values, "Incidents": list(frame["incidents"])})
