"""Our distilled student vs Model2Vec on public word benchmarks, for d_s in 16, 32, 64, 128, 256, in one run.

    python benchmarks/vs_model2vec.py [--dims 16 32 64 128 256] [--out assets/model2vec_results.json]

For each d_s, on the bundled teacher (all-MiniLM-L6-v2): wall time and scores (WordSim-353 and SimLex-999
Spearman rho, Google-analogy 3CosAdd accuracy) of
  - our student: distill_core's engine, vocab target, default settings (E_s W_e + b, and its own E_s);
  - Model2Vec: ``model2vec.distill.distill(model_name=<the bundled teacher's folder>, pca_dims=d_s)``, offline
    (every vocabulary token through the whole teacher, PCA to d_s, Zipf/SIF reweighting);
  - the rank-d_s optimum of the teacher's table (the Eckart-Young solution, the floor's own), and a random table;
plus the teacher's own table once. The result goes to a JSON file (written after each d_s, so a stopped run
keeps what it finished), labelled with when and on what machine it was computed; the app shows it as is.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")          # nothing is downloaded: the teacher is a local folder
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from distill_core.config import DistillConfig  # noqa: E402
from distill_core.engine import Engine  # noqa: E402
from distill_core.teacher import bundled_teacher_path, load_teacher  # noqa: E402
from distill_core.evaluation.wordbench import bench_for, table_lookup  # noqa: E402
from distill_core.evaluation.wordscores import (Optimum, model2vec_table, pair_lookups, random_table,  # noqa: E402
                                     score_lookups)

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "assets" / "model2vec_results.json"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} CPU cores, {gpu}, {platform.system()}, torch {torch.__version__}"


def train_student(teacher, d_s: int, seed: int) -> tuple[Engine, float]:
    start = time.perf_counter()
    engine = Engine(DistillConfig(hidden_size=d_s, seed=seed), teacher=teacher)  # defaults: vocab target
    engine.run(engine.config.steps)
    return engine, time.perf_counter() - start


def run_model2vec(d_s: int):
    from model2vec.distill import distill

    start = time.perf_counter()
    model = distill(model_name=str(bundled_teacher_path()), pca_dims=d_s)
    return model, time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-model2vec", action="store_true")
    args = ap.parse_args(argv)

    import model2vec

    teacher = load_teacher("bundled")
    bench = bench_for(teacher.tokenizer)
    table = teacher.embeddings.word_embeddings.weight.detach().cpu()
    optimum = Optimum(table)
    result = {
        "computed_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "teacher": teacher.name, "model2vec_version": model2vec.__version__,
        "note": "wall times measured while other processes shared the machine's cores: upper bounds",
        "teacher_scores": bench.score(table_lookup(table)), "dims": {},
    }
    for d_s in args.dims:
        row = {}
        engine, seconds = train_student(teacher, d_s, args.seed)
        row["student"] = {"seconds": seconds, "steps": engine.step_count, "ratio": engine.latest.ratio,
                          "scores": score_lookups(bench, pair_lookups(engine.pair))}
        row["optimum"] = {"lifted": bench.score(table_lookup(optimum.lifted(d_s))),
                          "own": bench.score(table_lookup(optimum.coords(d_s)))}
        row["random"] = bench.score(table_lookup(random_table(table.shape[0], d_s, args.seed)))
        if not args.skip_model2vec:
            model, seconds = run_model2vec(d_s)
            row["model2vec"] = {"seconds": seconds, "rows": int(model.embedding.shape[0]),
                                "scores": bench.score(table_lookup(model2vec_table(model, teacher.tokenizer,
                                                                                  teacher.vocab_size)))}
        result["dims"][str(d_s)] = row
        args.out.write_text(json.dumps(result, indent=1))
        print(markdown(result), flush=True)
    return 0


def markdown(result: dict) -> str:
    """The README table: one line per (d_s, method)."""
    lines = ["| d_s | method | wall time | WordSim-353 rho | SimLex-999 rho | analogies (3CosAdd) |",
             "| --- | --- | --- | --- | --- | --- |"]

    def line(d, name, scores, seconds=None):
        t = f"{seconds:.0f} s" if seconds is not None else ""
        lines.append(f"| {d} | {name} | {t} | {scores['wordsim']['rho']:.3f} | {scores['simlex']['rho']:.3f} | "
                     f"{scores['analogy']['accuracy']:.1%} |")

    line(384, "teacher's table (d_t)", result["teacher_scores"])
    for d, row in result["dims"].items():
        line(d, "our student, E_s W_e + b", row["student"]["scores"]["lifted"], row["student"]["seconds"])
        line(d, "our student, own E_s", row["student"]["scores"]["own"])
        if "model2vec" in row:
            line(d, "Model2Vec", row["model2vec"]["scores"], row["model2vec"]["seconds"])
        line(d, "rank-d_s optimum", row["optimum"]["lifted"])
        line(d, "random table", row["random"])
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
