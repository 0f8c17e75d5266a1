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
