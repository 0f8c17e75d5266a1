"""The live charts change in place: after the first figure, a rerun sends only what changed (new points appended,
a moved trace, a changed layout key), never the figure again; and the lab's figures stay reachable for AppTest."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from helpers_lab import lab_app, press, step_of, stop, wait_for
from labui import live_chart as LC


def fig(n: int, title: str = "t", moving=None) -> go.Figure:
    x = np.arange(n, dtype=np.float32)
    data = [go.Scatter(x=x, y=x ** 2, name="curve"), go.Scatter(x=[0, 1], y=[2, 3], name="still")]
    if moving is not None:
        data.append(go.Scatter(x=moving[:, 0], y=moving[:, 1], name="tokens"))
    return go.Figure(data, layout=dict(title=dict(text=title)))


def test_new_points_are_appended_and_only_they_are_sent():
    ops = LC.diff(LC._summary(fig(5)), LC._summary(fig(8)))
    assert ops == [{"extend": {"traces": [0], "x": [[5.0, 6.0, 7.0]], "y": [[25.0, 36.0, 49.0]]}}]


def test_nothing_new_sends_nothing_and_a_title_is_a_relayout():
    assert LC.diff(LC._summary(fig(5)), LC._summary(fig(5))) == []
    ops = LC.diff(LC._summary(fig(5, "a")), LC._summary(fig(5, "b")))
    assert len(ops) == 1 and ops[0]["relayout"]["title"]["text"] == "b"


def test_moved_points_glide_and_gaps_travel_as_null():
    a = np.zeros((3, 2), dtype=np.float32)
    b = a + 1
    b[1] = np.nan  # a gap (the map's links are one trace with gaps)
    ops = LC.diff(LC._summary(fig(4, moving=a)), LC._summary(fig(4, moving=b)), glide=(2,))
    assert ops == [{"glide": {"traces": [2], "x": [[1.0, None, 1.0]], "y": [[1.0, None, 1.0]]}}]
    json.dumps(ops, allow_nan=False)  # valid JSON: the browser's JSON.parse has no NaN
    ops = LC.diff(LC._summary(fig(4, moving=a)), LC._summary(fig(4, moving=b)))  # not gliding: replaced
    assert list(ops[0]) == ["restyle"]


def test_other_traces_or_frames_need_the_whole_figure():
    assert LC.diff(LC._summary(fig(4)), LC._summary(fig(4, moving=np.zeros((2, 2))))) is None
    replay = fig(4)
    replay.frames = [go.Frame(data=[go.Scatter(x=[1], y=[1])], name="1")]
    assert LC.diff(LC._summary(fig(4)), LC._summary(replay)) is None


def test_a_heatmap_whose_cells_changed_is_sent_whole():
    """W_e's heatmap (index x snapshot) gains a column and changes its cells: the whole figure, never a diff that
    would extend x and leave z behind; the same heatmap again sends nothing."""
    from labui import lab_figures as F

    sv = [np.linspace(3, 1, 8) * (1 + k / 10) for k in range(4)]
    a, b = F.we_figure([0, 5, 10], sv[:3]), F.we_figure([0, 5, 10, 15], sv)
    assert LC.diff(LC._summary(a), LC._summary(b)) is None
    assert LC.diff(LC._summary(b), LC._summary(F.we_figure([0, 5, 10, 15], sv))) == []


def test_the_lab_sends_the_figure_once_then_only_new_points(tiny_teacher_dir):
    """In the lab itself (AppTest runs the page; the component's data is what the server sends the browser)."""
    at = lab_app(teacher=tiny_teacher_dir, d_s=8, probe_size=40, snapshot_every=1, steps=100_000, stop_tol=0.0)
    try:
        press(at, "Start")
        assert wait_for(at, lambda a: "lab_sent_loss" in a.session_state and step_of(a) is not None)
        first = at.session_state["lab_sent_loss"]
        assert first["full"] and json.loads(first["full"])["data"]  # the first time: the whole figure
        seen_before = len(at.session_state["lab_worker"].view().history)
        assert wait_for(at, lambda a: len(a.session_state["lab_worker"].view().history) > seen_before + 2)
        sent = at.session_state["lab_sent_loss"]
        assert sent["full"] is None and sent["base"] is not None
        extend = [op["extend"] for op in sent["ops"] if "extend" in op]
        assert extend, sent["ops"]
        shown = at.session_state["lab_chart_loss"]  # the figure drawn, kept for tests and the export
        points = len(shown.data[0].x)
        for xs in extend[0]["x"]:
            assert 0 < len(xs) < points  # only the points since the last rerun, not the curve
        assert extend[0]["x"][0][-1] == shown.data[0].x[-1]  # ending at the newest step
        sent_numbers = sum(len(xs) for op in sent["ops"] for part in op.values() if "x" in part for xs in part["x"])
        drawn_numbers = sum(len(t.x) for t in shown.data if t.x is not None)
        assert sent_numbers < drawn_numbers  # fewer numbers than the figure holds
        for name in ("spectrum", "map"):
            assert at.session_state[f"lab_sent_{name}"]["full"] is None  # these changed in place too
    finally:
        stop(at)


@pytest.mark.parametrize("loaded", [False, True])
def test_plotly_js_goes_once_per_session(loaded):
    """Sent in the session's first run, never after; and the loader asks for no rerun of its own."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(f"""
import streamlit as st
from labui import live_chart as LC
st.session_state["{LC._LOADED}"] = {loaded}
LC.load_plotly()
""", default_timeout=30).run()
    assert not at.exception
    data = json.loads(at.get("bidi_component")[0].proto.json)
    assert (data["js"] is None) == loaded
    if not loaded:
        assert "Plotly" in data["js"][:5000] or len(data["js"]) > 1_000_000  # plotly.js's cartesian bundle
    assert at.session_state[LC._LOADED] is True  # the next run sends nothing
    assert "setStateValue" not in (Path(LC.__file__).parent / "plotly_loader.js").read_text()
