"""A real OpenID Connect sign-in on loopback against a mock provider, in headless Chromium:
a known analyst gets the analyst pages; an unknown account gets "no access", audited."""

from __future__ import annotations

from pathlib import Path

import oidc_provider_mock
import pytest
from conftest import free_port, running_app
from playwright.sync_api import sync_playwright

from geo.services import access
from geo.store import db

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def provider():
    users = [oidc_provider_mock.User(sub="ana", claims={"email": "ana.analyst@example.org"}),
             oidc_provider_mock.User(sub="pat", claims={"email": "pat.partner@example.org"}),
             oidc_provider_mock.User(sub="eve", claims={"email": "eve@example.org"})]
    with oidc_provider_mock.run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def app(settings, provider, tmp_path_factory):
    access.set_user("ana.analyst@example.org", "analyst", ("*",), actor="tests")
    access.set_user("pat.partner@example.org", "partner", ("E08000025",), actor="tests")
    port = free_port()
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-not-for-production"\n'
        'client_id = "contexts"\nclient_secret = "contexts-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with running_app(port, env={"CONTEXTS_DEMO": "false",
                                "CONTEXTS_PSEUDONYM_KEY": "test-key-" + "k" * 40},
                     extra=(f"--secrets.files={secrets}",)) as url:
        yield url


def sign_in(url: str, provider: str, sub: str, shot: Path) -> str:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        page = browser.new_page()
        page.route("**/*", lambda route, req: route.continue_()
                   if req.url.startswith(("http://127.0.0.1", "data:", "ws://127.0.0.1"))
                   else route.abort())
        page.goto(url)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{provider}/**", timeout=30_000)
        page.fill("input[name=sub]", sub)
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{url}/**", timeout=30_000)
        page.wait_for_selector("h1", timeout=60_000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(shot), full_page=True)
        text = page.locator("body").inner_text()
        browser.close()
    return text


def test_known_analyst_gets_the_analyst_pages(app: str, provider: str, artifacts: Path) -> None:
    text = sign_in(app, provider, "ana", artifacts / "signin-analyst.png")
    assert "Upload" in text and "Map" in text
    assert "Demo mode" not in text
    with db.connect("admin") as conn:
        row = conn.execute("SELECT actor, role, outcome FROM audit_log WHERE action = 'sign_in' "
                           "ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert row == ("ana.analyst@example.org", "analyst", "ok")


def test_partner_gets_no_upload_page(app: str, provider: str, artifacts: Path) -> None:
    text = sign_in(app, provider, "pat", artifacts / "signin-partner.png")
    assert "Map" in text and "Upload" not in text


def test_unknown_account_gets_no_access_and_is_audited(app: str, provider: str,
                                                       artifacts: Path) -> None:
    text = sign_in(app, provider, "eve", artifacts / "signin-unknown.png")
    assert "No access" in text and "Upload" not in text
    with db.connect("admin") as conn:
        row = conn.execute("SELECT actor, outcome FROM audit_log WHERE action = 'sign_in' "
                           "ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert row == ("eve@example.org", "denied")
