"""Issue 21, items 4 and 8: time estimates from measured per-step times, and the teacher-vs-student measurement."""
from __future__ import annotations

import json

import pytest
import torch

from distill_core.evaluation.cost import as_json, compare, findings
from distill_core.evaluation.pace import PaceBook, Phase, remaining, spread
from distill_core.student import make_student
from distill_core.teacher import load_teacher
from distill_core.tinybert.ablation import AblationConfig, estimate, phases, run_ablation
from tests.helpers_downstream import tiny_teacher

SENTENCES = ["the team won the game .", "rain and new soup", "a phone is new", "the game of rain was new ."] * 4


def test_estimate_of_a_second_run_is_within_30_percent_of_its_fed_step_times(tmp_path):
    """The estimator fed the per-step times of finished runs; a second run's times (fed likewise) land within
    ±30 % of what it estimated, and inside its stated range. Numbers in, numbers out: no clock read here."""
    book = PaceBook(tmp_path / "pace.json")
    first = [0.21, 0.25, 0.19, 0.23]        # seconds per step measured by the runs that finished first
    for r in first:
        book.record("k", r * 100, 100)
    est = book.estimate({"distillation": Phase("k", 300)})
    assert est.measured and est.seconds == pytest.approx(300 * 0.22)   # median of the fed rates x the units
    w = spread(4)  # 22.5 % beyond the extremes after four runs
    assert est.low == pytest.approx(300 * 0.19 * (1 - w)) and est.high == pytest.approx(300 * 0.25 * (1 + w))
    second = [0.24, 0.20, 0.22]             # the second run's own per-step times
    actual = 100 * sum(second)
    assert abs(est.seconds - actual) <= 0.3 * actual and est.low <= actual <= est.high
    assert PaceBook(tmp_path / "pace.json").rates("k") == pytest.approx(first)  # kept on disk for the next session


def test_without_finished_runs_the_probe_is_used_and_said_as_such():
    book = PaceBook()
    est = book.estimate({"a": Phase("nope", 10, probe=2.0)})
    assert not est.measured and est.seconds == 20 and est.low == pytest.approx(14) and est.high == 40
    assert "no run of these settings has finished here yet" in est.words() and "14-40 s" in est.words()


def test_time_left_uses_this_runs_own_rate_once_a_phase_has_started():
    book = PaceBook()
    plan = {"d": Phase("x", 100, probe=9.0), "f": Phase("y", 50, probe=1.0)}
    low, high = remaining(plan, {"d": 40}, {"d": 20.0}, book)   # 0.5 s per step measured in this run
    assert low == pytest.approx(60 * 0.5 * 0.9 + 50 * 0.7) and high == pytest.approx(60 * 0.5 * 1.1 + 50 * 2.0)


def test_a_finished_ablation_feeds_the_next_estimate(tmp_path):
    (tmp_path / "tiny").mkdir()
    teacher = tiny_teacher(tmp_path / "tiny")  # with enough word groups for the downstream task
    cfg = AblationConfig(hidden_size=8, num_hidden_layers=2, steps=8, eval_every=4, batch_size=4, eval_sentences=8,
                         task="tokens", finetune_steps=4, seeds=1)
    book, clock = PaceBook(tmp_path / "pace.json"), {}
    run_ablation(teacher, cfg, SENTENCES, pace=book, clock=clock)
    assert clock["done"]["distillation"] == 2 * cfg.steps and clock["done"]["fine-tuning"] == 2 * cfg.finetune_steps
    plan = phases(cfg, len(SENTENCES), True)
    fed = book.rates(plan["distillation"].key)
    assert fed == [pytest.approx(clock["seconds"]["distillation"] / clock["done"]["distillation"])]
    est = estimate(teacher, cfg, book, SENTENCES)  # the second run's estimate: from the first run's step times
    assert est.measured and est.parts["distillation"] == pytest.approx(fed[0] * 2 * cfg.steps)
    assert est.parts["fine-tuning"] == pytest.approx(book.rates(plan["fine-tuning"].key)[0] * 2 * cfg.finetune_steps)


def test_teacher_vs_student_measured(tiny_teacher_dir):
    teacher = load_teacher(str(tiny_teacher_dir))
    student = make_student(teacher, 8, 1, "random")
    costs = compare(teacher, student, sentences=SENTENCES[:4], repeats=2)
    by = {c.name: c for c in costs if c.device == "cpu"}
    t, s = by["teacher"], by["student"]
    assert t.parameters == sum(p.numel() for p in teacher.model.parameters())
    assert s.parameters < t.parameters and 0 < s.file_mb < t.file_mb and s.weights_mb < t.weights_mb
    assert t.latency_spread_ms[0] <= t.latency_ms <= t.latency_spread_ms[1] and t.activations_mb >= 0
    assert teacher.device == torch.device("cpu")
    line = findings(costs)[0]
    assert f"{s.parameters / t.parameters:.0%} of the teacher's parameters" in line
    json.dumps(as_json(costs))  # what run --json writes
