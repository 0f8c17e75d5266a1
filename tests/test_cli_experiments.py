"""The experiments from the command line: the ablation and a named experiment write JSON and say what they found."""
import json

import pytest

from tests.test_cli import cli


def test_ablation_from_the_cli(tiny_teacher_dir, tmp_path):
    js = tmp_path / "ablation.json"
    r = cli("ablation", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--layers", "2", "--steps", "6",
            "--finetune-steps", "3", "--task", "sentences", "--seeds", "1", "--json", str(js))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("expected: about ")        # the duration comes before the run
    data = json.loads(js.read_text())
    assert [a["lambda_e"] for a in data["arms"]] == [1.0, 0.0]
    assert data["arms"][0]["steps"][-1] == 6 and data["config"]["steps"] == 6
    assert data["summary"]["λ_e = 1: hidden MSE, summed"] == pytest.approx(sum(data["arms"][0]["hidden"][-1]))
    assert any(row["task"] == "average" and row["with L_emb"] == 75.6 for row in data["paper"]["rows"])
    assert data["findings"][0] in r.stdout


def test_ablation_bad_width_is_one_sentence(tiny_teacher_dir):
    r = cli("ablation", "--teacher", str(tiny_teacher_dir), "--student-dim", "6")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "multiple" in r.stderr


@pytest.mark.parametrize("name", ["equal-loss", "lr-decay"])
def test_named_experiment_from_the_cli(tiny_teacher_dir, tmp_path, name):
    js = tmp_path / "x.json"
    r = cli("experiment", name, "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--steps", "30",
            "--json", str(js))
    assert r.returncode == 0, r.stderr
    data = json.loads(js.read_text())
    assert data["conclusion"] in r.stdout and data["numbers"] and data["curves"]


def test_mismatch_spreads_from_the_cli(tiny_teacher_dir, tmp_path):
    js = tmp_path / "m.json"
    r = cli("experiment", "mismatch-spreads", "--teacher", str(tiny_teacher_dir), "--student-dim", "8",
            "--sentences", "8", "--json", str(js))
    assert r.returncode == 0, r.stderr
    data = json.loads(js.read_text())
    assert data["labels"][0] == "E_t itself" and max(data["relative_error"][0]) < 1e-5
    assert data["labels"][1] == "d_s = 8 (at its floor)" and data["findings"][0] in r.stdout


def test_teacher_vs_student_from_the_cli(tiny_teacher_dir, tmp_path):
    js = tmp_path / "c.json"
    r = cli("experiment", "teacher-vs-student", "--teacher", str(tiny_teacher_dir), "--student-dim", "8",
            "--layers", "1", "--json", str(js))
    assert r.returncode == 0, r.stderr
    costs = {c["name"]: c for c in json.loads(js.read_text())["costs"] if c["device"] == "cpu"}
    assert costs["student"]["parameters"] < costs["teacher"]["parameters"]
    assert costs["student"]["file_mb"] < costs["teacher"]["file_mb"] and "of the teacher's parameters" in r.stdout


def test_run_json_has_the_measured_teacher_vs_student(tiny_teacher_dir, tmp_path):
    js = tmp_path / "run.json"
    r = cli("run", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--layers", "1", "--steps", "5",
            "--device", "cpu", "--json", str(js), "--quiet")
    assert r.returncode == 0, r.stderr
    measured = json.loads(js.read_text())["teacher_vs_student"]
    by = {(m["device"], m["name"]): m for m in measured["models"]}
    t, s = by[("cpu", "teacher")], by[("cpu", "student")]
    assert s["parameters"] < t["parameters"] and s["latency_ms"] > 0 and t["peak_mb"] >= t["weights_mb"]
    assert measured["findings"][0].startswith("On the CPU: the student has")
