"""This browser session's training run, shared by every page that trains (the lab, the lesson): one worker per
session, so a lesson step that trains is the same run, with the same numbers, as the lab's."""
from __future__ import annotations

import streamlit as st

from labui.worker import LabWorker


@st.cache_resource(scope="session", on_release=lambda worker: worker.stop(), show_spinner=False,
                   validate=lambda worker: not worker._stopped)  # a stopped worker is never handed out again
def session_worker() -> LabWorker:
    """This browser session's worker; stopped when the session ends (tab closed)."""
    return LabWorker()
