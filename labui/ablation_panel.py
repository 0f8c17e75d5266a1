"""The TinyBERT page's experiment: layer-wise distillation with and without the embedding loss (lambda_e 1 vs 0).

The duration is measured (a few timed steps of the chosen shapes) and shown before anything starts. A run
goes to a background thread shared by the whole server: a second visitor asking for the same settings watches
the same run, or reads its finished result at once.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import asdict

import pandas as pd
import streamlit as st

from distill_core.evaluation.downstream import TASK_TITLES
from distill_core.evaluation.pace import default_book, duration_range, remaining
from distill_core.lessons.experiments import corpus_targets
from distill_core.tinybert.ablation import (PAPER_SOURCE, AblationConfig, estimate, findings, paper_rows, phases,
                                            run_ablation)
from distill_core.tinybert.propagation import findings as propagation_findings, propagation
from labui import state
from labui.bg_job import Job
from labui.state import Setting
from labui.propagation_figures import propagation_figure
from labui.tinybert_figures import ablation_curves, ablation_scores

INTRO = """
TinyBERT's authors removed the embedding loss from their objective and lost 1.5 points of GLUE average
(their Table 6, beside ours below). Here is the same question on this teacher: two students distilled
layer by layer from the same seed, on the same batches, with the same hidden-state and attention losses,
one **with** the embedding loss (λ_e = 1) and one **without** (λ_e = 0). Their hidden-state losses are measured
on the same fixed sentences as they train, then each is fine-tuned on a small task with the same seed and data
order, and its held-out accuracy is the downstream score. Each seed runs both students; three seeds or more
show whether a gap is larger than the spread between seeds.
"""

MISMATCH_INTRO = """
First the mechanism, without any training. Take the teacher itself and replace only its embedding output E_t
with what a student gives in its place, E_s W_e; the teacher's own six layers then run on it unchanged. Every
layer's hidden states are compared with the teacher's own (relative error: 0 % is the teacher exactly), and so is
the sentence embedding at the top (the mean of the last hidden states: cosine 1 is the same direction). The
students are the best any student of each width can be (at its [floor](/glossary#floor)) and an untrained one.
"""
MISMATCH_SENTENCES = 64  # corpus sentences: forward passes only, seconds on a CPU


PAGE = "ablation"  # its settings' keys in labui.state


@st.cache_resource(show_spinner=False)
def _jobs() -> tuple[dict, threading.Lock]:
    """Server-wide: settings -> the Job running or holding them (read-only results; one per settings)."""
    return {}, threading.Lock()


def _key(cfg: AblationConfig, teacher) -> tuple:
    return (teacher.source, *sorted(asdict(cfg).items()))


def _shared_job(cfg: AblationConfig, teacher) -> Job:
    jobs, lock = _jobs()
    with lock:
        job = jobs.get(_key(cfg, teacher))
        if job is None or job.error or (job.stopping and not job.running):
            job = jobs[_key(cfg, teacher)] = Job(_work, teacher, cfg)
        return job


def _work(report, should_stop, teacher, cfg: AblationConfig):
    report("fraction", 0.0)
    report("started", time.time())

    def on_progress(arms, fraction):
        report("arms", copy.deepcopy(arms))
        report("fraction", fraction)

    clock: dict = {}

    def on_progress_timed(arms, fraction):
        on_progress(arms, fraction)
        report("clock", copy.deepcopy(clock))

    return run_ablation(teacher, cfg, on_progress=on_progress_timed, should_stop=should_stop, pace=_book(),
                        clock=clock)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _settings(teacher) -> tuple[AblationConfig, bool]:
    heads, L_t = int(teacher.config.num_attention_heads), int(teacher.config.num_hidden_layers)
    settings = [  # kept across pages and in the link (labui.state); "ab_" keeps them apart from the page's own
        Setting("ab_d_s", heads * 8, tuple(heads * k for k in (2, 4, 8, 16))),
        Setting("ab_layers", min(2, L_t), tuple(range(1, L_t + 1))),
        Setting("ab_steps", 150, (20, 50, 100, 150, 300, 500)),
        Setting("ab_seeds", 3, low=1, high=5),
        Setting("ab_task", "sentences", ("sentences", "tokens")),
        Setting("ab_ft", 100, (20, 50, 100, 200)),
    ]
    for note in state.start(PAGE, settings):
        st.warning(note)
    S, k = {s.name: s for s in settings}, {s.name: state.bind(PAGE, s.name) for s in settings}
    with st.form("ablation"):
        c1, c2, c3 = st.columns(3)
        c1.select_slider("Student width d_s", S["ab_d_s"].choices, key=k["ab_d_s"])
        c1.select_slider("Student layers L_s", S["ab_layers"].choices, key=k["ab_layers"])
        c2.select_slider("Distillation steps (each run)", S["ab_steps"].choices, key=k["ab_steps"])
        c2.slider("Seeds (each runs both students)", 1, 5, key=k["ab_seeds"],
                  help="One seed cannot tell a gap from noise: the results give mean ± spread over seeds.")
        c3.radio("Downstream task", S["ab_task"].choices, format_func=TASK_TITLES.get, key=k["ab_task"])
        c3.select_slider("Fine-tuning steps", S["ab_ft"].choices, key=k["ab_ft"])
        prepare = st.form_submit_button("Estimate how long it takes")
    d_s, layers, steps, seeds, task, ft = (state.keep(PAGE, settings)[s.name] for s in settings)
    return AblationConfig(hidden_size=d_s, num_hidden_layers=layers, steps=steps, seeds=seeds, task=task,
                          finetune_steps=ft), prepare


def _plan(teacher, cfg: AblationConfig, prepare: bool) -> None:
    """Estimate on request; then the expected duration and the Start button (nothing runs before it)."""
    if prepare:
        with st.spinner("Looking up how long runs of these settings took here..."):
            st.session_state["ab_plan"] = (cfg, estimate(teacher, cfg, _book()))
    plan = st.session_state.get("ab_plan")
    if plan is None or plan[0] != cfg:
        st.caption("Press **Estimate how long it takes** first: it reads the times of earlier runs of these settings "
                   "on this server (or times a few steps, a second or two), and nothing long starts before you see "
                   "the figure.")
        return
    est = plan[1]
    st.info(f"Expected: {est.words()}. Teacher targets {_duration(est.parts['teacher targets'])}, distillation "
            f"{_duration(est.parts['distillation'])}, fine-tuning {_duration(est.parts['fine-tuning'])}; longer "
            "when other people are training too.")
    if st.button("Start the comparison", type="primary", key="ab_start"):
        st.session_state["ab_job"] = _shared_job(cfg, teacher)
        st.session_state["ab_cfg"] = cfg


@st.cache_resource(show_spinner=False)
def _book():
    """The server's record of per-step times (labui and CLI alike), updated as runs finish."""
    return default_book()


def _progress(job: Job, cfg: AblationConfig, teacher) -> None:
    values = job.values()
    frac = float(values.get("fraction", 0.0))
    elapsed = (job.finished or time.time()) - values.get("started", time.time())
    clock = values.get("clock", {})
    plan = phases(cfg, 1, True)  # the teacher's pass is timed in the first entry of the clock, if it ran
    left = remaining(plan, clock.get("done", {}), clock.get("seconds", {}), _book()) if job.running else None
    said = f", {duration_range(*left)} left (from the steps timed so far)" if left else ""
    if job.running:
        st.progress(min(frac, 1.0), text=f"{frac:.0%} of the steps done after {_duration(elapsed)}{said}")
        if st.button("Stop", key="ab_stop"):
            job.stop()
    elif job.error:
        st.error(job.error)
    arms = values.get("arms", [])
    if arms:
        st.plotly_chart(ablation_curves(arms), key="ab_curves")


def _results(job: Job, cfg: AblationConfig) -> None:
    arms = job.result
    if not arms or any(a.accuracy is None for a in arms):
        st.caption("The comparison was stopped before both students were fine-tuned: start it again to see scores.")
        return
    title = TASK_TITLES[cfg.task]
    st.subheader("What it showed")
    for line in findings(arms, title):
        st.markdown("- " + line)
    st.plotly_chart(ablation_scores(arms, paper_rows(), title), key="ab_scores")
    st.dataframe(pd.DataFrame(paper_rows()), hide_index=True)
    st.caption(f"Published reference: {PAPER_SOURCE}. Their student is a 4-layer, 312-wide TinyBERT distilled from "
               "BERT-base on English Wikipedia and scored on GLUE; ours is a small student of a 384-wide teacher, "
               "distilled for a few hundred steps on this app's corpus and scored on a task of a few hundred "
               "examples: compare the direction and the size of the gaps, not the numbers.")


@st.cache_resource(show_spinner=False)
def _propagation(source: str, _teacher):
    """Read-only and the same for everyone: computed once per teacher per server."""
    return propagation(_teacher, corpus_targets(_teacher, sentences=MISMATCH_SENTENCES, max_length=32))


def mismatch_section(teacher) -> None:
    st.subheader("A mismatch at the embedding output spreads into the layers above")
    st.markdown(MISMATCH_INTRO)
    if st.button("Feed the teacher's layers each student's E_s W_e", key="ab_mismatch") or st.session_state.get(
            "ab_mismatch_shown"):
        with st.spinner(f"Running the teacher's layers on {MISMATCH_SENTENCES} sentences, once per student..."):
            p = _propagation(teacher.source, teacher)
        st.session_state["ab_mismatch_shown"] = True
        st.plotly_chart(propagation_figure(p), key="ab_mismatch_fig")
        for line in propagation_findings(p):
            st.markdown("- " + line)


def ablation_section(teacher) -> None:
    st.header("Does aligning the embeddings help the later layers?")
    mismatch_section(teacher)
    st.subheader("With and without the embedding loss, trained")
    st.markdown(INTRO)
    cfg, prepare = _settings(teacher)
    _plan(teacher, cfg, prepare)
    job: Job | None = st.session_state.get("ab_job")
    running = job is not None and job.running

    @st.fragment(run_every=1.0 if running else None)
    def live() -> None:
        job = st.session_state.get("ab_job")
        if job is None:
            return
        run_cfg = st.session_state["ab_cfg"]
        _progress(job, run_cfg, teacher)
        if not job.running and job.result is not None:
            _results(job, run_cfg)
        if running and not job.running:
            st.rerun()  # once: the page stops polling

    live()
