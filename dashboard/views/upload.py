"""Upload (analysts): load an extract, see what was loaded and what was quarantined."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import _data, _state
from geo.render.plain import md
from geo.render.words import QUARANTINE_REASONS, heading, label, quarantine_table
from geo.services import actions

ALLOWED = ["csv", "txt", "tsv", "xlsx", "geojson", "json", "gpkg", "zip"]



def _month(text: str) -> str:
    return pd.Timestamp(f"{text}-01").strftime("%b %Y") if text else ""


def _hint_text(hint: actions.Suggestion) -> str:
    """The suggestion in words: where the file's rows are, and when."""
    months = (f" Its rows run from {_month(hint.first_month)} to {_month(hint.last_month)}."
              if hint.first_month else "")
    if not hint.located:
        return ("The file's rows have no points to suggest an area from (they may be "
                "located by ward or LSOA codes): say what it covers." + months)
    if hint.whole:
        return (f"The file's points spread over {len(hint.wards)} of the area's "
                f"{hint.all_wards} wards: it looks like the whole area." + months)
    shown = ", ".join(f"{name} ({share:.0%})" for _, name, share in hint.wards[:8])
    more = f" and {len(hint.wards) - 8} more" if len(hint.wards) > 8 else ""
    return (f"The file's points fall in {len(hint.wards)} of the area's {hint.all_wards} "
            f"wards: {shown}{more}. Suggested: those wards (chosen for you under "
            "\"Some wards or LSOAs\"), unless the file covers more." + months)


role = _state.require("upload")
st.title("Upload an extract")
st.write("Every row is either loaded or quarantined with a reason. Files with names, dates "
         "of birth, postcodes, phone numbers, e-mails, NHS numbers or free-text notes are "
         "refused whole: remove those columns first. A person or case id is replaced by a "
         "pseudonym before anything is stored.")
kind = st.selectbox("What is in the file", actions.KINDS, key="upload_kind")
sheet = st.text_input("Sheet name (.xlsx only; blank for the first)", key="upload_sheet")
up = st.file_uploader("File", type=ALLOWED, key="upload_file")
if kind == "incidents":
    st.caption("A police.uk download loads as it comes: the zip of monthly folders of "
               "street, outcomes and stop-and-search CSVs, all its files or none.")
ledger_label = st.text_input(
    "Label for the ledger (optional; the file's own name is never kept)",
    key="upload_label", max_chars=80)
# a feature layer for risk terrain (issue #35): points, lines or polygons, and its name
feature = (st.text_input("Feature layer name (e.g. 'Fast food outlets'; loading a name "
                         "again replaces its features)", key="upload_feature", max_chars=60)
           if kind == "features" else None)
layer: str | None = None
if up is not None and Path(up.name).suffix.lower() == ".gpkg":
    found = actions.gpkg_layers(up.getvalue())
    if len(found) > 1:  # several layers: the analyst says which (never the first unsaid)
        layer = st.selectbox(f"The GeoPackage holds {len(found)} layers: which to load",
                             found, index=None, key="upload_layer")
chosen: list[str] = []
cover_file = None
how: str | None = "whole"
if kind == "incidents":
    # the coverage question (issue #31): asked, never assumed; a suggestion from the file
    hint = None
    if up is not None:
        seen = st.session_state.get("upload_hint")
        if seen is None or seen[0] != up.file_id:
            with st.spinner("Reading where and when the file's rows are"):
                hint = actions.suggest_coverage(_state.actor(), role, up.getvalue(),
                                                Path(up.name).suffix, sheet.strip() or None)
            st.session_state["upload_hint"] = (up.file_id, hint)
            if hint is not None and hint.wards and not hint.whole:
                # the suggested wards are chosen when "Some wards or LSOAs" is picked
                st.session_state["upload_covers_units"] = [c for c, _, _ in hint.wards]
        else:
            hint = seen[1]
    if hint is not None:
        st.info(md(_hint_text(hint)))
    how = st.radio("What does the file cover?", ["whole", "units", "polygon"], index=None,
                   horizontal=True, key="upload_covers_how",
                   format_func={"whole": "The whole area", "units": "Some wards or LSOAs",
                                "polygon": "The area in a polygon file"}.get)
    st.caption("Outside what a file covers, its lack of incidents is \"no data\", not zero: "
               "the statistics leave those areas out and the maps show them grey. Inside "
               "it, a month with no incidents is a real zero (and a few are shown as "
               "\"<5\").")
    if how == "units":
        names = _data.coverage_names(_data.version())
        labels = {c: f"{n} ({'ward' if k == 'ward' else 'LSOA'} {c})"
                  for k, c, n in names.itertuples(index=False)}
        chosen = st.multiselect("Wards and LSOAs the file covers", list(labels),
                                format_func=_state.named(labels), key="upload_covers_units")
    elif how == "polygon":
        cover_file = st.file_uploader("Coverage polygon (GeoJSON, GeoPackage or zipped "
                                      "Shapefile)", type=["geojson", "json", "gpkg", "zip"],
                                      key="upload_covers_file")
if up is not None and st.button("Validate and load", type="primary"):
    if how is None or (how == "units" and not chosen) or (how == "polygon"
                                                          and cover_file is None):
        st.error("Say what the file covers: the whole area, its wards or LSOAs, or a "
                 "polygon file. Outside it, no incidents will mean \"no data\".")
        st.stop()
    bar = st.progress(0.0, text="Reading")
    suffix = Path(up.name).suffix.lower()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{uuid.uuid4().hex}{suffix}"  # a generated name, never the user's
        path.write_bytes(up.getvalue())
        covers: list[str] | Path | None = chosen or None
        if cover_file is not None:
            covers = Path(tmp) / f"{uuid.uuid4().hex}{Path(cover_file.name).suffix.lower()}"
            covers.write_bytes(cover_file.getvalue())

        def progress(done: int, total: int, phase: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=phase.capitalize())

        try:
            res = actions.upload(_state.actor(), role, kind, path, up.name, progress,
                                 sheet=sheet.strip() or None, covers=covers, layer=layer,
                                 label=ledger_label.strip() or None, feature=feature)
        except actions.Denied as exc:
            st.error(md(exc))
            st.stop()
    bar.progress(1.0, text="Done")
    st.session_state["upload_result"] = res.as_dict()
    st.cache_data.clear()

res = st.session_state.get("upload_result")
if res:
    shown = {"loaded": st.success, "already_loaded": st.info, "rejected": st.error}
    message = str(res["message"])
    for code in res["reasons"]:  # the loader's reason codes, in words
        message = message.replace(f"{code}: ", f"{label(QUARANTINE_REASONS, code).lower()}: ")
    shown[res["status"]](md(message))  # it names the uploaded file
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows read", res["rows_read"])
    c2.metric("Loaded", res["rows_loaded"])
    c3.metric("Quarantined", res["rows_quarantined"])
    if res["reasons"]:
        st.bar_chart({label(QUARANTINE_REASONS, k): n for k, n in res["reasons"].items()},
                     horizontal=True, x_label="rows")
    if res.get("members"):  # a police.uk download: a line a file (names are police.uk's)
        st.dataframe(pd.DataFrame({
            "File": [m["name"] for m in res["members"]],
            "Extract": [m["extract_id"] for m in res["members"]],
            "Status": [m["status"] for m in res["members"]],
            "Rows read": [m["rows_read"] for m in res["members"]],
            "Loaded": [m["rows_loaded"] for m in res["members"]],
            "Quarantined": [m["rows_quarantined"] for m in res["members"]],
        }), hide_index=True, width="stretch")
    if res["rows_quarantined"] and res["extract_id"]:
        report = quarantine_table(
            actions.quarantine_report(_state.actor(), role, res["extract_id"]),
            _data.vocabularies(_data.version()))
        st.subheader("Quarantine report")
        st.dataframe(report, hide_index=True, width="stretch")
        name = f"quarantine_extract_{res['extract_id']}.csv"
        _state.download("Download the quarantine report (CSV)", lambda: report, what=name,
                        file_name=name, mime="text/csv", action="export_quarantine")

st.subheader("Files loaded")
st.caption("The ledger: every file tried, newest first, and what each incidents file covers.")
ledger = _data.extracts(_data.version())
if ledger.empty:
    st.write("No file has been loaded yet.")
else:
    st.dataframe(pd.DataFrame({
        "Extract": ledger["extract_id"], "Kind": ledger["kind"].map(heading),
        "File": ledger["file_name"], "Loaded": ledger["loaded_at"], "By": ledger["loaded_by"],
        "Status": ledger["status"].map(heading),
        "Rows read": ledger["rows_read"], "Loaded rows": ledger["rows_loaded"],
        "Quarantined": ledger["rows_quarantined"], "Covers": ledger["covers"],
        "Share of the area": ledger["covers_share"].map(
            lambda x: "" if pd.isna(x) else f"{x:.0%}"),
        "Rows outside it": ledger["rows_outside_coverage"]}), hide_index=True, width="stretch")
