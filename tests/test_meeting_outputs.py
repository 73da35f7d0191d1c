"""Meeting outputs (issue #31): the Next meeting agenda, a place profile and a context, each
as a PDF and as CSV, made from what the page shows for the role: a partner's PDF carries
the page's published figures ("<5", the withheld "—" with its reason) and no count from 1
to 4; user-typed text is escaped."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from test_dashboard import _place_id, run, visible_text

from geo.render import documents
from geo.stats.disclosure import View
from geo.store import db

pytestmark = pytest.mark.pages
ROLES = ("partner", "board", "analyst", "admin")
SMALL = {"1", "2", "3", "4"}
#: a meeting with places newly flagged and new hot spots (partners pick months ends)
JULY = {"meeting_on": date(2025, 7, 31), "meeting_since": date(2025, 6, 30),
        "meeting_month": date(2025, 7, 31)}
#: the data's last month: a partner's agenda with new and intensifying hot spots (the
#: sample's newly flagged places are listed to analysts only: shown_flags)
LATEST = {"meeting_month": date(2025, 12, 31)}
#: the month the sample's INT-001 ended (December 2024: an analyst's free dates reach it)
DECEMBER = {"meeting_on": date(2024, 12, 31), "meeting_since": date(2024, 11, 30)}


def _pdf_text(doc: documents.Document, keep: Path | None = None
              ) -> tuple[str, list[list[list[str]]]]:
    data = documents.pdf(doc, "demo:test", date(2026, 1, 5))
    assert data.startswith(b"%PDF")
    if keep is not None:  # to look at (test-artifacts/)
        keep.write_bytes(data)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        tables = [t for p in pdf.pages for t in p.extract_tables()]
    return text, tables


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _no_small_in_pdf(text: str, tables: list[list[list[str]]]) -> None:
    assert not re.search(r"\b[1-4] (incidents|before|after)\b", text)
    for table in tables:
        head = [str(c or "") for c in table[0]]
        for col, name in enumerate(head):
            if name in ("Incidents", "Distinct young people") or re.fullmatch(r"\d\d", name):
                cells = {str(r[col] or "").strip() for r in table[1:] if col < len(r)}
                assert not cells & SMALL, (name, cells & SMALL)


def _buttons(at) -> set[str]:
    return {b.label for b in at.get("download_button")}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_downloads_the_agenda_a_profile_and_a_context(settings, role: str) -> None:
    for page, state in (("meeting", JULY),
                        ("profile", {"profile": ("place", _place_id(settings, "STN-AST"))}),
                        ("contexts", {"context": "CTX-001"})):
        at = run(role, page, state)
        assert {"Download as PDF", "Download as CSV"} <= _buttons(at), (role, page)
        for b in at.get("download_button"):  # made on the click, through the export path
            assert b.proto.deferred_file_id and not b.proto.url


@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_the_agenda_pdf_says_what_the_page_says(settings, artifacts, role: str) -> None:
    at = run(role, "meeting", LATEST if role == "partner" else DECEMBER)
    doc = at.session_state["meeting_document"]
    text, tables = _pdf_text(doc, artifacts / f"agenda-{role}.pdf")
    for part in doc.parts:  # each heading, sentence, table cell and result of the page
        assert _flat(part.heading) in _flat(text)
        for line in part.lines:
            assert _flat(line) in _flat(text), line
    shown = [df.value for df in at.dataframe]
    # the partner's last month: hot spots (and the places withheld); the analyst's
    # December: an ended intervention with its result
    assert shown if role == "partner" else (any(p.items for p in doc.parts) and at.info)
    # a cell wrapped over lines reads interleaved with its neighbours in the page's text
    # ("Group chat used for" ... "recruitment"): then its words, or a ruled table's cell
    cells = {_flat(str(c or "")) for t in tables for row in t for c in row}
    for frame in shown:
        for col in frame.columns:
            for cell in frame[col].astype(str):
                assert (_flat(cell) in _flat(text) or _flat(cell) in cells
                        or all(_flat(w) in _flat(text) for w in cell.split())), (col, cell)
    for box in at.info:  # the ended interventions' results, as the page words them
        said = re.sub(r"\\(.)", r"\1", box.value)
        assert _flat(said) in _flat(text), said
    if role == "partner":
        _no_small_in_pdf(text, tables)
        people = [f["Distinct young people"] for f in shown if "Distinct young people" in f]
        assert all(set(p) <= {"3 or more", "fewer than 3"} for p in people)
    csv = documents.csv_frame(doc)
    assert set(csv["Section"]) == {p.heading for p in doc.parts}


@pytest.mark.parametrize("role", ["partner", "board"])
def test_a_partners_profile_pdf_has_the_published_figures_and_no_small_count(
        settings, artifacts, role: str) -> None:
    branches = set()
    with db.connect("superuser", settings) as conn:  # the place with fewest incidents
        quiet = str(conn.execute(
            "SELECT p.place_id FROM place p LEFT JOIN incident i USING (place_id) "
            "GROUP BY 1 ORDER BY count(i.*), 1 LIMIT 1").fetchone()[0])
    for place in (_place_id(settings, "STN-AST"), quiet):  # a busy station, a quiet place
        at = run(role, "profile", {"profile": ("place", place)})
        doc = at.session_state["profile_document"]
        text, tables = _pdf_text(doc, artifacts / f"profile-{place}-{role}.pdf")
        total = at.metric[0].value
        assert doc.parts[0].lines == (total,)
        assert _flat(f"Incidents in the period{total}") in _flat(text)
        _no_small_in_pdf(text, tables)
        withheld = [p for p in doc.parts if p.lines[:1] == (documents.WITHHELD,)]
        branches.add(bool(withheld))
        if withheld:  # the page's reason, the same in the PDF
            assert any(_flat(p.lines[1]) in _flat(visible_text(at)) for p in withheld)
            assert _flat(withheld[0].lines[1]) in _flat(text)
        else:
            trend = next(p.table for p in doc.parts if p.heading == "Trend")
            for cell in trend["Incidents"]:
                assert cell not in SMALL
            for cell in trend["Incidents"]:
                assert _flat(cell) in _flat(text)
    assert branches == {True, False}, "one place withheld, one shown in full"


def test_a_context_pdf_escapes_typed_text_and_matches_the_page(settings, artifacts) -> None:
    from geo.services import contexts

    contexts.save("tests", "analyst", contexts.Entry(
        ref="CTX-ESC", name="<b>Bold</b> & <script>x</script>", kind="route",
        places=("STN-AST",), summary="Meets at <img src=x onerror=alert(1)> corner",
        rating="high", review_date=date(2025, 12, 1)), settings=settings)
    at = run("partner", "contexts", {"context": "CTX-ESC"})
    doc = at.session_state["context_document"]
    page = documents.html_of(doc, "demo:partner", date(2026, 1, 5))
    assert "<script>" not in page and "<img" not in page and "<b>Bold" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    text, tables = _pdf_text(doc, artifacts / "context-partner.pdf")
    assert "<img src=x onerror=alert(1)>" in text  # shown as text, as the page shows it
    _no_small_in_pdf(text, tables)
    total = next(m.value for m in at.metric if "Incidents" in m.label)
    assert _flat(f"Incidents at its places in the period{total}") in _flat(text)


def test_the_csv_of_a_document_is_its_parts_as_the_page_shows_them() -> None:
    import pandas as pd

    doc = documents.Document("T", "about", (
        documents.Part("One", ("a sentence",)),
        documents.Part("Two", table=pd.DataFrame({"Place": ["=cmd"], "Incidents": ["<5"]})),
        documents.Part("Three", items=(("line", "result"),))), documents.method_note(
            View("partner")))
    frame = documents.csv_frame(doc)
    assert list(frame.columns) == ["Section", "Text", "Place", "Incidents", "Result"]
    assert frame.to_dict("records")[1] == {"Section": "Two", "Text": "", "Place": "=cmd",
                                           "Incidents": "<5", "Result": ""}
    from geo.render.exports import safe_csv

    assert b"'=cmd" in safe_csv(frame)  # the export path neutralises it
