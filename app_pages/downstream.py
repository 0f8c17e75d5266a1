"""Does a distilled embedding start help downstream? Students identical but for their start, fine-tuned live."""
from __future__ import annotations

import copy

import streamlit as st

from distill_core.assets import word_groups
from distill_core.evaluation.downstream import (TASK_TITLES, DownstreamConfig, estimate, findings, load_task, phases,
                                                run_experiment, summarize, unseen_fraction)
from distill_core.evaluation.pace import default_book, duration_range, remaining
from labui.downstream_cost import cost_section
from labui.glossary import link
from labui import state
from labui.bg_job import Job
from labui.common import job_fragment, job_status, page_header, require_teacher
from labui.downstream_figures import LABELS, learning_curves, steps_to_target, summary_rows
from labui.state import Setting
from labui.chart import plot_chart

page_header("Downstream: does the distilled start help?", f"""
The usual claims about embedding-layer distillation are that it gives the student better starting
representations, so that it learns downstream tasks faster and better. Here you test them.
Students of the **same architecture, the same seed and the same data order** differ in one thing only, the
start of their embeddings:

- **distilled**: the embeddings a short embedding distillation (L_emb = MSE(E_s W_e, E_t)) trains first, here
  and now (the word table in vocab mode; word, position and token-type tables and LayerNorm in sequence mode);
- **random**: BERT's own N(0, 0.02) initialisation;
- **teacher-PCA** (optional): the teacher's tables projected on their top d_s principal directions (its
  {link("PCA")}), a shortcut that needs no training, to compare against.

Each is then fine-tuned, whole, with a linear head, on two small tasks written for this app:
**word groups** (which of {len(word_groups())} groups a single word belongs to; 5 words per group are held
out, so the test asks about words the fine-tuning never saw) and **sentence topics** (sport, food, weather or
technology; a quarter of the sentences held out).
""")

teacher = require_teacher("bundled", "cpu")

PAGE = "downstream"
VARIANTS = ("distilled", "random", "teacher_pca")
SETTINGS = [  # URL name, default, allowed values: kept across pages and in the link (labui.state)
    Setting("students", ["distilled", "random"], VARIANTS, many=True),
    Setting("tasks", list(TASK_TITLES), tuple(TASK_TITLES), many=True),
    Setting("seeds", 3, low=1, high=5),
    Setting("steps", 150, (20, 50, 100, 150, 200, 300, 500)),
    Setting("lr", 1e-3, (1e-4, 3e-4, 1e-3, 3e-3)),
    Setting("d_s", 128, (32, 64, 128, 256)),
    Setting("layers", 2, (1, 2, 3, 4)),
    Setting("target", "vocab", ("vocab", "sequence")),
    Setting("reach_tokens", 0.5, low=0.1, high=0.95),
    Setting("reach_sentences", 0.7, low=0.3, high=0.95),
]
for note in state.start(PAGE, SETTINGS):
    st.warning(note)
k = {s.name: state.bind(PAGE, s.name) for s in SETTINGS}
S = {s.name: s for s in SETTINGS}
with st.form("downstream"):
    # The chips get a row of their own and short names: in a third of the form "Sentence topics" was cut to "S".
    m1, m2 = st.columns(2)
    m1.multiselect("Students", VARIANTS, key=k["students"], format_func=LABELS.get)
    m2.multiselect("Tasks", list(TASK_TITLES), key=k["tasks"], format_func=lambda t: TASK_TITLES[t].split(" (")[0],
                   help=" · ".join(TASK_TITLES.values()))
    c1, c2, c3 = st.columns(3)
    c1.slider("Seeds per student", 1, 5, key=k["seeds"], help="Fine-tuning seeds: the band shows their spread.")
    c1.select_slider("Fine-tuning steps", S["steps"].choices, key=k["steps"])
    c2.select_slider("Learning rate (Adam)", S["lr"].choices, key=k["lr"], format_func=lambda x: f"{x:g}")
    c2.select_slider("Student width d_s", S["d_s"].choices, key=k["d_s"])
    c3.select_slider("Student layers", S["layers"].choices, key=k["layers"])
    c3.radio("Distillation target", S["target"].choices, horizontal=True, key=k["target"],
             help="vocab: the teacher's word table, every task word included; sequence: embedding outputs "
                  "of the corpus sentences, whose words are not all the tasks' words.")
    t1, t2 = st.columns(2)
    t1.slider("Target accuracy, word groups", 0.1, 0.95, step=0.05, key=k["reach_tokens"])
    t2.slider("Target accuracy, sentence topics", 0.3, 0.95, step=0.05, key=k["reach_sentences"])
    prepare = st.form_submit_button("Estimate how long it takes", type="primary")
chosen = state.keep(PAGE, SETTINGS)  # the values the form last submitted
variants, tasks, seeds, steps, lr, d_s, layers, mode, target_tok, target_sen = (chosen[s.name] for s in SETTINGS)
planned = (DownstreamConfig(hidden_size=d_s, num_hidden_layers=layers, variants=tuple(variants), tasks=tuple(tasks),
                            seeds=seeds, steps=steps, lr=lr, distill_target=mode) if variants and tasks else None)


@st.cache_resource(show_spinner=False)
def book():
    """The server's record of per-step times, updated as runs finish (the CLI writes the same file)."""
    return default_book()


def plan_then_start(cfg: DownstreamConfig | None) -> bool:
    """The expected duration first (on request); the Run button only once it is on screen for these settings."""
    if prepare and cfg is None:
        st.error("Choose at least one student and one task.")
    elif prepare:
        with st.spinner("Looking up how long runs of these settings took here..."):
            st.session_state["ds_plan"] = (cfg, estimate(teacher, cfg, book()))
    plan = st.session_state.get("ds_plan")
    if cfg is None or plan is None or plan[0] != cfg:
        return False
    st.info(f"Expected: {plan[1].words()}; longer when other people are training too.")
    return st.button("Run the experiment", type="primary", key="ds_start")


start = plan_then_start(planned)

targets = {"tokens": target_tok, "sentences": target_sen}
job: Job | None = st.session_state.get("ds_job")


def work(report, should_stop, cfg: DownstreamConfig):
    """Distil (if asked), then fine-tune every student; curves are reported as they grow."""
    report("phase", "distilling the embeddings" if "distilled" in cfg.variants else "fine-tuning")

    def on_point(curve):
        report(("curve", curve.task, curve.variant, curve.seed), copy.deepcopy(curve))
        report("phase", f"fine-tuning: {TASK_TITLES[curve.task].lower()}, {LABELS[curve.variant]}, "
                        f"seed {curve.seed}, step {curve.steps[-1]}")

    clock: dict = {}

    def on_point_timed(curve):
        on_point(curve)
        report("clock", copy.deepcopy(clock))

    curves, start_ = run_experiment(teacher, cfg, on_point=on_point_timed, should_stop=should_stop, pace=book(),
                                    clock=clock)
    return cfg, start_


if start:
    if job is not None and job.running:
        job.stop(); job.join(5)
    st.session_state["ds_job"] = job = Job(work, planned)
    st.session_state["ds_cfg"] = planned


@st.cache_data(show_spinner=False)
def task_facts(task_names: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Per task: (chance accuracy, share of held-out tokens never seen in training)."""
    tasks = {t: load_task(t, teacher.tokenizer) for t in task_names}
    special = set(teacher.tokenizer.all_special_ids)
    return {t: (task.chance, unseen_fraction(task, special)) for t, task in tasks.items()}


def chance_levels(task_names: tuple[str, ...]) -> dict[str, float]:
    return {t: c for t, (c, _) in task_facts(task_names).items()}


def live(job) -> None:
    if job is None:
        st.info("Choose the students and tasks, then press **Estimate how long it takes**: the page shows how long "
                "runs of these settings took on this server (or times a few steps) before anything starts. The "
                "curves grow while it runs.")
        return
    cfg: DownstreamConfig = st.session_state["ds_cfg"]
    values = job.values()
    curves = [v for k, v in values.items() if isinstance(k, tuple) and k[0] == "curve"]
    job_status(job, "ds_stop", values)
    clock = values.get("clock", {})
    left = remaining(phases(cfg), clock.get("done", {}), clock.get("seconds", {}), book()) if job.running else None
    if left:
        st.caption(f"About {duration_range(*left)} left, from the steps timed so far in this run.")
    chance = chance_levels(cfg.tasks)
    for task in cfg.tasks:
        mine = [c for c in curves if c.task == task]
        if mine:
            plot_chart(learning_curves(mine, TASK_TITLES[task], targets[task], chance[task]),
                       key=f"ds_curves_{task}")


job_fragment("ds_job", live)

job = st.session_state.get("ds_job")
if job is not None and not job.running and job.result is not None:
    cfg, start_ = job.result
    curves = [v for k, v in job.values().items() if isinstance(k, tuple) and k[0] == "curve"]
    summaries = summarize(curves, targets)
    st.subheader("What it showed")
    if start_ is not None:
        st.caption(f"The distilled start came from {start_.steps} full-batch steps of {start_.mode}-mode embedding "
                   f"distillation, ending at {start_.ratio:.2f} x its Eckart-Young floor.")
    if summaries:
        for line in findings(summaries, targets, chance_levels(cfg.tasks)):
            st.markdown("- " + line)
        plot_chart(steps_to_target(summaries, cfg.steps, targets), key="ds_steps")
        rows = summary_rows(summaries, cfg.steps)
        for row in rows:  # the page's names for the tasks, not their keys
            row["task"] = TASK_TITLES.get(row["task"], row["task"])
        st.dataframe(rows, hide_index=True)
    facts = task_facts(cfg.tasks)
    unseen = "; ".join(f"{TASK_TITLES[t].lower()}: {u:.0%}" for t, (_, u) in facts.items())
    st.markdown(f"""
**Reading it.** Fine-tuning moves only the embedding rows of tokens its training inputs contain; a held-out
token that never occurs in training keeps its start, so only a start that already carries meaning (distilled or
teacher-PCA) can place it near related tokens. The share of held-out tokens never seen in training here is
{unseen}. Where that share is high, the start is all the student has for those tokens; where it is low, a random
student can learn the same tokens from the labels too. The distillation saw the vocabulary (or the corpus) but no labels. With a few hundred labelled examples
and a small student, the numbers above are what this run found; more seeds narrow the bands.
""")

cost_section(teacher, d_s, layers)

with st.expander("About these numbers"):
    st.markdown(
        "Both tasks were written for this app: a few hundred labelled examples, so one held-out example moves "
        "accuracy by a point or more, and the band around each curve shows how much the seeds alone move it. The "
        "expected durations come from runs of the same settings that finished on this server, updated after each "
        "one, or, before the first, from a few timed steps; the range says how much they varied. The teacher and "
        "the student are measured when you press the button, on this server's processor (and its GPU when it has "
        "one), while other people's runs may share it.")
