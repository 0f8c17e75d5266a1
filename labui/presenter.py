"""The presenter view: the app sized for a room (a projector at 1280x720), switched on by ``present=1`` in any
page's address or by the sidebar's toggle, and kept on while moving between pages like every other setting.

Like a page's settings (labui/state.py), the switch lives in a key no widget owns (``_presenter_on``), is handed to
the sidebar's toggle each run and read back after it, and the address mirrors it (``present=1``) while it is on.
``apply()`` runs once per page run, from app.py right after ``st.navigation``: it draws the toggle, injects the
room's CSS (scoped by the class ``presenter-view`` on the page's root element, which a tiny script sets and
clears, so turning the view off restyles the page at once) and, while the sidebar is hidden, a button that brings
it back (also ``Alt+M``).

The same script keeps the browser's history one entry per page visited: Streamlit's frontend pushes a new
history entry for every change of the query string, so a page that writes its settings into the address right
after a page switch left two entries (``/lab``, then ``/lab?d_s=64``) and Back landed on the first one, without
the settings (issue 17). A change of the query string alone now replaces the current entry; a change of page still
pushes one.
"""
from __future__ import annotations

import streamlit as st

_KEY = "_presenter_on"            # the switch, in a key no widget owns
_SIDEBAR = "_presenter_sidebar"   # the sidebar shown again while presenting
TOGGLE = "presenter_toggle"       # the sidebar toggle's widget key
SIDEBAR_BUTTON = "presenter_sidebar_button"
SIDEBAR_SHORTCUT = "Alt+M"
PARAM = "present"
ON_WORDS = ("1", "true", "yes", "on")
ROOT_CLASS = "presenter-view"
BODY_PX = 20   # body text and captions in the room (house rule: >= 20 px)


def active() -> bool:
    """Whether this session shows the presenter view. A link's ``present=1`` turns it on once per session."""
    if _KEY not in st.session_state:
        st.session_state[_KEY] = st.query_params.get(PARAM, "0").strip().lower() in ON_WORDS
    return bool(st.session_state[_KEY])


def set_active(on: bool) -> None:
    st.session_state[_KEY] = bool(on)


def apply() -> bool:
    """Once per page run (app.py, after ``st.navigation``): the sidebar's toggle, the address, the room's CSS and
    the shell script. Returns whether the presenter view is on."""
    on = active()
    if TOGGLE not in st.session_state:  # Streamlit dropped it (a run that did not draw it) or first run
        st.session_state[TOGGLE] = on
    st.sidebar.toggle("Presenter view", key=TOGGLE,
                      help="Type sized for a projector (text 20 px or more), the sidebar hidden (the button at the "
                           f"top left or {SIDEBAR_SHORTCUT} brings it back) and a thick focus ring. Kept while you "
                           "move between pages; `present=1` in a link turns it on.")
    on = bool(st.session_state[TOGGLE])
    set_active(on)
    from labui import share  # the page's link and its QR code, on every page

    share.button(st.sidebar, key="share_sidebar", label="Share this page")
    _mirror(on)
    sidebar_open = on and _sidebar_button()
    st.html(f"<style>{css()}</style>")
    _shell(on, sidebar_open)
    return on


def _mirror(on: bool) -> None:
    """The address shows ``present=1`` while the view is on and nothing when it is off (the default)."""
    if on and st.query_params.get(PARAM) != "1":
        st.query_params[PARAM] = "1"
    elif not on and PARAM in st.query_params:
        del st.query_params[PARAM]


def _flip_sidebar() -> None:
    st.session_state[_SIDEBAR] = not st.session_state.get(_SIDEBAR, False)


def _sidebar_button() -> bool:
    """While presenting, a small fixed button (top left) shows or hides the sidebar. Returns whether it is shown."""
    shown = bool(st.session_state.get(_SIDEBAR, False))
    st.button("Hide sidebar" if shown else "Settings", key=SIDEBAR_BUTTON, icon=":material/menu:",
              shortcut=SIDEBAR_SHORTCUT, on_click=_flip_sidebar,
              help=f"Show or hide the sidebar ({SIDEBAR_SHORTCUT}): the settings and the presenter switch.")
    return shown


def css() -> str:
    """The room's CSS; every rule applies only under the root's ``presenter-view`` class."""
    p = f"html.{ROOT_CLASS}"
    return f"""
{p} {{ font-size: {BODY_PX}px; }}
{p} .stApp [data-testid="stMarkdownContainer"] p, {p} .stApp [data-testid="stMarkdownContainer"] li,
{p} .stApp [data-testid="stCaptionContainer"], {p} .stApp [data-testid="stCaptionContainer"] p,
{p} .stApp [data-testid="stWidgetLabel"] p, {p} .stApp [data-testid="stMetricLabel"] p,
{p} .stApp [data-testid="stExpander"] summary p, {p} .stApp button p,
{p} .stApp [data-testid="stAlertContentInfo"] p, {p} .stApp [data-testid="stTable"],
{p} .stApp [data-testid="stCode"] code {{ font-size: {BODY_PX}px !important; line-height: 1.45; }}
{p} .stApp [data-testid="stCaptionContainer"] {{ color: #374151 !important; }}
{p} .stApp [data-testid="stMetricValue"], {p} .stApp [data-testid="stMetricValue"] p {{
  font-size: 2.1rem !important; line-height: 1.2; }}
{p} .stApp h1 {{ font-size: 2.1rem; }}
{p} .stApp h2 {{ font-size: 1.6rem; }}
{p} .stApp h3 {{ font-size: 1.3rem; }}
{p} .stApp :focus-visible, {p} .stApp button:focus, {p} .stApp a:focus-visible {{
  outline: 4px solid #facc15 !important; outline-offset: 2px !important;
  box-shadow: 0 0 0 8px #111827 !important; }}
{p}:not(.presenter-sidebar) section[data-testid="stSidebar"],
{p}:not(.presenter-sidebar) [data-testid="stSidebarCollapsedControl"],
{p}:not(.presenter-sidebar) [data-testid="stExpandSidebarButton"] {{ display: none !important; }}
{p} .st-key-{SIDEBAR_BUTTON} {{ position: fixed; top: 0.55rem; left: 0.6rem; z-index: 1000001; width: auto; }}
{p} .st-key-{SIDEBAR_BUTTON} button {{ min-height: 2rem; padding: 0.1rem 0.6rem; }}
html:not(.{ROOT_CLASS}) .st-key-{SIDEBAR_BUTTON} {{ display: none; }}
"""


_SHELL_JS = """
(function () {
  const root = document.documentElement;
  root.classList.toggle("presenter-view", %(on)s);
  root.classList.toggle("presenter-sidebar", %(sidebar)s);
  if (!window.__lessonHistoryPatched) {
    // A change of the query string alone replaces the current history entry; a new page still gets its own.
    window.__lessonHistoryPatched = true;
    const push = window.history.pushState.bind(window.history);
    window.history.pushState = function (state, title, url) {
      try {
        const next = new URL(url, window.location.href);
        if (next.origin === window.location.origin && next.pathname === window.location.pathname) {
          return window.history.replaceState(state, title, url);
        }
      } catch (e) { /* an odd URL: the browser's own behaviour */ }
      return push(state, title, url);
    };
  }
})();
"""


def _shell(on: bool, sidebar_open: bool) -> None:
    """A script that sets the root's classes and keeps history one entry per page (see the module's doc). Plain
    ``st.html`` with its script allowed, in the sidebar: a Components v2 component here (a widget with state) was
    seen, about one time in ten, to rerun the page in the middle of a lab settings change, which reset the lab's
    later number boxes to their minimums."""
    js = _SHELL_JS % {"on": "true" if on else "false", "sidebar": "true" if sidebar_open else "false"}
    st.sidebar.html(f"<script>{js}</script>", unsafe_allow_javascript=True)
