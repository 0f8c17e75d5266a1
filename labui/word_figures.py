"""Figures for the word benchmarks: the live rho beside the loss, and rho against d_s in the dimension sweep.
Plain data in, a plotly Figure out, in the lab's colour language (teacher blue, student orange, dashed references)."""
from __future__ import annotations

import plotly.graph_objects as go

from .lab_figures import FLOOR, STUDENT, TEACHER, _f32, _figure, _layout

MODEL2VEC = "#2a9d8f"
SETS = (("wordsim", "WordSim-353", "solid"), ("simlex", "SimLex-999", "dot"))


def word_rho_figure(history: list[dict], height: int = 360) -> go.Figure:
    """The student's rho per snapshot on both sets, and the rho of what it is trained to match as dashed lines."""
    rows = [h for h in history if h.get("wordsim_rho") is not None]
    steps = _f32([h["step"] for h in rows])
    data = []
    for key, name, dash in SETS:
        data.append(dict(type="scatter", mode="lines+markers", x=steps, y=_f32([h[f"{key}_rho"] for h in rows]),
                         name=f"student, {name}", line=dict(color=STUDENT, width=2, dash=dash), marker=dict(size=4),
                         hovertemplate=f"step %{{x}}<br>{name} rho %{{y:.3f}}<extra></extra>"))
        if rows and rows[-1].get(f"{key}_ref") is not None:
            ref = rows[-1][f"{key}_ref"]
            data.append(dict(type="scatter", mode="lines", x=_f32([steps[0], steps[-1]]) if len(steps) else [0, 1],
                             y=_f32([ref, ref]), name=f"target, {name} ({ref:.2f})",
                             line=dict(color=TEACHER, width=1.5, dash="dash" if key == "wordsim" else "dot"),
                             hovertemplate=f"what it matches: {name} rho {ref:.3f}<extra></extra>"))
    layout = _layout("Word similarity kept (ρ)", height,  # short: at 1,000 px the chart is 260 px wide
                     xaxis=dict(title="step"), yaxis=dict(title="Spearman ρ", range=[-0.1, 1.0]))
    return _figure(data, layout)


def rho_vs_ds_figure(optimum: dict[int, dict], teacher: dict, student: dict[int, float] | None = None,
                     model2vec: dict[int, float] | None = None, note: str = "", height: int = 360) -> go.Figure:
    """WordSim-353 rho against d_s: the rank-d_s optimum (computed now), and where the benchmark computed them, a
    trained student and Model2Vec; the teacher's table as the dashed line everything is measured against."""
    dims = sorted(optimum)
    data = [dict(type="scatter", mode="lines+markers", x=_f32(dims), y=_f32([optimum[d]["wordsim"] for d in dims]),
                 name="rank-d_s optimum (at the floor)", line=dict(color=FLOOR, width=2),
                 hovertemplate="d_s %{x}<br>rho %{y:.3f}<extra>optimum</extra>")]
    for series, name, colour, symbol in ((student, "trained student", STUDENT, "circle"),
                                          (model2vec, "Model2Vec", MODEL2VEC, "diamond")):
        if series:
            ds = sorted(series)
            data.append(dict(type="scatter", mode="markers+lines", x=_f32(ds), y=_f32([series[d] for d in ds]),
                             name=name, line=dict(color=colour, width=1.5, dash="dot"),
                             marker=dict(color=colour, size=9, symbol=symbol),
                             hovertemplate=f"d_s %{{x}}<br>rho %{{y:.3f}}<extra>{name}</extra>"))
    if dims:
        data.append(dict(type="scatter", mode="lines", x=_f32([dims[0], dims[-1]]),
                         y=_f32([teacher["wordsim"]] * 2), name=f"teacher's table ({teacher['wordsim']:.2f})",
                         line=dict(color=TEACHER, width=1.5, dash="dash"), hoverinfo="skip"))
    title = "How small before it forgets what words mean? WordSim-353 rho"
    layout = _layout(title, height, xaxis=dict(title="student dimension d_s", type="log", tickvals=dims,
                                               ticktext=[str(d) for d in dims]),
                     yaxis=dict(title="Spearman rho", range=[0, 1.0]),
                     annotations=[dict(text=note, x=1, y=0.02, xref="paper", yref="paper", xanchor="right",
                                       showarrow=False, font=dict(color=FLOOR))] if note else [])
    return _figure(data, layout)
