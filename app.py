"""Embedding distillation lab: `streamlit run app.py`."""
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Embedding distillation lab", page_icon="🧪", layout="wide")

HERE = Path(__file__).parent
# (file, title, icon); a page appears once its file exists.
PAGES = [
    ("pages/home.py", "Home", "🏠"),
    ("pages/lab.py", "Live lab", "🔬"),
    ("pages/concepts.py", "Concepts", "📐"),
    ("pages/sweep.py", "Dimension sweep", "📉"),
    ("pages/interview.py", "Interview prep", "🎓"),
    ("pages/downstream.py", "Downstream", "🧩"),
    ("pages/tinybert.py", "TinyBERT losses", "🧬"),
]

nav = st.navigation(
    [st.Page(str(HERE / f), title=t, icon=i, default=(f == "pages/home.py")) for f, t, i in PAGES if (HERE / f).exists()]
)
nav.run()
