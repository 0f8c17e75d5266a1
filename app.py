"""Embedding distillation lab: `streamlit run app.py`.

Nothing heavy is imported here: the navigation is drawn first, and torch, transformers, the teacher and UMAP load
in the background once the first page is on screen (labui/warmup.py)."""
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Embedding distillation lab", page_icon=":material/science:", layout="wide")

HERE = Path(__file__).parent
# (file, title, icon); Material icons ship with Streamlit's own font, so they render without emoji fonts.
PAGES = [
    ("app_pages/home.py", "Home", ":material/home:"),
    ("app_pages/primer.py", "Primer", ":material/menu_book:"),
    ("app_pages/lab.py", "Live lab", ":material/monitoring:"),
    ("app_pages/concepts.py", "Concepts", ":material/school:"),
    ("app_pages/sweep.py", "Dimension sweep", ":material/stacked_line_chart:"),
    ("app_pages/interview.py", "Interview prep", ":material/quiz:"),
    ("app_pages/downstream.py", "Downstream", ":material/extension:"),
    ("app_pages/tinybert.py", "TinyBERT losses", ":material/layers:"),
    ("app_pages/glossary.py", "Glossary", ":material/dictionary:"),
    ("app_pages/lesson.py", "Lesson", ":material/co_present:"),
]

nav = st.navigation(
    [st.Page(str(HERE / f), title=t, icon=i, default=(f == "app_pages/home.py")) for f, t, i in PAGES if (HERE / f).exists()]
)
from labui import presenter  # noqa: E402  (light: streamlit and segno; the presenter view, on every page)

presenter.apply()
try:
    nav.run()
finally:  # also when the page stops or reruns: the first visit starts the warm-up, after its page was drawn
    from labui.warmup import warm_up_after_first_page

    warm_up_after_first_page()
