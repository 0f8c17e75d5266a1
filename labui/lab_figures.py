"""Figure builders for the live lab: plain data in, a plotly Figure out (no Streamlit, no torch).

One colour language throughout: the teacher is deep blue, the student orange, the floor a dashed grey line;
in the token map each word group has its own colour, teacher tokens are filled dots and student tokens open
diamonds, joined by a thin line.

Each builder writes the whole figure (traces and layout) as one plain spec and hands it to ``go.Figure`` once:
plotly validates it in one pass, where ``update_layout`` / ``add_hline`` calls each re-validate and cost more than
the data. Numbers go as float32 numpy arrays: plotly packs numpy arrays as base64 binary, 4 bytes a number.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

TEACHER = "#1f4e79"
STUDENT = "#e8702a"
PROBE = "#f2b134"
FLOOR = "#5b6470"
SHADE = "rgba(91, 100, 112, 0.13)"
GROUP_COLOURS = qualitative.Dark24 + qualitative.Light24
FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=13, color="#1f2937")
# plotly_white's 2-D layout only: naming the template makes plotly deep-copy all of it (every trace type's
# defaults, 3-D scenes, maps) into each figure, which cost more than a refresh's data.
TEMPLATE = {"layout": {k: v for k, v in pio.templates["plotly_white"].layout.to_plotly_json().items()
                       if k not in ("polar", "ternary", "scene", "geo", "coloraxis", "colorscale")}}


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _layout(title: str, height: int = 360, **extra) -> dict:
    """The house layout: a left-aligned title, white template, the legend under the plot (it wraps to the
    width, so no entry is cut off on a narrow column)."""
    base = dict(
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=15)),
        template=TEMPLATE, font=FONT, height=height, margin=dict(l=60, r=20, t=48, b=96),
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0, bgcolor="rgba(0,0,0,0)"),
        hovermode="closest",
    )
    return base | extra


def _figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    spec = {"data": data, "layout": layout} | ({"frames": frames} if frames else {})
    return go.Figure(spec)


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
    values = [v for h in history for v in (h["loss"], h["train_loss"], h["probe_loss"]) if v > 0 and math.isfinite(v)]
    lo = min(values + [floor] if floor > 0 else values or [1e-3])
    hi = max(values or [1.0])
    layout = _layout("Loss falls toward the floor",
                     yaxis=dict(type="log", title=dict(text="MSE (log scale)"),
                                range=[math.log10(lo) - 0.15, math.log10(hi) + 0.1]),
                     xaxis=dict(title=dict(text="step"), rangemode="tozero"))
    if floor > 0:
        layout["shapes"] = [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=floor, y1=floor,
                                 line=dict(color=FLOOR, dash="dash", width=2))]
        layout["annotations"] = [dict(x=1.0, xref="paper", xanchor="right", y=math.log10(floor), yref="y",
                                      yanchor="bottom", text=f"Eckart-Young floor = {floor:.4g}", showarrow=False,
                                      font=dict(color=FLOOR))]
    return _figure(data, layout)


# -- 2. spectra ----------------------------------------------------------------------------------------------
def spectrum_figure(teacher_sigma: np.ndarray, d_s: int, product_sv: np.ndarray | None = None) -> go.Figure:
    """The teacher's singular values, the part beyond d_s shaded (its energy is the floor), and the
    student's sigma(E_s W_e): at the floor they match the teacher's top d_s."""
    sig = np.asarray(teacher_sigma, dtype=float)
    idx = np.arange(1, len(sig) + 1)
    energy = sig ** 2
    lost = float(energy[d_s:].sum() / energy.sum()) if energy.sum() > 0 else 0.0
    data = [dict(type="scatter", x=idx, y=_f32(sig), name="teacher σᵢ(E_t)", mode="lines", fill="tozeroy",
                 line=dict(color=TEACHER, width=2), fillcolor="rgba(31, 78, 121, 0.12)",
                 hovertemplate="i = %{x}<br>σ = %{y:.4g}<extra>teacher</extra>")]
    if product_sv is not None and len(product_sv):
        ps = np.asarray(product_sv, dtype=float)[: len(sig)]
        data.append(dict(type="scatter", x=idx[: len(ps)], y=_f32(ps), name="student σᵢ(E_s W_e)", mode="lines",
                         line=dict(color=STUDENT, width=2.5),
                         hovertemplate="i = %{x}<br>σ = %{y:.4g}<extra>student</extra>"))
    layout = _layout("The teacher's spectrum",  # short: the plot may be a 260 px half column
                     yaxis=dict(title=dict(text="singular value"), rangemode="tozero"),
                     xaxis=dict(title=dict(text="index i"), range=[0.5, len(sig) + 0.5]))
    if d_s < len(sig):
        layout["shapes"] = [dict(type="rect", xref="x", x0=d_s + 0.5, x1=len(sig) + 0.5, yref="y domain", y0=0,
                                 y1=1, fillcolor=SHADE, line=dict(width=0), layer="below")]
        # In the plot's top-right corner, right-aligned and on three short lines: it stays inside the plot
        # however narrow the column (the teacher's curve is low there).
        layout["annotations"] = [dict(x=1.0, xref="paper", xanchor="right", y=1.0, yref="paper", yanchor="top",
                                      align="right", showarrow=False, font=dict(color=FLOOR),
                                      text=f"beyond d_s = {d_s}:<br>{lost:.0%} of the energy,<br>the floor")]
    return _figure(data, layout)


def we_figure(steps: list[int], we_sv: list[np.ndarray]) -> go.Figure:
    """W_e's singular values now (bars, left) and over the run (heatmap: index x snapshot, right)."""
    data = []
    if we_sv:
        now = np.asarray(we_sv[-1], dtype=float)
        data.append(dict(type="bar", x=np.arange(1, len(now) + 1), y=_f32(now), marker=dict(color=STUDENT),
                         name="σᵢ(W_e)", showlegend=False, xaxis="x", yaxis="y",
                         hovertemplate="i = %{x}<br>σ = %{y:.4g}<extra></extra>"))
        width = max(len(s) for s in we_sv)
        z = np.full((width, len(we_sv)), np.nan)  # (index, snapshot)
        for j, s in enumerate(we_sv):
            z[: len(s), j] = s
        # log10: the top singular values would otherwise wash out the rest of the spectrum
        logz = _f32(np.log10(np.maximum(z, 1e-6)))
        data.append(dict(type="heatmap", x=list(steps), y=np.arange(1, width + 1), z=logz, colorscale="Oranges",
                         colorbar=dict(title=dict(text="log₁₀ σ"), thickness=10, len=0.9), customdata=_f32(z),
                         xaxis="x2", yaxis="y2",
                         hovertemplate="step %{x}<br>i = %{y}<br>σ = %{customdata:.4g}<extra></extra>"))
    layout = _layout(
        "W_e's own singular values in this run (they depend on the student's basis)", margin=dict(l=60, r=20, t=48, b=48),
        xaxis=dict(domain=[0.0, 0.33], title=dict(text="index i (now)")),
        yaxis=dict(title=dict(text="σᵢ(W_e)")),
        xaxis2=dict(domain=[0.43, 1.0], anchor="y2", title=dict(text="step (over the run)")),
        yaxis2=dict(anchor="x2", autorange="reversed", title=dict(text="index i")),
    )
    return _figure(data, layout)


# -- 3. the token map ----------------------------------------------------------------------------------------
def _links(teacher_xy: np.ndarray, student_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of segments teacher_i -> student_i separated by gaps (NaN), for one line trace."""
    n = len(teacher_xy)
    seg = np.full((n, 3, 2), np.nan)  # (P, [teacher, student, gap], xy)
    seg[:, 0], seg[:, 1] = teacher_xy, student_xy
    flat = _f32(seg.reshape(-1, 2))
    return flat[:, 0], flat[:, 1]


def _moving(txy: np.ndarray, sxy: np.ndarray) -> list[dict]:
    """The two traces that move from frame to frame: the links and the student tokens."""
    lx, ly = _links(txy, sxy)
    sxy = _f32(sxy)
    return [dict(type="scatter", x=lx, y=ly), dict(type="scatter", x=sxy[:, 0], y=sxy[:, 1])]


def map_figure(teacher_xy: np.ndarray, words: list[str], groups: list[str],
               frames: list[tuple[int, np.ndarray]], method: str = "PCA", animate: bool = False) -> go.Figure:
    """Teacher tokens (dots) and student tokens E_s W_e (open diamonds) in one 2-D layout fitted on the
    teacher, coloured by word group and joined by thin lines. With ``animate``, a slider and a play button
    replay ``frames`` [(step, (P, 2) student coordinates)]; otherwise the newest frame is shown.

    Traces: 0 the links, 1 every teacher token, 2 every student token (one colour per point, so a frame of the
    replay is two traces however many groups), then one legend entry per group."""
    names = list(dict.fromkeys(groups))
    colour_of = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(names)}
    # One number per token and a stepped colour scale: plotly checks a numeric array at once, where a list of
    # 1,000 colour strings is checked string by string (most of a refresh's time).
    index = {g: i for i, g in enumerate(names)}
    codes = np.array([index[g] for g in groups], dtype=np.int32)
    scale = [[i / max(1, len(names) - 1), colour_of[g]] for i, g in enumerate(names)] if len(names) > 1 else \
        [[0.0, colour_of[names[0]]], [1.0, colour_of[names[0]]]]
    colours = dict(color=codes, colorscale=scale, cmin=0, cmax=max(1, len(names) - 1), showscale=False)
    txy = _f32(teacher_xy)
    last = frames[-1][1] if frames else np.full_like(txy, np.nan)
    links, student = _moving(txy, last)
    data = [
        links | dict(mode="lines", hoverinfo="skip", showlegend=False, name="links",
                     line=dict(color="rgba(120,120,120,0.35)", width=0.7)),
        dict(type="scatter", x=txy[:, 0], y=txy[:, 1], mode="markers", name="teacher", showlegend=False,
             text=words, customdata=groups, marker=colours | dict(size=8, opacity=0.75),
             hovertemplate="<b>%{text}</b><br>teacher · %{customdata}<extra></extra>"),
        student | dict(mode="markers", name="student", showlegend=False, text=words, customdata=groups,
                       marker=colours | dict(size=8, symbol="diamond-open", line=dict(width=1.6)),
                       hovertemplate="<b>%{text}</b><br>student · %{customdata}<extra></extra>"),
    ] + [dict(type="scatter", x=[None], y=[None], mode="markers", name=g, marker=dict(color=colour_of[g], size=8),
              hoverinfo="skip") for g in names]
    replay = animate and len(frames) > 1
    step_now = frames[-1][0] if frames else 0
    layout = _layout(
        f"Token map ({method}, fitted on the teacher) · ● teacher  ◇ student E_s W_e · step {step_now}", height=560,
        # a colour key: entries are not switches (the tokens are one trace per kind)
        legend=dict(orientation="v", x=1.01, xanchor="left", y=1.0, yanchor="top", font=dict(size=11),
                    itemclick=False, itemdoubleclick=False),
        margin=dict(l=30, r=20, t=48, b=110 if replay else 30),
        xaxis=dict(showticklabels=False, title=dict(text=f"{method} 1"), zeroline=False),
        yaxis=dict(showticklabels=False, title=dict(text=f"{method} 2"), zeroline=False, scaleanchor="x",
                   scaleratio=1),
    )
    out = None
    if replay:
        layout |= _replay_controls(frames)
        out = [dict(data=_moving(txy, sxy), traces=[0, 2], name=str(step)) for step, sxy in frames]
    return _figure(data, layout, out)


def _replay_controls(frames) -> dict:
    opts = dict(frame=dict(duration=180, redraw=False), transition=dict(duration=120), mode="immediate")
    still = dict(frame=dict(duration=0, redraw=False), mode="immediate")
    return dict(
        # buttons at the left, the slider after them (room for both at 260 px), both under the axis title
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.09, xanchor="left", yanchor="top",
                          showactive=False, pad=dict(t=4, r=8),
                          buttons=[dict(label="▶ Play", method="animate", args=[None, opts | {"fromcurrent": False}]),
                                   dict(label="❚❚", method="animate", args=[[None], still])])],
        sliders=[dict(active=len(frames) - 1, x=0.26, len=0.74, y=-0.07, yanchor="top", pad=dict(t=4),
                      currentvalue=dict(prefix="replay · step ", font=dict(size=12), xanchor="right"),
                      steps=[dict(label=str(s), method="animate", args=[[str(s)], still]) for s, _ in frames])],
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
