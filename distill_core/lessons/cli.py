"""Command-line subcommands for the teaching experiments (``python -m distill_core ablation|experiment ...``).

    python -m distill_core ablation --steps 150 --seeds 2 --json ablation.json
    python -m distill_core experiment lr-decay --rows 2000 --json decay.json
    python -m distill_core experiment mismatch-spreads --json mismatch.json     # forward passes only
    python -m distill_core experiment teacher-vs-student --student-dim 128      # parameters, file, memory, latency

Each prints how long it expects to take (measured on this machine) before it starts, then what it found.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

EXPERIMENTS = ("equal-loss", "lr-decay", "padding", "teacher-dropout", "mismatch-spreads", "teacher-vs-student")


def add_parsers(sub, whole) -> None:
    """The ``ablation`` and ``experiment`` subcommands; ``whole(minimum)`` is the CLI's whole-number type."""
    ab = sub.add_parser("ablation", help="TinyBERT layer-wise distillation with and without the embedding loss")
    ab.add_argument("--teacher", default="bundled", help="the bundled teacher, a local folder or a hub id")
    ab.add_argument("--student-dim", dest="hidden_size", type=whole(1), default=96,
                    help="d_s, a multiple of the teacher's attention heads")
    ab.add_argument("--layers", dest="num_hidden_layers", type=whole(1), default=2)
    ab.add_argument("--steps", type=whole(1), default=150, help="distillation steps per arm")
    ab.add_argument("--seeds", type=whole(1), default=3, help="each seed runs both arms; mean ± spread over seeds")
    ab.add_argument("--task", choices=("sentences", "tokens"), default="sentences", help="the downstream task")
    ab.add_argument("--finetune-steps", dest="finetune_steps", type=whole(1), default=100)
    ab.add_argument("--json", type=Path, help="file for the results as JSON")
    ex = sub.add_parser("experiment", help="one of the teaching experiments on the teacher")
    ex.add_argument("name", choices=EXPERIMENTS)
    ex.add_argument("--teacher", default="bundled", help="the bundled teacher, a local folder or a hub id")
    ex.add_argument("--rows", type=whole(10), default=2000, help="vocabulary rows (vocabulary-mode experiments)")
    ex.add_argument("--student-dim", dest="d_s", type=whole(1), default=None, help="d_s (each has its own default)")
    ex.add_argument("--steps", type=whole(1), default=None, help="Adam steps (each has its own default)")
    ex.add_argument("--layers", type=whole(0), default=2, help="teacher-vs-student: the student's layers")
    ex.add_argument("--sentences", type=whole(1), default=64, help="mismatch-spreads: corpus sentences")
    ex.add_argument("--json", type=Path, help="file for the numbers and the conclusion as JSON")


def _write(path: Path | None, data: dict) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=float))


def _clean(numbers: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in numbers.items()}


def cmd_ablation(args) -> int:
    from ..teacher import load_teacher
    from ..evaluation.pace import default_book
    from ..tinybert.ablation import PAPER_SOURCE, AblationConfig, estimate, findings, paper_rows, run_ablation, summary
    from ..evaluation.downstream import TASK_TITLES

    teacher = load_teacher(args.teacher, "cpu")
    cfg = AblationConfig(hidden_size=args.hidden_size, num_hidden_layers=args.num_hidden_layers, steps=args.steps,
                         seeds=args.seeds, task=args.task, finetune_steps=args.finetune_steps)
    book = default_book()
    est = estimate(teacher, cfg, book)
    print(f"expected: {est.words()} (teacher targets {est.parts['teacher targets']:.0f} s, distillation "
          f"{est.parts['distillation']:.0f} s, fine-tuning {est.parts['fine-tuning']:.0f} s)", flush=True)
    start = time.perf_counter()
    arms = run_ablation(teacher, cfg, pace=book)
    seconds = time.perf_counter() - start
    lines = findings(arms, TASK_TITLES[cfg.task])
    for line in lines:
        print(line)
    print("published reference (" + PAPER_SOURCE + "): "
          + ", ".join(f"{r['task']} {r['with L_emb']} -> {r['without L_emb']}" for r in paper_rows()))
    print(f"took {seconds:.0f} s")
    _write(args.json, {"config": asdict(cfg), "summary": _clean(summary(arms)), "findings": lines,
                       "arms": [asdict(a) for a in arms], "paper": {"source": PAPER_SOURCE, "rows": paper_rows()},
                       "estimated_seconds": {"total": est.seconds, "low": est.low, "high": est.high,
                                             "measured": est.measured, **est.parts}, "seconds": seconds})
    return 0


def run_named(name: str, teacher, rows: int = 2000, d_s: int | None = None, steps: int | None = None):
    """The experiment ``name`` (one of EXPERIMENTS) on its own default settings, or those given."""
    from . import experiments as X

    kw = {k: v for k, v in (("d_s", d_s), ("steps", steps)) if v is not None}
    if name in ("padding", "teacher-dropout"):
        fn = X.padding_masked if name == "padding" else X.teacher_dropout
        return fn(teacher, X.corpus_targets(teacher, sentences=120, max_length=32), **kw)
    targets = X.subset_targets(teacher, rows)
    return (X.equal_loss_different_we if name == "equal-loss" else X.lr_decay)(targets, **kw)


def cmd_mismatch(args, teacher) -> int:
    """The teacher's own layers fed E_s W_e in place of E_t (distill_core.tinybert.propagation)."""
    from ..tinybert.propagation import findings, propagation
    from .experiments import corpus_targets

    start = time.perf_counter()
    dims = (args.d_s,) if args.d_s else None
    p = propagation(teacher, corpus_targets(teacher, sentences=args.sentences, max_length=32),
                    **({"dims": dims} if dims else {}), include_exact=True)
    seconds = time.perf_counter() - start
    print(f"The teacher's layers fed E_s W_e in place of E_t ({p.sentences} sentences, {p.tokens} tokens)")
    print("relative error per layer (0 = embedding output):")
    for label, err, cos in zip(p.labels, p.rel_error, p.cosine):
        print(f"  {label:28s} " + " ".join(f"{e:6.1%}" for e in err) + f"   sentence cosine {cos:.4f}")
    lines = findings(p)
    for line in lines:
        print(line)
    print(f"took {seconds:.1f} s")
    _write(args.json, {"name": args.name, "labels": p.labels, "relative_error": p.rel_error, "cosine": p.cosine,
                       "sentences": p.sentences, "tokens": p.tokens, "findings": lines, "seconds": seconds})
    return 0


def cmd_cost(args, teacher) -> int:
    """The teacher and a student of the given shape: parameters, saved size, forward memory, latency."""
    from ..evaluation.cost import as_json, compare, findings
    from ..student import make_student

    student = make_student(teacher, args.d_s or 128, args.layers, "random")
    costs = compare(teacher, student)
    for c in costs:
        print(f"{c.device:5s} {c.name:8s} {c.parameters / 1e6:6.1f} M params  file {c.file_mb:6.1f} MB  peak "
              f"{c.peak_mb:6.1f} MB  {c.latency_ms:8.1f} ms per batch (median; {c.latency_spread_ms[0]:.1f}-"
              f"{c.latency_spread_ms[1]:.1f})")
    lines = findings(costs)
    for line in lines:
        print(line)
    _write(args.json, {"name": args.name, "costs": as_json(costs), "findings": lines})
    return 0


def cmd_experiment(args) -> int:
    from ..teacher import load_teacher

    teacher = load_teacher(args.teacher, "cpu")
    if args.name == "mismatch-spreads":
        return cmd_mismatch(args, teacher)
    if args.name == "teacher-vs-student":
        return cmd_cost(args, teacher)
    start = time.perf_counter()
    exp = run_named(args.name, teacher, args.rows, args.d_s, args.steps)
    seconds = time.perf_counter() - start
    print(exp.title)
    for k, v in exp.numbers.items():
        print(f"  {k}: {v:.4g}")
    print(exp.conclusion)
    print(f"took {seconds:.1f} s")
    _write(args.json, {"name": args.name, "title": exp.title, "numbers": _clean(exp.numbers),
                       "conclusion": exp.conclusion, "seconds": seconds,
                       "curves": [{"label": c.label, "steps": c.steps, "loss": c.loss, "floor": c.floor}
                                  for c in exp.curves]})
    return 0


def run(args) -> int:
    return cmd_ablation(args) if args.command == "ablation" else cmd_experiment(args)
