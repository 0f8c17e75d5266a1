"""Make a page opened straight from a link run inside app.py's navigation.

Streamlit decides per process, on the first request, whether ``pages/`` is an old-style multipage folder:
if that first request is a link such as ``/lab?d_s=32``, it runs ``pages/lab.py`` on its own, without
``app.py`` (no wide layout, no page titles, file names in the sidebar), and keeps doing so until some run
calls ``st.navigation``. A page calls ``run_inside_app()`` first thing: in that case it switches the process
to ``app.py``'s navigation and reruns, which lands on the same page with the same URL.

This reaches into ``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory``, an internal flag: the
pinned Streamlit (1.67, requirements.lock) offers no public setting to turn the legacy ``pages/`` mode off while
keeping the folder's name, which the project's layout asks for. Drop this module when Streamlit grows one;
``tests/test_streamlit_internals.py`` fails first if the flag moves.
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
