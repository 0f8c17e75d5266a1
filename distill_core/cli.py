"""Command line: ``python -m distill_core run ...`` (also under ``torchrun --nproc_per_node=N``)."""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from .errors import DistillError, DivergedError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, no usage dump
        self.exit(2, f"error: {message} (see `python -m distill_core run --help`)\n")


def _whole(minimum: int):
    """An argparse type: a whole number >= minimum."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{value} must be a positive whole number" if minimum == 1 else f"{value} must be {minimum} or more")
        return value
    return parse


_positive_int, _nonneg_int = _whole(1), _whole(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text} must be a positive finite number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m distill_core", description="TinyBERT-style embedding-layer distillation.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="distil a student's embedding layer from a teacher")
    run.add_argument("--teacher", default="bundled", help="'bundled' (all-MiniLM-L6-v2), a local folder or a hub id")
    run.add_argument("--target", choices=("vocab", "sequence"), default="vocab")
    run.add_argument("--student-dim", type=_positive_int, default=128, help="d_s, the student's hidden size")
    run.add_argument("--layers", type=_nonneg_int, default=4, help="transformer layers of the student BertModel")
    run.add_argument("--no-bias", action="store_true", help="W_e without a bias (the floor is then uncentred)")
    run.add_argument("--init", choices=("random", "teacher_pca"), default="random")
    run.add_argument("--steps", type=_nonneg_int, default=300)
    run.add_argument("--lr", type=_positive_float, default=0.03)
    run.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    run.add_argument("--schedule", choices=("constant", "linear", "cosine"), default="constant")
    run.add_argument("--warmup-steps", type=_nonneg_int, default=0)
    run.add_argument("--batch-size", type=_nonneg_int, default=0, help="rows (vocab) or sentences; 0 = all")
    run.add_argument("--snapshot-every", type=_positive_int, default=5)
    run.add_argument("--vocab-subset", type=_nonneg_int, default=0, help="vocab: first N tokens (0 = all)")
    run.add_argument("--text-file", type=Path, help="sequence: a UTF-8 .txt, one sentence per line")
    run.add_argument("--max-length", type=_positive_int, default=64)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    run.add_argument("--out", type=Path, help="folder for the student, W_e, run config and history")
    run.add_argument("--json", type=Path, help="file for a JSON summary of the run")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def config_from_args(args):
    from .config import DistillConfig

    text = ""
    if args.text_file is not None:
        if not args.text_file.is_file():
            raise DistillError(f"Text file '{args.text_file}' does not exist: give a UTF-8 .txt file.")
        text = args.text_file.read_bytes()
        if not text.strip():
            raise DistillError(f"Text file '{args.text_file}' is empty: put at least one sentence in it.")
    return DistillConfig(
        teacher=args.teacher, target=args.target, hidden_size=args.student_dim, num_hidden_layers=args.layers,
        bias=not args.no_bias, init=args.init, optimizer=args.optimizer, lr=args.lr, schedule=args.schedule,
        warmup_steps=args.warmup_steps, steps=args.steps, batch_size=args.batch_size,
        snapshot_every=args.snapshot_every, seed=args.seed, device=args.device, vocab_subset=args.vocab_subset,
        max_length=args.max_length, text=text,
    ).validate()


def summary(engine, seconds: float, world: int) -> dict:
    last = engine.latest
    d_s, d_t = engine.config.hidden_size, engine.targets.d_t
    return {
        "final_mse": last.loss, "floor_mse": engine.floor, "ratio": last.ratio, "steps": engine.step_count,
        "seconds": seconds, "device": str(engine.device), "teacher_dim": d_t, "student_dim": d_s,
        "we_shape": [d_s, d_t], "teacher": engine.teacher.name, "target": engine.config.target,
        "target_rows": engine.targets.n_rows, "probe_loss": last.probe_loss, "mean_cosine": last.mean_cosine,
        "knn_overlap": last.knn_overlap, "world_size": world, "diverged": engine.diverged,
    }


def _progress(engine, quiet: bool):
    from tqdm import tqdm

    bar = tqdm(total=engine.config.steps, disable=quiet, unit="step", dynamic_ncols=True)

    def on_snapshot(s):
        bar.update(s.step - bar.n)
        bar.set_postfix(mse=f"{s.loss:.3g}", ratio=f"{s.ratio:.3f}", knn=f"{s.knn_overlap:.2f}")

    return bar, on_snapshot


def cmd_run(args) -> int:
    from . import distributed
    from .engine import Engine
    from .export import save_run

    config = config_from_args(args)
    rank, world, device = distributed.setup(config.device)
    config.device = device
    engine = Engine(config)
    lead = rank == 0
    bar, on_snapshot = _progress(engine, args.quiet or not lead)
    status, start = 0, time.perf_counter()
    try:
        engine.run(config.steps, on_snapshot=on_snapshot)
    except DivergedError as exc:
        status = 3
        if lead:
            print(f"error: {exc}", file=sys.stderr)
    finally:
        bar.close()
    seconds = time.perf_counter() - start
    if lead:
        result = summary(engine, seconds, world)
        if args.out is not None:
            save_run(engine, args.out)
            (args.out / "summary.json").write_text(json.dumps(result, indent=2))
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(result, indent=2))
        if status == 0:
            print(f"{engine.teacher.name} -> d_s={config.hidden_size} ({config.target}): MSE {result['final_mse']:.4g}, "
                  f"floor {result['floor_mse']:.4g}, ratio {result['ratio']:.3f}, kNN@10 {result['knn_overlap']:.2f}, "
                  f"{engine.step_count} steps in {seconds:.1f} s on {result['device']}"
                  + (f" x {world} processes" if world > 1 else ""))
    distributed.teardown()
    return status


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return cmd_run(args)
    except DistillError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
