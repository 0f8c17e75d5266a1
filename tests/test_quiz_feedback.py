"""Issue 21, item 10: after "Check my answers", every question gets its verdict and one line on why; the wrong
options are mistakes a candidate makes (their lengths are checked in test_teaching_truth)."""
from __future__ import annotations

from distill_core.lessons.interview import QUESTIONS
from tests.test_teaching_pages import page
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)


def test_each_question_has_a_reason_for_every_option():
    for q in QUESTIONS:
        assert len(q.why) == len(q.choices) == 4 and all(len(w) > 30 for w in q.why), q.key
        assert len(set(q.choices)) == 4


def test_check_answers_gives_a_verdict_and_a_reason_per_question():
    at = page("interview.py")
    at.radio(key="interview_mode").set_value("Self-test").run()
    right, wrong, blank = QUESTIONS[0], QUESTIONS[1], QUESTIONS[2]
    at.radio(key=f"interview_q_{right.key}").set_value(right.correct)
    at.radio(key=f"interview_q_{wrong.key}").set_value(2)
    at.button[0].click().run()
    assert not at.exception
    text = [m.value for m in at.markdown]
    verdicts = [t for t in text if "Right.**" in t or "Not quite.**" in t or "Not answered.**" in t]
    assert len(verdicts) == len(QUESTIONS)
    assert any(t.startswith(":green[**1. Right.**]") and right.why[right.correct] in t for t in verdicts)
    mine = next(t for t in verdicts if t.startswith(":red[**2. Not quite.**]"))
    assert wrong.choices[2] in mine and wrong.why[2] in mine and wrong.why[wrong.correct] in mine
    assert any(t.startswith(":orange[**3. Not answered.**]") and blank.why[blank.correct] in t for t in verdicts)
    assert at.metric[0].value == f"1 / {len(QUESTIONS)}"
