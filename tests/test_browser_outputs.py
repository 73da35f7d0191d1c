"""Issue #31, the meeting's outputs and the admin's audit log in a real browser (headless
Chromium, offline but for localhost; the fixtures of ``tests/test_browser.py``): a partner
downloads the Next meeting agenda as a PDF, and the download is in the audit log; an admin
filters the audit log and sees only the entries that match.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from _wait import wait_for
from playwright.sync_api import Browser
from test_browser import browser, fresh_page, outside  # noqa: F401
from test_security_attacks import last_audit

from geo.services import actions
from geo.store import db

pytestmark = pytest.mark.browser


AGENDA_PDF = "actor = 'demo:partner' AND target = 'next meeting agenda (PDF)'"


def _agenda_pdfs(settings) -> int:
    with db.connect("superuser", settings) as conn:
        return int(conn.execute(
            f"SELECT count(*) FROM audit_log WHERE {AGENDA_PDF}").fetchone()[0])  # noqa: S608


def test_a_partner_downloads_the_next_meeting_agenda_as_a_pdf(
        app_url: str, browser: Browser, outside: list[str],  # noqa: F811
        settings, artifacts: Path) -> None:
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/meeting?role=partner")
    page.get_by_role("heading", name="Next meeting").wait_for(timeout=60_000)
    button = page.get_by_role("button", name="Download as PDF")
    button.wait_for(timeout=120_000)
    before = _agenda_pdfs(settings)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2_000, data[:20]
    assert info.value.suggested_filename.startswith("next-meeting-")
    assert info.value.suggested_filename.endswith(".pdf")
    (artifacts / "next-meeting-download.pdf").write_bytes(data)
    # the file was made at the click through the one export path, which audits it
    wait_for(lambda: _agenda_pdfs(settings) == before + 1, what="the download audited")
    row = last_audit(settings, AGENDA_PDF)
    assert row[:5] == ("demo:partner", "partner", "export", "next meeting agenda (PDF)",
                       "ok"), row
    assert row[5]["bytes"] == len(data), row
    page.context.close()


def test_an_admin_filters_the_audit_log(
        app_url: str, browser: Browser, outside: list[str],  # noqa: F811
        settings, artifacts: Path) -> None:
    mark = uuid.uuid4().hex[:8]  # this run's own entries, whatever the log held before
    actions.audit(f"demo:h31-someone-{mark}", "partner", "export",
                  f"h31web{mark} hot spots.csv", "ok", settings=settings)
    actions.audit(f"demo:h31-other-{mark}", "analyst", "upload", f"h31web{mark} incidents",
                  "ok", settings=settings)
    page = fresh_page(browser, outside, viewport={"width": 1400, "height": 1200})
    page.goto(f"{app_url}/admin?role=admin")
    page.get_by_role("heading", name="Audit log").wait_for(timeout=60_000)
    caption = page.get_by_text("most recent entr")
    caption.wait_for(timeout=60_000)
    unfiltered = caption.inner_text()
    target = page.get_by_label("What (part of the target)")
    target.fill(f"h31web{mark}")
    target.press("Enter")
    wait_for(lambda: caption.inner_text() != unfiltered, what="the filtered audit log")
    grid = page.locator("[data-testid='stDataFrame']").last
    # the table is drawn on a canvas; its cells are also in the page as text for screen
    # readers
    wait_for(lambda: f"demo:h31-other-{mark}" in (grid.text_content() or ""),
             what="the entries shown")
    text = grid.text_content() or ""
    assert f"demo:h31-someone-{mark}" in text, text
    page.screenshot(path=str(artifacts / "admin-audit-log-filtered.png"), full_page=True)
    print("audit log:", unfiltered, "->", caption.inner_text())
    assert caption.inner_text().startswith("The 2 most recent entries"), caption.inner_text()
    page.context.close()
