"""Dimension sweep: the floor as a function of d_s, straight from the teacher's spectrum, and short runs against it."""

import numpy as np
import pandas as pd
import streamlit as st

from distill_core.lessons.experiments import corpus_targets, subset_targets
from distill_core.params import student_params, teacher_params
from distill_core.lessons.sweep import SWEEP_DIMS, SweepResult, explained_variance, floor_curve, run_sweep
from distill_core.targets import vocab_targets
from labui import teaching_figures as tf
from labui import word_section
from labui.bg_job import Job
from distill_core.evaluation.wordreport import about_note
from labui.common import job_fragment, page_header, require_teacher
from labui.glossary import linked
from labui.server_jobs import result_or_progress
from labui.run_summary import rows_phrase
from labui.chart import plot_chart

SUBSET = 3000        # vocabulary rows for the training runs: the whole sweep takes well under a minute
STEPS = 100          # full-batch Adam steps per d_s

page_header(
    "Dimension sweep",
    linked("How narrow can the student be? For a student of width d_s, no W_e can beat the Eckart-Young floor "
           "sum over i > d_s of σᵢ²/(n d_t), where σ are the singular values of the (centred) targets. The floor "
           "needs one SVD and no training, so the whole curve is instant. Then train short runs and see where they "
           "land.", ["Eckart-Young", "floor", "singular value", "SVD"]),
)
teacher = require_teacher()


def sweep_targets(report, source: str) -> dict:
    """Once per server, in the background: kind -> (sigma, n rows, d_t) for the whole vocabulary table and the
    corpus's embedding-layer outputs, and the training subset. One SVD each: seconds on a busy CPU."""
    import torch

    out = {}
    for i, (kind, make) in enumerate((
            ("vocab", lambda: vocab_targets(teacher, torch.arange(teacher.vocab_size))),
            ("sequence", lambda: corpus_targets(teacher, sentences=10_000, max_length=64)))):
        tg = make()
        out[kind] = (tg.sigma.numpy(), tg.n_rows, tg.d_t)
        report("fraction", (i + 1) / 3)
    out["subset"] = subset_targets(teacher, SUBSET)
    return out


def training_subset(source: str):
    return result_or_progress("sweep_targets", "One SVD per target set", sweep_targets, source)["subset"]


ready = result_or_progress("sweep_targets", "One SVD per target set: the whole word table, the corpus, the "
                           f"{SUBSET:,}-row training subset", sweep_targets, teacher.source)
spec = {kind: ready[kind] for kind in ("vocab", "sequence")}
d_t = teacher.hidden_size
dims = np.unique(np.r_[np.geomspace(1, d_t, 48).astype(int), SWEEP_DIMS, d_t])
floors = {kind: floor_curve(s, n, dt, dims) for kind, (s, n, dt) in spec.items()}
params = np.array([student_params(teacher.config, int(d))["total"] for d in dims])

st.header("The floor, from the spectrum")
st.markdown(
    f"Floors of the whole target sets: **vocab** over {rows_phrase('vocab', spec['vocab'][1])} (the Live lab's rows "
    f"with its default settings, so the lab shows the same floor for the same d_s), **sequence** over "
    f"{rows_phrase('sequence', spec['sequence'][1])}."
)
plot_chart(tf.floor_vs_ds_figure(dims, floors, params, d_t), width="stretch")
rows = []
for d in SWEEP_DIMS:
    p = student_params(teacher.config, d)
    rows.append({"d_s": d,
                 f"floor, vocab (n = {spec['vocab'][1]:,})": floor_curve(spec["vocab"][0], spec["vocab"][1], d_t, [d])[0],
                 f"floor, sequence (n = {spec['sequence'][1]:,})":
                     floor_curve(spec["sequence"][0], spec["sequence"][1], d_t, [d])[0],
                 "variance kept, vocab": f"{explained_variance(spec['vocab'][0], [d])[0]:.1%}",
                 "student parameters (4 layers)": f"{p['total'] / 1e6:.2f} M",
                 "of which embeddings": f"{p['embeddings'] / 1e6:.2f} M",
                 "W_e (discarded)": f"{p['W_e (discarded)']:,}"})
# A static table: its headers wrap, so all seven columns fit at 1,280 px (a scrolling grid hid the last one).
st.table(pd.DataFrame(rows).style.format({k: tf.sig for k in rows[0] if k.startswith("floor")}).hide(axis="index"))
st.caption(f"The teacher has {teacher_params(teacher.config)['total'] / 1e6:.1f} M parameters. The floor is zero "
           f"once d_s reaches d_t = {d_t}: a square W_e can be invertible.")

st.header("Train short runs")
subset = training_subset(teacher.source)
whole_128 = floor_curve(spec["vocab"][0], spec["vocab"][1], d_t, [128])[0]
st.markdown(
    f"One student per d_s in {list(SWEEP_DIMS)}, each trained for {STEPS} full-batch Adam steps on "
    f"{rows_phrase('vocab', subset.n_rows, SUBSET)}: n = {subset.n_rows:,}, the rows Concepts and Interview prep "
    "train on too. The dashed line is the floor of *that* target set, so the two are comparable. A floor belongs to "
    f"its rows: for d_s = 128 it is {subset.floor(128):.3g} on these rows and {whole_128:.3g} on the whole table "
    "above. Training runs in the background: the page stays usable."
)


def sweep_work(report, should_stop, targets):
    """The short runs; each step reports (fraction done, a copy of the results so far) for the page to draw."""
    def progress(done: int, total: int, result: SweepResult) -> None:
        report("progress", (done / total if total else 1.0,
                            SweepResult(list(result.dims), list(result.reached), list(result.floors))))
    return run_sweep(targets, SWEEP_DIMS, STEPS, on_progress=progress, should_stop=should_stop)


def sweep_state(job: Job) -> tuple[float, SweepResult]:
    """(fraction done, results so far) of a sweep job."""
    return job.values().get("progress", (0.0, SweepResult()))


job: Job | None = st.session_state.get("sweep_job")
c1, c2 = st.columns([1, 4])
if c1.button("Train short runs", type="primary", disabled=job is not None and job.running):
    job = Job(sweep_work, training_subset(teacher.source))
    st.session_state["sweep_job"] = job
if job is not None and job.running and c2.button("Stop"):
    job.stop()


def sweep_progress(job: Job | None) -> None:
    subset = training_subset(teacher.source)
    sub_floors = [subset.floor(d) for d in SWEEP_DIMS]
    if job is None:
        plot_chart(tf.sweep_figure(SWEEP_DIMS, sub_floors), width="stretch", key="sweep_fig")
        return
    frac, result = sweep_state(job)
    if job.error:
        st.error(job.error)
    st.progress(min(frac, 1.0), text=f"{frac:.0%} of {len(SWEEP_DIMS) * STEPS} steps" + ("" if job.running else ", done"))
    plot_chart(tf.sweep_figure(SWEEP_DIMS, sub_floors, result.dims, result.reached), width="stretch",
               key="sweep_fig")
    if result.dims:
        st.dataframe(pd.DataFrame(tf.sweep_table(result.dims, result.reached, result.floors, subset.n_rows)),
                     hide_index=True)


job_fragment("sweep_job", sweep_progress)
word_section.sweep_section(teacher)  # what a width costs in meaning: rho against d_s beside the floor above

st.header("What it showed")
kept = {kind: explained_variance(spec[kind][0], [128])[0] for kind in spec}
st.markdown(
    f"The teacher spreads its embeddings over many directions: a 128-wide student can keep "
    f"{kept['vocab']:.0%} of the word table's variance and {kept['sequence']:.0%} of the embedding-layer outputs'. "
    "So the floor falls steadily with d_s, with no width where it suddenly stops mattering: each dimension removed "
    "costs a little, and only d_s = d_t reaches zero. Meanwhile the student's parameters grow linearly in d_s for "
    "the embedding tables and quadratically for the transformer layers."
)
done = st.session_state.get("sweep_job")
result = sweep_state(done)[1] if done is not None else None
if result is not None and result.dims:
    ratios = np.array(result.reached) / np.array(result.floors)
    near = [d for d, r in zip(result.dims, ratios) if r <= 1.05]
    st.markdown(
        f"Your short runs ({STEPS} steps each) ended at {ratios.min():.2f}× to {ratios.max():.2f}× their floors; "
        + (f"{len(near)} of {len(result.dims)} at or under 1.05× (d_s = {', '.join(map(str, near))}): there the gap to the "
           "teacher is capacity, not training." if near else "none at or under 1.05×: more steps would still lower them.")
        + ("" if len(near) in (0, len(result.dims)) else " The others need more steps to say the same.")
    )
else:
    st.markdown("Train the short runs to see how close a few steps of Adam come to each floor.")
with st.expander("About these numbers"):
    st.markdown("The floors are computed here from the teacher's own tables (one SVD each), and the short runs "
                "train here when you start them. " + about_note())
