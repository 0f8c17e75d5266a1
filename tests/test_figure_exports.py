"""Figures for a room and a slide: the token map's groups and names, "find a word", the CLI's PNGs and GIF, the
lab's HTML page."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from labui import figure_export as X
from labui import lab_figures as F
from labui import theme

ROOT = Path(__file__).resolve().parent.parent


def clustered(groups=12, per=10, frames=5, seed=0):
    """Word groups as blobs in a 16-d teacher space, their 2-D layout, and a student drifting onto the teacher."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((groups, 16)) * 4
    teacher = np.concatenate([c + rng.standard_normal((per, 16)) for c in centres])
    words = [f"word{i}" for i in range(groups * per)]
    names = [f"group {i // per}" for i in range(groups * per)]
    xy = (teacher - teacher.mean(0)) @ np.linalg.svd(teacher - teacher.mean(0), full_matrices=False)[2][:2].T
    student = teacher + rng.standard_normal(teacher.shape) * 0.3
    fr = [(5 * k, xy + rng.standard_normal(xy.shape) / (k + 1)) for k in range(frames)]
    return teacher, student, xy.astype(np.float32), words, names, fr


def test_the_map_shows_at_most_eight_groups_with_their_names_written_on_it():
    _, _, xy, words, groups, frames = clustered()
    fig = F.map_figure(xy, words, groups, frames, "PCA")
    shown = [a.text.replace("<b>", "").replace("</b>", "") for a in fig.layout.annotations]
    assert len(shown) == F.MAX_GROUPS and len(set(shown)) == F.MAX_GROUPS
    dots = fig.data[1]
    assert set(dots.customdata) == set(shown)  # only the shown groups' tokens are drawn
    # each name sits at its group's teacher centroid (raised a few px by yshift), in the group's Okabe-Ito colour
    labels = np.asarray(groups)
    for a in fig.layout.annotations:
        g = a.text.replace("<b>", "").replace("</b>", "")
        c = xy[labels == g].mean(0)
        assert (a.x, a.y) == pytest.approx((c[0], c[1]), abs=float(1e-2 * np.ptp(xy)))
        assert a.bgcolor in theme.OKABE_ITO
    assert len({a.bgcolor for a in fig.layout.annotations}) == F.MAX_GROUPS
    anchors = fig.data[3]
    assert anchors.mode == "text" and len(anchors.text) == 2 * F.MAX_GROUPS
    # no legend-only traces: every trace has points on the map
    assert all(t.x is not None and len(t.x) and t.x[0] is not None for t in fig.data)


def test_the_default_groups_stand_apart_and_a_choice_is_kept():
    _, _, xy, words, groups, frames = clustered()
    default = F.default_groups(xy, groups)
    assert len(default) == 8 and len(set(default)) == 8
    fig = F.map_figure(xy, words, groups, frames, shown=["group 1", "group 2"])
    assert sorted(a.text for a in fig.layout.annotations) == ["<b>group 1</b>", "<b>group 2</b>"]
    assert len(fig.data[1].x) == 20


def test_find_a_word_rings_both_points_and_lists_both_neighbour_sets():
    teacher, student, xy, words, groups, frames = clustered()
    i = F.find_word(words, "  WORD13 ")
    assert i == 13 and F.find_word(words, "nope") is None
    nb = F.neighbours(teacher, student, i, k=5)
    # brute force: cosine neighbours in each space, the word itself left out
    def brute(x):
        z = x / np.linalg.norm(x, axis=1, keepdims=True)
        sim = z @ z[i]
        sim[i] = -np.inf
        return list(np.argsort(-sim)[:5])
    assert nb["teacher"] == brute(teacher) and nb["student"] == brute(student)
    assert nb["shared"] == [j for j in nb["teacher"] if j in nb["student"]]
    assert nb["overlap"] == len(nb["shared"]) / 5
    assert all(groups[j] == groups[i] for j in nb["teacher"])  # its own blob
    fig = F.map_figure(xy, words, groups, frames, found="word13", animate=True)
    t_ring, s_ring = fig.data[4], fig.data[5]
    assert (t_ring.x[0], t_ring.y[0]) == pytest.approx(tuple(xy[13]), abs=1e-3)
    assert (s_ring.x[0], s_ring.y[0]) == pytest.approx(tuple(frames[-1][1][13]), abs=1e-3)
    assert any(a.text == "<b>word13</b>" and a.showarrow for a in fig.layout.annotations)  # its name, on top
    assert list(fig.frames[0].traces) == [0, 2, 5]  # the student's ring moves with the replay
    assert fig.frames[0].data[2].x[0] == pytest.approx(frames[0][1][13, 0], abs=1e-3)


def test_the_map_panel_lists_both_neighbour_sets(monkeypatch):
    from streamlit.testing.v1 import AppTest

    def page():
        import numpy as np
        import streamlit as st
        from types import SimpleNamespace
        from labui import map_panel
        from tests.test_figure_exports import clustered

        teacher, student, xy, words, groups, frames = clustered()
        setup = SimpleNamespace(words=words, groups=groups, teacher_probe=teacher, pca_teacher=xy, umap_teacher=None)
        view = SimpleNamespace(setup=setup, config=None, frames_pca=frames, frames_umap=[], status="done",
                               probe_student=student)
        map_panel.token_map(view, "PCA")

    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert not at.exception
    assert len(at.multiselect[0].value) == 8
    at.selectbox[0].select("word13").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Teacher's nearest" in text and "Student's nearest" in text
    assert "word1" in text and any("shared" in c.value for c in at.caption)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name") == "word13 (teacher)" for t in spec["data"])


def test_the_html_page_holds_every_chart_once_with_one_plotly_and_opens_offline(tmp_path):
    teacher, student, xy, words, groups, frames = clustered()
    history = [dict(step=s, loss=0.1 / (1 + s), train_loss=0.1 / (1 + s), probe_loss=0.1 / (1 + s), wordsim_rho=0.5,
                    simlex_rho=0.3, wordsim_ref=0.6, simlex_ref=0.4) for s, _ in frames]
    run = X.RunFigures(history, 0.01, np.linspace(5, 1, 16), 4, np.linspace(4, 0, 16),
                       [np.ones(4)] * len(frames), xy, words, groups, frames)
    page = X.figures_html(run.live())
    assert page.count("Plotly.newPlot") == 5  # loss, spectrum, word rho, map, W_e
    assert "<script src=" not in page and page.count("plotly.js (cartesian - minified)") == 1  # inlined once: offline
    assert len(page.encode()) < 2_000_000
    assert "\"x\":[null]" not in page.replace(" ", "")  # no legend-only traces
    assert "Plotly.animate" not in page  # no replay starting by itself: the slider stays at the newest step


def cli(*args, timeout=600):
    env = os.environ | {"PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", "distill_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_cli_writes_three_slides_and_a_gif_frame_per_snapshot(tiny_teacher_dir, tmp_path):
    if X.browser() is None:
        pytest.skip("no Chrome or Chromium on this machine")
    from PIL import Image

    out = tmp_path / "run"
    r = cli("run", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--layers", "1", "--steps", "20",
            "--snapshot-every", "5", "--device", "cpu", "--out", str(out), "--figures", "--quiet")
    assert r.returncode == 0, r.stderr
    for name in ("loss", "spectrum", "map"):
        with Image.open(out / "figures" / f"{name}.png") as im:
            w, h = im.size
            assert w >= 1600 and w * 9 == h * 16, (name, im.size)
    with Image.open(out / "figures" / "map_replay.gif") as gif:
        assert gif.n_frames == 5  # steps 0, 5, 10, 15, 20
        assert gif.size == (1600, 900)


def test_without_a_browser_one_sentence_and_the_rest_written(tiny_teacher_dir, tmp_path):
    out = tmp_path / "run"
    env_path = os.environ.get("PATH", "")
    r = subprocess.run([sys.executable, "-m", "distill_core", "run", "--teacher", str(tiny_teacher_dir),
                        "--student-dim", "8", "--layers", "1", "--steps", "5", "--device", "cpu", "--out", str(out),
                        "--figures", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env=os.environ | {"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent),
                                         "BROWSER_PATH": str(tmp_path / "no-such-browser")})
    assert env_path  # the real PATH is untouched for the other tests
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines()[-1] == X.NO_BROWSER
    assert (out / "history.csv").is_file() and (out / "w_e.safetensors").is_file()
    assert not (out / "figures" / "map.png").exists()
