"""The app's pages through AppTest, and the lab's worker: controls, errors, the URL, the worker cap."""
from __future__ import annotations

import time

import pytest

from helpers_lab import ROOT, lab_app, metric, press, step_of, stop, wait_for
from streamlit.testing.v1 import AppTest

from distill_core.config import DistillConfig
from labui import live_view as LV


def small(teacher_dir, **extra):
    # A long run that must still be going when the test looks: no convergence stop.
    return dict(teacher=teacher_dir, d_s=8, probe_size=40, snapshot_every=1, steps=100_000, stop_tol=0.0, **extra)


def live_charts(at) -> int:
    """Charts on the page: the live ones (a component changed in place; its data in session state) and plotly's."""
    live = [c for c in at.get("bidi_component") if '"rev"' in c.proto.json]  # not the plotly.js loader
    return len(live) + len(at.get("plotly_chart"))


def has_loss(at) -> bool:
    value = metric(at, "MSE loss")
    return value not in (None, "—")


def test_home_and_navigation():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("30-second tour" in s.value for s in at.subheader)
    at.switch_page("app_pages/lab.py").run()
    assert not at.exception
    assert [b.label for b in at.button][:5] == ["Start", "Pause", "Resume", "Step", "Reset"]
    # Steps/s and the device are a small line, not tiles (issue 17); the step is a tile
    assert [m.label for m in at.metric] == ["MSE loss", "Floor", "Ratio to floor", "kNN overlap@10", "Step"]
    assert any("device" in c.value for c in at.caption)
    stop(at)


def test_start_pause_step_reset(tiny_teacher_dir):
    at = lab_app(**small(tiny_teacher_dir))
    try:
        press(at, "Start")
        assert wait_for(at, lambda a: has_loss(a) and step_of(a) >= 3), "no loss after Start"
        assert not at.exception and not at.error
        assert any("device: cpu" in c.value for c in at.caption)
        assert live_charts(at) == 5  # loss, spectrum, word rho, map (changed in place), W_e
        first = at.session_state["lab_worker"].view().history[0]["loss"]
        assert wait_for(at, lambda a: float(metric(a, "MSE loss")) < first / 2), "the loss did not fall"

        press(at, "Pause")
        assert wait_for(at, lambda a: a.session_state["lab_worker"].view().status == "paused", 20)
        paused_at = step_of(at)
        time.sleep(1.0)
        at.run()
        assert step_of(at) == paused_at  # Pause stops the step count

        press(at, "Step")
        assert wait_for(at, lambda a: step_of(a) == paused_at + 1, 20)  # one optimizer step, then a snapshot

        press(at, "Reset")
        at.run()
        assert step_of(at) is None and metric(at, "MSE loss") == "—"  # Reset clears the run
    finally:
        stop(at)


def test_settings_are_mirrored_in_the_url(tiny_teacher_dir):
    at = lab_app(teacher=tiny_teacher_dir, d_s=24)
    try:
        assert at.number_input(key="lab_d_s").value == 24  # the URL seeds the widget
        at.number_input(key="lab_d_s").set_value(12).run()
        at.selectbox(key="lab_optimizer").set_value("sgd").run()
        assert at.query_params["d_s"] == "12" and at.query_params["optimizer"] == "sgd"
        assert "steps" not in at.query_params  # defaults stay out of the link
    finally:
        stop(at)


@pytest.mark.parametrize("params, words", [
    (dict(teacher="/no/such/teacher"), "does not exist"),
    (dict(d_s=0), "positive whole number"),
    (dict(target="sequence", corpus="custom"), "custom text is empty"),
])
def test_bad_input_is_one_clear_sentence(params, words, tiny_teacher_dir):
    at = lab_app(**(dict(teacher=tiny_teacher_dir) | params))
    try:
        press(at, "Start")
        assert not at.exception
        assert any(words in e.value for e in at.error), [e.value for e in at.error]
    finally:
        stop(at)


def test_nan_loss_keeps_the_run_on_screen(tiny_teacher_dir):
    at = lab_app(**small(tiny_teacher_dir))
    try:
        press(at, "Start")
        assert wait_for(at, lambda a: has_loss(a) and step_of(a) >= 2)
        press(at, "Pause")
        at.number_input(key="lab_lr").set_value(1e12).run()  # applied from the next step
        press(at, "Resume")
        assert wait_for(at, lambda a: bool(a.error), 30)
        assert "lower the learning rate" in at.error[0].value
        assert not at.exception
        assert has_loss(at) and live_charts(at) == 5  # the run so far stays
    finally:
        stop(at)


def test_worker_cap_queues_the_rest(tiny_teacher_dir, monkeypatch):
    import threading

    from distill_core.teacher import load_teacher
    from labui import worker as W

    monkeypatch.setattr(W, "MAX_WORKERS", 1)
    monkeypatch.setattr(W, "_SLOTS", threading.BoundedSemaphore(1))
    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, probe_size=20, steps=100000, device="cpu",
                        stop_tol=0.0)  # 'a' must still be training when 'b' asks for a slot
    a, b = W.LabWorker(), W.LabWorker()
    try:
        a.start(cfg, teacher)
        assert _until(lambda: a.view().status == "running")
        b.start(cfg, teacher)
        assert _until(lambda: b.view().status == "queued")
        assert "limit" in b.view().message
        a.pause()
        assert _until(lambda: b.view().status == "running")  # the slot passed on
    finally:
        for w in (a, b):
            w.stop()
            w.join(10)
    assert not a.alive and not b.alive  # a stopped worker's thread ends


def test_a_run_alone_trains_at_the_pages_priority_and_steps_back_beside_others(tiny_teacher_dir, monkeypatch):
    """Alone, a run's thread keeps the default priority (a niced thread lost the cores to the browser drawing the
    same page); a run started while another trains is niced; every Start gets a fresh thread, the old one ends."""
    import os
    import weakref

    from distill_core.teacher import load_teacher
    from labui import worker as W

    monkeypatch.setattr(W, "_WORKERS", weakref.WeakSet())  # no other test's workers
    monkeypatch.setattr(W, "TRAIN_NICE", 7)
    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, probe_size=20, steps=100000, device="cpu",
                        stop_tol=0.0)
    nice = lambda w: os.getpriority(os.PRIO_PROCESS, w._thread.native_id) - os.getpriority(os.PRIO_PROCESS, 0)
    a, b = W.LabWorker(), W.LabWorker()
    try:
        a.start(cfg, teacher)
        assert _until(lambda: a.view().status == "running")
        assert nice(a) == 0
        b.start(cfg, teacher)
        assert _until(lambda: b.view().status == "running")
        assert nice(b) == 7
        first = a._thread
        a.start(cfg, teacher)  # a new run beside b's: a new thread, niced; the old thread ends
        assert _until(lambda: a.view().status == "running")
        assert a._thread is not first and nice(a) == 7
        first.join(10)
        assert not first.is_alive()
        assert _until(lambda: len(a.view().history) > 2)  # and the new run trains
    finally:
        for w in (a, b):
            w.stop()
            w.join(10)
    assert not a.alive and not b.alive


def _until(cond, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_export_zip_holds_a_loadable_student_and_w_e(tiny_teacher_dir, tmp_path):
    import io
    import zipfile

    from transformers import AutoModel

    from distill_core.export import load_w_e
    from distill_core.teacher import load_teacher
    from labui.worker import LabWorker

    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, probe_size=20, steps=12, snapshot_every=3,
                        device="cpu")
    w = LabWorker()
    try:
        w.start(cfg, teacher)
        assert _until(lambda: w.view().status == "done")
        zipfile.ZipFile(io.BytesIO(w.export_zip())).extractall(tmp_path)
    finally:
        w.stop()
        w.join(10)
    folder = tmp_path / "student"
    student = AutoModel.from_pretrained(folder)
    assert student.embeddings.word_embeddings.weight.shape[1] == 8
    W_e, bias = load_w_e(folder)
    assert tuple(W_e.shape) == (8, 32) and bias is not None  # (d_s, d_t)
    rows = (folder / "history.csv").read_text().strip().splitlines()
    assert rows[0].startswith("step,") and rows[-1].startswith("12,")  # every snapshot up to the last step


def test_the_page_polls_only_while_the_run_can_change(tiny_teacher_dir):
    """The live view's timer runs while a run is built, trains or steps, and is off when the session is idle,
    paused or finished: a classroom of finished sessions costs the server nothing."""
    at = lab_app(teacher=tiny_teacher_dir, d_s=8, probe_size=40, snapshot_every=1, steps=30)
    try:
        worker = at.session_state["lab_worker"]
        assert at.session_state["lab_poll"] is None and not worker.busy()
        press(at, "Start")
        assert wait_for(at, lambda a: worker.view().status == "done", 60)
        at.run()  # the next tick after the end (the run may end while a tick is drawing)
        assert at.session_state["lab_poll"] is None and not worker.busy()
        assert "finished" in " ".join(m.value for m in at.markdown)
        press(at, "Reset")
        at = lab_app(**small(tiny_teacher_dir))
        worker = at.session_state["lab_worker"]
        press(at, "Start")
        # set on the run that pressed Start: often while the run is built (its first point is due within a second)
        assert at.session_state["lab_poll"] in (LV.FIRST_POINT_S, LV.REFRESH_S)
        assert wait_for(at, lambda a: step_of(a) is not None and step_of(a) >= 2)
        assert at.session_state["lab_poll"] == LV.REFRESH_S  # then at a person's pace
        press(at, "Pause")
        assert wait_for(at, lambda a: worker.view().status == "paused" and a.session_state["lab_poll"] is None, 20)
        worker.step(1)  # as the Step button does: the view changes once more, so the timer is back
        assert worker.busy()
    finally:
        stop(at)


def test_pause_between_snapshots_shows_the_step_it_stopped_at(tiny_teacher_dir):
    """With snapshots every 50,000 steps, a Pause at step 2,401 shows step 2,401, not the last snapshot's 0; a Step
    then shows one more."""
    at = lab_app(**small(tiny_teacher_dir))
    at.number_input(key="lab_snapshot_every").set_value(50_000).run()
    worker = at.session_state["lab_worker"]
    try:
        press(at, "Start")
        assert wait_for(at, lambda a: worker._engine is not None and worker._engine.step_count >= 5, 60)
        press(at, "Pause")
        assert wait_for(at, lambda a: worker.view().status == "paused" and not worker.busy(), 20)
        stopped_at = worker._engine.step_count
        assert 0 < stopped_at < 50_000 and step_of(at) == stopped_at
        press(at, "Step")
        assert wait_for(at, lambda a: step_of(a) == stopped_at + 1, 20)
    finally:
        stop(at)
