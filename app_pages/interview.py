"""Interview prep: questions with model answers, a live "Show me" experiment for each, and a self-test."""

import random

import pandas as pd
import streamlit as st

from distill_core.errors import DistillError
from distill_core.lessons.experiments import corpus_targets, subset_targets
from distill_core.lessons.interview import QUESTIONS
from labui import state
from distill_core.evaluation.wordreport import about_note
from labui.common import page_header, require_teacher
from labui.glossary import linked
from labui.run_summary import rows_phrase
from labui.show_me import SEQUENCE_KEYS, show
from labui import word_section
from labui.state import Setting
from labui.chart import plot_chart

# Vocabulary rows and Adam steps per "Show me" run: seconds on a CPU. The same 3,000-row subset as Concepts and
# the sweep's short runs, so a floor for a given d_s is the same number on all three pages.
ROWS, STEPS = 3000, 80
SENTENCES = 120          # corpus sentences for the sequence-mode experiments

page_header(
    "Interview prep",
    f"{len(QUESTIONS)} questions a good interviewer asks about embedding-layer distillation. Each has a short "
    "model answer behind a reveal and a **Show me** button that runs a small experiment on the real teacher "
    f"(all-MiniLM-L6-v2, d_t = 384; {STEPS} steps) and plots what happens. Switch to the self-test "
    "to check yourself first.",
)
teacher = require_teacher()


@st.cache_resource(show_spinner="Preparing targets...")
def vocab_set(source: str):
    return subset_targets(teacher, ROWS)


@st.cache_resource(show_spinner="Preparing sentence targets...")
def sentence_set(source: str):
    return corpus_targets(teacher, sentences=SENTENCES, max_length=32)


def run_show(key: str):
    seq = sentence_set(teacher.source) if key in SEQUENCE_KEYS else None
    return show(key, teacher, vocab_set(teacher.source), seq, STEPS)


def rows_note(key: str) -> str:
    """Over which rows this experiment's losses and floors are taken: a floor belongs to its rows."""
    if key in SEQUENCE_KEYS:
        n = sentence_set(teacher.source).n_rows
        return f"Losses over {rows_phrase('sequence', n)} ({SENTENCES} sentences, n = {n:,})."
    n = vocab_set(teacher.source).n_rows
    return (f"Losses and floors over {rows_phrase('vocab', n, ROWS)}, n = {n:,}: the rows of Concepts and the "
            f"sweep's short runs. The Live lab trains on all {teacher.vocab_size:,} rows by default, so its floor for "
            "the same d_s is higher.")


def render_shown(shown, key: str) -> None:
    plot_chart(shown.figure, width="stretch")
    if shown.numbers and key not in ("diagram", "position_similarity", "params", "shape_demo", "forward_cost",
                                     "mismatch_spreads"):
        st.caption(rows_note(key))
    if shown.numbers:
        st.dataframe(pd.DataFrame({"measure": list(shown.numbers), "value": [f"{v:.4g}" for v in shown.numbers.values()]}),
                     hide_index=True)
    if key == "neighbour_overlap":
        st.caption("These shares are averages over all the probe words. Concepts' \"Neighbours shared\" is the same "
                   "share for the one word you type, which varies a lot from word to word, so the two figures differ.")
    if shown.conclusion:
        st.success(shown.conclusion)


def feedback(q, pick, i: int) -> list[str]:
    """One question's verdict, with why the right option is right and, if another was chosen, why that one is not."""
    right = f"**Right answer:** {q.choices[q.correct]}. {q.why[q.correct]}"
    if pick == q.correct:
        return [f":green[**{i}. Right.**] {q.question}  \n{q.why[q.correct]}"]
    if pick is None:
        return [f":orange[**{i}. Not answered.**] {q.question}  \n{right}"]
    return [f":red[**{i}. Not quite.**] {q.question}  \n**You chose:** {q.choices[pick]}. {q.why[pick]}  \n{right}"]


SEEN: set = set()  # glossary terms already linked higher up this page

PAGE = "interview"
SETTINGS = [Setting("mode", "Study", ("Study", "Self-test"))] + [  # kept across pages and in the link
    Setting(f"q_{q.key}", None, tuple(range(len(q.choices)))) for q in QUESTIONS]  # an answer: its index
for note in state.start(PAGE, SETTINGS):
    st.warning(note)
mode = st.radio("Mode", SETTINGS[0].choices, horizontal=True, key=state.bind(PAGE, "mode"))

if mode == "Study":
    for i, q in enumerate(QUESTIONS, start=1):
        with st.expander(f"**{i}. {q.question}**  ·  {q.topic}"):
            st.markdown(linked(q.answer, seen=SEEN))  # each glossary word linked where it first appears
            if q.key == "relations":
                word_section.semantic_note(teacher)  # measured on WordSim-353 and SimLex-999, not typed
            if st.button("Show me", key=f"show_{q.key}"):
                with st.spinner("Running the experiment on the teacher..."):
                    try:
                        st.session_state[f"shown_{q.key}"] = run_show(q.experiment)
                    except DistillError as exc:
                        st.error(str(exc))
            shown = st.session_state.get(f"shown_{q.key}")
            if shown is not None:
                render_shown(shown, q.experiment)
else:
    st.markdown("Pick one answer per question, then check. The order of the options is shuffled per question.")
    picks = {}
    for i, q in enumerate(QUESTIONS, start=1):
        order = list(range(len(q.choices)))
        random.Random(q.key).shuffle(order)  # fixed per question: the options do not move between reruns
        picks[q.key] = (order, st.radio(f"{i}. {q.question}", order, index=None, key=state.bind(PAGE, f"q_{q.key}"),
                                        format_func=lambda j, q=q: q.choices[j]))
    if st.button("Check my answers", type="primary"):
        st.session_state["quiz_checked"] = True
    if st.session_state.get("quiz_checked"):
        score = sum(pick == q.correct for q, (_, pick) in zip(QUESTIONS, picks.values()))
        st.session_state["quiz_score"] = score
        st.metric("Score", f"{score} / {len(QUESTIONS)}")
        for i, q in enumerate(QUESTIONS, start=1):
            _, pick = picks[q.key]
            for line in feedback(q, pick, i):
                st.markdown(line)

state.keep(PAGE, SETTINGS)

st.header("What it showed")
st.markdown(
    "Most questions come back to three facts: W_e must learn because the student's axes are its own; the loss "
    "has a floor set by the teacher's spectrum and d_s; and a loss above that floor points at optimisation or "
    "at a bug in the targets (padding, a teacher left in train mode)."
)
with st.expander("About these numbers"):
    st.markdown(
        f"Every **Show me** runs a small experiment here and now on the bundled teacher, all-MiniLM-L6-v2 ({STEPS} "
        "steps of Adam, on the rows named under each result), so its numbers are from that run, not typed in. "
        "Published figures quoted in the answers (TinyBERT's, DistilBERT's) come from the papers named beside them. "
        + about_note())
