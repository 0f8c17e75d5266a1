"""Watch links (issue 20): the registry with a fake clock, and a viewer of the presenter's run through AppTest."""
from __future__ import annotations

import gc

import pytest

from helpers_lab import ROOT, lab_app, metric, press, step_of, stop, wait_for
from streamlit.testing.v1 import AppTest

from labui import watch
from labui.watch import Registry


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeWorker:
    _stopped = False


def test_code_shape_random_and_kept_per_worker():
    reg = Registry(clock=Clock(), ttl_s=60)
    a, b = FakeWorker(), FakeWorker()
    code = reg.code_for(a)
    assert watch.SHAPE.fullmatch(code) and len(code) >= 6
    assert reg.code_for(a) == code  # a Reset or a new Start keeps the same worker, so the same code
    assert reg.code_for(b) != code
    assert reg.lookup(code) == (a, None)
    codes = {Registry().code_for(FakeWorker()) for _ in range(50)}
    assert len(codes) == 50  # random per registry and worker, not a counter or the session's id


@pytest.mark.parametrize("code", ["", "abc", "ABCDEFGH", "abcdefg0", "abcdefghj", "../../etc", "abcd efg", "x" * 500])
def test_wrong_shape_answered_before_lookup(code):
    reg = Registry()
    reg._codes = None  # any lookup would fail: the shape check must come first
    worker, sentence = reg.lookup(code)
    assert worker is None and "is not a watch code" in sentence
    assert sentence.replace(watch.shown(code), "").count(".") == 1  # one sentence, the code quoted safely


def test_unknown_expired_and_ended_codes_each_get_their_sentence():
    clock = Clock()
    reg = Registry(clock=clock, ttl_s=3 * 3600)
    assert "No run is shared under the code 'abcdefgh'" in reg.lookup("abcdefgh")[1]
    live, stopped = FakeWorker(), FakeWorker()
    code, other = reg.code_for(live), reg.code_for(stopped)
    clock.t += 3 * 3600 - 1
    assert reg.lookup(code) == (live, None)
    stopped._stopped = True  # the presenter's session ended (session_run's on_release stops the worker)
    assert reg.lookup(other) == (None, watch.ended(other))
    clock.t += 1
    worker, sentence = reg.lookup(code)
    assert worker is None and sentence == watch.expired(code, 3 * 3600) and "3 hours" in sentence
    fresh = reg.code_for(live)  # the presenter's session gets a new link once the old one expired
    assert fresh != code and reg.lookup(fresh) == (live, None)
    assert "expired" in reg.lookup(code)[1]  # and the old one still says why it stopped


def test_a_gone_worker_ends_its_link():
    reg = Registry(clock=Clock())
    w = FakeWorker()
    code = reg.code_for(w)
    del w
    gc.collect()
    assert reg.lookup(code)[1] == watch.ended(code)


def test_viewer_cap_counts_live_seats():
    reg = Registry(clock=Clock(), max_viewers=2)
    w = FakeWorker()
    code = reg.code_for(w)
    s1, s2, s3 = object(), object(), object()
    assert reg.join(code, s1) is None and reg.join(code, s1) is None  # idempotent
    assert reg.join(code, s2) is None
    assert reg.join(code, s3) == watch.full(code, 2) and "2 viewers" in reg.join(code, s3)
    assert reg.viewers(code) == 2
    reg.leave(code, s1)  # a viewer's session ended
    assert reg.join(code, s3) is None and reg.viewers(code) == 2


def test_watch_url_from_any_page():
    assert watch.watch_url("http://10.0.0.5:8501/lab", "abcdefgh") == "http://10.0.0.5:8501/lab?watch=abcdefgh"
    assert watch.watch_url("http://10.0.0.5:8501/concepts", "abcdefgh") == "http://10.0.0.5:8501/lab?watch=abcdefgh"
    assert watch.watch_url("http://h:1/", "abcdefgh") == "http://h:1/lab?watch=abcdefgh"


# -- through AppTest ---------------------------------------------------------------------------------------------
def small(teacher_dir, **extra):
    return dict(teacher=teacher_dir, d_s=8, probe_size=40, snapshot_every=1, steps=100_000, stop_tol=0.0, seed=7,
                **extra)


def viewer_app(code: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "lab.py"), default_timeout=60)
    at.query_params["watch"] = code
    return at.run()


def texts(at) -> str:
    return " ".join([w.value for w in at.warning] + [i.value for i in at.info] + [m.value for m in at.markdown]
                    + [c.value for c in at.caption])


def test_wrong_code_gets_one_sentence():
    for code, words in (("nope", "is not a watch code"), ("abcdefgh", "No run is shared under the code")):
        at = viewer_app(code)
        assert not at.exception
        assert len(at.warning) == 1 and words in at.warning[0].value
        assert [b.label for b in at.button] == ["Open the Live lab"]
        assert not at.metric and "lab_worker" not in at.session_state  # no run of its own was made


def test_viewer_follows_the_presenter_read_only(tiny_teacher_dir, monkeypatch):
    lab = lab_app(**small(tiny_teacher_dir))
    try:
        press(lab, "Start")
        assert wait_for(lab, lambda a: (step_of(a) or 0) >= 3)
        worker = lab.session_state["lab_worker"]
        code = lab.session_state["_watch_code"]
        assert watch.SHAPE.fullmatch(code)
        viewer = viewer_app(code)
        assert not viewer.exception
        labels = [b.label for b in viewer.button]
        assert not {"Start", "Pause", "Resume", "Step", "Reset"} & set(labels) and "Run my own copy" in labels
        assert any(f"You are watching the presenter's run (code {code})" in i.value for i in viewer.info)
        assert not viewer.sidebar.number_input and not viewer.sidebar.selectbox  # no settings
        assert "lab_worker" not in viewer.session_state
        first = int(metric(viewer, "Step").replace(",", ""))
        assert wait_for(viewer, lambda a: int(metric(a, "Step").replace(",", "")) > first)  # live
        assert "watch_loss" in viewer.session_state["_live_chart_sent"]  # its own chart state
        press(lab, "Pause")
        assert wait_for(viewer, lambda a: "paused" in texts(a))
        wait_for(lab, lambda a: worker.status == "paused", timeout=10)
        viewer.run()
        assert metric(viewer, "MSE loss") == metric(lab, "MSE loss")  # the presenter's numbers
        assert metric(viewer, "Step") == f"{worker.view().latest['step']:,}"
        assert not [b for b in viewer.button if b.label == "Frame ▶"][0].disabled  # the replay, once paused
        paused_at = worker.view().latest["step"]
        press(lab, "Step")  # the presenter's Step reaches the viewer
        assert wait_for(viewer, lambda a: metric(a, "Step") == f"{paused_at + 1:,}", timeout=30)
        press(lab, "Reset")
        assert wait_for(viewer, lambda a: "has not started a run yet" in texts(a))
        assert lab.session_state["_watch_code"] == code  # the same link through Reset ...
        press(lab, "Start")
        assert wait_for(lab, lambda a: (step_of(a) or 0) >= 1)
        assert lab.session_state["_watch_code"] == code  # ... and a new Start
        assert wait_for(viewer, lambda a: metric(a, "Step") not in (None, "—"))
        assert watch.REGISTRY.viewers(code) == 1
        # "Run my own copy": the lab with the presenter's settings and seed in the viewer's session, started
        # (AppTest gives every app one session id, so the viewer's own session worker is handed over by hand.)
        from labui import session_run
        from labui.worker import LabWorker

        own = LabWorker()
        monkeypatch.setattr(session_run, "session_worker", lambda: own)
        [b for b in viewer.button if b.label == "Run my own copy"][0].click().run()
        assert "watch" not in viewer.query_params and not viewer.exception
        assert viewer.session_state["lab_worker"] is own and [b.label for b in viewer.button][:1] == ["Start"]
        assert wait_for(viewer, lambda a: own.view().config is not None, timeout=30)
        assert own.view().config.seed == 7 and own.view().config.hidden_size == 8
        assert viewer.query_params["seed"] in ("7", ["7"]) and viewer.query_params["d_s"] in ("8", ["8"])
        own.stop()
        # the presenter's session ends: the link stops working, in one sentence
        worker.stop()
        again = viewer_app(code)
        assert len(again.warning) == 1 and "the presenter's session has ended" in again.warning[0].value
    finally:
        stop(lab)


def test_public_mode_link_works_and_a_full_run_says_so(monkeypatch):
    from labui.worker import LabWorker

    monkeypatch.setenv("LAB_PUBLIC", "1")
    monkeypatch.setattr(watch.REGISTRY, "max_viewers", 2)
    worker = LabWorker()  # a presenter's session that has not started yet
    try:
        code = watch.REGISTRY.code_for(worker)
        at = viewer_app(code)
        assert not at.exception and not at.warning
        assert any("has not started a run yet" in m.value for m in at.markdown)
        assert watch.REGISTRY.viewers(code) == 1
        watch.REGISTRY.join(code, object())  # someone else's session takes the last seat
        worker2 = LabWorker()
        code2 = watch.REGISTRY.code_for(worker2)
        watch.REGISTRY.join(code2, object()), watch.REGISTRY.join(code2, object())
        full = viewer_app(code2)
        assert len(full.warning) == 1 and full.warning[0].value == watch.full(code2, 2)
        assert not full.metric
        worker2.stop()
    finally:
        worker.stop()
