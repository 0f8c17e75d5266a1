"""Word-benchmark figures and the sentence the teaching pages cite: every number drawn or written is one computed."""
import json

import pytest
import torch

from distill_core.evaluation import wordbench

from distill_core.evaluation import wordreport
from labui.word_figures import rho_vs_ds_figure, word_rho_figure


def test_live_rho_figure_draws_the_history_and_the_reference():
    history = [{"step": s, "wordsim_rho": r, "simlex_rho": r / 2, "wordsim_ref": 0.7, "simlex_ref": 0.4}
               for s, r in ((0, 0.01), (5, 0.3), (10, 0.65))]
    fig = word_rho_figure(history + [{"step": 15}])          # a snapshot without the metric is skipped
    student = [t for t in fig.data if t.name.startswith("student")]
    assert list(student[0].y) == pytest.approx([0.01, 0.3, 0.65]) and list(student[0].x) == [0, 5, 10]
    assert list(student[1].y) == pytest.approx([0.005, 0.15, 0.325])
    refs = [t for t in fig.data if t.name.startswith("target")]
    assert [list(t.y) for t in refs] == [pytest.approx([0.7, 0.7]), pytest.approx([0.4, 0.4])]
    assert len(word_rho_figure([]).data) == 2                  # an empty run draws empty student lines


def test_rho_vs_ds_figure_series(tmp_path):
    optimum = {16: {"wordsim": 0.5}, 128: {"wordsim": 0.73}}
    fig = rho_vs_ds_figure(optimum, {"wordsim": 0.74}, student={16: 0.52}, model2vec={16: 0.45, 128: 0.6})
    names = [t.name for t in fig.data]
    assert names[0].startswith("rank-d_s optimum") and "trained student" in names and "Model2Vec" in names
    assert list(fig.data[names.index("Model2Vec")].y) == pytest.approx([0.45, 0.6])
    data = {"computed_at": "x", "machine": "y", "dims": {"16": {"student": {"scores": {"lifted": {"wordsim": {"rho": 0.52}}}},
                                                          "model2vec": {"scores": {"wordsim": {"rho": 0.45}}},
                                                          "optimum": {"lifted": {"wordsim": {"rho": 0.5}}}}}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    cached = wordreport.cached_comparison(path)
    assert wordreport.comparison_series(cached, "model2vec") == {16: 0.45}
    assert wordreport.comparison_series(cached, "student") == {16: 0.52}
    assert wordreport.cached_comparison(tmp_path / "none.json") is None


@pytest.mark.skipif(not wordbench.available(), reason="gensim (the benchmark files) is not installed")
def test_the_sentence_cites_numbers_computed_from_the_teacher(bundled_teacher):
    text = wordreport.semantic_sentence(bundled_teacher, 128, 16)
    r = wordreport.optimum_rhos(bundled_teacher, (16, 128))
    for value in (r["teacher"]["wordsim"], r["optimum"][128]["wordsim"], r["optimum"][16]["simlex"]):
        assert f"{value:.2f}" in text
    assert r["optimum"][16]["wordsim"] < r["optimum"][128]["wordsim"] <= r["teacher"]["wordsim"] + 0.01


@pytest.mark.skipif(not wordbench.available(), reason="gensim (the benchmark files) is not installed")
def test_the_cheap_optimum_rows_are_the_svd_optimum(bundled_teacher):
    from distill_core.evaluation.wordscores import Optimum

    table = bundled_teacher.embeddings.word_embeddings.weight.detach()[:3000]
    ids = torch.tensor([0, 17, 2999, 1500])
    for k in (8, 64):
        assert torch.allclose(wordreport.optimum_lookup(table, k)(ids), Optimum(table).lifted(k)[ids], atol=1e-4)


@pytest.mark.skipif(not wordbench.available(), reason="gensim (the benchmark files) is not installed")
def test_page_sections_render_the_computed_numbers():
    from streamlit.testing.v1 import AppTest

    script = '''
import streamlit as st
from labui.common import require_teacher
from labui import word_section as ws
teacher = require_teacher()
ws.sweep_section(teacher)
ws.semantic_note(teacher)
from types import SimpleNamespace
ws.lab_words(SimpleNamespace(config=None, history=[
    {"step": 0, "wordsim_rho": 0.5, "simlex_rho": 0.3, "wordsim_ref": 0.74, "simlex_ref": 0.47}]))
ws.lab_words(SimpleNamespace(config=None, history=[]))
ws.lab_metric(st, None)
'''
    at = AppTest.from_string(script, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [(m.label, m.value) for m in at.metric] == [("WordSim rho", "0.50"), ("WordSim rho", "—")]
    assert len(at.get("plotly_chart")) == 2                    # the sweep's and one live chart (none without data)
    from distill_core.teacher import load_teacher

    r = wordreport.optimum_rhos(load_teacher("bundled", "cpu"))
    assert f"{r['optimum'][16]['wordsim']:.2f} at 16" in at.caption[0].value
