"""Does a page's rerun stall training through the interpreter lock? Prints figures, asserts nothing.

    python benchmarks/bench_gil.py [--steps 30]

One process, as in the server: a training thread steps the lab's defaults (the bundled teacher, vocab target,
d_s 128) while a second thread does what a page's fragment rerun does, pure Python that holds the interpreter lock
(building and serialising a figure-sized dict), for a given share of the time. Torch releases the lock inside each
op, but the training thread must take it back between ops, dozens of times a step; a thread that is never blocked
hands it over only when the switch interval (5 ms by default) expires. Measured: steps/s alone, beside the busy
thread with the default interval, and with shorter intervals (sys.setswitchinterval).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from distill_core.config import DistillConfig  # noqa: E402
from distill_core.engine import Engine  # noqa: E402
from distill_core.teacher import load_teacher  # noqa: E402
from labui.worker import shared_targets  # noqa: E402

FIGURE = {"data": [{"x": list(range(2000)), "y": [i * 0.001 for i in range(2000)], "name": f"t{k}"} for k in range(8)]}


def rerun_like(stop: threading.Event, duty: float) -> None:
    """Hold the lock in pure Python for `duty` of the time (a fragment rerun building and serialising figures)."""
    while not stop.is_set():
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.05 * duty:
            json.dumps(FIGURE)
        time.sleep(0.05 * (1 - duty))


def steps_per_s(engine: Engine, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        engine.train_step()
    return steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--duty", type=float, default=0.5, help="share of the time the rerun thread holds the lock")
    args = ap.parse_args()
    print(f"{os.cpu_count()} CPU cores; load average before: {os.getloadavg()[0]:.1f} (others' work inflates times)")
    teacher = load_teacher("bundled", "cpu")
    cfg = DistillConfig(device="cpu")
    engine = Engine(cfg, teacher=teacher, targets=shared_targets(teacher, cfg))
    steps_per_s(engine, 3)  # warm
    default = sys.getswitchinterval()
    rows = []
    for label, interval, busy in (("alone", default, False), ("beside a rerun thread", default, True),
                                  ("beside a rerun thread", 0.001, True), ("beside a rerun thread", 0.0002, True),
                                  ("alone", default, False)):
        sys.setswitchinterval(interval)
        stop = threading.Event()
        t = threading.Thread(target=rerun_like, args=(stop, args.duty), daemon=True)
        if busy:
            t.start()
        rate = steps_per_s(engine, args.steps)
        stop.set()
        if busy:
            t.join()
        rows.append(rate)
        print(f"training {label:22s} switch interval {interval * 1000:4.1f} ms: {rate:.2f} steps/s", flush=True)
    sys.setswitchinterval(default)
    alone = (rows[0] + rows[-1]) / 2
    print(f"beside a thread holding the lock {args.duty:.0%} of the time: {rows[1] / alone:.2f}x of alone at 5 ms, "
          f"{rows[2] / alone:.2f}x at 1 ms, {rows[3] / alone:.2f}x at 0.2 ms")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
