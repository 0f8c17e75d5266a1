"""`python -m distill_core eval DIR --json FILE` and the scores `run --json` adds (tiny random BERT)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from distill_core.evaluation import wordbench

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not wordbench.available(), reason="gensim (the benchmark files) is not installed")


def cli(*args):
    env = os.environ | {"PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([sys.executable, "-m", "distill_core", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_eval_of_an_exported_student_matches_the_scores_run_json_gave(tiny_teacher_dir, tmp_path):
    out, run_json, eval_json = tmp_path / "out", tmp_path / "run.json", tmp_path / "eval.json"
    r = cli("run", "--teacher", str(tiny_teacher_dir), "--student-dim", "8", "--layers", "1", "--steps", "20",
            "--device", "cpu", "--quiet", "--out", str(out), "--json", str(run_json))
    assert r.returncode == 0, r.stderr
    in_run = json.loads(run_json.read_text())["word_benchmarks"]
    r = cli("eval", str(out), "--json", str(eval_json))
    assert r.returncode == 0, r.stderr
    assert "WordSim-353 rho" in r.stdout and "SimLex-999 rho" in r.stdout
    exported = json.loads(eval_json.read_text())
    assert exported["student_dim"] == 8 and exported["teacher_dim"] == 32 and exported["target"] == "vocab"
    for table in ("lifted", "own"):
        for name in ("wordsim", "simlex"):
            a, b = in_run["student"][table][name], exported["scores"][table][name]
            assert a["pairs"] == b["pairs"] > 1 and a["rho"] == pytest.approx(b["rho"], abs=1e-5)
        assert in_run["student"][table]["analogy"]["questions"] == exported["scores"][table]["analogy"]["questions"]
    assert set(in_run) >= {"teacher_table", "rank_d_s_optimum"}


def test_eval_of_a_folder_that_is_no_run_is_one_line(tmp_path):
    for target in (tmp_path / "missing", tmp_path):
        r = cli("eval", str(target))
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "run --out" in r.stderr, r.stderr
