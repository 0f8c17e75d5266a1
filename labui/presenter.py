"""The presenter view: the app sized for a room (a projector at 1280x720), switched on by ``present=1`` in any
page's address or by the sidebar's toggle, and kept on while moving between pages like every other setting."""
from __future__ import annotations

import streamlit as st

_KEY = "_presenter_on"


def active() -> bool:
    """Whether this session shows the presenter view. A link's ``present=1`` turns it on once per session."""
    if _KEY not in st.session_state:
        st.session_state[_KEY] = st.query_params.get("present", "0").strip().lower() in ("1", "true", "yes", "on")
    return bool(st.session_state[_KEY])
