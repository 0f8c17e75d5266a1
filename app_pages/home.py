"""Home: what the lab is, and a 30-second tour."""

import streamlit as st

from distill_core import token_maps
from distill_core.lessons.shapes import TEACHER_WIDTHS, example_shapes
from labui.common import page_header

if token_maps.UMAP_ON:
    token_maps.warm_umap_async()  # the map's UMAP compiles in the background while you read

page_header(
    "Embedding distillation, live",
    "A small student BERT learns the teacher's token embeddings, the first stage of TinyBERT-style "
    "distillation. The student's vectors are narrower (d_s) than the teacher's (d_t), so a learnable matrix "
    "W_e lifts them into the teacher's space and the loss compares them there:",
)
st.latex(r"\mathcal{L}_{emb} = \mathrm{MSE}\left(E_s W_e,\; E_t\right), \qquad "
         r"E_s \in \mathbb{R}^{n \times d_s},\; W_e \in \mathbb{R}^{d_s \times d_t},\; E_t \in \mathbb{R}^{n \times d_t}")
st.markdown(
    "For example, a student of width d_s = 128 and 10 tokens. The usual textbook teacher, BERT-base, is 768 wide; "
    "the one bundled here, all-MiniLM-L6-v2 (itself a distilled 6-layer BERT), is 384 wide, so the shapes differ:\n"
    + "\n".join(f"- {name}, d_t = {TEACHER_WIDTHS[name]}: `{shapes}`" for name, shapes in example_shapes().items())
)
try:
    st.page_link("app_pages/primer.py", label="New to distillation? Start with the one-screen primer",
                 icon=":material/menu_book:")
except Exception:  # the page run on its own, outside the app's navigation
    st.markdown("New to distillation? Open the **Primer** from the navigation.")

try:
    st.page_link("app_pages/lesson.py", label="Teach this in class: the lesson, one screen a step, by keyboard or clicker",
                 icon=":material/co_present:")
except Exception:  # the page run on its own, outside the app's navigation
    st.markdown("Teach this in class: open the **Lesson** from the navigation.")

st.subheader("The 30-second tour")
c1, c2, c3 = st.columns(3)
c1.markdown(
    "**1. Press Start.** The teacher is a real pre-trained BERT, all-MiniLM-L6-v2 (d_t = 384), bundled with "
    "the app. The student starts from random vectors of width d_s."
)
c2.markdown(
    "**2. Watch the loss fall toward its floor.** A rank-d_s product E_s W_e cannot hold more than d_s of the "
    "teacher's directions; the Eckart-Young theorem says exactly how much is lost, and that is the dashed line."
)
c3.markdown(
    "**3. Watch the tokens move.** On the map, each word's student vector (◇) flies toward its teacher "
    "vector (●), group by group: colours, animals, countries... How close they land depends on d_s."
)
try:
    st.page_link("app_pages/lab.py", label="Open the live lab", icon=":material/science:")
except Exception:  # the page run on its own, outside the app's navigation
    st.markdown("Open the **Live lab** from the navigation.")

st.subheader("What you will learn to read")
st.markdown(
    """
- **MSE loss** against **Floor**: their ratio says how close the run is to the best any student of this width can do.
- **kNN overlap@10**: the share of each token's 10 nearest neighbours that the student and teacher agree on.
- **The spectra**: the teacher's singular values with the part beyond d_s shaded, and the student's
  σ(E_s W_e), which at the floor equals the teacher's top d_s (the lab says how close this run came);
  W_e's own singular values over the run, which show how the run split scale between E_s and W_e, not a
  property of the teacher.
"""
)
