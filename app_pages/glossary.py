"""The words the app assumes, one or two sentences each (labui/glossary.py); every page links its first use here."""

import streamlit as st

from labui.common import page_header
from labui.glossary import TERMS, anchor

page_header("Glossary", "The words the other pages use without stopping to explain them. Each page links a word "
                        "here where it first appears.")
for term, text in TERMS.items():
    st.subheader(term, anchor=anchor(term))
    st.markdown(text)
