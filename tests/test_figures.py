"""Figure builders on synthetic snapshots: the right traces, the floor where it belongs, frames that replay."""
from __future__ import annotations

import math

import numpy as np
import pytest

from labui import lab_figures as F


def history(n=12, floor=0.01):
    return [dict(step=5 * i, loss=floor * (1 + 4 * math.exp(-i / 3)), train_loss=floor * (1 + 5 * math.exp(-i / 3)),
                 probe_loss=floor * (1 + 3 * math.exp(-i / 3)), ratio=1 + 4 * math.exp(-i / 3), knn_overlap=0.1 + 0.05 * i,
                 floor=floor, steps_per_second=4.0, device="cpu") for i in range(n)]


def test_loss_figure_log_scale_with_labelled_floor():
    h = history()
    fig = F.loss_figure(h, 0.01)
    assert fig.layout.yaxis.type == "log"
    # The floor is named in the legend (a label written on the plot sat on the curves that end on it).
    assert [t.name for t in fig.data] == ["MSE, all target rows", "MSE, training batch", "MSE, probe tokens",
                                          "Eckart-Young floor = 0.01"]
    assert list(fig.data[0].y) == [x["loss"] for x in h] and list(fig.data[0].x) == [x["step"] for x in h]
    floor = fig.data[3]
    assert list(floor.y) == [0.01, 0.01] and list(floor.x) == [0, h[-1]["step"]] and floor.line.dash == "dash"
    assert not fig.layout.annotations
    lo, hi = fig.layout.yaxis.range
    assert lo < -2.0 < math.log10(h[0]["train_loss"]) < hi  # floor and first point both visible
    # decades written in full, no bare mantissa
    ax = fig.layout.yaxis
    assert list(ax.ticktext) == ["0.01", "0.02", "0.05"]  # under two decades: 1-2-5, each written in full
    assert all(float(t) == pytest.approx(v) for t, v in zip(ax.ticktext, ax.tickvals))
    assert fig.layout.template.layout.font.size  # the app's template, not sizes of its own


def test_spectrum_shades_what_lies_beyond_d_s():
    sigma = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    fig = F.spectrum_figure(sigma, d_s=2, product_sv=np.array([4.9, 3.9, 0.0, 0.0, 0.0]))
    (shade,) = fig.layout.shapes
    assert (shade.x0, shade.x1) == (2.5, 5.5)
    lost = (9 + 4 + 1) / (25 + 16 + 9 + 4 + 1)  # the energy beyond d_s: what the floor is made of
    assert f"{lost:.0%}" in fig.layout.annotations[0].text
    assert [t.name for t in fig.data] == ["teacher σᵢ(E_t)", "student σᵢ(E_s W_e)"]
    assert fig.data[0].line.color == F.TEACHER and fig.data[1].line.color == F.STUDENT


def test_spectrum_without_a_gap_has_no_shade():
    fig = F.spectrum_figure(np.array([3.0, 2.0]), d_s=8)
    assert not fig.layout.shapes


def test_we_figure_heatmap_is_index_by_snapshot():
    sv = [np.array([3.0, 2.0, 1.0]) * (1 + i) for i in range(4)]
    fig = F.we_figure([0, 5, 10, 15], sv)
    bars, heat = fig.data
    assert list(bars.y) == [12.0, 8.0, 4.0]  # the current spectrum
    z = np.asarray(heat.z)
    assert z.shape == (3, 4)
    assert z[0, 3] == pytest.approx(np.log10(12.0), abs=1e-3)
    assert list(heat.x) == [0, 5, 10, 15]


def map_data(p=30, groups=3, frames=4):
    rng = np.random.default_rng(0)
    teacher = rng.standard_normal((p, 2)).astype(np.float32)
    words = [f"w{i}" for i in range(p)]
    grp = [f"g{i % groups}" for i in range(p)]
    fr = [(5 * k, teacher + rng.standard_normal((p, 2)).astype(np.float32) / (k + 1)) for k in range(frames)]
    return teacher, words, grp, fr


def test_map_figure_joins_each_student_token_to_its_teacher_token():
    teacher, words, groups, frames = map_data()
    fig = F.map_figure(teacher, words, groups, frames, "PCA")
    links, dots, diamonds, anchors = fig.data  # no legend-only traces (they left a stray marker in a corner)
    assert not fig.frames  # no replay while live
    assert list(dots.text) == words and list(diamonds.text) == words and list(dots.customdata) == groups
    assert dots.marker.symbol is None and diamonds.marker.symbol == "diamond-open"
    assert np.allclose(dots.x, teacher[:, 0], atol=1e-3) and np.allclose(diamonds.y, frames[-1][1][:, 1], atol=1e-3)
    # one colour per group: the stepped scale maps group k's code to the k-th Okabe-Ito colour, named on the map
    scale = dict((round(v, 6), c) for v, c in dots.marker.colorscale)
    names = {a.text.strip("</b>"): a.bgcolor for a in fig.layout.annotations}
    assert sorted(names) == ["g0", "g1", "g2"]
    for i, g in enumerate(groups):
        code = dots.marker.color[i]
        assert diamonds.marker.color[i] == code and scale[round(code / 2, 6)] == names[g]
    x = np.asarray(links.x, dtype=float).reshape(-1, 3)
    assert np.allclose(x[:, 0], teacher[:, 0], atol=1e-3) and np.allclose(x[:, 1], frames[-1][1][:, 0], atol=1e-3)
    assert np.isnan(x[:, 2]).all()  # gaps between segments
    assert "step 15" in fig.layout.title.text
    assert len(anchors.text) == 6 and set(anchors.text) <= set(words)  # two words written per group


def test_map_figure_replays_frames_with_slider_and_play():
    teacher, words, groups, frames = map_data()
    fig = F.map_figure(teacher, words, groups, frames, "UMAP", animate=True)
    assert [f.name for f in fig.frames] == ["0", "5", "10", "15"]
    assert list(fig.frames[0].traces) == [0, 2]  # the links and the student tokens move; the teacher stays
    assert np.allclose(fig.frames[1].data[1].x, frames[1][1][:, 0], atol=1e-3)
    assert [s.label for s in fig.layout.sliders[0].steps] == ["0", "5", "10", "15"]
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"
    assert "step" not in fig.layout.title.text  # the slider says the step: the two cannot disagree


def test_live_caption_says_it_in_words():
    h = history()
    text = F.live_caption(h[3] | {"ratio": 1.8, "knn_overlap": 0.62}, "running", 300)
    assert text.startswith("Step 15 of 300") and "1.80× the floor" in text and "62%" in text  # rounded as the tile: 2 decimals
    assert "Start" in F.live_caption(None, "idle", 300)
    assert "paused" in F.live_caption(h[-1], "paused", 300)


def test_a_zero_floor_gets_no_ratio():
    h = history()[3] | {"floor": 1e-35, "loss": 0.05, "ratio": 5e33}
    assert F.floor_is_zero(1e-35, 0.05) and not F.floor_is_zero(0.01, 0.05)
    assert "floor is zero" in F.live_caption(h, "running", 300) and "×" not in F.live_caption(h, "running", 300)
