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


def _whole(minimum: int | None):
    """An argparse type: a whole number >= minimum (any whole number when minimum is None)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(
                f"{value} must be a positive whole number" if minimum == 1 else f"{value} must be {minimum} or more")
        return value
    return parse


def _checked_float(check, minimum: float | None):
    """An argparse type: a finite number >= minimum that passes the setting's own check (its sentence on failure)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if check:
            try:
                return check(value)
            except DistillError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
        if not math.isfinite(value) or (minimum is not None and value < minimum):
            raise argparse.ArgumentTypeError(f"{text} must be a finite number" + (
                f", {minimum:g} or more" if minimum is not None else ""))
        return value
    return parse


def _add_setting(run, f) -> None:
    """One CLI option from a DistillConfig field's declaration (config.setting)."""
    meta, default = f.metadata, f.default
    kw = {"dest": f.name, "help": meta["help"] or None, "metavar": meta["flag"].lstrip("-").upper()}
    if isinstance(default, bool):  # declared as the switch that turns the default off, e.g. --no-bias
        kw["action"] = "store_false" if default else "store_true"
        del kw["metavar"]
    elif meta.get("file"):
        kw["type"] = Path  # read in config_from_args, so a missing or empty file gets its sentence
    elif "choices" in meta:
        kw.update(choices=meta["choices"], default=default, metavar=None)
    elif isinstance(default, int):
        kw.update(type=_whole(meta.get("min")), default=default)
    elif isinstance(default, float):
        kw.update(type=_checked_float(meta.get("check"), meta.get("min")), default=default)
    else:
        kw["default"] = default
    run.add_argument(meta["flag"], **kw)


def build_parser(config=None) -> argparse.ArgumentParser:
    """The parser; one option per field of ``config`` (DistillConfig) declared with a CLI flag."""
    from .config import DistillConfig, declared

    parser = _Parser(prog="python -m distill_core", description="TinyBERT-style embedding-layer distillation.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="distil a student's embedding layer from a teacher")
    for f in declared(config or DistillConfig, "flag"):
        _add_setting(run, f)
    run.add_argument("--out", type=Path, help="folder for the student, W_e, run config and history")
    run.add_argument("--json", type=Path, help="file for a JSON summary of the run")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--figures", action="store_true",
                     help="with --out: also write OUT/figures/loss.png, spectrum.png, map.png (16:9, 1,600 px, "
                          "presenter type) and map_replay.gif (a frame per snapshot); needs Chrome or Chromium")
    from .evaluation.cli import add_parser as add_eval_parser
    add_eval_parser(sub)  # eval DIR --json FILE: word benchmarks of an exported student
    from .lessons.cli import add_parsers
    add_parsers(sub, _whole)  # ablation, experiment
    return parser


def _read_text_file(path: Path | None) -> bytes | str:
    if path is None:
        return ""
    if not path.is_file():
        raise DistillError(f"Text file '{path}' does not exist: give a UTF-8 .txt file.")
    text = path.read_bytes()
    if not text.strip():
        raise DistillError(f"Text file '{path}' is empty: put at least one sentence in it.")
    return text


def config_from_args(args, config=None):
    from .config import DistillConfig, declared

    config = config or DistillConfig
    values = {f.name: getattr(args, f.name) for f in declared(config, "flag")}
    values["text"] = _read_text_file(values["text"])
    return config(**values).validate()


def summary(engine, seconds: float, world: int) -> dict:
    last = engine.latest
    d_s, d_t = engine.config.hidden_size, engine.targets.d_t
    return {
        "final_mse": last.loss, "floor_mse": engine.floor, "ratio": last.ratio, "steps": engine.step_count,
        "seconds": seconds, "device": str(engine.device), "teacher_dim": d_t, "student_dim": d_s,
        "we_shape": [d_s, d_t], "teacher": engine.teacher.name, "target": engine.config.target,
        "target_rows": engine.targets.n_rows, "probe_loss": last.probe_loss, "mean_cosine": last.mean_cosine,
        "knn_overlap": last.knn_overlap, "world_size": world, "diverged": engine.diverged,
        "backend": _backend(),
    }


def _backend() -> str | None:
    from . import distributed

    return distributed.backend()


def _progress(engine, quiet: bool):
    from tqdm import tqdm

    bar = tqdm(total=engine.config.steps, disable=quiet, unit="step", dynamic_ncols=True)

    def on_snapshot(s):
        bar.update(s.step - bar.n)
        bar.set_postfix(mse=f"{s.loss:.3g}", ratio=f"{s.ratio:.3f}", knn=f"{s.knn_overlap:.2f}")

    return bar, on_snapshot


def _map_frames(engine, on_snapshot, wanted: bool):
    """With --figures: the token map's frames, (step, (P, 2)), placed as each snapshot arrives (the engine keeps
    only the newest snapshot's probe vectors)."""
    frames: list = []
    if not wanted:
        return frames, None, on_snapshot
    from .token_maps import PCALayout

    pca = PCALayout(engine.probe_teacher.detach().cpu().numpy())  # (P, d_t) -> (P, 2), fitted on the teacher

    def collect(s):
        if s.probe_student is not None:
            frames.append((s.step, pca.transform(s.probe_student)))
        on_snapshot(s)

    return frames, pca, collect


def _write_figures(engine, frames, teacher_xy, out: Path, quiet: bool) -> None:
    from labui.figure_export import RunFigures, write_figures

    last = engine.latest
    run = RunFigures([s.scalars() for s in engine.history], engine.floor, engine.teacher_spectrum(),
                     engine.config.hidden_size, last.product_singular_values,
                     [s.we_singular_values for s in engine.history], teacher_xy,
                     list(engine.probe.words), list(engine.probe.groups), frames)
    written, problem = write_figures(run, out)
    if problem:
        print(problem, file=sys.stderr)
    elif not quiet:
        print(f"figures: {', '.join(p.name for p in written)} in {out / 'figures'}")


def cmd_run(args) -> int:
    from . import distributed
    from .engine import Engine
    from .export import save_run

    if args.figures and args.out is None:
        raise DistillError("--figures writes into the run's folder: add --out DIR.")
    config = config_from_args(args)
    rank, world, device = distributed.setup(config.device)
    config.device = device
    lead = rank == 0
    from .evaluation.cli import prebuilt
    engine = Engine(config, **prebuilt(config, args.quiet or not lead))  # the output target: a progress bar
    bar, on_snapshot = _progress(engine, args.quiet or not lead)
    frames, layout, on_snapshot = _map_frames(engine, on_snapshot, args.figures and lead)
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
            if args.figures:
                _write_figures(engine, frames, layout.teacher_xy, args.out, args.quiet)
        if args.json is not None:
            from .evaluation.cli import run_scores
            result["word_benchmarks"] = run_scores(engine)
            from .evaluation.cli import run_cost
            result["teacher_vs_student"] = run_cost(engine)  # measured: size, memory, latency per batch of 32
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
        if args.command == "eval":
            from .evaluation.cli import cmd_eval
            return cmd_eval(args)
        if args.command in ("ablation", "experiment"):
            from .lessons.cli import run as run_experiment
            return run_experiment(args)
        return cmd_run(args)
    except DistillError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
