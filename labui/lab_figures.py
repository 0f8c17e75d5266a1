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

from . import theme

TEACHER = "#1f4e79"
STUDENT = "#e8702a"
PROBE = "#f2b134"
FLOOR = "#5b6470"
SHADE = "rgba(91, 100, 112, 0.13)"


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _layout(title: str, height: int = 360, **extra) -> dict:
    """The house layout: a left-aligned title, white template, the legend under the plot (it wraps to the
    width, so no entry is cut off on a narrow column)."""
    base = dict(
        title=dict(text=title),  # placed and sized by the app's template (labui/theme.py)
        template=theme.NAME, height=height, margin=dict(l=60, r=20, t=48, b=96),
        # under the tick labels and the axis title (about 70 px, presenter sizes too), in the plot's own units
        legend=dict(orientation="h", yanchor="top", y=-70 / max(height - 48 - 96, 100), xanchor="left", x=0.0,
                    bgcolor="rgba(0,0,0,0)"),
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
                     yaxis=dict(title=dict(text="MSE (log scale)"),
                                range=[math.log10(lo) - 0.15, math.log10(hi) + 0.1])
                     | theme.log_ticks(lo / 10 ** 0.15, hi * 10 ** 0.1),
                     xaxis=dict(title=dict(text="step"), rangemode="tozero"))
    if floor > 0:  # named in the legend, not written on the plot: the curves end on this line
        data.append(dict(type="scatter", x=[0, max(steps) if steps else 1], y=[floor, floor], mode="lines",
                         name=f"Eckart-Young floor = {floor:.4g}", line=dict(color=FLOOR, dash="dash", width=2),
                         hovertemplate="floor %{y:.4g}<extra></extra>"))
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
        "W_e's own singular values in this run<br>(they depend on the student's basis)", margin=dict(l=60, r=56, t=72, b=48),
        xaxis=dict(domain=[0.0, 0.33], title=dict(text="index i (now)")),
        yaxis=dict(title=dict(text="σᵢ(W_e)")),
        xaxis2=dict(domain=[0.43, 1.0], anchor="y2", title=dict(text="step (over the run)")),
        yaxis2=dict(anchor="x2", autorange="reversed", title=dict(text="index i")),
    )
    return _figure(data, layout)


# -- 3. the token map ----------------------------------------------------------------------------------------
# A room reads a map of few groups: at most MAX_GROUPS at a time, in Okabe & Ito's colour-blind-safe palette, each
# group's name written at its teacher centroid and two of its words written beside their dots.
MAX_GROUPS = len(theme.OKABE_ITO)
ANCHORS = 2
HIGHLIGHT = "#000000"


def _links(teacher_xy: np.ndarray, student_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of segments teacher_i -> student_i separated by gaps (NaN), for one line trace."""
    n = len(teacher_xy)
    seg = np.full((n, 3, 2), np.nan)  # (P, [teacher, student, gap], xy)
    seg[:, 0], seg[:, 1] = teacher_xy, student_xy
    flat = _round(seg.reshape(-1, 2))
    return flat[:, 0], flat[:, 1]


def _round(a, scale: float | None = None) -> np.ndarray:
    """float32 rounded to 1/2000 of the layout's extent: what the eye can see on a 1,600 px slide (and what keeps an
    exported page small)."""
    a = np.asarray(a, dtype=np.float64)
    finite = a[np.isfinite(a)]
    span = scale or (float(np.ptp(finite)) if finite.size else 1.0) or 1.0
    q = 10.0 ** math.floor(math.log10(span / 2000))
    return _f32(np.round(a / q) * q)


def _moving(txy: np.ndarray, sxy: np.ndarray, found_xy: np.ndarray | None = None) -> list[dict]:
    """The traces that move from frame to frame: the links, the student tokens (and the found word's student
    point, (1, 2))."""
    lx, ly = _links(txy, sxy)
    sxy = _round(sxy)
    out = [dict(type="scatter", x=lx, y=ly), dict(type="scatter", x=sxy[:, 0], y=sxy[:, 1])]
    if found_xy is not None:
        out.append(dict(type="scatter", x=_f32(found_xy[:, 0]), y=_f32(found_xy[:, 1])))
    return out


def group_centroids(xy: np.ndarray, groups: list[str]) -> dict[str, tuple[np.ndarray, float]]:
    """Each group's centroid on the map and its spread (the mean distance of its points from the centroid)."""
    xy, labels = np.asarray(xy, dtype=float), np.asarray(groups)
    out = {}
    for g in dict.fromkeys(groups):
        pts = xy[labels == g]
        c = pts.mean(0)
        out[g] = (c, float(np.linalg.norm(pts - c, axis=1).mean()) if len(pts) > 1 else 0.0)
    return out


def default_groups(teacher_xy: np.ndarray, groups: list[str], n: int = MAX_GROUPS) -> list[str]:
    """``n`` groups that stand apart on the map: greedily, the group whose centroid lies farthest from those
    chosen (in units of the two groups' spreads), starting with the tightest group of three or more words."""
    cents = group_centroids(teacher_xy, groups)
    sizes = {g: groups.count(g) for g in cents}
    pool = [g for g in cents if sizes[g] >= 3] or list(cents)
    chosen = [min(pool, key=lambda g: (cents[g][1], g))]
    while len(chosen) < min(n, len(pool)):
        def apart(g):
            c, r = cents[g]
            return min(np.linalg.norm(c - cents[h][0]) / (r + cents[h][1] + 1e-9) for h in chosen)
        chosen.append(max((g for g in pool if g not in chosen), key=apart))
    order = list(cents)
    return sorted(chosen, key=order.index)


def anchor_words(teacher_xy: np.ndarray, words: list[str], groups: list[str], shown: list[str],
                 per_group: int = ANCHORS) -> list[int]:
    """Indices of ``per_group`` words to write on the map per shown group: typical words (neither at the centroid,
    where the group's name is written, nor outliers), the two of them farthest apart so their labels do not touch."""
    xy, labels, out = np.asarray(teacher_xy, dtype=float), np.asarray(groups), []
    for g in shown:
        idx = np.flatnonzero(labels == g)
        if len(idx) <= per_group:
            out += [int(i) for i in idx]
            continue
        d = np.linalg.norm(xy[idx] - xy[idx].mean(0), axis=1)
        order = idx[np.argsort(d, kind="stable")]
        lo, hi = int(0.3 * len(order)), max(int(0.8 * len(order)), int(0.3 * len(order)) + per_group)
        pool = order[lo:hi]
        gaps = np.linalg.norm(xy[pool][:, None] - xy[pool][None], axis=-1)  # (n, n)
        a, b = np.unravel_index(np.argmax(gaps), gaps.shape)
        out += [int(pool[a]), int(pool[b])][:per_group]
    return out


def find_word(words: list[str], query: str) -> int | None:
    """The index of ``query`` among the map's words (case and surrounding spaces ignored), or None."""
    q = query.strip().lower()
    for i, w in enumerate(words):
        if w.lower() == q:
            return i
    return None


def neighbours(teacher: np.ndarray, student: np.ndarray, index: int, k: int = 8) -> dict:
    """The word ``index``'s k nearest teacher neighbours (cosine, among the probe tokens) and its k nearest
    student neighbours (E_s W_e), as index lists, and the ones they share: the lab's kNN overlap, for one word."""
    def nearest(x: np.ndarray) -> list[int]:
        z = np.asarray(x, dtype=np.float64)
        z = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
        sim = z @ z[index]  # (P, d) @ (d,) -> (P,)
        sim[index] = -np.inf
        kk = min(k, len(z) - 1)
        return [int(i) for i in np.argsort(-sim, kind="stable")[:kk]]
    t, s = nearest(teacher), nearest(student)
    shared = [i for i in t if i in set(s)]
    return {"teacher": t, "student": s, "shared": shared, "overlap": len(shared) / max(1, len(t))}


def _ink_on(hex_colour: str) -> str:
    """White on a dark label, the ink colour on a light one (relative luminance, WCAG's formula)."""
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#ffffff" if (1.05 / (lum + 0.05)) >= 4.5 else theme.INK


def map_figure(teacher_xy: np.ndarray, words: list[str], groups: list[str],
               frames: list[tuple[int, np.ndarray]], method: str = "PCA", animate: bool = False,
               shown: list[str] | None = None, found: str | None = None) -> go.Figure:
    """Teacher tokens (dots) and student tokens E_s W_e (open diamonds) in one 2-D layout fitted on the
    teacher, coloured by word group and joined by thin lines; at most MAX_GROUPS groups (``shown``, else
    ``default_groups``), each group's name at its teacher centroid and ANCHORS of its words written on the map.
    ``found``: a word whose teacher and student points are ringed. With ``animate``, a slider and a play button
    replay ``frames`` [(step, (P, 2) student coordinates)] in the browser; otherwise the newest frame is shown.

    Traces: 0 the links, 1 the teacher tokens, 2 the student tokens (one colour per point, so a frame of the
    replay is two traces however many groups), 3 the anchor words, then (with ``found``) 4 its teacher point and
    5 its student point. No legend: the names are on the map and the title says which mark is which."""
    all_groups = list(dict.fromkeys(groups))
    shown = [g for g in (shown if shown else default_groups(teacher_xy, groups)) if g in all_groups][:MAX_GROUPS]
    keep = np.flatnonzero(np.isin(np.asarray(groups), shown)) if shown else np.arange(len(words))
    words_k, groups_k = [words[i] for i in keep], [groups[i] for i in keep]
    colour_of = {g: theme.OKABE_ITO[i % MAX_GROUPS] for i, g in enumerate(shown)}
    # One number per token and a stepped colour scale: plotly checks a numeric array at once, where a list of
    # colour strings is checked string by string.
    codes = np.array([shown.index(g) for g in groups_k], dtype=np.int32)
    top = max(1, len(shown) - 1)
    scale = [[i / top, colour_of[g]] for i, g in enumerate(shown)] if len(shown) > 1 else \
        [[0.0, colour_of[shown[0]]], [1.0, colour_of[shown[0]]]]
    colours = dict(color=codes, colorscale=scale, cmin=0, cmax=top, showscale=False)
    full = np.asarray(teacher_xy, dtype=np.float64)
    span = float(np.ptp(full)) or 1.0
    txy = _round(full[keep], span)
    kept_frames = [(step, np.asarray(sxy)[keep]) for step, sxy in frames]
    last = kept_frames[-1][1] if kept_frames else np.full_like(txy, np.nan)
    hit = find_word(words, found) if found else None  # ringed even when its group is not shown
    hit_at = (lambda sxy: np.asarray(sxy, dtype=float)[hit:hit + 1]) if hit is not None else (lambda sxy: None)
    links, student, *student_hit = _moving(txy, last, hit_at(frames[-1][1] if frames else full[:0]))
    anchors = anchor_words(txy, words_k, groups_k, shown)
    data = [
        links | dict(mode="lines", hoverinfo="skip", showlegend=False, name="links",
                     line=dict(color="rgba(120,120,120,0.35)", width=0.7)),
        dict(type="scatter", x=txy[:, 0], y=txy[:, 1], mode="markers", name="teacher", showlegend=False,
             text=words_k, customdata=groups_k, marker=colours | dict(size=9, opacity=0.8),
             hovertemplate="<b>%{text}</b><br>teacher · %{customdata}<extra></extra>"),
        student | dict(mode="markers", name="student", showlegend=False, text=words_k, customdata=groups_k,
                       marker=colours | dict(size=9, symbol="diamond-open", line=dict(width=1.6)),
                       hovertemplate="<b>%{text}</b><br>student · %{customdata}<extra></extra>"),
        dict(type="scatter", x=txy[anchors, 0], y=txy[anchors, 1], mode="text", name="anchor words",
             showlegend=False, text=[words_k[i] for i in anchors], textposition="bottom center", hoverinfo="skip",
             textfont=dict(color=theme.INK)),
    ]
    if hit is not None:
        ring = dict(color="rgba(0,0,0,0)", size=22, line=dict(color=HIGHLIGHT, width=3))
        word = words[hit]
        data.append(dict(type="scatter", x=_f32(full[hit:hit + 1, 0]), y=_f32(full[hit:hit + 1, 1]),
                         mode="markers", name=f"{word} (teacher)", showlegend=False,
                         marker=ring | dict(symbol="circle"),
                         hovertemplate=f"<b>{word}</b><br>teacher<extra></extra>"))
        if student_hit:
            data.append(student_hit[0] | dict(mode="markers", name=f"{word} (student)", showlegend=False,
                                              marker=ring | dict(symbol="diamond"),
                                              hovertemplate=f"<b>{word}</b><br>student<extra></extra>"))
    cents = group_centroids(txy, groups_k)
    # Each name on a label of its group's colour, in white or ink, whichever reads on it (yellow text on white
    # does not).
    names = [dict(x=float(cents[g][0][0]), y=float(cents[g][0][1]), text=f"<b>{g}</b>", showarrow=False,
                  font=dict(color=_ink_on(colour_of[g])), bgcolor=colour_of[g], borderpad=3, opacity=0.92)
             for g in shown if g in cents]
    if hit is not None:  # the word itself on a white label, above the group names, pointing at its teacher dot
        names.append(dict(x=float(full[hit, 0]), y=float(full[hit, 1]), text=f"<b>{words[hit]}</b>", showarrow=True,
                          arrowhead=0, arrowcolor=HIGHLIGHT, ax=36, ay=-34, bgcolor="#ffffff", bordercolor=HIGHLIGHT,
                          borderwidth=1.5, borderpad=3, font=dict(color=HIGHLIGHT)))
    replay = animate and len(kept_frames) > 1
    step_now = kept_frames[-1][0] if kept_frames else 0
    # While replaying, the slider says the step (title and slider can then never disagree).
    when = "replay" if replay else f"step {step_now}"
    layout = _layout(
        f"Token map ({method}, fitted on the teacher) · ● teacher ◇ student · {when}", height=560,
        showlegend=False, annotations=names,
        margin=dict(l=30, r=20, t=56, b=110 if replay else 30),
        xaxis=dict(showticklabels=False, title=dict(text=f"{method} 1"), zeroline=False),
        yaxis=dict(showticklabels=False, title=dict(text=f"{method} 2"), zeroline=False, scaleanchor="x",
                   scaleratio=1),
    )
    out = None
    if replay:
        layout |= _replay_controls(kept_frames)
        moving = [0, 2] + ([5] if len(data) > 5 else [])
        out = [dict(data=_moving(txy, sxy[keep], hit_at(sxy)), traces=moving, name=str(step)) for step, sxy in frames]
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
                      currentvalue=dict(prefix="step ", xanchor="right"),
                      steps=[dict(label=str(s), method="animate", args=[[str(s)], still]) for s, _ in frames])],
    )


def floor_is_zero(floor: float, scale: float) -> bool:
    """A floor that is zero up to rounding (d_s >= the targets' rank): a ratio to it means nothing."""
    return not floor > 1e-9 * max(scale, 1e-30)


# -- 4. the live caption -------------------------------------------------------------------------------------
def live_caption(latest: dict | None, status: str, total_steps: int, k: int = 10, view=None) -> str:
    """One or two sentences that say what is happening, in words."""
    if latest is None:  # no snapshot yet: the words follow the status, as the badge beside them does
        return {"preparing": "Preparing the targets and the student...",
                "queued": "Waiting for a free training slot...",
                "running": "Training: the first point is on its way...",
                "paused": "Paused before the first snapshot: press **Resume** or **Step**.",
                "done": "The run finished before its first snapshot.",
                "error": "The run stopped: see the message below."}.get(status, "Press **Start** to distil.")
    step, ratio, knn = latest["step"], latest["ratio"], latest["knn_overlap"]
    where = f"Step {step:,} of {total_steps:,}"
    if not math.isfinite(ratio) or floor_is_zero(latest.get("floor", 1.0), latest.get("loss", 1.0)):
        gap = "the floor is zero here, so any loss above it is room to improve"
    else:  # from the ratio and the spectrum together (labui.run_summary), rounded as the tile rounds it
        from .run_summary import caption_gap
        gap = caption_gap(ratio, view)
    agree = f"{knn:.0%} of each token's {k} nearest neighbours agree with the teacher's"
    tail = {"paused": " (paused).", "done": ". Run finished.", "queued": " (waiting for a slot)."}.get(status, ".")
    return f"{where}: {gap}; {agree}{tail}"
