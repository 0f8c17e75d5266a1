"""Make a page opened straight from a link run inside app.py's navigation.

What Streamlit 1.67 does (streamlit/runtime/pages_manager.py, runtime/scriptrunner/script_runner.py): the first
session a process creates sets the class flag ``PagesManager.uses_pages_directory`` to whether a ``pages/`` folder
sits beside the main script. While it is true, every script run goes through ``_mpa_v1``, which first sends a
navigation listing ``pages/*.py`` by file name and then runs the requested page (app.py for ``/``, ``pages/lab.py``
for ``/lab``); the first ``st.navigation`` call sets the flag to false for good. Nothing of the app runs before that
first session, so the flag cannot be cleared earlier through a public API.

- ``/`` as a fresh server's first request: app.py calls ``st.navigation`` within milliseconds of that legacy
  navigation, before any heavy import, so the browser draws app.py's navigation straight away
  (tests/test_first_paint_browser.py watches every navigation the sidebar ever shows).
- A link such as ``/lab?d_s=32`` as the first request runs ``pages/lab.py`` on its own, without ``app.py`` (no
  wide layout, no page titles, file names in the sidebar). A page calls ``run_inside_app()`` first thing: it then
  switches the process to ``app.py``'s navigation and reruns, which lands on the same page with the same URL.

This reaches into the internal flag: the pinned Streamlit (1.67, requirements.lock) offers no public setting to turn
the legacy ``pages/`` mode off while keeping the folder's name, which the project's layout asks for. Drop this module
when Streamlit grows one; ``tests/test_streamlit_internals.py`` fails first if the flag moves.
"""
from __future__ import annotations

import streamlit as st


def run_inside_app() -> None:
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the flag has no such mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()
