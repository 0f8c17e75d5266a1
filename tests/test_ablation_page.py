"""The TinyBERT page's embedding-loss comparison through AppTest on the bundled teacher: the expected duration is
shown before anything starts, then both students train, and what it showed is computed from the run."""
from __future__ import annotations

from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from tests.test_downstream_pages import _stop, _texts, _until

ROOT = Path(__file__).resolve().parent.parent


def test_ablation_shows_its_duration_first_then_runs():
    at = AppTest.from_file(str(ROOT / "app_pages" / "tinybert.py"), default_timeout=120).run()
    assert not at.exception and not at.error
    assert "Does aligning the embeddings help the later layers?" in [h.value for h in at.header]
    assert not [b for b in at.button if b.key == "ab_start"]  # no Start before an estimate
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        at.select_slider(key="ablation_ab_d_s").set_value(24)
        at.select_slider(key="ablation_ab_layers").set_value(1)
        at.select_slider(key="ablation_ab_steps").set_value(20)
        at.select_slider(key="ablation_ab_ft").set_value(20)
        at.radio(key="ablation_ab_task").set_value("tokens")
        at.slider(key="ablation_ab_seeds").set_value(1)  # the page asks for 3 by default: one is enough here
        next(b for b in at.button if b.label == "Estimate how long it takes").click().run()
        assert not at.exception and not at.error
        info = " ".join(i.value for i in at.info)
        assert "Expected: about" in info and "ab_job" not in at.session_state  # shown, nothing started
        at.button(key="ab_start").click().run()
        assert _until(at, lambda a: "What it showed" in _texts(a) and a.session_state["ab_job"].result is not None
                      and not a.session_state["ab_job"].running), "the comparison did not finish"
        assert not at.exception and not at.error
        arms = at.session_state["ab_job"].result
        assert [a.lambda_e for a in arms] == [1.0, 0.0] and all(a.accuracy is not None for a in arms)
        text = _texts(at)
        assert f"{arms[0].accuracy:.1%}" in text and f"{arms[1].accuracy:.1%}" in text
        specs = " ".join(c.proto.spec for c in at.get("plotly_chart"))
        assert "TinyBERT paper" in specs and "per layer" in specs
        assert any(df.value.shape[0] == 5 for df in at.dataframe)  # the paper's four tasks and their average
    finally:
        torch.set_num_threads(n)
        _stop(at, "ab_job")
