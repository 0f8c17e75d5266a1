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
        assert _together(curve, list(range(6))) == alone  # bit for bit: no session drew another's random numbers


def _together(fn, seeds) -> dict:
    """fn(seed) for every seed, each in its own thread, all released at the same moment."""
    out: dict = {}
    barrier = threading.Barrier(len(seeds))

    def run(seed):
        barrier.wait()
        out[seed] = fn(seed)

    threads = [threading.Thread(target=run, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def test_teaching_experiments_started_together_keep_their_seeds(tiny_teacher_dir):
    """The concept pages' small fits (vocabulary, and sequence with a replayed dropout teacher) draw their
    initial weights and their dropout masks for themselves, also when several sessions run them at once."""
    from distill_core.lessons import experiments as X
    from distill_core.targets import sequence_targets

    teacher = load_teacher(str(tiny_teacher_dir), "cpu")
    vocab = build_targets(teacher, DistillConfig(teacher=str(tiny_teacher_dir), probe_size=20, device="cpu"))
    seq = sequence_targets(teacher, "the cat sat\nthe dog ran home\na b c d", max_length=8)

    def fits(seed: int):
        a = X.fit_vocab(vocab, d_s=8, steps=3, seed=seed, every=1)
        b = X._fit_sequence(seq, teacher, 8, 3, target_dropout=0.1, seed=seed, every=1)
        return repr((a.curve.loss, b.loss, b.extra["train_loss"]))  # repr: nan (no train loss at step 0) == nan

    seeds = list(range(4))
    alone = {s: fits(s) for s in seeds}
    assert len(set(alone.values())) == 4
    for _ in range(3):
        assert _together(fits, seeds) == alone


def test_replayed_dropout_is_inverted_dropout():
    import torch

    from distill_core.lessons.experiments import _dropout

    x = torch.ones(200_000)
    y = _dropout(x, 0.1, torch.Generator().manual_seed(0))
    assert torch.unique(y).tolist() == [0.0, torch.tensor(1 / 0.9).item()]
    assert abs(float((y == 0).float().mean()) - 0.1) < 0.005 and abs(float(y.mean()) - 1.0) < 0.01
    assert torch.equal(y, _dropout(x, 0.1, torch.Generator().manual_seed(0)))
