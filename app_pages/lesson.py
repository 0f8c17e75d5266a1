"""The lesson: the seed's story in one screen per step, for a lecturer at a projector with a clicker.

The step is in the address (``/lesson?step=4``), so a link opens a step and a reload keeps it; Right, PageDown and
Space go on, Left and PageUp go back. ``?notes=1`` is the speaker's view: each step's notes open beside it.
"""

import streamlit as st

from labui import lesson, presenter, share
from labui.lesson_steps import STEPS, Ctx


count = len(STEPS)
step, notes_view, link_notes = lesson.begin(count)
current = STEPS[step - 1]
st.html(f"<style>{lesson.css()}</style>")
for note in link_notes:
    st.warning(note)

with st.container(key="lesson_head"):
    title, counter, nav, more = st.columns([5.2, 0.9, 3.7, 0.7], vertical_alignment="center")
    title.subheader(current.title, anchor=False)
    with counter.container(key="lesson_counter"):
        st.markdown(f"**{step} / {count}**")
    lesson.nav_buttons(nav, step, count)
    share.button(more, key="lesson_share")

ctx = Ctx(present=presenter.active(), arrived=lesson.arrived(step))
if notes_view:
    body, side = st.columns([3, 1.25])
    with side.container(key="lesson_notes_side", border=True):
        st.markdown("**Speaker notes**")
        st.markdown(current.notes())
        if step < count:
            st.caption(f"Next: {STEPS[step].title}")
else:
    body = st.container()
with body.container(key="lesson_body"):
    current.draw(ctx)

if not notes_view:
    with st.expander("Speaker notes"):
        st.markdown(current.notes())
        st.caption("Open this page with `notes=1` in its address for the speaker's view, notes beside each step.")
