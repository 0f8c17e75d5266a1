"""One settings declaration (DistillConfig's fields) feeds the CLI, the lab's widgets and URL, and the public caps;
the lab keeps its values across pages (AppTest level; the browser journeys are in test_journeys_browser.py)."""
from __future__ import annotations

from dataclasses import dataclass, fields

import pytest

from helpers_lab import ROOT, lab_app, press, stop, wait_for
from streamlit.testing.v1 import AppTest

from distill_core import cli, public
from distill_core.config import DistillConfig, check_lr, declared, setting
from distill_core.errors import DistillError
from labui import lab_controls


@dataclass
class WithRestarts(DistillConfig):
    """DistillConfig with one more setting, declared in one line as a new one would be."""
    restarts: int = setting(0, "Restarts", "Warm restarts.", url="restarts", flag="--restarts", min=0, step=1,
                            section="Optimisation", cap=3, noun="the number of restarts")


def test_cli_options_are_the_declared_flags_with_the_declared_defaults():
    parser = cli.build_parser()
    run = parser._subparsers._group_actions[0].choices["run"]
    flags = {s for a in run._actions for s in a.option_strings if s.startswith("--")}
    declared_flags = {f.metadata["flag"] for f in declared(DistillConfig, "flag")}
    assert declared_flags <= flags and flags - declared_flags == {"--help", "--out", "--json", "--quiet", "--figures"}
    # Every README flag still exists (the README's CLI section stays true).
    for flag in ("--teacher", "--target", "--student-dim", "--layers", "--no-bias", "--init", "--steps", "--lr",
                 "--optimizer", "--schedule", "--warmup-steps", "--batch-size", "--vocab-subset", "--text-file",
                 "--seed", "--device", "--out", "--json", "--figures"):
        assert flag in flags, flag
    assert cli.config_from_args(parser.parse_args(["run"])) == DistillConfig()
    args = parser.parse_args(["run", "--student-dim", "16", "--no-bias", "--optimizer", "sgd", "--lr", "0.5"])
    cfg = cli.config_from_args(args)
    assert (cfg.hidden_size, cfg.bias, cfg.optimizer, cfg.lr) == (16, False, "sgd", 0.5)


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf")])
def test_the_one_learning_rate_check_is_used_everywhere(lr, tiny_teacher_dir):
    from distill_core.evaluation.downstream import DownstreamConfig
    from distill_core.engine import Engine
    from distill_core.tinybert.trainer import TinyBertConfig

    sentence = f"The learning rate must be a positive number, not {lr}."
    with pytest.raises(DistillError, match="learning rate must be a positive number"):
        check_lr(lr)
    for make in (lambda: DistillConfig(lr=lr).validate(), lambda: DownstreamConfig(lr=lr).validate(),
                 lambda: TinyBertConfig(lr=lr).validate(heads=1)):
        with pytest.raises(DistillError) as err:
            make()
        assert str(err.value) == sentence
    engine = Engine(DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=4, probe_size=10, steps=1, device="cpu"))
    with pytest.raises(DistillError) as err:
        engine.set_lr(lr)
    assert str(err.value) == sentence
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["run", "--lr", str(lr)])


def test_public_caps_are_the_declared_caps(monkeypatch):
    lim = public.Limits()
    for f in declared(DistillConfig, "cap"):
        assert getattr(lim, f.name) == f.metadata["cap"]
    assert {n for n, _ in public._CAPPED} == {f.name for f in declared(DistillConfig, "cap")}
    public.set_public(True)
    try:
        with pytest.raises(DistillError, match="the number of steps is capped at 1000"):
            public.check_config(DistillConfig(steps=5000))
    finally:
        public.set_public(None)


def test_a_new_declared_field_appears_in_the_cli_the_caps_and_the_lab(monkeypatch):
    parser = cli.build_parser(WithRestarts)
    assert cli.config_from_args(parser.parse_args(["run", "--restarts", "2"]), WithRestarts).restarts == 2
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "--restarts", "-1"])
    assert public.make_limits(WithRestarts)().restarts == 3
    with pytest.raises(DistillError, match="Restarts must be 0 or more"):
        WithRestarts(restarts=-1).validate()
    extra = {f.metadata["url"]: f for f in declared(WithRestarts, "url")}
    monkeypatch.setattr(lab_controls, "DECLARED", extra)
    monkeypatch.setattr(lab_controls, "DistillConfig", WithRestarts)
    at = lab_app(restarts=2)
    try:
        box = at.number_input(key="lab_restarts")
        assert box.label == "Restarts" and box.value == 2
        box.set_value(1).run()
        assert at.query_params["restarts"] == "1"
        assert lab_controls.to_config(at.session_state["_lab_values"]).restarts == 1
    finally:
        stop(at)


def test_lab_widgets_are_generated_from_the_declaration():
    at = lab_app()
    try:
        for f in declared(DistillConfig, "url"):
            key = f"lab_{f.metadata['url']}"
            widget = next(w for kind in ("number_input", "selectbox", "radio", "checkbox", "text_input")
                          for w in getattr(at, kind) if w.key == key)
            assert widget.label == f.metadata["label"] and widget.value == f.default, key
        assert dict(at.query_params) == {}  # all defaults: a short link
    finally:
        stop(at)


def test_lab_settings_survive_other_pages_and_start_still_works(tiny_teacher_dir):
    """Live lab -> Home -> Concepts -> Live lab keeps every value (Streamlit drops the widgets' own keys)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["teacher"] = str(tiny_teacher_dir)
    at.switch_page("app_pages/lab.py").run()
    try:
        at.number_input(key="lab_d_s").set_value(8).run()
        at.number_input(key="lab_lr").set_value(0.05).run()
        at.number_input(key="lab_steps").set_value(3).run()
        at.checkbox(key="lab_bias").uncheck().run()
        at.selectbox(key="lab_optimizer").set_value("sgd").run()
        at.switch_page("app_pages/home.py").run()
        at.switch_page("app_pages/concepts.py").run()
        assert "lab_d_s" not in at.session_state  # Streamlit dropped the widget's own key...
        at.switch_page("app_pages/lab.py").run()
        assert not at.exception
        assert at.number_input(key="lab_d_s").value == 8 and at.number_input(key="lab_lr").value == 0.05
        assert at.number_input(key="lab_steps").value == 3 and at.checkbox(key="lab_bias").value is False
        assert at.selectbox(key="lab_optimizer").value == "sgd"
        assert at.text_input(key="lab_teacher").value == str(tiny_teacher_dir)
        assert at.query_params["d_s"] == "8" and at.query_params["optimizer"] == "sgd"
        # What Start builds from them (pressing it in the browser: test_journeys_browser.py).
        cfg = lab_controls.to_config(at.session_state["_lab_values"])
        assert (cfg.hidden_size, cfg.lr, cfg.steps, cfg.bias, cfg.optimizer) == (8, 0.05, 3, False, "sgd")
    finally:
        stop(at)


def test_a_learning_rate_of_zero_mid_run_writes_nothing_on_the_page(tiny_teacher_dir):
    """The mid-run learning-rate change is a statement: Streamlit's magic has no value to print ('None')."""
    at = lab_app(teacher=tiny_teacher_dir, d_s=8, probe_size=20, steps=100_000)
    try:
        press(at, "Start")
        assert wait_for(at, lambda a: a.session_state["lab_worker"].view().config is not None, 30)
        at.number_input(key="lab_lr").set_value(0.0).run()
        shown = [e.value for kind in ("markdown", "code", "text", "caption") for e in getattr(at, kind)]
        assert shown and not [v for v in shown if v.strip("` ") == "None"], shown  # magic writes `None`
        assert not at.exception
    finally:
        stop(at)
