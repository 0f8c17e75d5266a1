"""TinyBERT's other losses: hidden states and attention maps next to the embedding loss, each plotted alone."""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from distill_core.tinybert.trainer import TERMS, TinyBertConfig, TinyBertTrainer
from distill_core.params import projection_parameter_count
from distill_core.tinybert.losses import layer_map
from labui.ablation_panel import ablation_section
from labui import state
from labui.bg_job import Job
from labui.common import job_fragment, job_status, page_header, require_teacher
from labui.state import Setting
from labui.tinybert_figures import loss_terms
from labui.chart import plot_chart

page_header("TinyBERT's other losses", """
Embedding distillation is the first of TinyBERT's layer-wise losses (Jiao et al., 2020). Its general
distillation also matches, layer by layer, the **hidden states** and the **attention maps** of the teacher.
Here a small student learns all three at once from the bundled teacher on the corpus sentences, and each term
is plotted on its own as well as in the total (TinyBERT's own code only ever logs sums).
""")
st.latex(r"""\begin{aligned}
L_{emb} &= \mathrm{MSE}(E_s W_e,\ E_t) \\
L_{hidden} &= \textstyle\sum_{m=1}^{L_s} \mathrm{MSE}(H_s^{m} W_h,\ H_t^{g(m)}), \qquad g(m) = \lfloor m\,L_t / L_s \rfloor \\
L_{attn} &= \textstyle\sum_{m=1}^{L_s} \mathrm{MSE}(A_s^{m},\ A_t^{g(m)}) \\
L &= \lambda_{e} L_{emb} + \lambda_{h} L_{hidden} + \lambda_{a} L_{attn}
\end{aligned}""")
with st.expander("Choices made here, and why"):
    st.markdown("""
- **Attention maps are probabilities**, softmax(QK^T / sqrt(d_k)), as the paper's equation writes them.
  TinyBERT's released code compares the scores *before* the softmax. A row of scores can shift by any constant
  without changing what the head attends to, so an MSE on scores punishes differences that change nothing;
  probabilities compare the attention itself. They are compared head by head, so the student has as many heads
  as the teacher, and d_s must be a multiple of that number.
- **Padding does not count**: a (query, key) pair enters the attention loss only when both are real tokens, and
  hidden states and embeddings are averaged over real tokens only. (TinyBERT's code averages padding in.)
- **Shared or per-layer W**: TinyBERT's official code uses a single (d_s, d_t) projection for the embeddings
  and every hidden layer; its later checkpoints and TextBrewer use one per layer, L_s + 1 matrices. Sharing
  forces every layer of the student into one common map of the teacher's space; per-layer maps are freer but cost
  L_s more matrices, which are thrown away after distillation either way.
- The teacher is in eval mode, without dropout, and runs once over the corpus: its targets are fixed.
""")

teacher = require_teacher("bundled", "cpu")
heads, L_t, d_t = int(teacher.config.num_attention_heads), int(teacher.config.num_hidden_layers), teacher.hidden_size

PAGE = "tinybert"
SETTINGS = [  # URL name, default, allowed values: kept across pages and in the link (labui.state)
    Setting("d_s", heads * 8, tuple(heads * k for k in (2, 4, 8, 16, 32))),
    Setting("layers", min(2, L_t), tuple(range(1, L_t + 1))),
    Setting("shared", True),
    Setting("w_e", 1.0, low=0.0, high=100.0),
    Setting("w_h", 1.0, low=0.0, high=100.0),
    Setting("w_a", 1.0, low=0.0, high=1000.0),
    Setting("steps", 200, (20, 100, 200, 300, 500, 1000)),
    Setting("lr", 1e-3, (3e-4, 1e-3, 3e-3)),
]
S = {s.name: s for s in SETTINGS}
for note in state.start(PAGE, SETTINGS):
    st.warning(note)
k = {s.name: state.bind(PAGE, s.name) for s in SETTINGS}
with st.form("tinybert"):
    c1, c2, c3 = st.columns(3)
    c1.select_slider("Student width d_s", S["d_s"].choices, key=k["d_s"],
                     help=f"A multiple of the teacher's {heads} heads.")
    c1.select_slider("Student layers L_s", S["layers"].choices, key=k["layers"])
    c1.toggle("Shared W", key=k["shared"], help="On: one projection for the embeddings and every layer (TinyBERT's "
              "code). Off: one per layer (its later checkpoints, TextBrewer).")
    c2.number_input("λ_e (embedding)", 0.0, 100.0, step=0.5, key=k["w_e"])
    c2.number_input("λ_h (hidden states)", 0.0, 100.0, step=0.5, key=k["w_h"])
    c2.number_input("λ_a (attention)", 0.0, 1000.0, step=0.5, key=k["w_a"])
    c3.select_slider("Steps", S["steps"].choices, key=k["steps"])
    c3.select_slider("Learning rate (Adam)", S["lr"].choices, key=k["lr"], format_func=lambda x: f"{x:g}")
    start = st.form_submit_button("Start", type="primary")
chosen = state.keep(PAGE, SETTINGS)  # the values the form last submitted
d_s, layers, shared, w_e, w_h, w_a, steps, lr = (chosen[s.name] for s in SETTINGS)

gmap = layer_map(layers, L_t)
st.caption("Layer map g: " + ", ".join(f"student {m} → teacher {g}" for m, g in enumerate(gmap, 1))
           + f" (embeddings 0 → 0).  Projection parameters: shared "
           f"{projection_parameter_count(d_s, d_t, layers, True):,} vs per-layer "
           f"{projection_parameter_count(d_s, d_t, layers, False):,} "
           f"({layers + 1} maps of {d_s} x {d_t} plus bias).")


def work(report, should_stop, cfg: TinyBertConfig):
    report("phase", "running the teacher over the corpus (once per layer choice)")
    trainer = TinyBertTrainer(cfg, teacher)
    report("phase", "training")
    while not trainer.done and not should_stop():
        trainer.run(5)
        report("points", list(trainer.history))
    return trainer


job: Job | None = st.session_state.get("tb_job")
if start:
    if job is not None and job.running:
        job.stop(); job.join(5)
    cfg = TinyBertConfig(hidden_size=d_s, num_hidden_layers=layers, shared_projection=shared, steps=steps, lr=lr,
                         weights={"embedding": w_e, "hidden": w_h, "attention": w_a})
    st.session_state["tb_job"] = job = Job(work, cfg)
    st.session_state["tb_weights"] = cfg.weights


def live(job) -> None:
    if job is None:
        st.info("Set the student and the loss weights, then press **Start**. The curves grow while it trains.")
        return
    values = job.values()
    points = values.get("points", [])
    job_status(job, "tb_stop", values)
    if points:
        last, first = points[-1], points[0]
        cols = st.columns(4)
        for col, term in zip(cols, (*TERMS, "total")):
            col.metric(term, f"{getattr(last, term):.4g}",
                       f"{getattr(last, term) / getattr(first, term) - 1:+.0%} since step 1"
                       if getattr(first, term) > 0 else None, delta_color="inverse")
        plot_chart(loss_terms(points, st.session_state.get("tb_weights")), key="tb_losses")
        st.caption(f"Step {last.step}; {last.step / max(last.elapsed, 1e-9):.1f} steps/s. Each step's terms are "
                   "of its own batch of 32 sentences (thin lines); bold lines are means over 10 steps.")


job_fragment("tb_job", live)

job = st.session_state.get("tb_job")
trainer = job.result if job is not None and not job.running else None
if trainer is not None and trainer.history:
    st.subheader("What it showed")
    first, last = trainer.history[0], trainer.history[-1]
    falls = {t: getattr(last, t) / getattr(first, t) for t in TERMS if getattr(first, t) > 0}
    order = sorted(falls, key=falls.get)
    st.markdown(
        f"After {last.step} steps, each term is at this fraction of its first value: "
        + ", ".join(f"**{t}** {falls[t]:.2f}" for t in order)
        + f". The terms live on different scales (attention probabilities are at most 1, hidden states are not), "
        f"so in the total the largest term dominates unless the weights λ say otherwise: here "
        + ", ".join(f"{t} {trainer.config.weights.get(t, 0) * getattr(last, t):.3g}" for t in TERMS)
        + " of the total " + f"{last.total:.3g}.")
    st.markdown("The student is a `BertModel`; download it below and load it with `AutoModel.from_pretrained`. "
                "The projections W are saved beside it in `projections.safetensors`.")
    if st.button("Prepare the student for download"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = trainer.export(Path(tmp) / "tinybert_student")
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in sorted(folder.iterdir()):
                    zf.write(f, f"tinybert_student/{f.name}")
        st.download_button("Download the student (.zip)", buf.getvalue(), "tinybert_student.zip", "application/zip")

ablation_section(teacher)

with st.expander("About these numbers"):
    st.markdown(
        "Everything on this page trains or runs here when you press its button: the bundled teacher, all-MiniLM-L6-v2 "
        "(6 layers, 384 wide), and this app's corpus of a few hundred short sentences. The published comparison is "
        "from the TinyBERT paper (Jiao et al., 2020, Table 6): a 4-layer, 312-wide student distilled from BERT-base "
        "on English Wikipedia and scored on the GLUE benchmark's tasks of thousands of examples. The expected "
        "durations come from runs of the same settings that finished on this server, updated after each one, or, "
        "before the first, from a few timed steps; the range says how much they varied.")
