"""Sessions that start at the same moment in one server each get their own seed's run."""
from __future__ import annotations

import threading

from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.targets import build_targets
from distill_core.teacher import load_teacher


def test_concurrent_starts_keep_each_seeds_init(tiny_teacher_dir):
    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    base = DistillConfig(teacher=str(tiny_teacher_dir), hidden_size=16, probe_size=20, steps=3, device="cpu")
    targets = build_targets(teacher, base)

    def curve(seed: int) -> list[float]:
        engine = Engine(config=DistillConfig(**(base.to_dict() | {"seed": seed})), teacher=teacher, targets=targets)
        engine.run(3)
        return [s.loss for s in engine.history]

    alone = {seed: curve(seed) for seed in range(6)}
    assert len({tuple(c) for c in alone.values()}) == 6  # different seeds, different curves
    for _ in range(5):  # threads interleave differently each time
        together: dict[int, list[float]] = {}
        barrier = threading.Barrier(6)

        def run(seed: int) -> None:
            barrier.wait()
            together[seed] = curve(seed)

        threads = [threading.Thread(target=run, args=(s,)) for s in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert together == alone  # bit for bit: no session drew another's random numbers
