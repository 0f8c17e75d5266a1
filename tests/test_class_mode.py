"""Class mode at the AppTest level: a link's unknown parameter gets one note naming the closest known one; the lesson
keeps its step in the address and moves by its buttons; its training step runs the lab's own run (same worker, same
settings); the presenter view persists across pages; the share dialog's QR code and link."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from helpers_lab import ROOT, lab_app, stop
from streamlit.testing.v1 import AppTest

from labui import share, state
from labui.lesson_steps import STEPS


def test_unknown_setting_names_the_closest_known_one():
    at = lab_app(ds=32, lr="abc", foo=1)
    try:
        warnings = [w.value for w in at.sidebar.warning]
        assert "Unknown setting 'ds': did you mean 'd_s'? It was ignored." in warnings
        assert any(w.startswith("Unknown setting 'foo':") for w in warnings)
        assert any(w.startswith("lr=abc is not") for w in warnings)  # a bad value still gets its own note
        assert len(warnings) == 3  # one note each, nothing for the app-wide names
        assert at.number_input(key="lab_d_s").value == 128  # the unknown 'ds' changed nothing
    finally:
        stop(at)


def test_app_wide_parameters_are_known_everywhere():
    assert state.unknown_notes(["present", "step", "notes"], ["d_s"] + list(state.APP_WIDE)) == []
    notes = state.unknown_notes(["stpe"], ["d_s"] + list(state.APP_WIDE))
    assert notes == ["Unknown setting 'stpe': did you mean 'step'? It was ignored."]


def lesson(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.switch_page("app_pages/lesson.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def counter(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**") and " / " in m.value)


def test_lesson_step_is_in_the_address_and_the_buttons_move_it():
    assert 8 <= len(STEPS) <= 12
    at = lesson(step=2, ds=1)
    assert counter(at) == f"**2 / {len(STEPS)}**" and at.query_params["step"] == "2"
    assert [w.value for w in at.warning] == ["Unknown setting 'ds': no setting of this page has a similar name. "
                                             "It was ignored."]
    at.button(key="lesson_next").click().run()
    assert counter(at) == f"**3 / {len(STEPS)}**" and at.query_params["step"] == "3"
    at.button(key="lesson_key_pageup").click().run()  # the hidden twin that carries PageUp
    at.button(key="lesson_back").click().run()
    assert counter(at) == f"**1 / {len(STEPS)}**" and "step" not in at.query_params  # the default: a short link
    assert at.button(key="lesson_back").disabled


def test_lesson_step_out_of_range_is_clamped_with_a_note():
    at = lesson(step=99)
    assert counter(at) == f"**{len(STEPS)} / {len(STEPS)}**"
    assert any("step=99" in w.value for w in at.warning)


def test_lesson_training_step_runs_the_labs_run(tiny_teacher_dir):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["teacher"] = str(tiny_teacher_dir)
    at.query_params["steps"] = "3"
    at.switch_page("app_pages/lab.py").run()  # the lab's settings of this session: a tiny teacher, 3 steps
    try:
        at.query_params.clear()
        at.query_params["step"] = "4"
        at.switch_page("app_pages/lesson.py").run()
        at.button(key="lesson_train_32").click().run()
        worker = at.session_state["lab_worker"]
        worker.join(60)
        view = worker.view()
        assert view.config.hidden_size == 32 and view.config.teacher == str(tiny_teacher_dir)
        assert view.config.steps == 3 and view.history and view.history[-1]["step"] == 3
        assert at.session_state["_lab_values"]["d_s"] == 32  # the lab's own setting says the same width
        at.switch_page("app_pages/lab.py").run()
        assert not at.exception
        assert at.number_input(key="lab_d_s").value == 32
        assert at.session_state["lab_worker"] is worker  # one run per session, the lab shows it
    finally:
        stop(at)


def test_presenter_view_from_the_link_persists_across_pages():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["present"] = "1"
    at.switch_page("app_pages/primer.py").run()
    assert at.toggle(key="presenter_toggle").value is True
    at.query_params.clear()  # a page switch: the address starts empty, the session remembers
    at.switch_page("app_pages/interview.py").run()
    assert not at.exception
    assert at.toggle(key="presenter_toggle").value is True
    assert at.query_params["present"] == "1"
    at.toggle(key="presenter_toggle").set_value(False).run()
    assert "present" not in at.query_params


def test_qr_code_is_scannable_size_and_carries_the_link():
    """The PNG is at least 300 px and its modules are exactly segno's symbol for the link (sampled per module)."""
    import segno

    url = "http://lecture-hall.example:8501/lesson?step=4&present=1"
    image = Image.open(io.BytesIO(share.qr_png(url))).convert("L")
    assert image.size[0] >= share.QR_PX >= 300 and image.size[0] == image.size[1]
    matrix = segno.make(url, error="m").matrix
    n = len(matrix)
    scale = image.size[0] // (n + 4)  # a quiet zone of 2 modules each side
    assert scale * (n + 4) == image.size[0]
    for r in range(n):
        for c in range(n):
            dark = image.getpixel(((c + 2) * scale + scale // 2, (r + 2) * scale + scale // 2)) < 128
            assert dark == bool(matrix[r][c]), (r, c)
