"""Figures for the TinyBERT-losses page: every loss term on its own and the weighted total."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import theme

# Plotly draws <sub>/<sup> in titles as real sub- and superscripts (no MathJax needed).
TERM_TITLES = {
    "embedding": "embedding: MSE(E<sub>s</sub> W<sub>e</sub>, E<sub>t</sub>)",
    "hidden": "hidden states: Σ<sub>m</sub> MSE(H<sub>s</sub><sup>m</sup> W<sub>h</sub>, H<sub>t</sub><sup>g(m)</sup>)",
    "attention": "attention: Σ<sub>m</sub> MSE(A<sub>s</sub><sup>m</sup>, A<sub>t</sub><sup>g(m)</sup>)",
    "total": "total (weighted sum, minimised)",
}
TERM_COLORS = {"embedding": "#0f9d8a", "hidden": "#3b6fd6", "attention": "#c2418a", "total": "#222222"}


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` steps: each step's loss is of one random batch, so it is noisy."""
    if window <= 1 or len(values) == 0:
        return values
    c = np.cumsum(np.r_[0.0, values])
    k = np.minimum(np.arange(1, len(values) + 1), window)
    return (c[1:] - c[np.arange(len(values)) + 1 - k]) / k


def loss_terms(points, weights: dict | None = None, window: int = 10) -> go.Figure:
    """Four panels, log scale: each term per step (thin) and its trailing mean (bold); weights in the titles."""
    weights = weights or {}
    titles = [TERM_TITLES[t] + (f"  × {weights[t]:g}" if t in weights and weights[t] != 1 else "")
              for t in TERM_TITLES]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, vertical_spacing=0.16, horizontal_spacing=0.08)
    steps = np.array([p.step for p in points])
    for i, term in enumerate(TERM_TITLES):
        row, col = i // 2 + 1, i % 2 + 1
        vals = np.array([getattr(p, term) for p in points], dtype=float)
        color = TERM_COLORS[term]
        # Each panel has the same pair: the legend names it once (the colours are the panels' titles').
        fig.add_trace(go.Scatter(x=steps, y=vals, mode="lines", line=dict(color=color, width=1), opacity=0.3,
                                 name="each step's batch (thin)", legendgroup="batch", showlegend=i == 0,
                                 hovertemplate="step %{x}: %{y:.4g}<extra>batch</extra>"),
                      row=row, col=col)
        fig.add_trace(go.Scatter(x=steps, y=smooth(vals, window), mode="lines", line=dict(color=color, width=2.5),
                                 name=f"mean of the last {window} steps (thick)", legendgroup="mean",
                                 showlegend=i == 0,
                                 hovertemplate="step %{x}: %{y:.4g}<extra>mean of " + str(window) + "</extra>"),
                      row=row, col=col)
        fig.update_yaxes(row=row, col=col, **_log_axis(vals))
    fig.update_xaxes(title_text="step", row=2)
    fig.update_layout(height=600, margin=dict(l=10, r=10, t=50, b=10), template=theme.NAME,
                      legend=dict(orientation="h", yref="container", y=0, yanchor="bottom"))
    return fig


def _log_axis(*series) -> dict:
    vals = [float(v) for s in series for v in np.ravel(np.asarray(s, dtype=float)) if v > 0 and np.isfinite(v)]
    return theme.log_ticks(min(vals), max(vals)) if vals else dict(type="log")


ARM_STYLE = {1.0: dict(color="#0f9d8a", dash="solid"), 0.0: dict(color="#c2418a", dash="dash")}


def ablation_curves(arms) -> go.Figure:
    """Left: each mapped layer's hidden-state MSE over steps, both arms. Right: the embedding MSE, both arms.

    Measured on the same fixed sentences for both arms; one line per (arm, seed, layer)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=(
        "hidden states: MSE(H<sub>s</sub><sup>m</sup> W<sub>h</sub>, H<sub>t</sub><sup>g(m)</sup>) per layer m",
        "embeddings: MSE(E<sub>s</sub> W<sub>e</sub>, E<sub>t</sub>)"))
    seen: set[tuple] = set()
    for arm in arms:
        style = ARM_STYLE.get(arm.lambda_e, {})
        name = f"λ_e = {arm.lambda_e:g}" + (" (with L_emb)" if arm.lambda_e else " (without L_emb)")
        layers = len(arm.hidden[0]) if arm.hidden else 0
        for m in range(layers):
            # The line's width says the layer (thin: layer 1, thicker: deeper): each (arm, layer) in the legend.
            label = f"{name}, layer {m + 1}" + (" (thin)" if m == 0 else " (thick)" if m == layers - 1 else "")
            fig.add_trace(go.Scatter(
                x=arm.steps, y=[h[m] for h in arm.hidden], mode="lines+markers", name=label,
                legendgroup=f"{name} {m}", showlegend=(arm.lambda_e, m) not in seen, marker=dict(size=4 + 2 * m),
                line=dict(color=style.get("color"), dash=style.get("dash"), width=1 + m),
                hovertemplate=f"seed {arm.seed}, layer {m + 1}, step %{{x}}: %{{y:.4g}}<extra>{name}</extra>"),
                row=1, col=1)
            seen.add((arm.lambda_e, m))
        fig.add_trace(go.Scatter(x=arm.steps, y=arm.embedding, mode="lines", name=f"{name}, embeddings",
                                 legendgroup=f"{name} emb", showlegend=(arm.lambda_e, "emb") not in seen,
                                 line=dict(color=style.get("color"), dash=style.get("dash")),
                                 hovertemplate=f"seed {arm.seed}, step %{{x}}: %{{y:.4g}}<extra>{name}</extra>"),
                      row=1, col=2)
        seen.add((arm.lambda_e, "emb"))
    fig.update_yaxes(**_log_axis(*[h for a in arms for h in a.hidden]), row=1, col=1)
    fig.update_yaxes(**_log_axis(*[a.embedding for a in arms]), row=1, col=2)
    fig.update_xaxes(title_text="distillation step")
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=50, b=10), template=theme.NAME,
                      legend=dict(orientation="h", yref="container", y=0, yanchor="bottom"))
    return fig


def ablation_scores(arms, paper: list[dict], task_title: str) -> go.Figure:
    """Ours (held-out accuracy after fine-tuning, each seed a point, bar = mean) beside the paper's Table 6."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        f"this run: {task_title.lower()}, held-out accuracy (%)", "TinyBERT paper, GLUE dev (published)"))
    for lam in (1.0, 0.0):
        mine = [100 * a.accuracy for a in arms if a.lambda_e == lam and a.accuracy is not None]
        label = "with L_emb" if lam else "without L_emb"
        color = ARM_STYLE[lam]["color"]
        if mine:
            fig.add_trace(go.Bar(x=[label], y=[float(np.mean(mine))], marker_color=color, name=label,
                                 legendgroup=label, hovertemplate="mean %{y:.1f}<extra></extra>"), row=1, col=1)
            fig.add_trace(go.Scatter(x=[label] * len(mine), y=mine, mode="markers", name="each seed",
                                     legendgroup="seeds", showlegend=lam == 1.0,
                                     marker=dict(color="#222", size=7),
                                     hovertemplate="a seed: %{y:.1f}<extra></extra>"),
                          row=1, col=1)
        fig.add_trace(go.Bar(x=[r["task"] for r in paper], y=[r[label] for r in paper], name=label,
                             marker_color=color, legendgroup=label, showlegend=not mine, opacity=0.8,
                             hovertemplate="%{x}: %{y}<extra>" + label + "</extra>"), row=1, col=2)
    fig.update_layout(height=360, barmode="group", margin=dict(l=10, r=10, t=50, b=10), template=theme.NAME,
                      legend=dict(orientation="h", yref="container", y=0, yanchor="bottom"))
    return fig
