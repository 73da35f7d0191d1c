"""What every page shares: settings, the user's role and view, filters and the banner.

Roles are decided here on the server; a page calls :func:`require` before showing
anything, so hiding a menu item is never the only protection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

import streamlit as st

from geo import roles
from geo.config import Settings, get_settings
from geo.filters import Filters
from geo.render.text import View, periods

K = TypeVar("K")

ROLES = roles.ROLES
ROLE_LABELS = roles.ROLE_LABELS


def settings() -> Settings:
    return get_settings()


def demo_mode() -> bool:
    """Demo mode for this request, decided here in the app on every run (not by the
    launcher): configured, on the private cluster, bound to loopback, and asked for with
    a loopback Host (:func:`geo.services.access.demo_allowed`)."""
    from geo.services.access import demo_allowed

    return demo_allowed(settings(), st.get_option("server.address"), st.context.headers)


def refuse_unsafe_setup() -> None:
    """Stop the app, before anything is shown, when it must not run: demo mode asked for
    beyond loopback, or the public demo pseudonym key outside demo mode."""
    from geo.config import KeyRefused

    s = settings()
    if s.demo_mode and not demo_mode():
        st.title("Contexts")
        st.error("This is the demo, which has a role switcher and no sign-in: it is served "
                 "only to this computer (open it at http://localhost). For a shared "
                 "deployment set DATABASE_URL and CONTEXTS_DEMO=false.")
        st.stop()
    if not s.demo_mode:
        try:
            s.check_pseudonym_key()
        except KeyRefused as exc:
            st.title("Contexts")
            st.error(str(exc))
            st.stop()


def current_role() -> str | None:
    """The user's role (in demo mode, the one chosen in the switcher)."""
    if demo_mode():
        return str(st.session_state.get("demo_role", "partner"))
    role = st.session_state.get("role")
    return None if role is None else str(role)


def actor() -> str:
    """Who is acting, for the audit log (no personal data beyond the sign-in identity)."""
    if demo_mode():
        return f"demo:{current_role()}"
    return str(st.session_state.get("identity", "unknown"))


def areas() -> tuple[str, ...]:
    """The areas whose rows the user may see (all in demo mode; none if unknown)."""
    if demo_mode():
        return ("*",)
    return tuple(st.session_state.get("areas", ())) or ("",)


def view() -> View:
    return View(role=current_role() or "partner", k=settings().suppression_k)


def require(page: str) -> str:
    """Stop the page named ``page`` unless the user's role may open it (see
    :data:`geo.roles.PAGES`); returns the role. A refusal (a page opened by its address,
    say ``/admin`` by a partner: it is registered, hidden from the menu) is audited."""
    role = current_role()
    if not roles.may_open(role, page):
        from geo.services.actions import audit

        audit(actor(), str(role or ""), "page", page, "denied")
        st.error("You do not have access to this page.")
        st.stop()
    assert role is not None
    return role


def sign_in() -> None:
    """Outside demo mode: OpenID Connect sign-in, then the role and areas from app_user.

    Stops the script (with a sign-in button, or a "no access" page) until the user is
    known; an unknown identity is audited as a denied sign-in.
    """
    from geo.services import access
    from geo.services.actions import audit

    if not st.user.is_logged_in:
        st.title("Contexts")
        st.write("The partnership's map of extra-familial harm. Sign in with your "
                 "organisation's account.")
        st.button("Sign in", type="primary", on_click=st.login)
        st.stop()
    # the identity is the ID token's (issuer, subject); its e-mail counts only when the
    # provider says it is verified (access.SignIn)
    who = access.SignIn.from_claims(st.user.to_dict())
    # read again on every run (every click): a user made inactive, removed or given
    # another role is stopped or changed on their next click, not at their next sign-in
    user = access.lookup(who)
    known = st.session_state.get("signin") == who
    if user is None:
        audit(who.label if who.subject else "unknown", str(st.session_state.get("role") or ""),
              "sign_in" if not known else "session", "dashboard", "denied")
        for k in ("identity", "role", "areas", "signin"):
            st.session_state.pop(k, None)
        st.title("No access")
        st.error("You are signed in, but this account has no access to the dashboard. "
                 "Ask your partnership's administrator to add you.")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    identity = user.identity
    if not known:
        audit(identity, user.role, "sign_in", "dashboard", "ok")
    elif (st.session_state.get("role"), tuple(st.session_state.get("areas", ()))) != (
            user.role, user.areas):
        audit(identity, user.role, "session", "dashboard", "role changed",
              {"from": st.session_state.get("role"), "to": user.role})
    st.session_state.update(identity=identity, role=user.role, areas=user.areas, signin=who)
    with st.sidebar:
        st.button("Sign out", on_click=st.logout)


def download(label: str, make: Callable[[], Any], *, what: str, file_name: str, mime: str,
             action: str = "export", key: str | None = None) -> None:
    """A download button whose file is made only when clicked, in this live session,
    through the one export path (:func:`geo.services.exports.export`: role, neutralised CSV,
    audit). Nothing is put in the media store before the click, so there is no file a
    client without a session could fetch. At the click the user's role is read again."""
    from geo.services import access
    from geo.services.exports import export

    who, role, signin = actor(), str(current_role() or ""), st.session_state.get("signin")
    demo, s = demo_mode(), settings()

    def content() -> bytes:
        now = role
        if not demo:  # the click may come long after the page was drawn
            user = access.lookup(signin, s) if isinstance(signin, access.SignIn) else None
            now = user.role if user else ""
        return export(make(), actor=who, role=now, what=what, action=action, settings=s)

    st.download_button(label, content, file_name=file_name, mime=mime, on_click="ignore",
                       key=key)


def banner() -> None:
    from geo.services import pages

    if pages.read_source() is not None:
        pages.version(areas())  # a first read: falls back now if the replica is gone
    if pages.read_source() == "primary":
        st.info("The read replica is not answering: this page reads from the main "
                "database server instead. Figures are the same; pages may be slower.",
                icon=":material/dns:")
    if demo_mode():
        st.warning("**Demo mode**: synthetic data on a private database, with a role "
                   "switcher in the sidebar. Not for real data.", icon=":material/science:")


#: what is carried from page to page and kept in the URL, so a view can be shared
URL_KEYS = ("from", "to", "harm", "risk", "age", "unit", "colour", "places", "place", "role")
#: the default period on every page, in months
DEFAULT_MONTHS = 12


def shared() -> dict[str, str]:
    """The state that stays (filters, period, unit, selected place): read from the URL when
    a session starts (a shared link), then kept in the session across pages."""
    state = st.session_state.get("_shared")
    if state is None:
        state = {k: str(st.query_params[k]) for k in URL_KEYS if st.query_params.get(k)}
        st.session_state["_shared"] = state
    return dict(state)


def remember(**values: str | None) -> None:
    """Keep ``values`` (None or "" forgets one) and write the state to the URL."""
    state = shared()
    for k, value in values.items():
        if value:
            state[k] = str(value)
        else:
            state.pop(k, None)
    st.session_state["_shared"] = state
    publish()


def publish() -> None:
    """The state as the page's query parameters (the page's URL can then be shared)."""
    state = shared()
    if not demo_mode():
        state.pop("role", None)  # a role comes from sign-in, never from a link
    if dict(st.query_params) != state:
        st.query_params.from_dict(state)


def start() -> None:
    """At the start of every run: the state from a shared link, the demo role with it."""
    state = shared()
    if demo_mode() and "demo_role" not in st.session_state and state.get("role") in ROLES:
        st.session_state["demo_role"] = state["role"]


def share_link() -> None:
    """The link to what is on screen, with a copy button (sidebar), in a box filled only
    once it is opened (issue #34): ``st.code`` brings Streamlit's syntax highlighter, 1.5 MB
    of JavaScript the browser evaluates again on every visit (0.75 s of a second visit to
    the Map in headless Chromium), for a box most visits never open. Opening it reruns
    this part alone, with the state as it is then."""
    with st.sidebar:
        _share_link_box()


@st.fragment
def _share_link_box() -> None:
    from urllib.parse import urlencode

    box = st.expander("Link to this view", icon=":material/link:", key="share_link",
                      on_change="rerun")
    if not box.open:
        return
    base = str(st.context.url or "").split("?", 1)[0]
    state = shared()
    if not demo_mode():
        state.pop("role", None)
    with box:
        st.caption("Copy it to share what you are looking at (filters, period, areas, place).")
        st.code(base + ("?" + urlencode(state) if state else ""), language=None,
                wrap_lines=True)


def _months(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(text: str | None, months: list[date]) -> date | None:
    if not text:
        return None
    try:
        y, m = (int(x) for x in text.split("-")[:2])
        want = date(y, m, 1)
    except ValueError:
        return None
    return min(max(want, months[0]), months[-1])


def _set_period(first: date, last: date) -> None:
    st.session_state["period"] = (first, last)


def named(names: Mapping[K, str]) -> Callable[[K], str]:
    """A choice widget's ``format_func``: each option's name in ``names`` (an option
    without one as it is). Typed, unlike ``names.get`` (overloaded, and Optional)."""
    return lambda option: names.get(option, str(option))


def _all_or(labels: dict[str, str]) -> Callable[[str | None], str]:
    """Names the options of a single-choice filter: "All" for none, else the label."""
    return lambda c: "All" if c is None else labels.get(c, c)


def filter_controls(period: tuple[date, date] | None, vocab: dict[str, list[tuple[str, str]]],
                    default_months: int = DEFAULT_MONTHS) -> Filters:
    """Sidebar controls for period, harm types, risk levels and age bands, initialised from
    (and written back to) the shared state, so they stay from page to page and in the URL.

    Analysts and admins choose any months and any mix of each vocabulary. Partners and
    board members choose among fixed periods (the last 1, 3, 6, 12, 24 or 36 months) and
    one value, or all, of each vocabulary: free choice would let them average the
    disclosure control's noise away over many overlapping tables (docs/disclosure.md). A
    shared link with other months opens the fixed period nearest to them.
    """
    exact = view().exact
    state = shared()
    with st.sidebar:
        st.subheader("Filters")
        start = end = None
        if period is not None and exact:
            months = _months(*period)
            first = _month(state.get("from"), months) or months[max(0, len(months) -
                                                                    default_months)]
            last = _month(state.get("to"), months) or months[-1]
            if first > last:
                first, last = last, first
            pick = st.select_slider("Period", options=months, key="period",
                                    value=(first, last),
                                    format_func=lambda d: d.strftime("%b %Y"))
            start, end = pick
            _outside_notice(state, months, start, end)
            if end < months[-1]:  # a link keeps its months; say that there is newer data
                span = len(_months(start, end))
                st.info(f"Newer data to {months[-1]:%b %Y}.", icon=":material/update:")
                st.button("Show latest", key="period_latest", on_click=_set_period,
                          args=(months[max(0, len(months) - span)], months[-1]))
        elif period is not None:
            start, end = _window_controls(period, state, default_months)
        chosen = {}
        for key, url, label in (("harm_type", "harm", "Harm types"),
                                ("risk_level", "risk", "Risk levels"),
                                ("age_band", "age", "Age bands")):
            options = vocab.get(key, [])
            labels: dict[str, str] = dict(options)
            wanted = [c for c in (state.get(url) or "").split(",") if c in labels]
            if exact:
                chosen[key] = st.multiselect(label, [c for c, _ in options], key=f"f_{key}",
                                             default=wanted, format_func=labels.__getitem__,
                                             placeholder="All")
            else:
                all_or_one: list[str | None] = [None, *(c for c, _ in options)]
                one = st.selectbox(label[:-1], all_or_one, key=f"f_{key}_one",
                                   index=all_or_one.index(wanted[0]) if wanted else 0,
                                   format_func=_all_or(labels))
                chosen[key] = [one] if one else []
    remember(**{"from": start.strftime("%Y-%m") if start else None,
                "to": end.strftime("%Y-%m") if end else None,
                "harm": ",".join(chosen["harm_type"]), "risk": ",".join(chosen["risk_level"]),
                "age": ",".join(chosen["age_band"]),
                "role": current_role() if demo_mode() else None})
    share_link()
    return Filters(start=start, end=end, harms=tuple(chosen["harm_type"]) or None,
                   risks=tuple(chosen["risk_level"]) or None,
                   ages=tuple(chosen["age_band"]) or None)


def _parsed(text: str | None) -> date | None:
    """A link's month ("YYYY-MM") as it was written, not moved into the data's range."""
    try:
        y, m = (int(x) for x in (text or "").split("-")[:2])
        return date(y, m, 1)
    except ValueError:
        return None


def _outside_notice(state: dict[str, str], months: list[date], start: date,
                    end: date) -> None:
    """An analyst's link with months outside the data (before the first, or after the
    latest month with most of its data loaded) opens the nearest months: say so."""
    a, b = _parsed(state.get("from")), _parsed(state.get("to"))
    if a is None or b is None:
        return
    a, b = min(a, b), max(a, b)
    if (a < months[0] or b > months[-1]) and (start, end) != (a, b):
        st.info(f"The link was for {a:%b %Y} to {b:%b %Y}; the data run from "
                f"{months[0]:%b %Y} to {months[-1]:%b %Y} (the latest month with most of "
                f"its data loaded). Shown is {start:%b %Y} to {end:%b %Y}.",
                icon=":material/update:")


def _window_key(first: date, last: date) -> str:
    return f"{first:%Y-%m}/{last:%Y-%m}"


def _set_window(key: str) -> None:
    """Choose the offered period ``key`` (and forget the link's months)."""
    st.session_state["period_window"] = key
    first, last = key.split("/")
    remember(**{"from": first, "to": last})


def _window_controls(period: tuple[date, date], state: dict[str, str],
                     default_months: int) -> tuple[date, date]:
    """The period of a partner or board member: one of the offered periods (the last 1, 3,
    6, 12, 24 or 36 months), or an older link's own period where they may see it
    (:func:`geo.services.detail.link_period`: an offered length ending at an earlier
    month), with a notice of newer data and a "Show latest" button. A link whose period
    they may not see opens the offered period of the nearest length, and says why."""
    from geo.services.detail import link_period

    offered = periods(*period)
    windows = {_window_key(a, b): label for label, a, b in offered}
    lengths = [len(_months(a, b)) for _, a, b in offered]
    fit = [i for i, n in enumerate(lengths) if n <= default_months]
    default = list(windows)[fit[-1] if fit else 0]
    a, b = _parsed(state.get("from")), _parsed(state.get("to"))
    linked, why = None, ""
    if a is not None and b is not None:
        a, b = min(a, b), max(a, b)
        want = len(_months(a, b))
        default = list(windows)[min(range(len(offered)), key=lambda i: abs(lengths[i] - want))]
        if _window_key(a, b) not in windows:
            linked, why = link_period(period[0], period[1], a, b)
    if linked is not None:
        default = _window_key(*linked)
        windows = {default: f"{linked[0]:%b %Y} – {linked[1]:%b %Y} (the link's period)",
                   **windows}
    keys = list(windows)
    chosen = st.selectbox("Period", keys, key="period_window", index=keys.index(default),
                          format_func=windows.__getitem__)
    first, last = (date.fromisoformat(f"{k}-01") for k in chosen.split("/"))
    if linked is not None and chosen == _window_key(*linked):
        span = len(_months(first, last))
        latest = next(_window_key(x, y) for _, x, y in offered if len(_months(x, y)) == span)
        st.info(f"Newer data to {period[1]:%b %Y}.", icon=":material/update:")
        st.button("Show latest", key="period_latest", on_click=_set_window, args=(latest,))
    elif a is not None and b is not None and why and (a, b) != (first, last):
        st.info(f"The link was for {a:%b %Y} to {b:%b %Y}, which cannot be shown: {why}. "
                f"Shown is the nearest, {first:%b %Y} to {last:%b %Y}.",
                icon=":material/update:")
    return first, last


def choice(url: str, options: list[str], default: str) -> int:
    """The index in ``options`` of the shared state's ``url`` entry (else of ``default``):
    a widget's starting value, so it shows the state carried from page to page."""
    value = shared().get(url)
    return options.index(value if value in options else default)


#: on a narrow screen (a phone) the sidebar closes once a page is chosen, and wide tables
#: scroll inside their own frame instead of widening the page
_PHONE_JS = """
<script>
(function () {
  const doc = window.parent.document;
  if (window.parent.innerWidth > 640) return;
  const sidebar = doc.querySelector('[data-testid="stSidebar"]');
  if (!sidebar || sidebar.getAttribute('data-collapsed') === 'true') return;
  const close = doc.querySelector('[data-testid="stSidebar"] button[aria-label="Collapse sidebar"]')
      || doc.querySelector('[data-testid="stSidebarHeader"] button');
  if (close) close.click();
})();
</script>
"""
_PHONE_CSS = """
<style>
[data-testid="stDataFrame"], [data-testid="stTable"] {max-width: 100%; overflow-x: auto;}
@media (max-width: 640px) { .block-container {padding-left: .5rem; padding-right: .5rem;} }
</style>
"""


def phone_layout(here: str) -> None:
    """Close the sidebar on a phone after navigating to page ``here``, and keep tables in
    their frame."""
    st.html(_PHONE_CSS)
    seen = st.session_state.get("_page_seen")
    st.session_state["_page_seen"] = here
    # the first page of a visit opens with the sidebar closed on a phone already; a frame
    # run then could close the sidebar just as the person opens it
    if seen is not None and seen != here:
        # in a frame of its own (same origin: st.iframe, which replaces
        # components.v1.html), which reaches the page's sidebar button; sized to its
        # content, which is none (named after the page: the same frame again would not
        # run again)
        st.iframe(_PHONE_JS.replace("<script>", f"<script>/* {here} */", 1),
                  height="content")
