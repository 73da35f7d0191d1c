"""The board pack as a board member gets it: an A4 PDF in one click, the hot spot map kept
whole with its legend on one page, table rows whole, and no count from 1 to 4."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
from pypdf import PdfReader
from test_dashboard import run

A4 = (595.3, 841.9)  # points


@pytest.fixture(scope="module")
def board_pdf(settings, artifacts) -> bytes:
    at = run("board", "board_pack")
    at.button[0].click().run()
    assert not at.exception
    data = at.session_state["board_pack_pdf"]
    (artifacts / "board-pack-board.pdf").write_bytes(data)
    return data


def test_the_board_pack_is_an_a4_pdf_of_a_few_pages(board_pdf: bytes) -> None:
    assert board_pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(board_pdf))
    assert 2 <= len(reader.pages) <= 8, len(reader.pages)
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2, (w, h)


def test_the_map_is_on_one_page_with_its_legend_and_ward_names(board_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(board_pdf)) as pdf:
        texts = [p.extract_text() or "" for p in pdf.pages]
        where = [k for k, t in enumerate(texts) if "250 m hexagons by how confident" in t]
        assert len(where) == 1, "the map's caption is missing or split"
        page = pdf.pages[where[0]]
        text = texts[where[0]]
        # the figure's heading, its legend (first and last swatch) and place names together
        for part in ("Hot spots", "Hot spot, 99% confidence", "Cold spot, 99% confidence",
                     "Ladywood", "2 km"):
            # (the words of the map's labels come out of the PDF without their spaces)
            assert part.replace(" ", "") in text.replace(" ", "").replace("\n", ""), part
        # the ward names are drawn dark (readable), not only present as text
        names = [w for w in page.extract_words(extra_attrs=["non_stroking_color"])
                 if w["text"] == "Ladywood"]
        assert names and all(max(w["non_stroking_color"] or (0,)) < 0.5 for w in names), names
        # the drawing is on that page: hundreds of filled shapes, inside the page
        assert len(page.curves) + len(page.rects) > 300
        assert all(0 <= c["top"] and c["bottom"] <= page.height for c in page.curves)


def test_table_rows_are_whole_and_no_small_numbers(board_pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(board_pdf)) as pdf:
        for page in pdf.pages:
            tables = [t for t in page.extract_tables() if len(t[0]) > 1 and all(t[0])]
            for table in tables:  # (not the legend's swatches, which are rectangles too)
                for row in table:
                    # a row broken across pages would leave a row with empty cells
                    assert all(cell not in (None, "") for cell in row), row
            text = page.extract_text() or ""
            assert not re.search(r"\b[1-4] (incidents|before|after)\b", text), text
            for table in tables:
                head = table[0]
                for col, name in enumerate(head):
                    if name and ("young people" in name or "Incidents" in name):
                        assert not {r[col] for r in table[1:]} & {"1", "2", "3", "4"}
        # the headline figures: on the page after the one-page summary
        first = pdf.pages[1].extract_text() or ""
    figure = re.search(r"([\d,<]+)\s*Incidents", first)
    assert figure and figure.group(1) not in {"1", "2", "3", "4"}
    assert "\u22120%" not in first and "-0%" not in first


def test_the_pack_opens_with_a_one_page_summary_in_plain_words(board_pdf: bytes) -> None:
    from geo.render.words import JARGON

    with pdfplumber.open(io.BytesIO(board_pdf)) as pdf:
        first = pdf.pages[0].extract_text() or ""
        second = pdf.pages[1].extract_text() or ""
    heads = ["Summary", "Where harm is concentrated", "What changed", "What worked",
             "What could not be shown", "For the board to decide"]
    where = [first.find(h) for h in heads]
    assert all(w >= 0 for w in where) and where == sorted(where), (where, first)
    # the page holds the summary alone: the pack's sections start on the next page
    assert "Headline figures" not in first and "Headline figures" in second
    assert not JARGON.search(first), JARGON.findall(first)
    assert not re.search(r"\b[1-4] (incidents|before|after)\b", first)
    # its figures are the published ones of the pages after it
    said = re.search(r"Incidents: ([\d,<]+) in the period, against ([\d,<]+) in the one "
                     r"before \(([^)]+)\)", first)
    assert said, first
    figures = second[second.index("Headline figures"):].split()[:12]
    assert said.group(1) in figures and said.group(3) in figures, (said.groups(), figures)
    assert re.search(r"counts? from 0 to 4 are shown alike as \"<5\"", first, re.I)
