"""The lab's token map for people: which groups to show (at most eight), "find a word" with the word's nearest
teacher and student neighbours side by side, and the map itself. The lab page calls ``token_map(view, method)``
once, in its details fragment.

The neighbours are computed from this run's probe vectors: the teacher's E_t rows and the newest snapshot's
E_s W_e, by cosine similarity, as the lab's kNN overlap is (the TensorBoard Embedding Projector's inspector is the
picture people know)."""
from __future__ import annotations

import streamlit as st

from labui import lab_figures as F
from labui import theme

K = 8  # neighbours listed per side: a list a room can read at a glance


def _key(setup, name: str) -> str:
    """A widget key per set of probe groups: a new run with other groups starts from its own defaults."""
    return f"lab_map_{name}_{abs(hash(tuple(dict.fromkeys(setup.groups)))) % 10**8}"


def group_choice(setup) -> list[str]:
    names = list(dict.fromkeys(setup.groups))
    default = F.default_groups(setup.pca_teacher, setup.groups)
    return st.multiselect(
        "Groups on the map", names, default=default, max_selections=F.MAX_GROUPS, key=_key(setup, "groups"),
        help=f"At most {F.MAX_GROUPS} at a time, so each keeps a colour a colour-blind reader can tell apart; "
             "the default is the eight that stand furthest apart on the teacher's map.")


def word_choice(setup) -> str | None:
    return st.selectbox("Find a word", sorted(set(setup.words), key=str.lower), index=None,
                        placeholder="type a word, e.g. " + setup.words[0], key=_key(setup, "word"),
                        help="Rings the word's teacher dot and student diamond, and lists its nearest neighbours "
                             "in the teacher's space and in the student's.")


def neighbour_lists(setup, probe_student, word: str, k: int = K) -> None:
    """The word's k nearest teacher and student neighbours side by side, the shared ones in bold."""
    i = F.find_word(setup.words, word)
    if i is None:
        st.caption(f"'{word}' is not among this run's probe words: pick one from the list.")
        return
    if probe_student is None:
        st.caption("The student's vectors appear with the run's first snapshot.")
        return
    nb = F.neighbours(setup.teacher_probe, probe_student, i, k)
    shared = set(nb["shared"])
    word_of = lambda j: f"**{setup.words[j]}**" if j in shared else setup.words[j]
    cols = st.columns(2)
    for col, side, title in ((cols[0], "teacher", "Teacher's nearest (E_t)"),
                             (cols[1], "student", "Student's nearest (E_s W_e)")):
        col.markdown(f"**{title}**\n\n" + "\n".join(f"{n}. {word_of(j)}" for n, j in enumerate(nb[side], 1)))
    st.caption(f"{len(shared)} of {len(nb['teacher'])} neighbours of '{setup.words[i]}' are shared "
               f"({nb['overlap']:.0%}, in bold); the lab's kNN overlap is this share averaged over every probe word.")


def token_map(view, method: str, draw=None) -> None:
    """Group choice and "find a word" above the map, the neighbour lists under it. ``draw(fig, key)`` puts the
    figure on the page (st.plotly_chart by default; a live-chart component can take its place). The traces that
    move in a replay are 0 (links), 2 (student tokens) and, with a word found, 5 (its student ring)."""
    from labui import live_view as LV

    setup = view.setup
    shown = group_choice(setup)  # the whole width: eight chips in a row at 1,280 px
    with st.columns([1, 2])[0]:
        word = word_choice(setup)
    frames, teacher_xy = LV.map_frames(view, method)
    animate = LV.replaying(view, frames)
    key = (id(view.config), method, len(frames), frames[-1][0] if frames else None, animate, tuple(shown), word)
    fig = LV.cached_figure("map_panel", key, lambda: F.map_figure(teacher_xy, setup.words, setup.groups, frames,
                                                                  method, animate=animate, shown=shown, found=word))
    if draw is None:
        st.plotly_chart(fig, width="stretch", key="lab_map", config=theme.CONFIG, theme=None)
    else:
        draw(fig, "lab_map")
    if word:
        neighbour_lists(setup, view.probe_student, word)
