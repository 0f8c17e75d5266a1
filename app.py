"""Embedding distillation lab: `streamlit run app.py`."""
from pathlib import Path

import streamlit as st

from labui.common import preload_default_run

st.set_page_config(page_title="Embedding distillation lab", page_icon=":material/science:", layout="wide")
preload_default_run()  # the teacher loads while the first visitor reads the home page, not at the first Start

HERE = Path(__file__).parent
# (file, title, icon); Material icons ship with Streamlit's own font, so they render without emoji fonts.
PAGES = [
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/primer.py", "Primer", ":material/menu_book:"),
    ("pages/lab.py", "Live lab", ":material/monitoring:"),
    ("pages/concepts.py", "Concepts", ":material/school:"),
    ("pages/sweep.py", "Dimension sweep", ":material/stacked_line_chart:"),
    ("pages/interview.py", "Interview prep", ":material/quiz:"),
    ("pages/downstream.py", "Downstream", ":material/extension:"),
    ("pages/tinybert.py", "TinyBERT losses", ":material/layers:"),
    ("pages/lesson.py", "Lesson", ":material/co_present:"),
]

nav = st.navigation(
    [st.Page(str(HERE / f), title=t, icon=i, default=(f == "pages/home.py")) for f, t, i in PAGES if (HERE / f).exists()]
)
from labui import presenter  # noqa: E402  (the presenter view: every page, right after the navigation)
presenter.apply()
nav.run()
