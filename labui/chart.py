"""A chart on a page in the app's one style: the desk template, or the presenter's larger type while the presenter
view is on (labui/presenter.py), Streamlit's own chart theme left out (it would restyle the template's fonts), and
the toolbar's settings (theme.CONFIG: its camera saves a PNG at twice the drawn size)."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from labui import presenter, theme


def plot_chart(fig: go.Figure, where=None, **kwargs):
    """``st.plotly_chart(fig, **kwargs)`` (or ``where.plotly_chart``) in the session's template."""
    # both ways: a figure kept in the session between runs follows the switch when it is turned off again
    fig.update_layout(template=theme.PRESENT_NAME if presenter.active() else theme.NAME)
    kwargs.setdefault("config", theme.CONFIG)
    return (where or st).plotly_chart(fig, theme=None, **kwargs)
