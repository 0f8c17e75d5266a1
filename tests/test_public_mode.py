"""Public mode: only vetted teachers, capped sizes, one clear sentence per refusal; and one shared teacher."""
from __future__ import annotations

import pytest

from helpers_lab import lab_app, press, stop, wait_for

from distill_core import public
from distill_core.config import DistillConfig
from distill_core.errors import DistillError


@pytest.fixture
def public_on(monkeypatch):
    monkeypatch.setenv("LAB_PUBLIC", "1")
    monkeypatch.delenv("LAB_ALLOWED_TEACHERS", raising=False)
    for name in ("STEPS", "HIDDEN_SIZE", "BATCH_SIZE", "TEXT_CHARS", "UPLOAD_BYTES"):
        monkeypatch.delenv(f"LAB_MAX_{name}", raising=False)
    public.set_public(None)
    yield
    public.set_public(None)


def test_switch_follows_env_and_override(monkeypatch):
    monkeypatch.delenv("LAB_PUBLIC", raising=False)
    assert not public.is_public()
    monkeypatch.setenv("LAB_PUBLIC", "true")
    assert public.is_public()
    public.set_public(False)
    try:
        assert not public.is_public()  # an explicit setting wins over the environment
    finally:
        public.set_public(None)


@pytest.mark.parametrize("source", ["/etc", "../../../etc/passwd", "~/models/bert", "bert-base-uncased",
                                    "evil/../../x", "C:\\models\\bert", "org/name/extra"])
def test_public_mode_refuses_other_teachers(public_on, source):
    with pytest.raises(DistillError, match=r"only serves the teachers in its list, bundled \(all-MiniLM-L6-v2\): "):
        public.check_teacher(source)
    with pytest.raises(DistillError, match="only serves the teachers"):
        public.check_config(DistillConfig(teacher=source))


def test_bundled_aliases_and_allow_list(public_on, monkeypatch, tiny_teacher_dir):
    for alias in ("", "bundled", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        assert public.check_teacher(alias) == "bundled"
    monkeypatch.setenv("LAB_ALLOWED_TEACHERS", f" {tiny_teacher_dir} , bert-base-uncased,")
    assert public.allowed_teachers() == ["bundled", str(tiny_teacher_dir), "bert-base-uncased"]
    assert public.check_teacher(str(tiny_teacher_dir)) == str(tiny_teacher_dir)
    with pytest.raises(DistillError):
        public.check_teacher(str(tiny_teacher_dir) + "/../")  # allow-listed means exactly that string


def test_private_mode_passes_teachers_through(monkeypatch):
    monkeypatch.delenv("LAB_PUBLIC", raising=False)
    assert public.check_teacher("/some/folder") == "/some/folder"
    cfg = DistillConfig(steps=100_000, hidden_size=2048)
    assert public.check_config(cfg) is cfg  # only the ordinary validation


@pytest.mark.parametrize("field, value, words", [
    ("steps", 1001, "number of steps is capped at 1000"),
    ("hidden_size", 385, "student dimension d_s is capped at 384"),
    ("batch_size", 10_000, "batch size is capped at 8192"),
    ("num_hidden_layers", 12, "number of student layers is capped at 4"),
    ("probe_size", 5000, "number of probe tokens is capped at 1000"),
    ("max_length", 512, "sequence length is capped at 128"),
])
def test_caps_refuse_in_one_sentence(public_on, field, value, words):
    with pytest.raises(DistillError) as err:
        public.check_config(DistillConfig(**{field: value}))
    message = str(err.value)
    assert words in message and str(value) in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence


def test_caps_clamp_and_allow_what_is_within(public_on):
    cfg = public.check_config(DistillConfig(steps=5000, hidden_size=1000, batch_size=0), clamp=True)
    assert (cfg.steps, cfg.hidden_size, cfg.batch_size) == (1000, 384, 0)  # 0 = all rows stays allowed
    ok = DistillConfig(steps=1000, hidden_size=384, batch_size=8192)
    assert public.check_config(ok) == ok


def test_caps_follow_the_operators_env(public_on, monkeypatch):
    monkeypatch.setenv("LAB_MAX_STEPS", "50")
    monkeypatch.setenv("LAB_MAX_HIDDEN_SIZE", "not a number")  # a malformed setting keeps the safe default
    assert public.limits().steps == 50 and public.limits().hidden_size == 384
    with pytest.raises(DistillError, match="capped at 50"):
        public.check_config(DistillConfig(steps=51))
    assert public.widget_max("steps") == 50


def test_text_and_upload_caps(public_on):
    public.check_text("one short sentence.")
    with pytest.raises(DistillError, match="limited to 20,000 characters"):
        public.check_text("a" * 20_001)
    with pytest.raises(DistillError, match="uploads are limited to 200 kB"):
        public.check_text(b"a" * 200_001)
    with pytest.raises(DistillError, match="limited to 20,000 characters"):
        public.check_config(DistillConfig(target="sequence", text="word " * 5000))


def test_validation_still_applies_in_public_mode(public_on):
    with pytest.raises(DistillError, match="positive whole number"):
        public.check_config(DistillConfig(hidden_size=0))


def test_lab_page_in_public_mode_offers_only_allowed_teachers(public_on):
    """A link asking for another teacher opens on the bundled one, and says so; nothing is loaded or started."""
    at = lab_app(teacher="/etc", d_s=8, probe_size=20)
    try:
        assert not at.exception
        box = at.selectbox(key="lab_teacher")
        assert box.options == ["bundled"] and box.value == "bundled"
        assert any("only serves the teachers" in w.value and "/etc" in w.value for w in at.sidebar.warning)
        assert at.session_state["lab_worker"].view().status == "idle"
    finally:
        stop(at)


def test_lab_widgets_show_the_public_caps(public_on):
    """The caps are the widgets' own limits and are written beside them; a link over a cap is brought to it,
    with a note, never silently."""
    at = lab_app(steps=50_000, d_s=10**6, batch_size=10**9, probe_size=5000, seed=7)
    try:
        assert not at.exception
        lim = public.limits()
        for key, cap in (("lab_steps", lim.steps), ("lab_d_s", lim.hidden_size), ("lab_batch_size", lim.batch_size),
                         ("lab_probe_size", lim.probe_size)):
            widget = at.number_input(key=key)
            assert widget.max == cap and widget.value == cap, (key, widget.max, widget.value)
            assert f"Capped at {cap:,} on this public lab" in widget.help
        assert at.number_input(key="lab_seed").value == 7  # within range: untouched
        notes = [w.value for w in at.sidebar.warning]
        assert any("steps=50000 is over this public lab's cap of 1000" in n for n in notes), notes
        assert any("d_s=1000000" in n for n in notes) and len(notes) == 4
        assert any("Public lab." in c.value and "uploads of ≤ 200 kB" in c.value for c in at.sidebar.caption)
        press(at, "Reset")  # the page keeps serving
        assert [b.label for b in at.button][:1] == ["Start"]
    finally:
        stop(at)


def test_public_upload_and_text_caps_on_the_page(public_on, tiny_teacher_dir, monkeypatch):
    monkeypatch.setenv("LAB_ALLOWED_TEACHERS", str(tiny_teacher_dir))
    at = lab_app(teacher=tiny_teacher_dir, target="sequence", corpus="upload", d_s=8, probe_size=20)
    try:
        assert at.selectbox(key="lab_teacher").value == str(tiny_teacher_dir)
        big = ("a short sentence\n" * 20_000).encode()  # 340 kB
        at.file_uploader(key="lab_upload").set_value(("big.txt", big, "text/plain")).run()
        assert any("uploads are limited to 200 kB" in e.value for e in at.sidebar.error)
        long = ("a short sentence\n" * 2_000).encode()  # 34 kB: under the upload cap, over 20,000 characters
        at.file_uploader(key="lab_upload").set_value(("long.txt", long, "text/plain")).run()
        assert any("limited to 20,000 characters" in e.value for e in at.sidebar.error)
        press(at, "Start")
        assert any("limited to 20,000 characters" in e.value for e in at.main.error)
        assert at.session_state["lab_worker"].view().status == "idle"
        at.radio(key="lab_corpus").set_value("custom").run()
        assert at.text_area(key="lab_text").max_chars == public.limits().text_chars
    finally:
        stop(at)


def test_teacher_is_one_read_only_copy_across_sessions(tiny_teacher_dir):
    """Runs in two sessions train on the very same teacher object, which training never changes."""
    import torch

    args = dict(teacher=tiny_teacher_dir, d_s=8, probe_size=20, snapshot_every=1, steps=5)
    runs = []
    for seed in (1, 2):
        at = lab_app(**(args | {"seed": seed}))
        try:
            press(at, "Start")
            assert wait_for(at, lambda x: x.session_state["lab_worker"].view().status == "done", 60)
            worker = at.session_state["lab_worker"]
            runs.append((worker, worker._teacher, [h["loss"] for h in worker.view().history]))
        finally:
            stop(at)
    (wa, ta, la), (wb, tb, lb) = runs
    assert wa is not wb  # a stopped session's worker is never reused
    assert ta is tb and ta.model is tb.model  # one copy of the teacher in memory
    assert not any(p.requires_grad for p in ta.model.parameters())
    saved, state = _saved_weights(tiny_teacher_dir), ta.model.state_dict()
    assert saved.keys() <= state.keys()
    assert all(torch.equal(state[name], saved[name]) for name in saved)  # training never wrote into it
    assert la != lb and len(la) == len(lb) == 6  # each seed its own curve, step 0 to 5


def _saved_weights(folder):
    """The teacher's weights as written on disk: what the shared copy must still hold after training."""
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_server_settings_cap_uploads_and_keep_collections_cheap():
    """The server refuses uploads over what the lab reads; Streamlit's collection after every rerun is off and
    the app freezes its long-lived objects instead (the load test's health stalls came from those collections)."""
    import gc
    import tomllib
    from pathlib import Path

    from distill_core.assets import MAX_TEXT_BYTES
    from labui.common import GC_THRESHOLD, settle_heap

    cfg = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert cfg["runner"]["postScriptGC"] is False
    assert cfg["server"]["fileWatcherType"] == "none"  # a polling watcher kept a core busy on an idle server
    assert cfg["server"]["maxUploadSize"] * 1_000_000 >= MAX_TEXT_BYTES > public.Limits().upload_bytes
    before = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 10_000 and gc.get_threshold()[0] == GC_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
