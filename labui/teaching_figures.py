"""Figure builders for the concepts, sweep and interview pages: plain data in, a plotly Figure out."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from distill_core.lessons.concepts import readable_token
from distill_core.tinybert.losses import layer_map

from . import theme

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")
GREY = "#9ca3af"
BOX_GREY = "#6b7280"  # white text on it has a contrast of 4.8:1 (on GREY it had 2.5:1, too faint for a room)
# The app's template (labui/theme.py) gives fonts and sizes; the legend goes under the plot, where it wraps.
# The legend at the figure's foot (container units): under the axis title at any type size, the margin grows to it.
# A right margin for the last tick label of a log axis, which plotly hid when it stood at the plot's edge.
LAYOUT = dict(template=theme.NAME, margin=dict(l=10, r=30, t=70, b=10),
              legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left"))


def log_axis(*series) -> dict:
    """A log axis over the positive values of ``series``: decades written in full, minor ticks unlabelled."""
    vals = [float(v) for s in series for v in np.ravel(np.asarray(s, dtype=float)) if v > 0 and np.isfinite(v)]
    return theme.log_ticks(min(vals), max(vals)) if vals else dict(type="log")


def nice_ticks(hi: float, count: int = 5) -> list[float]:
    """Ticks 0, s, 2s, ... covering [0, hi] with s one of 1, 2, 2.5, 5 x 10^k: round numbers a reader can use."""
    if not hi > 0:
        return [0.0]
    raw = hi / count
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [float(round(i * step, 10)) for i in range(int(np.ceil(hi / step - 1e-9)) + 1)]


def _style(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title=title, height=height, **LAYOUT)
    return fig


# -- curves and numbers ----------------------------------------------------------------------------------------
def curves_figure(exp) -> go.Figure:
    """Each run's MSE against steps, its floor dashed in the same colour (once per distinct floor)."""
    fig = go.Figure()
    drawn: set[float] = set()
    for i, c in enumerate(exp.curves):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=c.steps, y=c.loss, mode="lines", name=c.label, line=dict(color=color, width=2.5)))
        if c.floor is not None and c.floor > 0 and round(c.floor, 12) not in drawn:
            drawn.add(round(c.floor, 12))
            name = f"floor for d_s = {c.d_s}" if c.d_s else f"floor of {c.label}"
            fig.add_trace(go.Scatter(x=[c.steps[0], c.steps[-1]], y=[c.floor, c.floor], mode="lines",
                                     name=name, line=dict(color=color, dash="dash", width=1.5)))
    fig.update_xaxes(title="step")
    values = [c.loss for c in exp.curves] + [[c.floor] for c in exp.curves if c.floor]
    fig.update_yaxes(title="MSE", **(log_axis(*values) if exp.log_y else {}))
    return _style(fig, exp.title)


def bars_figure(values: dict[str, float], title: str, y_title: str, log_y: bool = False) -> go.Figure:
    names = list(values)
    fig = go.Figure(go.Bar(x=names, y=[values[k] for k in names], marker_color=PALETTE[: len(names)],
                           text=[f"{values[k]:.3g}" for k in names], textposition="outside"))
    fig.update_yaxes(title=y_title, **(log_axis(list(values.values())) if log_y else {}))
    return _style(fig, title, 380)


def singular_values_figure(sv: dict[str, np.ndarray]) -> go.Figure:
    """Left: W_e against A^-1 W_e (they differ). Right: the two products (they coincide)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("W_e vs A⁻¹ W_e: different", "E_s W_e vs (E_s A)(A⁻¹ W_e): identical"))
    pairs = (("W_e", "A^-1 W_e"), ("E_s W_e", "(E_s A)(A^-1 W_e)"))
    for col, (a, b) in enumerate(pairs, start=1):
        for j, name in enumerate((a, b)):
            y = np.asarray(sv[name])
            fig.add_trace(go.Scatter(x=np.arange(1, len(y) + 1), y=y, name=name, mode="lines+markers",
                                     line=dict(color=PALETTE[2 * (col - 1) + j], dash="dot" if j else "solid"),
                                     marker=dict(size=5 if j else 8, symbol="x" if j else "circle")), row=1, col=col)
        fig.update_yaxes(title="singular value", row=1, col=col,
                         **log_axis(*[sv[name] for name in pairs[col - 1]]))
        fig.update_xaxes(title="index", row=1, col=col)
    return _style(fig, "Singular values under a change of basis A", 400)


def soft_targets(logits, temperature: float) -> np.ndarray:
    """softmax(z / T): Hinton et al.'s softened teacher distribution; T = 1 is the teacher's own output."""
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def soft_targets_figure(labels: list[str], logits, temperature: float) -> go.Figure:
    """The hard label (one-hot on the top class) beside the teacher's soft targets at temperature T."""
    soft = soft_targets(logits, temperature)
    hard = (np.arange(len(soft)) == int(np.argmax(soft))).astype(float)
    fig = go.Figure([go.Bar(x=labels, y=hard.tolist(), name="hard label (one-hot)", marker_color=GREY),
                     go.Bar(x=labels, y=soft.tolist(), name=f"teacher's soft targets, T = {temperature:g}",
                            marker_color=PALETTE[0], text=[f"{p:.2f}" for p in soft], textposition="outside")])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="probability", range=[0, 1.15])
    return _style(fig, "One label, or the teacher's whole distribution", 340)


def equal_loss_figure(arrays: dict[str, np.ndarray]) -> go.Figure:
    """Left: W_e's singular values per run (they differ). Right: sigma(E_s W_e) per run, and the teacher's top d_s
    dashed (they agree, and approach the teacher's at the floor). Keys as experiments.equal_loss_different_we."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("σ(W_e): how each run split the scale",
                                                        "σ(E_s W_e): what the loss fixes"))
    runs = [k[len("W_e, "):] for k in arrays if k.startswith("W_e, ")]
    for i, run in enumerate(runs):
        color, dash = PALETTE[i % len(PALETTE)], "dot" if "A^-1" in run else "solid"
        name = run.replace("A^-1", "A⁻¹")
        for col, key in ((1, f"W_e, {run}"), (2, f"E_s W_e, {run}")):
            y = np.asarray(arrays[key], dtype=float)
            fig.add_trace(go.Scatter(x=np.arange(1, len(y) + 1), y=y.tolist(), mode="lines", name=name,
                                     legendgroup=run, showlegend=col == 1, line=dict(color=color, dash=dash, width=2)),
                          row=1, col=col)
    teacher = [k for k in arrays if k.startswith("teacher's top")]
    for key in teacher:
        y = np.asarray(arrays[key], dtype=float)
        fig.add_trace(go.Scatter(x=np.arange(1, len(y) + 1), y=y.tolist(), mode="lines", name=key,
                                 line=dict(color="#111827", dash="dash", width=1.5)), row=1, col=2)
    for col in (1, 2):
        fig.update_yaxes(title="singular value", row=1, col=col, **log_axis(*[
            v for k, v in arrays.items() if k.startswith("W_e, ") == (col == 1)]))
        fig.update_xaxes(title="index i", row=1, col=col)
    return _style(fig, "Equal loss, different W_e", 420)


# -- the teacher's embeddings ----------------------------------------------------------------------------------
def position_heatmap(sim: np.ndarray) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=sim, colorscale="RdBu", zmid=0, zmin=-1, zmax=1, colorbar=dict(title="cos")))
    fig.update_xaxes(title="position", constrain="domain")
    fig.update_yaxes(title="position", autorange="reversed", scaleanchor="x", constrain="domain")
    # short: the plot sits in a half column, where a long title was cut off
    return _style(fig, f"cos(p<sub>i</sub>, p<sub>j</sub>), first {sim.shape[0]} positions", 520)


def _unique_labels(tokens: list[str]) -> list[str]:
    return [f"{i}:{readable_token(t)}" for i, t in enumerate(tokens)]  # plotly merges equal category labels


def sentence_heatmap(tokens: list[str], output: np.ndarray, dims: int = 64) -> go.Figure:
    """Tokens x the first ``dims`` dimensions of the embedding-layer output."""
    z = output[:, :dims]
    lim = float(np.quantile(np.abs(z), 0.98)) or 1.0  # a few outlier dimensions would wash out the rest
    fig = go.Figure(go.Heatmap(z=z, y=_unique_labels(tokens), colorscale="RdBu", zmid=0, zmin=-lim, zmax=lim))
    fig.update_xaxes(title=f"dimension (first {z.shape[1]} of {output.shape[1]})")
    fig.update_yaxes(autorange="reversed", type="category")
    return _style(fig, "Embedding-layer output, token by token", max(300, 28 * len(tokens) + 120))


def sentence_norms(tokens: list[str], parts: dict[str, np.ndarray]) -> go.Figure:
    fig = go.Figure()
    for i, (name, v) in enumerate(parts.items()):  # short names: the legend is one row over a half column
        fig.add_trace(go.Bar(x=_unique_labels(tokens), y=v, name=name.replace(" (after LayerNorm)", ""),
                             marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title="L2 norm")
    fig.update_xaxes(tickangle=-45)
    _style(fig, "Norms: each part, and the output", 420)
    # the legend above the plot, under the title: below the plot it met the tokens' slanted labels
    return fig.update_layout(barmode="group", margin=dict(t=90), title=dict(y=0.98, yanchor="top", yref="container"),
                             legend=dict(orientation="h", x=0, xanchor="left", yref="paper", y=1.0, yanchor="bottom"))


# -- the forward pass ------------------------------------------------------------------------------------------
def g_label(m: int, teacher_layers: int, student_layers: int) -> str:
    """'g(2) = ⌊2·6/4⌋ = ⌊3⌋ = 3': the layer map's rounding written out, as layer_map computes it."""
    exact = m * teacher_layers / student_layers
    return f"g({m}) = ⌊{m}·{teacher_layers}/{student_layers}⌋ = ⌊{exact:g}⌋ = {m * teacher_layers // student_layers}"


def stack_diagram(teacher_layers: int = 6, student_layers: int = 4) -> go.Figure:
    """Teacher and student stacks side by side; the embedding loss in colour, TinyBERT's other losses grey."""
    fig = go.Figure()
    tx, sx, w, h = 0.0, 3.0, 1.6, 0.6

    def box(x, y, label, color, text_color="white"):
        fig.add_shape(type="rect", x0=x, y0=y, x1=x + w, y1=y + h, fillcolor=color, line=dict(color="white"), layer="below")
        fig.add_annotation(x=x + w / 2, y=y + h / 2, text=label, showarrow=False, font=dict(color=text_color))

    def loss(y_t, y_s, label, color, width):
        fig.add_annotation(x=sx, y=y_s + h / 2, ax=tx + w, ay=y_t + h / 2, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=0, arrowwidth=width, arrowcolor=color, text="")
        fig.add_annotation(x=(tx + w + sx) / 2, y=(y_t + y_s) / 2 + h / 2, yanchor="bottom", yshift=4, text=label,
                           showarrow=False, font=dict(color=color))  # just above its line, at any type size

    box(tx, 0, "embeddings  E_t (n, d_t)", "#1d4ed8")
    box(sx, 0, "embeddings  E_s (n, d_s)", "#15803d")
    for i in range(teacher_layers):
        box(tx, 1 + i, f"transformer layer {i + 1}", BOX_GREY)
    for j in range(student_layers):
        box(sx, 1 + j * teacher_layers / student_layers, f"transformer layer {j + 1}", BOX_GREY)
    top = teacher_layers + 1
    box(tx, top, "prediction layer", BOX_GREY)
    box(sx, top, "prediction layer", BOX_GREY)
    loss(0, 0, "L_emb = MSE(E_s W_e, E_t)", "#dc2626", 4)
    # The same map as the TinyBERT page trains with: g(m) = floor(m L_t / L_s), the last layer onto the last.
    for m, g in enumerate(layer_map(student_layers, teacher_layers), start=1):
        y_s = 1 + (m - 1) * teacher_layers / student_layers
        loss(g, y_s, "", "#9ca3af", 1.5)
        fig.add_annotation(x=(tx + w + sx) / 2, y=(g + y_s) / 2 + h / 2, showarrow=False, bgcolor="white",
                           text=g_label(m, teacher_layers, student_layers), font=dict(color=theme.MUTED))
    loss(top, top, "L_pred", theme.MUTED, 1.5)  # grey like the other losses, but dark enough to read
    fig.add_annotation(x=tx + w / 2, y=top + 1.0, text="<b>teacher</b>", showarrow=False)
    fig.add_annotation(x=sx + w / 2, y=top + 1.0, text="<b>student</b>", showarrow=False)
    fig.add_annotation(x=tx + w / 2, y=-0.45, text="tokens: word + position + type", showarrow=False)
    fig.add_annotation(x=sx + w / 2, y=-0.45, text="the same tokens", showarrow=False)
    fig.update_xaxes(visible=False, range=[-0.3, sx + w + 0.3])
    fig.update_yaxes(visible=False, range=[-0.8, top + 1.4])
    fig.update_layout(showlegend=False)
    return _style(fig, "Where the embedding loss attaches (TinyBERT's other losses in grey)", 560)


def stages_dot() -> str:
    """TinyBERT's two stages as a graphviz DOT string (rendered by st.graphviz_chart in the browser). Top to bottom:
    laid out left to right it was scaled down to a page's width and its text became too small to read."""
    return """digraph {
  rankdir=TB; nodesep=0.4; ranksep=0.35;
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=16, margin="0.25,0.12", fillcolor="#eef2ff", color="#6366f1"];
  edge [penwidth=1.5];
  pre [label="pre-trained teacher\\n(general BERT)"];
  gd [label="stage 1: general distillation\\nlarge unlabelled text\\nL_emb + L_attn + L_hidn", fillcolor="#fee2e2", color="#dc2626"];
  gen [label="general small student"];
  ft [label="teacher fine-tuned\\non the task"];
  td [label="stage 2: task distillation\\n(augmented) task data\\nL_emb + L_attn + L_hidn, then L_pred", fillcolor="#fee2e2", color="#dc2626"];
  out [label="task student\\n(W_e and the other maps discarded)", fillcolor="#dcfce7", color="#16a34a"];
  pre -> gd; gd -> gen; gen -> td; ft -> td; td -> out; pre -> ft [style=dashed];
  {rank=same; gen; ft}
}"""


# -- the dimension sweep ---------------------------------------------------------------------------------------
def floor_vs_ds_figure(dims, floors: dict[str, np.ndarray], params: np.ndarray | None = None,
                       teacher_dim: int | None = None) -> go.Figure:
    """The floor per d_s for each target kind (log), and the student's parameter count on a second axis."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for i, (name, f) in enumerate(floors.items()):
        y = [float(v) if v > 0 else None for v in f]  # zero floors cannot sit on a log axis
        fig.add_trace(go.Scatter(x=[int(d) for d in dims], y=y, mode="lines+markers", name=f"floor, {name} targets",
                                 line=dict(color=PALETTE[i], width=2.5)), secondary_y=False)
    if params is not None:
        fig.add_trace(go.Scatter(x=[int(d) for d in dims], y=[p / 1e6 for p in params], mode="lines",
                                 name="student parameters, millions (right axis)",
                                 line=dict(color=GREY, width=2, dash="dot")), secondary_y=True)
    if teacher_dim:  # the label left of the line's top, above the curves (which fall to zero there); a log axis
        # places annotations by log10 of the value (add_vline's own label landed off the plot)
        fig.add_vline(x=teacher_dim, line_dash="dot", line_color=GREY)
        fig.add_annotation(x=float(np.log10(teacher_dim)), xref="x", y=1.0, yref="paper", text="d_s = d_t",
                           xanchor="right", yanchor="top", showarrow=False, xshift=-4)
    fig.update_xaxes(title="student width d_s", **log_axis(dims))
    fig.update_yaxes(title="floor (MSE)", secondary_y=False, **log_axis(*floors.values()))
    # Explicit round ticks: the automatic ones on this second axis came out at 0.59, 2.09, 3.59...
    ticks = nice_ticks(max(params) / 1e6) if params is not None and len(params) else [0.0]
    fig.update_yaxes(title="parameters (millions)", type="linear", secondary_y=True, showgrid=False,
                     tickmode="array", tickvals=ticks, range=[0, ticks[-1] * 1.02])
    return _style(fig, "The best reachable loss falls as the student widens", 460)


def sweep_figure(dims, floors, reached_dims=(), reached=()) -> go.Figure:
    """The floor of the training subset per d_s, and the loss that short runs reached, on one axis."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(dims), y=list(floors), mode="lines", name="floor of this target set",
                             line=dict(color=PALETTE[0], width=2.5, dash="dash")))
    if len(reached):
        fig.add_trace(go.Scatter(x=list(reached_dims), y=list(reached), mode="markers+lines", name="reached by training",
                                 marker=dict(color=PALETTE[1], size=11), line=dict(color=PALETTE[1], width=1)))
    # The widths trained, each written in full under its own point (1-2-5 ticks read "10 2 5 100" to students).
    fig.update_xaxes(title="student width d_s", type="log", tickmode="array", tickvals=[int(d) for d in dims],
                     ticktext=[str(int(d)) for d in dims], minor=dict(ticks="", showgrid=False))
    fig.update_yaxes(title="MSE", **log_axis(floors, reached))
    return _style(fig, "Short training runs against the floor", 420)


def sig(x: float, digits: int = 3) -> str:
    """Significant figures, not decimals: 0.000158 and 0.000151 must not both print as 0.0002; trailing zeros kept
    (0.000150, not 0.00015), so every value shows the same precision."""
    return f"{x:#.{digits}g}"


def sweep_table(dims, reached, floors, n_rows: int) -> dict[str, list[str]]:
    """The short runs as table columns, in significant figures, the floor's rows in its header."""
    ratios = np.asarray(reached, dtype=float) / np.asarray(floors, dtype=float)
    return {"d_s": [int(d) for d in dims], "reached": [sig(v) for v in reached],
            f"floor (n = {n_rows:,} rows)": [sig(v) for v in floors], "reached / floor": [f"{r:.3f}" for r in ratios]}


def params_figure(rows: dict[str, dict[str, int]]) -> go.Figure:
    """Stacked parameter counts (embeddings, layers, W_e) for a few models."""
    fig = go.Figure()
    parts = ("embeddings", "layers", "W_e (discarded)")
    colors = (PALETTE[0], GREY, PALETTE[1])
    for part, color in zip(parts, colors):
        fig.add_trace(go.Bar(x=list(rows), y=[r.get(part, 0) / 1e6 for r in rows.values()], name=part, marker_color=color))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="parameters (millions)")
    return _style(fig, "Where the parameters are", 400)
