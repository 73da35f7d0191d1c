"""A real OpenID Connect sign-in on loopback against a mock provider, in headless Chromium:
a known analyst gets the analyst pages; an unknown account gets "no access", audited.

Issue #28, problem 6: the identity is the ID token's (issuer, subject). An e-mail counts
only when the provider says it is verified, and matches exactly; the first sign-in of a
user registered by e-mail binds the user to that (issuer, subject), so another account
showing the same address later gets nothing."""

from __future__ import annotations

from pathlib import Path

import oidc_provider_mock
import pytest
from conftest import free_port, running_app
from playwright.sync_api import Browser
from test_browser import browser, settled  # noqa: F401

from geo.services import access
from geo.store import db


@pytest.fixture(scope="module")
def provider():
    def user(sub: str, email: str, verified: bool = True) -> oidc_provider_mock.User:
        return oidc_provider_mock.User(sub=sub, claims={"email": email,
                                                        "email_verified": verified})

    users = [user("ana", "ana.analyst@example.org"), user("pat", "pat.partner@example.org"),
             user("eve", "eve@example.org"),
             # the victims' addresses, shown by other accounts
             user("mallory", "admin.victim@example.org", verified=False),
             user("casey", "case.victim@example.org"),
             user("bound-other", "bound.user@example.org"),
             user("bound-real", "someone.new@example.org", verified=False),
             user("first", "first.user@example.org"),
             user("second", "first.user@example.org")]
    with oidc_provider_mock.run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def app(settings, provider, tmp_path_factory):
    access.set_user("ana.analyst@example.org", "analyst", ("*",), actor="tests")
    access.set_user("pat.partner@example.org", "partner", ("E08000025",), actor="tests")
    access.set_user("admin.victim@example.org", "admin", ("*",), actor="tests")
    access.set_user("Case.Victim@example.org", "admin", ("*",), actor="tests")
    access.set_user("bound.user@example.org", "admin", ("*",), actor="tests",
                    issuer=issuer(provider), subject="bound-real")
    access.set_user("first.user@example.org", "analyst", ("*",), actor="tests")
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


def issuer(provider: str) -> str:
    """The issuer (``iss``) of the mock provider's ID tokens, from its metadata."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{provider}/.well-known/openid-configuration",
                                timeout=10) as r:
        return str(json.load(r)["issuer"])


def _user_row(identity: str) -> tuple[object, ...] | None:
    with db.connect("superuser") as conn:
        return conn.execute("SELECT issuer, subject FROM app_user WHERE identity = %s",
                            (identity,)).fetchone()


def sign_in(browser: Browser, url: str,  # noqa: F811
            provider: str, sub: str, shot: Path) -> str:
    """Sign in as ``sub`` in a new browser context (no cookie, no session of an earlier
    sign-in); returns the text of the page the app shows then."""
    context = browser.new_context()
    try:
        page = context.new_page()
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
        settled(page)
        page.screenshot(path=str(shot), full_page=True)
        return page.locator("body").inner_text()
    finally:
        context.close()


def test_known_analyst_gets_the_analyst_pages(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "ana", artifacts / "signin-analyst.png")
    assert "Upload" in text and "Map" in text
    assert "Demo mode" not in text
    with db.connect("superuser") as conn:
        row = conn.execute("SELECT actor, role, outcome FROM audit_log WHERE action = 'sign_in' "
                           "ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert row == ("ana.analyst@example.org", "analyst", "ok")
    # registered by e-mail, bound to the identity of that first sign-in
    assert _user_row("ana.analyst@example.org") == (issuer(provider), "ana")


def test_partner_gets_no_upload_page(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "pat", artifacts / "signin-partner.png")
    assert "Map" in text and "Upload" not in text


def test_unknown_account_gets_no_access_and_is_audited(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "eve", artifacts / "signin-unknown.png")
    assert "No access" in text and "Upload" not in text
    with db.connect("superuser") as conn:
        row = conn.execute("SELECT actor, outcome FROM audit_log WHERE action = 'sign_in' "
                           "ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert row == ("eve@example.org", "denied")


def _last_sign_in() -> tuple[object, ...] | None:
    with db.connect("superuser") as conn:
        return conn.execute("SELECT actor, role, outcome FROM audit_log "
                            "WHERE action = 'sign_in' ORDER BY audit_id DESC LIMIT 1").fetchone()


def test_an_unverified_email_signs_in_as_nobody(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "mallory", artifacts / "signin-unverified.png")
    assert "No access" in text and "Admin" not in text
    # audited under the account's own identity, not the address it claimed
    assert _last_sign_in() == (f"{issuer(provider)}#mallory", "", "denied")
    assert _user_row("admin.victim@example.org") == (None, None)  # not bound to mallory


def test_an_email_is_matched_exactly(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "casey", artifacts / "signin-case.png")
    assert "No access" in text
    assert _last_sign_in() == ("case.victim@example.org", "", "denied")


def test_a_bound_user_is_its_identity_not_its_address(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "bound-other", artifacts / "signin-bound-other.png")
    assert "No access" in text
    text = sign_in(browser, app, provider, "bound-real", artifacts / "signin-bound-real.png")
    assert "No access" not in text and "Admin" in text
    assert _last_sign_in() == ("bound.user@example.org", "admin", "ok")


def test_the_first_sign_in_binds_and_the_next_account_with_the_address_gets_nothing(
        browser: Browser, app: str, provider: str,  # noqa: F811
        artifacts: Path) -> None:
    text = sign_in(browser, app, provider, "first", artifacts / "signin-first.png")
    assert "Upload" in text and "No access" not in text
    assert _user_row("first.user@example.org") == (issuer(provider), "first")
    text = sign_in(browser, app, provider, "second", artifacts / "signin-second.png")
    assert "No access" in text and "Upload" not in text
    assert _last_sign_in() == ("first.user@example.org", "", "denied")
