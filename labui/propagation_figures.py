"""The figure for "a mismatch at the embedding output spreads into the layers above" (TinyBERT page, Interview Q3).

Pure: a distill_core.tinybert.propagation.Propagation in, a plotly Figure out.
"""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import theme

RANDOM_COLOR = "#999999"  # the untrained student: grey, the Okabe-Ito palette's neutral


def propagation_figure(p) -> go.Figure:
    """Left: each layer's relative hidden-state error, one line per student; right: the sentence embedding's
    cosine with the teacher's, one bar per student."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.12,
                        subplot_titles=("Hidden states: error per layer", "Sentence embedding: cosine"))
    names = [lab.replace(" (at its floor)", " at its floor") for lab in p.labels]
    colors = [RANDOM_COLOR if d is None else theme.OKABE_ITO[i % len(theme.OKABE_ITO)]
              for i, d in enumerate(p.dims)]
    layers = p.layers
    ticks = ["input"] + [str(i) for i in layers[1:]]
    for name, err, color, d in zip(names, p.rel_error, colors, p.dims):
        fig.add_trace(go.Scatter(x=layers, y=err, mode="lines+markers", name=name, line=dict(color=color, width=3,
                                 dash="dot" if d is None else "solid"), legendgroup=name,
                                 hovertemplate="layer %{text}: %{y:.1%}<extra>" + name + "</extra>", text=ticks),
                      row=1, col=1)
    fig.add_trace(go.Bar(x=names, y=p.cosine, marker_color=colors, showlegend=False,
                         text=[f"{c:.2f}" for c in p.cosine], textposition="outside",
                         hovertemplate="%{x}: cosine %{y:.3f}<extra></extra>"), row=1, col=2)
    fig.update_xaxes(tickvals=layers, ticktext=ticks, tickangle=0,
                     title_text="teacher layer (input = the embedding output, E_s W_e)", row=1, col=1)
    fig.update_yaxes(title_text="relative error (0 = the teacher's)", tickformat=".0%", rangemode="tozero",
                     row=1, col=1)
    fig.update_xaxes(showticklabels=False, title_text="each bar: the student of the same colour", row=1, col=2)
    fig.update_yaxes(range=[min(0.0, min(p.cosine)) - 0.02, 1.12], title_text="cosine (1 = the same)", row=1, col=2)
    fig.update_layout(template=theme.NAME, height=500, margin=dict(t=80, b=40),
                      title=f"The teacher's own layers fed E_s W_e in place of E_t ({p.sentences} sentences, "
                            f"{p.tokens:,} tokens)",
                      legend=dict(orientation="h", yanchor="top", y=-0.24, x=0))
    return fig
