"""The word benchmarks on the pages: the lab's live metric and chart, the sweep's rho against d_s, and the measured
sentence Concepts and Interview prep cite. Each page calls one function; the numbers come from distill_core."""
from __future__ import annotations

import streamlit as st

from distill_core.evaluation import wordbench

from distill_core.evaluation import wordreport
from distill_core.errors import DistillError
from distill_core.output_target import building
from distill_core.teacher import resolve_source
from labui.word_figures import rho_vs_ds_figure, word_rho_figure

HELP = ("Spearman's rho between the cosine similarity of the student's vectors and human judgements of 353 word "
        "pairs (WordSim-353, relatedness; shipped with gensim), over the ~1,400 rows those words use. ")


def lab_metric(col, last: dict | None) -> None:
    """'WordSim rho' for the newest snapshot; SimLex-999 and the targets' own values in its help."""
    if not last or last.get("wordsim_rho") is None or last["wordsim_rho"] != last["wordsim_rho"]:  # None or NaN
        col.metric("WordSim rho", "—", help=HELP + ("" if wordbench.available() else wordbench.GENSIM_MISSING))
        return
    col.metric("WordSim rho", f"{last['wordsim_rho']:.2f}",
               help=HELP + f"SimLex-999 (similarity, 999 pairs): {last['simlex_rho']:.2f}. The vectors the student "
               f"is trained to match score {last['wordsim_ref']:.2f} and {last['simlex_ref']:.2f}.")


def lab_words(view, key: str = "lab_words", draw=None) -> None:
    """A row under the loss: the rho chart in the loss's column, the metric and what it says beside it. The figure
    is rebuilt only when a snapshot arrived (the lab's figure cache); ``draw(fig, key)`` draws it (the lab's live
    chart, changed in place), else st.plotly_chart."""
    from labui.live_view import cached_figure

    history = view.history
    last = history[-1] if history else None
    if last is None or last.get("wordsim_rho") is None or last["wordsim_rho"] != last["wordsim_rho"]:
        return  # no gensim, or fewer than two pairs over the rows this run trains
    chart, words = st.columns([1, 1])
    fig = cached_figure("words", (id(view.config), len(history), last["step"]), lambda: word_rho_figure(history))
    with chart:
        draw(fig, key) if draw else st.plotly_chart(fig, width="stretch", key=key)
    lab_metric(words, last)
    first = history[0]
    words.caption(f"Does the student keep what words mean? Its vectors' cosines ranked against human judgements: "
                  f"WordSim-353 rho went from {first['wordsim_rho']:.2f} at step {first['step']} to "
                  f"{last['wordsim_rho']:.2f} at step {last['step']}; the vectors it is trained to match score "
                  f"{last['wordsim_ref']:.2f} (SimLex-999: {last['simlex_rho']:.2f} against {last['simlex_ref']:.2f}). "
                  f"Scored on the {last.get('wordsim_pairs', 0):,} of 353 and {last.get('simlex_pairs', 0):,} of 999 "
                  "pairs whose words this run trains (a vocabulary subset or a corpus leaves the other rows at their "
                  "random init); only those rows are looked up, so it costs the run almost nothing.")


def output_progress(teacher_field: str) -> None:
    """A progress bar while the output target's table is computed (once per teacher, then cached on disk);
    ``teacher_field`` is the run's teacher setting ('bundled', a folder or a hub id)."""
    try:
        state = building(resolve_source(teacher_field)[0])
    except DistillError:
        return
    if state is not None:
        done, total = state
        st.progress(done / max(total, 1), text=f"Output target: the whole teacher on token {done:,} of {total:,} "
                                                "(once; then read from the disk cache)")


@st.cache_resource(show_spinner="Scoring the rank-d_s optima on WordSim-353 and SimLex-999...")
def _optimum_rhos(source: str, _teacher) -> dict:
    return wordreport.optimum_rhos(_teacher)


@st.cache_resource(show_spinner=False)
def _sentence(source: str, _teacher) -> str:
    return wordreport.semantic_sentence(_teacher)


def semantic_note(teacher) -> None:
    """The measured answer to "does the student keep what words mean?" (Concepts, Interview prep)."""
    text = _sentence(teacher.source, teacher)
    if text:
        st.caption(text)


def sweep_section(teacher) -> None:
    """rho against d_s for the rank-d_s optimum (computed now) and, for the bundled teacher, the benchmark's
    trained students and Model2Vec, from its cached result with when and where it was computed."""
    st.subheader("What the words keep")
    if not wordbench.available():
        st.info(wordbench.GENSIM_MISSING)
        return
    r = _optimum_rhos(teacher.source, teacher)
    data = wordreport.cached_comparison()
    same = data is not None and data.get("teacher") == teacher.name
    note = f"trained students and Model2Vec: computed {data['computed_at']}" if same else ""
    st.plotly_chart(rho_vs_ds_figure(r["optimum"], r["teacher"],
                                     wordreport.comparison_series(data, "student") if same else None,
                                     wordreport.comparison_series(data, "model2vec") if same else None, note),
                    width="stretch", key="sweep_words")
    dims = sorted(r["optimum"])
    small = next((d for d in dims if r["optimum"][d]["wordsim"] >= 0.95 * r["teacher"]["wordsim"]), None)
    text = (f"The floor says how much of the table a width loses; this says what it costs in meaning. The teacher's "
            f"table scores rho {r['teacher']['wordsim']:.2f} on WordSim-353; the rank-d_s optimum (a student exactly "
            f"at the floor) keeps " + ", ".join(f"{r['optimum'][d]['wordsim']:.2f} at {d}" for d in dims) + ".")
    if small is not None:
        text += f" From d_s = {small} on it keeps 95 % of the teacher's rho."
    if same:
        text += (" Trained students (the app's default settings) and Model2Vec (a small static table made by running "
                 "the whole teacher once per token, then PCA and word-frequency weights; no training) were computed "
                 "once and saved: see About these numbers below.")
    st.caption(text)
