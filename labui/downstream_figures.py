"""Figures for the downstream page: learning curves with the spread over seeds, steps to a target accuracy."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import theme

COLORS = {"distilled": "#0f9d8a", "random": "#8a8f98", "teacher_pca": "#e0a030"}
LABELS = {"distilled": "distilled start", "random": "random start", "teacher_pca": "teacher-PCA start"}


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _stack(curves, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Steps and a (seeds, points) array over the steps every seed has reached so far."""
    n = min(len(c.steps) for c in curves)
    return np.array(curves[0].steps[:n]), np.array([getattr(c, metric)[:n] for c in curves])


def _band(fig, curves, metric: str, variant: str, row: int, col: int, show_legend: bool) -> None:
    steps, vals = _stack(curves, metric)
    if len(steps) == 0:
        return
    color = COLORS.get(variant, "#555555")
    lo, hi, mean = vals.min(0), vals.max(0), vals.mean(0)
    if len(curves) > 1:  # the band is the spread over seeds: min to max
        # named once in the legend (every band is the same kind of thing, in its start's colour)
        first = show_legend and not any(t.legendgroup == "spread" for t in fig.data)
        fig.add_trace(go.Scatter(x=np.r_[steps, steps[::-1]], y=np.r_[hi, lo[::-1]], fill="toself",
                                 fillcolor=_rgba(color, 0.18), line=dict(width=0), hoverinfo="skip",
                                 name="shaded: lowest to highest seed", showlegend=first,
                                 legendgroup="spread" if first else variant), row=row, col=col)
    fig.add_trace(go.Scatter(x=steps, y=mean, mode="lines", line=dict(color=color, width=2.5),
                             name=f"{LABELS.get(variant, variant)} ({len(curves)} seed{'s' * (len(curves) > 1)})",
                             legendgroup=variant, showlegend=show_legend,
                             hovertemplate="step %{x}: %{y:.3f}<extra>" + LABELS.get(variant, variant) + "</extra>"),
                  row=row, col=col)


def learning_curves(curves, title: str = "", target: float | None = None, chance: float | None = None) -> go.Figure:
    """One task: training loss (left) and held-out accuracy (right) against steps, mean over seeds, min-max band."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss (cross-entropy)", "held-out accuracy"),
                        horizontal_spacing=0.09)
    by_variant: dict[str, list] = {}
    for c in curves:
        if c.steps:
            by_variant.setdefault(c.variant, []).append(c)
    for variant, cs in by_variant.items():
        _band(fig, cs, "train_loss", variant, 1, 1, True)
        _band(fig, cs, "test_acc", variant, 1, 2, False)
    if target is not None:
        fig.add_hline(y=target, line=dict(dash="dash", color="#444", width=1), row=1, col=2,
                      annotation_text=f"target {target:.0%}", annotation_position="bottom right")
    if chance is not None:
        fig.add_hline(y=chance, line=dict(dash="dot", color="#aaa", width=1), row=1, col=2,
                      annotation_text=f"chance {chance:.0%}", annotation_position="top right")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_xaxes(title_text="fine-tuning step")
    fig.update_layout(title=title, height=360, margin=dict(l=10, r=10, t=60, b=10), template=theme.NAME,
                      legend=dict(orientation="h", yref="container", y=0, yanchor="bottom"))
    return fig


def steps_to_target(summaries, max_steps: int, targets: dict[str, float]) -> go.Figure:
    """Per task and start, the steps each seed needed to reach the target; 'x' = not reached within the run."""
    tasks = list(dict.fromkeys(s.task for s in summaries))
    fig = make_subplots(rows=1, cols=max(1, len(tasks)), shared_yaxes=True,
                        subplot_titles=[f"{t}: reach {targets.get(t, 0):.0%}" for t in tasks])
    # Each start gets one legend entry, from its first trace that has points: a start whose seeds never reached
    # the target in the first task has an empty box there, and plotly leaves empty traces out of the legend.
    in_legend: set[str] = set()
    for col, task in enumerate(tasks, start=1):
        for s in (s for s in summaries if s.task == task):
            color, label = COLORS.get(s.variant, "#555"), LABELS.get(s.variant, s.variant)
            reached = [v for v in s.steps_to_target if v is not None]
            missed = len(s.steps_to_target) - len(reached)
            box_legend = bool(reached) and s.variant not in in_legend
            in_legend |= {s.variant} if box_legend else set()
            fig.add_trace(go.Box(y=reached, x=[label] * len(reached), name=label, marker_color=color,
                                 boxpoints="all", jitter=0.3, pointpos=0, legendgroup=s.variant,
                                 showlegend=box_legend, hovertemplate="%{y} steps<extra>" + label + "</extra>"),
                          row=1, col=col)
            if missed:
                miss_legend = s.variant not in in_legend
                in_legend.add(s.variant)
                fig.add_trace(go.Scatter(x=[label] * missed, y=[max_steps] * missed, mode="markers", name=label,
                                         marker=dict(symbol="x", size=11, color=color), legendgroup=s.variant,
                                         showlegend=miss_legend, hovertemplate="not reached in %{y} steps<extra></extra>"),
                              row=1, col=col)
    fig.update_yaxes(title_text="steps (x: not reached)", row=1, col=1, rangemode="tozero")
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=50, b=10), template=theme.NAME, boxmode="group",
                      legend=dict(orientation="h", yref="container", y=0, yanchor="bottom"))
    return fig


def summary_rows(summaries, max_steps: int) -> list[dict]:
    """A table: per task and start, accuracy mean ± sd over seeds and the median steps to the target."""
    rows = []
    for s in summaries:
        med = s.median_steps
        rows.append({
            "task": s.task, "start": LABELS.get(s.variant, s.variant),
            "final held-out accuracy": f"{s.mean_final:.1%} ± {s.sd_final:.1%}",
            "best held-out accuracy": f"{np.mean(s.best_acc):.1%}",
            "seeds reaching the target": f"{s.reached} / {len(s.steps_to_target)}",
            "median steps to target": "-" if med is None else f"{med:.0f}",
        })
    return rows
