"""Bad inputs get one clear sentence and the app keeps serving: in the library and on the lab page."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

from helpers_lab import ROOT, lab_app, press, stop, wait_for

from distill_core.assets import read_user_text
from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.errors import DistillError, DivergedError
from distill_core.targets import sequence_targets
from distill_core.teacher import load_teacher

FIFTY_MB = 50 * 1024 * 1024


# -- texts and uploads ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, words", [
    (b"\xff\xfe\x00caf\xe9 not utf-8", "not UTF-8"),
    (b"", "empty"),
    (b"  \n\t\n  ", "empty"),
    ("\x00\x07\x1b\x7f\n\x08", "empty"),  # control characters only
    (b"a" * FIFTY_MB, "over the 5.0 MB limit"),
    ("a" * FIFTY_MB, "over the 5.0 MB limit"),
])
def test_bad_texts_are_refused_in_one_sentence(data, words):
    with pytest.raises(DistillError) as err:
        read_user_text(data)
    assert words in str(err.value) and str(err.value).endswith(".")


def test_control_characters_are_dropped_not_trained_on():
    assert read_user_text("hello\x00 wor\x07ld\x1b[31m\r\nsecond\tline\x0c") == ["hello world[31m", "secondline"]


def test_emoji_only_text_trains_on_unknown_tokens(tiny_teacher_dir):
    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    text = "😀😀😀\n🎉 🎈\n🚀"
    targets = sequence_targets(teacher, text, max_length=16)
    assert targets.sentences == ["😀😀😀", "🎉 🎈", "🚀"]
    unk = teacher.tokenizer.unk_token_id
    assert (targets.ids[targets.mask.bool()] == unk).any()  # emoji are [UNK] to a WordPiece vocabulary
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), target="sequence", text=text, hidden_size=4, steps=3,
                        probe_size=20, device="cpu")
    engine = Engine(config=cfg, teacher=teacher, targets=targets)
    engine.run(3)
    assert all(math.isfinite(s.loss) for s in engine.history)


# -- teachers ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["../../../../etc/passwd", "bert-base-uncased/../../../etc", "org/../../x",
                                    "..\\..\\windows", "a/..", "bert base", "org/name/../../x"])
def test_hub_ids_with_path_traversal_are_refused(source):
    with pytest.raises(DistillError) as err:
        load_teacher(source, "cpu")
    assert "'" in str(err.value) and "\n" not in str(err.value)


@pytest.fixture(scope="module")
def pickle_only_dir(tmp_path_factory, tiny_teacher_dir):
    """A real model folder whose weights are only a pickle checkpoint (pytorch_model.bin)."""
    from transformers import BertModel

    folder = tmp_path_factory.mktemp("pickle_only")
    model = BertModel.from_pretrained(tiny_teacher_dir)
    torch.save(model.state_dict(), folder / "pytorch_model.bin")  # the pickle format safetensors replaces
    for name in ("config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"):
        if (tiny_teacher_dir / name).exists():
            (folder / name).write_bytes((tiny_teacher_dir / name).read_bytes())
    assert (folder / "pytorch_model.bin").exists() and not list(folder.glob("*.safetensors"))
    return folder


def test_pickle_only_checkpoint_is_refused(pickle_only_dir, monkeypatch):
    loaded = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: loaded.append(a) or {})  # unpickling must never start
    with pytest.raises(DistillError, match="holds no .safetensors weights: only safetensors are loaded"):
        load_teacher(str(pickle_only_dir), "cpu")
    assert not loaded


def test_remote_code_and_pickles_are_never_enabled():
    sources = [p for d in ("distill_core", "labui", "app_pages") for p in (ROOT / d).rglob("*.py")] + [ROOT / "app.py"]
    text = {p: p.read_text() for p in sources}
    enabled = re.compile(r"trust_remote_code\s*=\s*(?!False)")  # anything but an explicit False
    assert not [p for p, t in text.items() if enabled.search(t)]
    assert "use_safetensors=True" in text[ROOT / "distill_core" / "teacher.py"]


# -- numbers -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, words", [
    (dict(hidden_size=0), "positive whole number"),
    (dict(hidden_size=-1), "positive whole number"),
    (dict(hidden_size=10**6), "too large"),
    (dict(snapshot_every=0), "snapshot interval must be at least 1"),
    (dict(lr=float("nan")), "learning rate must be a positive number"),
    (dict(lr=-1.0), "learning rate must be a positive number"),
])
def test_bad_numbers_are_refused(changes, words):
    with pytest.raises(DistillError, match=words):
        DistillConfig(**changes).validate()


def test_huge_learning_rate_ends_in_nan_with_advice_and_keeps_the_run(tiny_teacher_dir):
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, lr=1e6, optimizer="sgd", steps=50,
                        probe_size=20, device="cpu")
    engine = Engine(config=cfg)
    with pytest.raises(DivergedError, match="lower the learning rate"):
        engine.run(50)
    assert engine.history and engine.done  # the run so far stays; no further steps
    assert engine.run(5) == []


def test_huge_learning_rate_with_adam_stays_finite_or_stops_clearly(tiny_teacher_dir):
    """Adam's steps are about lr in size whatever the gradient: the loss explodes without a NaN, or stops."""
    cfg = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=8, lr=1e6, steps=20, probe_size=20, device="cpu")
    engine = Engine(config=cfg)
    try:
        engine.run(20)
    except DivergedError as err:
        assert "lower the learning rate" in str(err)
    assert engine.history[-1].loss > 1e3 * engine.history[0].loss  # far from a silent good-looking run


# -- the lab page ----------------------------------------------------------------------------------------------
def _start_and_read(at, timeout: float = 60.0) -> list[str]:
    """Press Start; the page's error sentences (from the page or from the worker), waited for."""
    press(at, "Start")
    assert not at.exception, [e.value for e in at.exception]
    if at.error:  # refused at once: the sentence shows on the run that pressed Start
        return [e.value for e in at.error]
    wait_for(at, lambda a: bool(a.error) or a.session_state["lab_worker"].view().status in ("done", "error"),
             timeout)
    at.run()  # draw the final state (the worker may have finished just after the last drawing)
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


@pytest.mark.parametrize("params, words", [
    (dict(d_s=-1), "positive whole number"),
    (dict(d_s=10**6), "too large"),
    (dict(lr=1e6, optimizer="sgd"), "lower the learning rate"),
    (dict(teacher="../../../../../../../../etc/passwd"), "is a file, not a folder"),
    (dict(teacher="../../../../../../../../etc"), "has no config.json"),
    (dict(teacher="org/../../x"), "does not exist"),
])
def test_lab_page_answers_bad_numbers_and_teachers(params, words, tiny_teacher_dir):
    at = lab_app(**(dict(teacher=tiny_teacher_dir, probe_size=20, d_s=8, steps=30) | params))
    try:
        errors = _start_and_read(at)
        assert any(words in e for e in errors), errors
        assert [b.label for b in at.button][:2] == ["Start", "Pause"]  # still serving
    finally:
        stop(at)


def test_lab_page_snapshot_interval_zero_becomes_one(tiny_teacher_dir):
    """The interval widget starts at 1: a link asking for 0 runs with 1, and says nothing false."""
    at = lab_app(teacher=tiny_teacher_dir, probe_size=20, d_s=8, steps=3, snapshot_every=0)
    try:
        assert at.number_input(key="lab_snapshot_every").value == 1
        assert _start_and_read(at) == []
        view = at.session_state["lab_worker"].view()
        assert view.config.snapshot_every == 1 and [h["step"] for h in view.history] == [0, 1, 2, 3]
    finally:
        stop(at)


def test_lab_page_refuses_a_pickle_only_teacher(pickle_only_dir):
    at = lab_app(teacher=pickle_only_dir, probe_size=20, d_s=8)
    try:
        assert any("only safetensors are loaded" in e for e in _start_and_read(at))
    finally:
        stop(at)


@pytest.mark.parametrize("text, words", [
    ("\x00\x01\x02\x1b", "empty"),
    ("x" * (6 * 1024 * 1024), "over the 5.0 MB limit"),
])
def test_lab_page_answers_bad_custom_texts(text, words, tiny_teacher_dir):
    at = lab_app(teacher=tiny_teacher_dir, target="sequence", corpus="custom", probe_size=20, d_s=8, steps=5)
    try:
        at.text_area(key="lab_text").set_value(text).run()
        assert any(words in e for e in _start_and_read(at))
    finally:
        stop(at)


def test_lab_page_trains_on_emoji_and_control_characters(tiny_teacher_dir):
    at = lab_app(teacher=tiny_teacher_dir, target="sequence", corpus="custom", probe_size=20, d_s=8, steps=3,
                 snapshot_every=1)
    try:
        at.text_area(key="lab_text").set_value("😀😀😀\nhello\x07 world\x00\n🎉").run()
        assert _start_and_read(at) == []
        assert at.session_state["lab_worker"].view().status == "done"
        loss = at.session_state["lab_chart_loss"]  # the loss chart the page drew (a live chart)
        assert len(loss.data[0].x) >= 2 and all(y == y for y in loss.data[0].y)  # the run's curve, no NaN
    finally:
        stop(at)


GARBAGE = [dict(steps="-5"), dict(steps="1e400"), dict(lr="nan"), dict(lr="inf"), dict(lr="-1"),
           dict(d_s="99999999999999999999999"), dict(d_s="１２"), dict(seed="-3"), dict(probe_size="1"),
           dict(target="<script>alert(1)</script>"), dict(bias="maybe"), dict(batch_size="1e9"),
           dict(vocab_subset="-1"), dict(device="tpu"), dict(optimizer="%00"), dict(unknown="\x00\x01"),
           dict(teacher="\x00"), dict(corpus="../../etc/passwd")]


@pytest.mark.parametrize("params", GARBAGE, ids=[next(iter(p)) + "=" + repr(next(iter(p.values())))[:12]
                                                 for p in GARBAGE])
def test_garbage_query_parameters_never_break_the_page(params):
    at = lab_app(**params)
    try:
        assert not at.exception, [e.value for e in at.exception]
        assert [b.label for b in at.button][:1] == ["Start"]
        status = at.session_state["lab_worker"].view().status
        assert status == "idle"  # nothing starts from a link alone
    finally:
        stop(at)


def test_garbage_query_parameters_then_start_give_a_sentence_or_a_run(tiny_teacher_dir):
    """With the values that do parse, Start either refuses in one sentence or runs a valid config."""
    at = lab_app(teacher=tiny_teacher_dir, steps="-5", lr="nan", snapshot_every="0", probe_size="1", d_s="abc")
    try:
        errors = _start_and_read(at, 30)
        status = at.session_state["lab_worker"].view().status
        assert errors or status in ("running", "done", "paused", "preparing")
        assert all(len(e) < 300 and "Traceback" not in e for e in errors)
    finally:
        stop(at)


# -- the lab's upload box ---------------------------------------------------------------------------------------
def upload_app(tiny_teacher_dir, **params):
    return lab_app(**(dict(teacher=tiny_teacher_dir, target="sequence", corpus="upload", probe_size=20, d_s=8,
                           steps=3, snapshot_every=1) | params))


@pytest.mark.parametrize("data, words", [
    (b"\xff\xfe\x00caf\xe9 not utf-8", "not UTF-8"),
    (b"", "empty"),
    (b"\x00\x07\x1b\n\x08\n", "empty"),
    (b"a" * FIFTY_MB, "over the 5.0 MB limit"),
], ids=["not-utf8", "empty", "control-only", "50MB"])
def test_bad_uploads_are_answered_at_once_and_at_start(data, words, tiny_teacher_dir):
    at = upload_app(tiny_teacher_dir)
    try:
        at.file_uploader(key="lab_upload").set_value(("notes.txt", data, "text/plain")).run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(words in e.value for e in at.sidebar.error), [e.value for e in at.sidebar.error]
        errors = _start_and_read(at)
        assert any(words in e for e in errors), errors
        assert at.session_state["lab_worker"].view().status == "idle"  # nothing started, the app still serves
        assert [b.label for b in at.button][:1] == ["Start"]
    finally:
        stop(at)


def test_start_without_an_uploaded_file_says_what_to_do(tiny_teacher_dir):
    at = upload_app(tiny_teacher_dir)
    try:
        assert any("No file is uploaded" in e for e in _start_and_read(at))
    finally:
        stop(at)


def test_an_uploaded_text_is_what_the_run_trains_on(tiny_teacher_dir):
    at = upload_app(tiny_teacher_dir)
    try:
        data = "the cat sat on the mat\r\nthe dog ran \x07home\n\n😀 a small bird sang\n".encode("utf-8")
        at.file_uploader(key="lab_upload").set_value(("notes.txt", data, "text/plain")).run()
        assert any("3 sentences" in c.value for c in at.sidebar.caption), [c.value for c in at.sidebar.caption]
        assert _start_and_read(at) == []
        view = at.session_state["lab_worker"].view()
        assert view.status == "done" and view.setup.n_rows > 0
        assert view.config.text.splitlines() == ["the cat sat on the mat", "the dog ran home", "😀 a small bird sang"]
    finally:
        stop(at)


def test_sequence_targets_too_large_for_memory_are_refused(tiny_teacher_dir, monkeypatch):
    import distill_core.targets as T

    monkeypatch.setattr(T, "MAX_TARGET_BYTES", 10_000)
    teacher = load_teacher(tiny_teacher_dir, "cpu")
    with pytest.raises(DistillError, match="GB of targets, over the .* this lab holds: use fewer sentences"):
        sequence_targets(teacher, "\n".join(["a b c d e f g h"] * 50), max_length=16)
