"""Figure builders for the live lab: plain data in, a plotly Figure out (no Streamlit, no torch).

One colour language throughout: the teacher is deep blue, the student orange, the floor a dashed grey line;
in the token map each word group has its own colour, teacher tokens are filled dots and student tokens open
diamonds, joined by a thin line.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

TEACHER = "#1f4e79"
STUDENT = "#e8702a"
PROBE = "#f2b134"
FLOOR = "#5b6470"
SHADE = "rgba(91, 100, 112, 0.13)"
GROUP_COLOURS = qualitative.Dark24 + qualitative.Light24
FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=13, color="#1f2937")


def _figure(data: list[dict], frames: list[dict] | None = None) -> go.Figure:
    """A Figure from plain trace dicts, without plotly's per-property validation: that validation costs
    ~20x the rest of a refresh with 1,000 tokens, and these traces are built here, not typed by a user."""
    spec = {"data": data} | ({"frames": frames} if frames else {})
    return go.Figure(spec, _validate=False)


def _style(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        template="plotly_white", font=FONT, height=height, margin=dict(l=60, r=20, t=48, b=96),
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0, bgcolor="rgba(0,0,0,0)"),
        hovermode="closest",
    )
    return fig


# -- 1. loss -------------------------------------------------------------------------------------------------
def loss_figure(history: list[dict], floor: float) -> go.Figure:
    """Train-batch, whole-set and probe MSE against steps on a log scale, with the Eckart-Young floor."""
    steps = [h["step"] for h in history]
    data = []
    for key, name, colour, dash, width in (
        ("loss", "MSE, all target rows", STUDENT, "solid", 3),
        ("train_loss", "MSE, training batch", STUDENT, "dot", 1.5),
        ("probe_loss", "MSE, probe tokens", PROBE, "solid", 1.5),
    ):
        data.append(dict(type="scatter", x=steps, y=[h[key] for h in history], name=name, mode="lines",
                         line=dict(color=colour, dash=dash, width=width),
                         hovertemplate="step %{x}<br>%{y:.4g}<extra>" + name + "</extra>"))
    fig = _figure(data)
    if floor > 0:
        fig.add_hline(y=floor, line=dict(color=FLOOR, dash="dash", width=2))
        fig.add_annotation(x=1.0, xref="paper", xanchor="right", y=math.log10(floor), yref="y", yanchor="bottom",
                           text=f"Eckart-Young floor = {floor:.4g}", showarrow=False, font=dict(color=FLOOR))
    values = [v for h in history for v in (h["loss"], h["train_loss"], h["probe_loss"]) if v > 0 and math.isfinite(v)]
    lo = min(values + [floor] if floor > 0 else values or [1e-3])
    hi = max(values or [1.0])
    fig.update_yaxes(type="log", title="MSE (log scale)", range=[math.log10(lo) - 0.15, math.log10(hi) + 0.1])
    fig.update_xaxes(title="step", rangemode="tozero")
    return _style(fig, "Loss falls toward the floor")


# -- 2. spectra ----------------------------------------------------------------------------------------------
def spectrum_figure(teacher_sigma: np.ndarray, d_s: int, product_sv: np.ndarray | None = None) -> go.Figure:
    """The teacher's singular values, the part beyond d_s shaded (its energy is the floor), and the
    student's sigma(E_s W_e): at the floor they match the teacher's top d_s."""
    sig = np.asarray(teacher_sigma, dtype=float)
    idx = np.arange(1, len(sig) + 1)
    energy = sig ** 2
    lost = float(energy[d_s:].sum() / energy.sum()) if energy.sum() > 0 else 0.0
    data = [dict(type="scatter", x=idx, y=sig, name="teacher σᵢ(E_t)", mode="lines", fill="tozeroy",
                 line=dict(color=TEACHER, width=2), fillcolor="rgba(31, 78, 121, 0.12)",
                 hovertemplate="i = %{x}<br>σ = %{y:.4g}<extra>teacher</extra>")]
    if product_sv is not None and len(product_sv):
        ps = np.asarray(product_sv, dtype=float)[: len(sig)]
        data.append(dict(type="scatter", x=idx[: len(ps)], y=ps, name="student σᵢ(E_s W_e)", mode="lines",
                         line=dict(color=STUDENT, width=2.5),
                         hovertemplate="i = %{x}<br>σ = %{y:.4g}<extra>student</extra>"))
    fig = _figure(data)
    if d_s < len(sig):
        fig.add_vrect(x0=d_s + 0.5, x1=len(sig) + 0.5, fillcolor=SHADE, line_width=0, layer="below",
                      annotation_text=f"beyond d_s = {d_s}: {lost:.0%} of the energy, the floor",
                      annotation_position="top left", annotation_font=dict(color=FLOOR))
    fig.update_yaxes(title="singular value", rangemode="tozero")
    fig.update_xaxes(title="index i", range=[0.5, len(sig) + 0.5])
    return _style(fig, "What the student can hold: the teacher's spectrum")


def we_figure(steps: list[int], we_sv: list[np.ndarray]) -> go.Figure:
    """W_e's singular values now (bars, left) and over the run (heatmap: index x snapshot, right)."""
    data = []
    if we_sv:
        now = np.asarray(we_sv[-1], dtype=float)
        data.append(dict(type="bar", x=np.arange(1, len(now) + 1), y=now, marker=dict(color=STUDENT),
                         name="σᵢ(W_e)", showlegend=False, xaxis="x", yaxis="y",
                         hovertemplate="i = %{x}<br>σ = %{y:.4g}<extra></extra>"))
        width = max(len(s) for s in we_sv)
        z = np.full((width, len(we_sv)), np.nan, dtype=np.float32)  # (index, snapshot)
        for j, s in enumerate(we_sv):
            z[: len(s), j] = s
        # log10: the top singular values would otherwise wash out the rest of the spectrum
        logz = np.round(np.log10(np.maximum(z, 1e-6)), 3)
        data.append(dict(type="heatmap", x=list(steps), y=np.arange(1, width + 1), z=logz, colorscale="Oranges",
                         colorbar=dict(title=dict(text="log₁₀ σ"), thickness=10, len=0.9), customdata=np.round(z, 4),
                         xaxis="x2", yaxis="y2",
                         hovertemplate="step %{x}<br>i = %{y}<br>σ = %{customdata:.4g}<extra></extra>"))
    fig = _figure(data)
    _style(fig, "W_e's own singular values in this run (they depend on the student's basis)")
    fig.update_layout(
        margin=dict(b=48),
        xaxis=dict(domain=[0.0, 0.33], title=dict(text="index i (now)")),
        yaxis=dict(title=dict(text="σᵢ(W_e)")),
        xaxis2=dict(domain=[0.43, 1.0], anchor="y2", title=dict(text="step (over the run)")),
        yaxis2=dict(anchor="x2", autorange="reversed", title=dict(text="index i")),
    )
    return fig


# -- 3. the token map ----------------------------------------------------------------------------------------
def _group_index(groups: list[str]) -> tuple[list[str], list[np.ndarray]]:
    names = list(dict.fromkeys(groups))
    arr = np.asarray(groups)
    return names, [np.flatnonzero(arr == g) for g in names]


def _links(teacher_xy: np.ndarray, student_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of segments teacher_i -> student_i separated by gaps (NaN), for one line trace."""
    n = len(teacher_xy)
    seg = np.full((n, 3, 2), np.nan, dtype=np.float32)  # (P, [teacher, student, gap], xy)
    seg[:, 0], seg[:, 1] = teacher_xy, student_xy
    flat = np.round(seg.reshape(-1, 2), 3)
    return flat[:, 0], flat[:, 1]


def map_figure(teacher_xy: np.ndarray, words: list[str], groups: list[str],
               frames: list[tuple[int, np.ndarray]], method: str = "PCA", animate: bool = False) -> go.Figure:
    """Teacher tokens (dots) and student tokens E_s W_e (open diamonds) in one 2-D layout fitted on the
    teacher, coloured by word group and joined by thin lines. With ``animate``, a slider and a play button
    replay ``frames`` [(step, (P, 2) student coordinates)]; otherwise the newest frame is shown."""
    names, members = _group_index(groups)
    colour = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(names)}
    words_arr = np.asarray(words)
    txy = np.round(np.asarray(teacher_xy, dtype=np.float32), 3)
    data = []
    last = frames[-1][1] if frames else None
    if last is not None:
        lx, ly = _links(txy, last)
        data.append(dict(type="scatter", x=lx, y=ly, mode="lines", hoverinfo="skip", showlegend=False,
                         line=dict(color="rgba(120,120,120,0.35)", width=0.7), name="links"))
    for g, idx in zip(names, members):
        data.append(dict(type="scatter", x=txy[idx, 0], y=txy[idx, 1], mode="markers", name=g, legendgroup=g,
                         text=words_arr[idx], marker=dict(color=colour[g], size=8, opacity=0.75),
                         hovertemplate="<b>%{text}</b><br>teacher · " + g + "<extra></extra>"))
    if last is not None:
        for g, idx in zip(names, members):
            xy = np.round(last[idx], 3)
            data.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="markers", name=g, legendgroup=g,
                             showlegend=False, text=words_arr[idx],
                             marker=dict(color=colour[g], size=8, symbol="diamond-open", line=dict(width=1.6)),
                             hovertemplate="<b>%{text}</b><br>student · " + g + "<extra></extra>"))
    replay = animate and len(frames) > 1
    fig = _figure(data, _replay_frames(txy, frames, members) if replay else None)
    step_now = frames[-1][0] if frames else 0
    title = f"Token map ({method}, fitted on the teacher) · ● teacher  ◇ student E_s W_e · step {step_now}"
    _style(fig, title, height=560)
    fig.update_layout(legend=dict(orientation="v", x=1.01, xanchor="left", y=1.0, yanchor="top", font=dict(size=11)),
                      margin=dict(l=30, r=20, t=48, b=30))
    fig.update_xaxes(showticklabels=False, title=f"{method} 1", zeroline=False)
    fig.update_yaxes(showticklabels=False, title=f"{method} 2", zeroline=False, scaleanchor="x", scaleratio=1)
    if replay:
        _add_replay_controls(fig, frames)
    return fig


def _replay_frames(txy: np.ndarray, frames, members) -> list[dict]:
    n_groups = len(members)
    moving = [0] + list(range(1 + n_groups, 1 + 2 * n_groups))  # the links trace and the student traces
    out = []
    for step, sxy in frames:
        lx, ly = _links(txy, sxy)
        traces = [dict(type="scatter", x=lx, y=ly)] + [
            dict(type="scatter", x=np.round(sxy[i, 0], 3), y=np.round(sxy[i, 1], 3)) for i in members]
        out.append(dict(data=traces, traces=moving, name=str(step)))
    return out


def _add_replay_controls(fig: go.Figure, frames) -> None:
    opts = dict(frame=dict(duration=180, redraw=False), transition=dict(duration=120), mode="immediate")
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.04, xanchor="left", yanchor="top",
                          showactive=False, pad=dict(t=4, r=8),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, opts | {"fromcurrent": False}]),
                                   dict(label="❚❚", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=len(frames) - 1, x=0.18, len=0.82, y=-0.02, yanchor="top", pad=dict(t=4),
                      currentvalue=dict(prefix="replay · step ", font=dict(size=12)),
                      steps=[dict(label=str(s), method="animate",
                                  args=[[str(s)], dict(frame=dict(duration=0, redraw=False), mode="immediate")])
                             for s, _ in frames])],
        margin=dict(l=30, r=20, t=48, b=90),
    )


def floor_is_zero(floor: float, scale: float) -> bool:
    """A floor that is zero up to rounding (d_s >= the targets' rank): a ratio to it means nothing."""
    return not floor > 1e-9 * max(scale, 1e-30)


# -- 4. the live caption -------------------------------------------------------------------------------------
def live_caption(latest: dict | None, status: str, total_steps: int, k: int = 10) -> str:
    """One or two sentences that say what is happening, in words."""
    if latest is None:  # no snapshot yet: the words follow the status, as the badge beside them does
        return {"preparing": "Preparing the targets and the student...",
                "queued": "Waiting for a free training slot...",
                "running": "Training: the first point is on its way...",
                "paused": "Paused before the first snapshot: press **Resume** or **Step**.",
                "done": "The run finished before its first snapshot.",
                "error": "The run stopped: see the message below."}.get(status, "Press **Start** to distil.")
    step, ratio, knn = latest["step"], latest["ratio"], latest["knn_overlap"]
    where = f"Step {step} of {total_steps}"
    if not math.isfinite(ratio) or floor_is_zero(latest.get("floor", 1.0), latest.get("loss", 1.0)):
        gap = "the floor is zero here, so any loss above it is room to improve"
    elif ratio < 1.05:
        gap = f"the loss is {ratio:.2f}× the floor: the student holds all that d_s dimensions can hold"
    else:
        gap = f"the loss is {ratio:.1f}× the floor"
    agree = f"{knn:.0%} of each token's {k} nearest neighbours agree with the teacher's"
    tail = {"paused": " (paused).", "done": ". Run finished.", "queued": " (waiting for a slot)."}.get(status, ".")
    return f"{where}: {gap}; {agree}{tail}"
