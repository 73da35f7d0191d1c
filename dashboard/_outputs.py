"""The PDF and CSV of a page's document (:mod:`geo.render.documents`): two download
buttons, each made only when clicked, through the one export path (role, neutralised CSV,
audit; :func:`dashboard._state.download`)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import _state
from geo.render import documents


def downloads(doc: documents.Document, what: str, stem: str) -> None:
    """"Download as PDF" and "Download as CSV" of ``doc`` (what the page shows, as the
    viewer may see it), audited as exports of ``what``."""
    who, today = _state.actor(), date.today()
    left, right = st.columns(2)
    with left:
        _state.download("Download as PDF", lambda: documents.pdf(doc, who, today),
                        what=f"{what} (PDF)", file_name=f"{stem}.pdf", mime="application/pdf",
                        key=f"{stem}-pdf")
    with right:
        _state.download("Download as CSV", lambda: documents.csv_frame(doc),
                        what=f"{what} (CSV)", file_name=f"{stem}.csv", mime="text/csv",
                        key=f"{stem}-csv")
