"""Board pack: one click makes the period's review as an A4 PDF (HTML as an option)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from dashboard import _data, _state
from geo.filters import Filters
from geo.render import board_pack
from geo.services import meeting
from geo.services.detail import TooDetailed
from geo.services.interventions import ImpactParams


@st.cache_data(ttl=_data.TTL, max_entries=16, show_spinner=False)
def _pdf(document: str) -> bytes:
    """The PDF of a pack, made once per document: the same pack asked for again (another
    board member's click, a change of mind) is not drawn again."""
    return board_pack.pdf(document)


role = _state.require("board_pack")
view = _state.view()
v = _data.version()
st.title("Board pack")
period = _data.period(v)
if period is None:
    st.info("No incidents are loaded yet.")
    st.stop()
filters = _state.filter_controls(period, _data.vocabularies(v))
st.write("A report of the period for the strategy board: headline figures, the hot-spot map, "
         "emerging hot spots, complex-strategy flags and what the interventions achieved, "
         "as an A4 PDF ready to print or send.")


def _in_this_run() -> None:
    """A helper thread's cached reads belong to this run (their spinner, their cache)."""
    add_script_run_ctx(threading.current_thread(), run)


run = get_script_run_ctx()
if st.button("Make the board pack", type="primary"):
    # the impacts (the longest read: the donors, the counts near every place and a model
    # per intervention) measured while the hot spots are counted; the agenda and the
    # pooled effects wait for them through the cache (one computation per key)
    helper = ThreadPoolExecutor(1, thread_name_prefix="contexts-board-pack",
                                initializer=_in_this_run)
    found = helper.submit(_data.impacts, v, ImpactParams(), view)
    helper.shutdown(wait=False)
    start, end = filters.span()
    months = pd.date_range(start, end, freq="MS")
    prev = Filters((months[0] - pd.DateOffset(months=len(months))).date(),
                   (months[0] - pd.DateOffset(months=1)).date(), filters.harms,
                   filters.risks, filters.ages)
    # the next meeting's agenda, as of the end of the period (a month since the last one)
    on = (pd.Timestamp(end) + pd.offsets.MonthEnd(0)).date()
    # one scan counts the months of this period, the one before and the agenda's
    cube = meeting.hotspot_filters(on)
    assert prev.start is not None and cube.start is not None and cube.end is not None
    counted = (min(prev.start, cube.start), max(end, cube.end))
    try:  # the detail rule of partners and board members (geo.services.detail)
        now = _data.hotspots(v, "hex", filters, emerging=True, counted=counted, view=view)
    except TooDetailed as exc:
        st.info(str(exc))
        st.stop()
    before = _data.hotspots(v, "hex", prev, counted=counted, view=view)
    a = _data.agenda(v, on, (pd.Timestamp(on) - pd.offsets.MonthEnd(1)).date(), view,
                     counted=counted)
    doc = board_pack.render(
        title="Contextual safeguarding review", start=start, end=end,
        view=view, hex_table=now, previous=before,
        complex_flags=_data.complex_places(v, filters),
        impacts=found.result(), made_by=_state.actor(),
        made_on=date.today(), pooled=_data.pooled(v, ImpactParams(), view),
        concentration=_data.concentration(now, before, view), wards=_data.wards(v),
        agenda={"on": a.on, "since": a.since, "reviews": a.reviews, "flagged": a.flagged,
                "hotspots": a.hotspots, "ended": a.ended},
        filtered=bool(filters.harms or filters.risks or filters.ages))
    with st.spinner("Making the PDF..."):
        st.session_state["board_pack_pdf"] = _pdf(doc)
    st.session_state["board_pack"] = doc

made: str | None = st.session_state.get("board_pack")
if made:
    pdf = st.session_state["board_pack_pdf"]
    left, right = st.columns(2)
    with left:
        _state.download("Download the PDF (A4)", lambda: pdf, what="board pack (PDF)",
                        file_name=f"board-pack-{date.today():%Y-%m-%d}.pdf",
                        mime="application/pdf", action="board_pack")
    with right:
        _state.download("Download as HTML", made.encode, what="board pack",
                        file_name=f"board-pack-{date.today():%Y-%m-%d}.html", mime="text/html",
                        action="board_pack")
    st.iframe(made, height=900)  # our own HTML: every value from data is escaped in it
