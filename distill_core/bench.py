"""Benchmark: ``python -m distill_core.bench`` prints ratios measured in one run on this machine.

1. Steps per second of the engine (targets computed once from ``teacher.embeddings``) against a naive loop that
   runs the whole teacher forward each step for its targets, as TinyBERT's general distillation does; same
   batch (32 sequences x 128 tokens), same student and W_e.
2. Seconds of training to ratio <= 1.05 and <= 1.01 in vocab mode with the default settings (d_s = 128).
3. Peak resident memory of the process.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

import torch

from .config import DistillConfig
from .engine import Engine
from .losses import embedding_mse
from .targets import tokenize
from .teacher import load_teacher


def _batch(teacher, n_seq: int = 32, length: int = 128):
    from .assets import default_corpus

    text = " ".join(default_corpus())
    words = text.split()
    per = max(1, len(words) // n_seq)
    sentences = [" ".join(words[i * per:(i + 1) * per]) for i in range(n_seq)]
    return tokenize(teacher.tokenizer, sentences, length)


def steps_per_second(teacher, device, seconds: float = 8.0) -> tuple[float, float]:
    """(engine steps/s, naive steps/s) on the same (32, 128) batch."""
    enc = {k: v.to(device) for k, v in _batch(teacher).items()}
    cfg = DistillConfig(target="sequence", device=str(device), steps=10**9)
    engine = Engine(cfg, teacher=teacher)
    with torch.no_grad():
        E_t = teacher.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])  # once

    def engine_step():
        pred = engine.pair.sequence(enc["input_ids"], enc["token_type_ids"])
        loss = embedding_mse(pred, E_t, enc["attention_mask"])
        engine.optimizer.zero_grad()
        loss.backward()
        engine.optimizer.step()

    def naive_step():
        with torch.no_grad():  # the whole teacher runs, then hidden_states[0] is taken
            out = teacher.model(**enc, output_hidden_states=True)
        pred = engine.pair.sequence(enc["input_ids"], enc["token_type_ids"])
        loss = embedding_mse(pred, out.hidden_states[0], enc["attention_mask"])
        engine.optimizer.zero_grad()
        loss.backward()
        engine.optimizer.step()

    return _rate(engine_step, seconds, device), _rate(naive_step, seconds, device)


def _rate(fn, seconds: float, device) -> float:
    fn()  # warm-up
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or n < 3:
        fn()
        n += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n / (time.perf_counter() - start)


def time_to_ratio(teacher, device, targets=(1.05, 1.01)) -> dict:
    """Training seconds (and steps) until the whole-vocabulary loss first reaches each ratio to the floor, with the
    default schedule over the default steps (only the snapshots are more frequent)."""
    engine = Engine(DistillConfig(device=str(device), snapshot_every=1), teacher=teacher)
    max_steps = engine.config.steps
    wall0 = time.perf_counter()
    found: dict[float, tuple[int, float, float]] = {}

    def on_snapshot(s):
        for r in targets:
            if r not in found and s.ratio <= r:
                found[r] = (s.step, s.elapsed, time.perf_counter() - wall0)

    engine.run(max_steps, on_snapshot=on_snapshot, should_stop=lambda: len(found) == len(targets))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m distill_core.bench")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring time per loop")
    args = parser.parse_args(argv)
    from .device import resolve_device

    device = resolve_device(args.device)
    t0 = time.perf_counter()
    teacher = load_teacher("bundled", device)
    print(f"device {device}, torch threads {torch.get_num_threads()}, teacher {teacher.name} loaded in "
          f"{time.perf_counter() - t0:.1f} s")
    fast, naive = steps_per_second(teacher, device, args.seconds)
    print(f"steps/s, batch 32x128, sequence mode: engine {fast:.1f}, naive whole-teacher forward {naive:.2f}, "
          f"ratio {fast / naive:.0f}x (target >= 50x)")
    found = time_to_ratio(teacher, device)
    for r in (1.05, 1.01):
        if r in found:
            step, train_s, wall_s = found[r]
            print(f"vocab mode, d_s=128, defaults: ratio <= {r} at step {step}: {train_s:.1f} s of training "
                  f"({wall_s:.1f} s with a full evaluation after every step)")
        else:
            print(f"vocab mode: ratio <= {r} not reached in the default run")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(f"peak resident memory {peak:.0f} MiB (target < 2048 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
