"""Figures for the TinyBERT-losses page: every loss term on its own and the weighted total."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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
        fig.add_trace(go.Scatter(x=steps, y=vals, mode="lines", line=dict(color=color, width=1), opacity=0.3,
                                 showlegend=False, hovertemplate="step %{x}: %{y:.4g}<extra>batch</extra>"),
                      row=row, col=col)
        fig.add_trace(go.Scatter(x=steps, y=smooth(vals, window), mode="lines", line=dict(color=color, width=2.5),
                                 showlegend=False,
                                 hovertemplate="step %{x}: %{y:.4g}<extra>mean of " + str(window) + "</extra>"),
                      row=row, col=col)
        fig.update_yaxes(type="log", row=row, col=col)
    fig.update_xaxes(title_text="step", row=2)
    fig.update_layout(height=560, margin=dict(l=10, r=10, t=50, b=10), template="plotly_white")
    return fig
