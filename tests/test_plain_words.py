"""Plain words for partners and the board (issue #31): no technical name of a statistic
(Gi*, PAI, PEI*, Gini, Mann-Kendall, WDQ, RRI) and no repository path on their pages or in
the board pack, except inside the expandable "How this is worked out" that names them; and
the Interventions page opens on a summary table with one row per intervention."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Dataframe, Expander, Node
from test_dashboard import _place_id, component_args, run

from geo.render.words import HOW_WORKED_OUT, JARGON, could_detect, plain_sentence

pytestmark = pytest.mark.pages

PAGES = ("map", "hotspots", "profile", "interventions", "meeting", "contexts", "networks")


def _texts(node: Node, inside: bool = False) -> list[tuple[str, bool]]:
    """Every text of an element tree as a person reads it, each with whether it is inside
    a "How this is worked out" expander: labels, values, options, help, and a table's
    headings and cells."""
    out: list[tuple[str, bool]] = []
    if isinstance(node, Expander) and node.label == HOW_WORKED_OUT:
        inside = True
    for attr in ("label", "value", "options", "help", "body"):
        try:
            got = getattr(node, attr)
        except Exception:  # an attribute a kind of element does not have or cannot give
            continue
        if isinstance(got, pd.DataFrame) and isinstance(node, Dataframe):
            out += [(str(c), inside) for c in got.columns]
            out += [(str(x), inside) for col in got.columns for x in got[col]]
        elif isinstance(got, str):
            out.append((got, inside))
        elif isinstance(got, list | tuple):
            out += [(str(x), inside) for x in got if isinstance(x, str)]
    if isinstance(node, Block):
        for child in node.children.values():
            out += _texts(child, inside)
    return out


def _outside_and_inside(at: AppTest) -> tuple[str, str]:
    found = _texts(at._tree)
    return ("\n".join(t for t, i in found if not i), "\n".join(t for t, i in found if i))


def _expanders(at: AppTest, label: str) -> list[Expander]:
    return [e for e in at.get("expander") if e.label == label]


def test_the_pattern_finds_each_term_and_the_plain_sentence_drops_the_quotient() -> None:
    for term in ("Gi*", "PAI", "PEI*", "Gini", "Mann-Kendall", "Mann–Kendall", "WDQ", "RRI",
                 "docs/methods.md", "see methods.md"):
        assert JARGON.search(f"a {term} here"), term
    for word in ("painting", "Giving", "PAIR", "mandate", "documents"):
        assert not JARGON.search(word), word
    moved = ("Incidents at X fell by 40%; some harm appears to have moved to the surrounding "
             "streets (WDQ -0.42, their rise beyond chance); this comparison could ...")
    assert plain_sentence(moved) == moved.replace("WDQ -0.42, ", "")
    unclear = "; the surrounding streets' change is within chance (WDQ 0.31): no clear sign"
    assert plain_sentence(unclear) == "; the surrounding streets' change is within chance: " \
                                      "no clear sign"
    assert could_detect({"mde": 0.34, "mde_rise": 0.52}) == \
        "a fall of 34% or more (or a rise of 52% or more)"
    assert could_detect(None) == "\u2013"
    assert could_detect({"mde": float("inf"), "mde_rise": float("inf")}) == \
        "no fall at all (no rise)"


@pytest.mark.parametrize("role", ["partner", "board"])
@pytest.mark.parametrize("page", PAGES)
def test_partner_and_board_pages_name_statistics_in_words(settings, role: str,
                                                          page: str) -> None:
    state = {}
    if page == "profile":  # a place with interventions and their verdicts
        state = {"profile": ("place", _place_id(settings, "STN-AST"))}
    at = run(role, page, state)
    if page in ("map", "hotspots"):
        if page == "map":
            at.radio(key="map_colour").set_value("hotspots").run()
        assert not at.exception
    outside, inside = _outside_and_inside(at)
    assert outside, "no text read from the page"
    assert not JARGON.findall(outside), (JARGON.findall(outside), page)
    assert _expanders(at, HOW_WORKED_OUT), page  # (one per section that needs it)
    assert inside.strip(), "the expander names the methods"
    # the map's legend and popups (the component's script) in words too
    for args in component_args(at):
        script = args.get("script", "")
        assert "Gi*" not in script and "Getis" not in script, page


def test_analysts_keep_the_technical_names(settings) -> None:
    at = run("analyst", "hotspots")
    labels = {m.label for m in at.get("metric")}
    assert "Forecast accuracy (PAI)" in labels


def test_the_board_pack_speaks_in_words_and_ends_with_how_it_is_worked_out(settings) -> None:
    at = run("board", "board_pack")
    at.button[0].click().run()
    assert not at.exception
    doc = at.session_state["board_pack"]
    reader = PdfReader(io.BytesIO(at.session_state["board_pack_pdf"]))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))
    head, sep, note = text.partition(HOW_WORKED_OUT)
    assert sep, "the closing note is missing"
    assert not JARGON.findall(head), JARGON.findall(head)
    assert "Gi*" in note and "WDQ" in note  # the names, in the closing note only
    assert "docs/" not in text and ".md" not in text
    # and the HTML as well: the note is the document's last section
    body, _, last = doc.partition(f"<h2>{HOW_WORKED_OUT}</h2>")
    assert not JARGON.findall(re.sub(r"<[^>]+>", " ", body))
    assert last.count("<section") == 0


@pytest.mark.parametrize("role", ["analyst", "partner", "board"])
def test_interventions_open_on_a_summary_table_one_row_each(settings, role: str) -> None:
    at = run(role, "interventions")
    first = at.dataframe[0].value
    assert list(first.columns) == ["Place", "Type", "Verdict", "Change",
                                   "What could be detected"], first.columns
    # the first thing under the title is the summary: nothing else drawn before it
    main = list(at.main.children.values())
    kinds = [type(n).__name__ for n in main]
    assert kinds.index("Dataframe") < min(
        k for k, n in enumerate(main) if isinstance(n, Expander)), kinds
    register = [d.value for d in at.dataframe if "Reference" in d.value][0]
    details = [e for e in at.get("expander") if " at " in e.label]
    assert len(first) == len(register) == len(details) > 3, (len(first), len(register))
    assert set(first["Place"]) == set(register["Place"])
    assert first["Verdict"].str.len().gt(0).all()
    assert first["Change"].str.match(r"^([+-]\d+%|0%|\u2013)$").all(), first["Change"]
    detectable = first["What could be detected"]
    assert detectable.str.match(r"^(a fall of \d+% or more|no fall at all|\u2013)").all()
    assert (detectable != "\u2013").any()
