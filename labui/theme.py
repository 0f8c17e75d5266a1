"""One chart style for the whole app: two plotly templates, registered once, as plotly's own templates are.

- ``distill``: the desk view. Every page's figures name it (``template=theme.NAME``); sizes change here only.
- ``distill_present``: the same style with type a room can read from the back row (every chart text >= 16 px),
  used by the presenter view and by the slide exports (``theme.for_room(fig)``).

Figure builders set no font sizes of their own: titles, axes, legends, annotations and hover labels all take
theirs from the template, so one number below moves every chart in the app.

The templates hold plotly_white's 2-D layout only: naming a full template makes plotly copy every trace type's
defaults, 3-D scenes and maps into each figure, which cost more than a live refresh's data.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go
import plotly.io as pio

NAME = "distill"
PRESENT_NAME = "distill_present"
FAMILY = "Inter, Segoe UI, Helvetica, Arial, sans-serif"
INK = "#1f2937"
MUTED = "#4b5563"  # secondary text: dark enough to read on a projector (the old light grey was not)
# Okabe & Ito's colour-blind-safe palette (black left out: it is the text's colour); the teacher/student pair of
# the lab keeps its own blue and orange.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]

# (base text, title, ticks, legend) in px for each template. Presenter: nothing under 16 px.
SIZES = {NAME: (14, 17, 13, 13), PRESENT_NAME: (20, 24, 18, 18)}


def _template(name: str) -> go.layout.Template:
    base, title, tick, legend = SIZES[name]
    white = {k: v for k, v in pio.templates["plotly_white"].layout.to_plotly_json().items()
             if k not in ("polar", "ternary", "scene", "geo", "coloraxis", "colorscale", "mapbox", "map")}
    axis = dict(tickfont=dict(size=tick), title=dict(font=dict(size=base)), automargin=True)
    layout = white | dict(
        font=dict(family=FAMILY, size=base, color=INK),
        title=dict(font=dict(size=title), x=0.01, xanchor="left"),
        colorway=OKABE_ITO,
        legend=dict(font=dict(size=legend), bgcolor="rgba(0,0,0,0)"),
        hoverlabel=dict(font=dict(size=max(tick, 13), family=FAMILY)),
        annotationdefaults=dict(font=dict(size=tick, color=MUTED)),
        # Plotly's toolbar shows on hover in the top-right corner; standing upright down the right edge it no
        # longer covers the end of a title (it did "Word similarity kept (Spearman rho)" at 1,280 px).
        modebar=dict(orientation="v", bgcolor="rgba(255,255,255,0.7)"),
        xaxis=white.get("xaxis", {}) | axis,
        yaxis=white.get("yaxis", {}) | axis,
    )
    return go.layout.Template(layout=layout)


def register() -> None:
    """Register both templates (idempotent; importing this module does it)."""
    for name in SIZES:
        if name not in pio.templates:
            pio.templates[name] = _template(name)


register()


# st.plotly_chart(..., config=theme.CONFIG): no plotly logo, and the toolbar's download gives a PNG at twice the
# drawn size (what a slide wants), named for the figure.
CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def sizes(present: bool = False) -> dict:
    """The px sizes of a template, for text drawn outside plotly (HTML beside a chart, a component)."""
    base, title, tick, legend = SIZES[PRESENT_NAME if present else NAME]
    return dict(base=base, title=title, tick=tick, legend=legend)


def for_room(fig: go.Figure, present: bool = True) -> go.Figure:
    """The same figure in the presenter's type sizes (in place; returns it)."""
    if present:
        fig.update_layout(template=PRESENT_NAME)
    return fig


def log_ticks(lo: float, hi: float) -> dict:
    """Tick settings for a log axis from ``lo`` to ``hi`` (data units, both > 0): labels at whole decades written
    in full (0.001, 0.01, ...); where that gives fewer than three labels, at 1-2-5 steps, then at every 1-9 step,
    each written in full: never a bare mantissa ("2", "5") that reads as a value of its own. Minor ticks are drawn
    without labels."""
    lo, hi = max(min(lo, hi), 1e-30), max(lo, hi, 1e-30)
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    vals: list[float] = []
    for mantissas in ((1,), (1, 2, 5), tuple(range(1, 10))):
        vals = [float(f"{m * 10.0 ** e:.6g}") for e in range(a, b + 1) for m in mantissas
                if lo / 1.0001 <= m * 10.0 ** e <= hi * 1.0001]
        if len(vals) >= 3:
            break
    if len(vals) < 2:  # a very narrow range: its two ends, written in full
        vals = [float(f"{lo:.3g}"), float(f"{hi:.3g}")]
    plain = all(1e-3 <= v < 1e5 for v in vals)  # one format per axis: all plain, or all 1e-4 style
    # Major ticks drawn as long as the minor ones, so the labels stand clear of both.
    return dict(type="log", tickmode="array", tickvals=vals, ticktext=[fmt_number(v, plain) for v in vals],
                ticks="outside", ticklen=6, tickcolor=MUTED,
                minor=dict(ticks="outside", ticklen=3, dtick="D1", tickcolor=MUTED, showgrid=False))


def fmt_number(v: float, plain: bool | None = None) -> str:
    """A tick label: plain decimals (0.001 to 99,999) or 1e-4 style; ``plain`` forces one of the two."""
    if v == 0:
        return "0"
    if plain if plain is not None else 1e-3 <= abs(v) < 1e5:
        text = f"{v:.6f}".rstrip("0").rstrip(".") if abs(v) < 1 else f"{v:,.6g}"
        return text
    mant, exp = f"{v:.0e}".split("e")
    return f"{mant}e{int(exp)}"
