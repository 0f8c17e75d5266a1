"""What the lesson's later steps show, computed by distill_core once per server in the background (labui/server_jobs):
the dimension sweep's short runs against their floor, WordSim-353 rho against d_s, and a small downstream
experiment. A step draws a progress bar until its result is there; the first visitor pays, everyone else reads it."""
from __future__ import annotations

import streamlit as st

from distill_core.evaluation import wordbench, wordreport
from distill_core.evaluation.downstream import (TASK_TITLES, DownstreamConfig, findings, load_task, run_experiment,
                                                summarize)
from distill_core.lessons.sweep import SWEEP_DIMS, run_sweep
from labui.downstream_figures import learning_curves
from labui.server_jobs import peek, result_or_progress
from labui.word_figures import rho_vs_ds_figure

SUBSET = 3000        # as on the Dimension sweep page: vocabulary rows of the short runs
SWEEP_STEPS = 100    # full-batch Adam steps per d_s, as on that page
# One seed, one layer, the word-group task (held-out words): the distillation dominates its ~1 minute.
DOWNSTREAM = DownstreamConfig(hidden_size=32, num_hidden_layers=1, variants=("distilled", "random"), tasks=("tokens",),
                              seeds=1, steps=150)
TARGET = {"tokens": 0.5}  # the Downstream page's default target accuracy for the word groups


# -- the sweep ------------------------------------------------------------------------------------------------
def _sweep_work(report, teacher):
    from distill_core.lessons.experiments import subset_targets

    targets = subset_targets(teacher, SUBSET)
    result = run_sweep(targets, SWEEP_DIMS, SWEEP_STEPS,
                       on_progress=lambda done, total, _r: report("fraction", done / max(total, 1)))
    return list(result.dims), list(result.floors), list(result.reached)


def sweep(teacher):
    """(dims, floors, reached), or None while a progress bar shows the work (drawn here)."""
    return result_or_progress("lesson_sweep", "Training one short run per d_s", lambda report, _src:
                              _sweep_work(report, teacher), teacher.source, stop=False)


def peek_sweep(teacher):
    return peek("lesson_sweep", teacher.source)


# -- words ----------------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Scoring the rank-d_s optima on WordSim-353...")
def _optimum(source: str, _teacher) -> dict:
    return wordreport.optimum_rhos(_teacher)


def _session_rho() -> tuple[int, float] | None:
    from labui.lesson_run import current

    view = current()
    last = view.latest if view is not None else None
    if last is None or last.get("wordsim_rho") is None or last["wordsim_rho"] != last["wordsim_rho"]:
        return None
    return view.config.hidden_size, float(last["wordsim_rho"])


def words_figure(teacher):
    """(figure, one sentence): rho against d_s for the optimum, the benchmark's trained students, this run."""
    if not wordbench.available():
        return rho_vs_ds_figure({}, {"wordsim": 0.0}), wordbench.GENSIM_MISSING
    r = _optimum(teacher.source, teacher)
    data = wordreport.cached_comparison()
    same = data is not None and data.get("teacher") == teacher.name
    students = wordreport.comparison_series(data, "student") if same else None
    fig = rho_vs_ds_figure(r["optimum"], r["teacher"], students, None,
                           f"trained students: computed {data['computed_at']}" if same else "")
    mine = _session_rho()
    if mine is not None:
        fig.add_scatter(x=[mine[0]], y=[mine[1]], mode="markers", name="this session's run",
                        marker=dict(size=16, symbol="star", color="#D55E00"))
    return fig, words_sentence(teacher)


def words_sentence(teacher) -> str:
    if not wordbench.available():
        return wordbench.GENSIM_MISSING
    r = _optimum(teacher.source, teacher)
    opt, t = r["optimum"], r["teacher"]["wordsim"]
    text = (f"The teacher's table scores rho **{t:.2f}** on WordSim-353; a student exactly at its floor keeps "
            + ", ".join(f"**{opt[d]['wordsim']:.2f}** at d_s = {d}" for d in sorted(opt) if d in (16, 32, 128, 256))
            + ".")
    mine = _session_rho()
    if mine is not None:
        text += f" This session's run (d_s = {mine[0]}) scores **{mine[1]:.2f}**."
    return text


# -- downstream -----------------------------------------------------------------------------------------------
def _downstream_work(report, teacher):
    total = len(DOWNSTREAM.variants) * DOWNSTREAM.seeds * DOWNSTREAM.steps
    seen: dict = {}

    def on_point(curve):
        seen[(curve.variant, curve.seed)] = curve.steps[-1]
        report("fraction", 0.5 + 0.5 * sum(seen.values()) / total)

    report("fraction", 0.05)
    curves, _start = run_experiment(teacher, DOWNSTREAM, on_point=on_point)
    chance = {t: load_task(t, teacher.tokenizer).chance for t in DOWNSTREAM.tasks}
    return curves, findings(summarize(curves, TARGET), TARGET, chance), chance


def _figure(result):
    curves, lines, chance = result
    task = DOWNSTREAM.tasks[0]
    return learning_curves(curves, TASK_TITLES[task], TARGET[task], chance[task]), lines


def downstream(teacher):
    """(figure, finding sentences), or None while a progress bar shows the work (drawn here)."""
    result = result_or_progress("lesson_downstream", "Distilling, then fine-tuning two small BERTs",
                                lambda report, _src: _downstream_work(report, teacher), teacher.source, stop=False)
    return None if result is None else _figure(result)


def peek_downstream(teacher):
    result = peek("lesson_downstream", teacher.source)
    return None if result is None else _figure(result)
