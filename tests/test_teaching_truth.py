"""What the teaching pages say agrees with what they compute: options of similar length, the layer map's rounding,
both teacher widths, tokens any font draws, round axis ticks, significant figures, every start in a legend, and the
rows every floor is taken over."""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from distill_core.lessons.concepts import example_shapes, readable_token
from distill_core.evaluation.downstream import VariantSummary
from distill_core.lessons.interview import QUESTIONS
from distill_core.tinybert.losses import layer_map
from labui import teaching_figures as tf
from labui.downstream_figures import steps_to_target
from labui.show_me import overlap_conclusion
from labui.tinybert_figures import TERM_TITLES
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parent.parent


# -- the self-test -------------------------------------------------------------------------------------------------
def test_the_right_option_is_not_given_away_by_its_length():
    longest = 0
    for q in QUESTIONS:
        lengths = [len(c) for c in q.choices]
        right, others = lengths[q.correct], lengths[: q.correct] + lengths[q.correct + 1:]
        longest += right == max(lengths)
        assert max(lengths) / min(lengths) <= 1.35, (q.key, lengths)          # similar length, all four
        assert 0.8 <= right / statistics.fmean(others) <= 1.2, (q.key, lengths)
    assert longest <= len(QUESTIONS) / 3, f"the right option is the longest in {longest} of {len(QUESTIONS)}"


# -- the layer map ---------------------------------------------------------------------------------------------------
def test_concepts_diagram_draws_the_layer_map_the_losses_use_and_shows_its_rounding():
    fig = tf.stack_diagram(6, 4)
    labels = [a.text for a in fig.layout.annotations if a.text and a.text.startswith("g(")]
    assert labels == ["g(1) = ⌊1·6/4⌋ = ⌊1.5⌋ = 1", "g(2) = ⌊2·6/4⌋ = ⌊3⌋ = 3", "g(3) = ⌊3·6/4⌋ = ⌊4.5⌋ = 4",
                      "g(4) = ⌊4·6/4⌋ = ⌊6⌋ = 6"]
    assert layer_map(4, 6) == [1, 3, 4, 6]
    # each grey arrow starts at the mapped teacher layer's box (layer g sits at y = g, box height 0.6)
    starts = sorted(a.ay - 0.3 for a in fig.layout.annotations if a.showarrow and a.arrowcolor == "#9ca3af")
    assert starts == pytest.approx([1, 3, 4, 6])


# -- both teacher widths ---------------------------------------------------------------------------------------------
def test_the_worked_example_is_computed_for_both_teachers():
    shapes = list(example_shapes(10, 128).values())
    assert "W_e (128,768) -> (10,768)" in shapes[0] and "W_e (128,384) -> (10,384)" in shapes[1]
    bridge = next(q for q in QUESTIONS if q.key == "bridge")
    assert "384" in bridge.answer and "all-MiniLM-L6-v2" in bridge.answer


# -- small things ------------------------------------------------------------------------------------------------------
def test_tokens_a_font_may_lack_are_written_as_code_points():
    assert readable_token("幸") == "U+5E78"            # the box seen among the teacher's neighbours of "happy"
    assert readable_token("##é") == "##é" and readable_token("happy") == "happy"
    assert readable_token("a\u200b") == "aU+200B"      # an invisible character is not left invisible


def test_parameter_axis_has_round_ticks():
    assert tf.nice_ticks(19.0) == [0, 5, 10, 15, 20] and tf.nice_ticks(3.7) == [0, 1, 2, 3, 4]
    fig = tf.floor_vs_ds_figure([1, 8, 384], {"vocab": np.array([1e-2, 1e-3, 0.0])}, np.array([0.03e6, 1e6, 19e6]))
    ticks = fig.layout.yaxis2.tickvals
    assert list(ticks) == [0, 5, 10, 15, 20] and fig.layout.yaxis2.range[1] >= 19


def test_sweep_table_uses_significant_figures():
    table = tf.sweep_table([256], [1.5838e-4], [1.5085e-4], 3436)
    assert table["reached"] == ["0.000158"] and table["floor (n = 3,436 rows)"] == ["0.000151"]  # not 0.0002 vs 0.0002
    assert table["reached / floor"] == ["1.050"]
    assert tf.sig(1.5e-4) == "0.000150" and tf.sig(0.00275) == "0.00275"  # the same precision in every row


def test_tinybert_titles_use_real_subscripts():
    for title in TERM_TITLES.values():
        assert "_" not in title and "^" not in title
    assert "A<sub>t</sub><sup>g(m)</sup>" in TERM_TITLES["attention"]


def test_every_start_is_in_the_steps_to_target_legend():
    summaries = [VariantSummary("sst", "distilled", [0.8] * 3, [0.8] * 3, [40, 50, 60]),
                 VariantSummary("sst", "random", [0.5] * 3, [0.5] * 3, [None, None, None]),   # never reached
                 VariantSummary("topic", "distilled", [0.8] * 3, [0.8] * 3, [30, 30, 40]),
                 VariantSummary("topic", "random", [0.6] * 3, [0.6] * 3, [90, None, 80])]
    fig = steps_to_target(summaries, 100, {"sst": 0.5, "topic": 0.5})
    named = [t.name for t in fig.data if t.showlegend is not False and (len(t.y or ()) > 0)]
    assert sorted(named) == ["distilled start", "random start"]


def test_neighbour_conclusion_says_what_the_run_kept():
    text = overlap_conclusion({"d_s = 8: kNN overlap@10": 0.30, "d_s = 128: kNN overlap@10": 0.74})
    assert "d_s = 8 keeps 30%" in text and "d_s = 128 keeps 74%" in text and "Fewer than half survive at d_s = 8" in text
    assert "Most neighbourhoods survive" in overlap_conclusion({"d_s = 128: kNN overlap@10": 0.74})


# -- pages: the primer, and the rows of every floor -----------------------------------------------------------------------
def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / name), default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_primer_explains_distillation_before_the_embedding_loss():
    at = page("primer.py")
    body = texts(at)
    for words in ("teacher", "student", "soft targets", "General distillation", "Task-specific distillation",
                  "embedding loss"):
        assert words in body
    assert list(at.table[0].value.index) == ["embedding", "attention", "hidden", "prediction"]
    before = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][1]["y"]
    at.slider(key="primer_T").set_value(6.0).run()
    after = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][1]["y"]
    assert max(after) < max(before)  # a higher temperature softens the teacher's distribution


def test_home_links_the_primer_and_shows_both_widths():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    body = texts(at)
    assert "(10,128) x W_e (128,768)" in body and "(10,128) x W_e (128,384)" in body


def test_sweep_names_the_rows_of_each_floor():
    at = page("sweep.py")
    body = texts(at)
    assert "all 30,522 rows of the teacher's word table" in body
    assert "n = 3,436" in body                       # the short runs' rows, the same as Concepts and Interview prep
    headers = list(at.table[0].value.columns)  # a static table now (its headers wrap at 1,280 px)
    assert "floor, vocab (n = 30,522)" in headers and any(h.startswith("floor, sequence (n = ") for h in headers)


def test_interview_show_me_names_its_rows():
    at = page("interview.py")
    at.button(key="show_floor").click().run()        # two short runs on the shared 3,000-token subset
    assert not at.exception
    assert any("n = 3,436" in c.value and "30,522" in c.value for c in at.caption)


def test_equal_loss_figure_puts_w_e_left_and_the_invariant_product_right():
    arrays = {"W_e, seed 0": np.array([3.0, 1.0]), "W_e, seed 1": np.array([5.0, 0.5]),
              "W_e, seed 0 as (E_s A, A^-1 W_e)": np.array([9.0, 0.1]),
              "E_s W_e, seed 0": np.array([2.0, 1.0]), "E_s W_e, seed 1": np.array([2.0, 1.0]),
              "E_s W_e, seed 0 as (E_s A, A^-1 W_e)": np.array([2.0, 1.0]), "teacher's top 2": np.array([2.1, 1.2])}
    fig = tf.equal_loss_figure(arrays)
    left = [t for t in fig.data if t.xaxis == "x"]
    right = [t for t in fig.data if t.xaxis == "x2"]
    assert [list(t.y) for t in left] == [[3.0, 1.0], [5.0, 0.5], [9.0, 0.1]]
    assert [t.name for t in right][-1] == "teacher's top 2" and right[-1].line.dash == "dash"
    assert "seed 0 as (E_s A, A⁻¹ W_e)" in [t.name for t in left]
    assert next(q for q in QUESTIONS if q.key == "non_unique").experiment == "equal_loss_different_we"


def test_show_me_conclusions_are_said_from_the_run():
    from distill_core.lessons.experiments import Curve, Experiment
    from labui.show_me import RUN_SAYS

    far = Curve("d_s = 8", [0, 80], [0.01, 0.0034], floor=0.0017, d_s=8)    # 2x its floor: not "close to it"
    near = Curve("d_s = 128", [0, 80], [0.01, 0.00057], floor=0.00056, d_s=128)
    said = RUN_SAYS["ds_comparison"](Experiment("ds_comparison", "", [far, near]))
    assert "d_s = 8 ended at 2.00× its floor" in said and "d_s = 128 ended at 1.02× its floor" in said
