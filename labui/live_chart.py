"""Charts changed in place: one plotly.js figure per chart stays in the page, and a rerun sends only what changed.

The figure builders stay the single source of truth (plain data in, a plotly Figure out). The first time a chart is
drawn, or when its structure changes (other traces, a replay with frames), the component gets the figure's JSON and
draws it with ``Plotly.react``. Afterwards each rerun compares the new figure with the one the browser holds and
sends only the difference: the points appended to a trace (``Plotly.extendTraces``), a trace whose points all moved
(``Plotly.restyle``, or ``Plotly.animate`` with a short transition for a chart that glides, the token map), and the
layout keys that changed (``Plotly.relayout``). A chart that missed a revision asks once for the whole figure.

plotly.js itself (its cartesian bundle, 1.5 MB, shipped in assets/, so the page needs no network) reaches the
browser once per session through a tiny loader component drawn outside the live fragment; a chart that still finds
no plotly.js after 2 s (the loader's message dropped by a rerun that started before it left the server) asks for it
through its ``plotly`` state, and the next rerun sends the bundle with that chart's data.

Streamlit Components v2 (``st.components.v2.component``): inline JS, no iframe, the component's DOM kept across
reruns. AppTest does not run the JS: the figure drawn last is kept in ``st.session_state[f"lab_chart_{key}"]``.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder
import streamlit as st

HERE = Path(__file__).resolve().parent
GLIDE_MS = 300  # a map frame's points move to their new places over this long (a person follows the motion)
_STATE = "_live_chart_sent"  # {key: what the browser was sent last}
_LOADED = "_plotly_js_loaded"

_chart = st.components.v2.component("distill_live_chart", js=(HERE / "live_chart.js").read_text(),
                                    css=".live-chart { width: 100%; }", isolate_styles=False)
_loader = st.components.v2.component("distill_plotly_loader", js=(HERE / "plotly_loader.js").read_text(),
                                     isolate_styles=False)


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js's cartesian bundle (scatter, bar, heatmap: every live chart's traces; 1.5 MB where the full
    plotly.min.js is 4.6 MB), at the plotly.js version the plotly package writes figures for
    (assets/README.md)."""
    return (Path(__file__).resolve().parent.parent / "assets" / "plotly-cartesian.min.js").read_text(encoding="utf-8")


def _noop() -> None:
    pass


def load_plotly(where=None) -> None:
    """Mount the loader (call it outside any fragment): plotly.js goes in this session's first run that mounts it and
    never again. The browser keeps ``window.Plotly`` for the whole session (moving between pages keeps the document;
    a reload is a new session, which is sent it again), and each live chart waits for it. The loader reports nothing
    back: its report was a rerun a moment after the page appeared, and a Start clicked meanwhile was lost with it."""
    sent = bool(st.session_state.get(_LOADED))
    with where if where is not None else st.container():
        _loader(key="plotly_loader", data={"js": None if sent else plotly_js()}, height="content")
    st.session_state[_LOADED] = True


# -- what changed between two figures ------------------------------------------------------------------------
def _arr(v) -> np.ndarray | None:
    if v is None:
        return None
    a = np.asarray(v)
    return a if a.dtype != object else np.asarray([np.nan if x is None else x for x in a], dtype=float)


def _plain(a: np.ndarray) -> list:
    """A JSON array (NaN as null: plotly reads null as a gap; JSON has no NaN)."""
    out = a.tolist()
    if a.dtype.kind == "f" and np.isnan(a).any():
        out = [None if (isinstance(v, float) and math.isnan(v)) else v for v in out]
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f")


def _extends(old, new) -> bool:
    return old is not None and new is not None and len(new) >= len(old) and _same(new[: len(old)], old)


def _layout(fig: go.Figure) -> dict:
    return json.loads(json.dumps(fig.layout.to_plotly_json(), cls=PlotlyJSONEncoder))


def _summary(fig: go.Figure) -> dict:
    """What the diff needs: each trace's type and x/y arrays (and a heatmap's z), the layout, whether it has
    frames."""
    return {"types": [t.type for t in fig.data], "x": [_arr(getattr(t, "x", None)) for t in fig.data],
            "y": [_arr(getattr(t, "y", None)) for t in fig.data],
            "z": [_arr(getattr(t, "z", None)) for t in fig.data], "layout": _layout(fig),
            "frames": len(fig.frames or ())}


def diff(old: dict, new: dict, glide: tuple[int, ...] = ()) -> list[dict] | None:
    """The operations that take the browser's figure ``old`` to ``new`` (summaries), or None when only a whole
    figure will do (other traces, frames). Traces listed in ``glide`` move by animation when all their points
    changed; the others are extended when their old points are a prefix of the new, else replaced."""
    if old["types"] != new["types"] or old["frames"] or new["frames"]:
        return None
    if not all(_same(a, b) for a, b in zip(old.get("z", []), new.get("z", []))):
        return None  # a heatmap's cells changed: the whole figure (W_e's, every few seconds)
    ext, rep, gl = {"traces": [], "x": [], "y": []}, {"traces": [], "x": [], "y": []}, {"traces": [], "x": [], "y": []}
    for i in range(len(new["types"])):
        ox, oy, nx, ny = old["x"][i], old["y"][i], new["x"][i], new["y"][i]
        if _same(ox, nx) and _same(oy, ny):
            continue
        if nx is None or ny is None:
            return None
        if i not in glide and _extends(ox, nx) and _extends(oy, ny) and len(nx) == len(ny):
            n = 0 if ox is None else len(ox)
            ext["traces"].append(i), ext["x"].append(_plain(nx[n:])), ext["y"].append(_plain(ny[n:]))
        else:
            target = gl if i in glide and ox is not None and len(ox) == len(nx) else rep
            target["traces"].append(i), target["x"].append(_plain(nx)), target["y"].append(_plain(ny))
    ops = []
    changed = {k: v for k, v in new["layout"].items() if old["layout"].get(k) != v}
    changed.update({k: None for k in old["layout"] if k not in new["layout"]})
    if changed:
        ops.append({"relayout": changed})
    for name, part in (("extend", ext), ("restyle", rep), ("glide", gl)):
        if part["traces"]:
            ops.append({name: part})
    return ops


# -- the chart ------------------------------------------------------------------------------------------------
def live_chart(fig: go.Figure, key: str, *, glide: tuple[int, ...] = (), frame: int | None = None,
               height: int | None = None, config: dict | None = None):
    """Draw ``fig`` under ``key``: the whole figure the first time, afterwards only what changed since the figure
    this session last sent. ``glide``: trace indices whose points move by a short animation; ``frame``: a replay
    frame (by name) to show, for figures with frames."""
    st.session_state[f"lab_chart_{key}"] = fig  # the figure drawn, for AppTest and the export
    sent = st.session_state.setdefault(_STATE, {})
    prev = sent.get(key)
    summary = _summary(fig)
    height = height or int(fig.layout.height or 360)
    asked = st.session_state.get(f"_lc_{key}", {}).get("need") if f"_lc_{key}" in st.session_state else None
    rev = (prev["rev"] + 1) if prev else 1
    ops = None if prev is None or (asked is not None and asked != prev.get("answered") and asked >= 1) \
        else diff(prev["summary"], summary, glide)
    data = {"key": key, "rev": rev, "base": prev["rev"] if prev else None, "height": height, "frame": frame,
            "glide_ms": GLIDE_MS, "config": config or {}}
    wants_js = (st.session_state.get(f"_lc_{key}") or {}).get("plotly")
    if wants_js and wants_js != st.session_state.get(f"_lc_js_{key}"):  # this page never got plotly.js: send it
        data["js"] = plotly_js()
        st.session_state[f"_lc_js_{key}"] = wants_js
    if ops is None:
        data |= {"full": fig.to_json(), "ops": []}
    elif not ops and prev is not None:
        # Nothing new: "you should be at rev already". A browser that skipped a render (React may coalesce two
        # quick updates) and is behind sees the mismatch and asks for the whole figure.
        data |= {"full": None, "ops": [], "rev": prev["rev"], "base": prev["rev"]}
        rev = prev["rev"]
    else:
        data |= {"full": None, "ops": ops}
    sent[key] = {"rev": rev, "summary": summary,
                 "answered": asked if ops is None else (prev or {}).get("answered")}
    st.session_state[f"lab_sent_{key}"] = data  # what this rerun sent, for tests
    return _chart(key=f"_lc_{key}", data=data, default={"need": 0, "plotly": 0}, on_need_change=_noop,
                  on_plotly_change=_noop, height=height, width="stretch")
