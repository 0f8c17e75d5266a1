"""The concepts, sweep and interview pages, headless through streamlit's AppTest, on the bundled teacher."""
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from distill_core.lessons.interview import QUESTIONS
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / name), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(at: AppTest, i: int) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def test_concepts_shape_demo_and_quick_student():
    at = page("concepts.py")
    assert any("(10,128) x (128,768) -> (10,768)" in c.value for c in at.code)
    assert not at.error
    at.number_input(key="concepts_n").set_value(7).run()
    assert any("(7,128) x (128,768) -> (7,768)" in c.value for c in at.code)
    at.button(key="train_quick").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table.columns) == ["teacher", "student (E_s W_e + b)"] and len(table) == 10
    titles = [figure(at, i)["layout"]["title"]["text"] for i in range(len(at.get("plotly_chart")))]
    assert "Singular values under a change of basis A" in titles
    at.text_input(key="concepts_word").set_value("distillationally").run()
    assert at.error  # not one token: one sentence, no traceback
    assert not at.exception


def test_sweep_floor_falls_and_short_runs_start_and_stop():
    at = page("sweep.py")
    fig = figure(at, 0)
    floors = [t for t in fig["data"] if t["name"].startswith("floor")]
    assert {t["name"] for t in floors} == {"floor, vocab targets", "floor, sequence targets"}
    for t in floors:
        y = np.array([v for v in t["y"] if v is not None], dtype=float)
        assert np.all(np.diff(y) <= 1e-15) and y[0] > 5 * y[-1]
    at.button[0].click().run()          # "Train short runs": a background thread, the page returns at once
    job = at.session_state["sweep_job"]
    job.stop()                          # ends after the current d_s
    job.join(timeout=TIMEOUT)
    at.run()
    assert not at.exception
    frac, result = job.values()["progress"]
    assert job.error is None and 1 <= len(result.dims) < 6
    sweep = figure(at, 1)
    reached = [t for t in sweep["data"] if t["name"] == "reached by training"][0]
    floor = [t for t in sweep["data"] if t["name"] == "floor of this target set"][0]
    assert reached["y"][0] >= floor["y"][0] * (1 - 1e-4)


def test_interview_study_show_me_and_self_test():
    at = page("interview.py")
    assert len([e for e in at.expander if e.label != "About these numbers"]) == len(QUESTIONS)
    at.button(key="show_where").click().run()          # the forward-pass diagram: instant
    assert not at.exception and len(at.get("plotly_chart")) == 1
    at.button(key="show_bridge").click().run()         # the shape demo
    assert any("(10,128) x (128,768) -> (10,768)" in m.value for m in at.success)
    at.radio(key="interview_mode").set_value("Self-test").run()
    for q in QUESTIONS[:-1]:
        at.radio(key=f"interview_q_{q.key}").set_value(q.correct)
    at.button[0].click().run()
    assert not at.exception
    assert at.metric[0].value == f"{len(QUESTIONS) - 1} / {len(QUESTIONS)}"
    assert at.session_state["quiz_score"] == len(QUESTIONS) - 1
