"""The engine on tiny random teachers: shapes, masking, determinism, control, divergence, export."""
import math
import time

import pytest
import torch
from transformers import AutoModel

from distill_core.config import DistillConfig
from distill_core.engine import Engine, Snapshot
from distill_core.errors import DistillError, DivergedError
from distill_core.export import load_w_e, save_run
from distill_core.losses import embedding_mse
from distill_core.student import Projection, make_student
from distill_core.targets import build_targets
from distill_core.teacher import load_teacher

TEXT = "the cat is red.\nit was blue and green on the dog\nthe horse, the mother and the father\n"


def cfg(teacher_dir, **kw) -> DistillConfig:
    base = dict(teacher=str(teacher_dir), hidden_size=8, num_hidden_layers=1, steps=40, snapshot_every=5,
                device="cpu", probe_size=40, stop_tol=0.0)  # every step runs: these tests count them
    base.update(kw)
    return DistillConfig(**base)


def test_source_example_shapes(wide_teacher_dir):
    """Teacher 768, student 128, 10 tokens: E_s (10,128) @ W_e (128,768) -> (10,768) vs E_t (10,768)."""
    teacher = load_teacher(str(wide_teacher_dir), "cpu")
    torch.manual_seed(0)
    student = make_student(teacher, 128, 1)
    proj = Projection(128, teacher.hidden_size)
    ids = torch.arange(5, 15)
    E_s = student.embeddings.word_embeddings(ids)
    E_t = teacher.embeddings.word_embeddings(ids)
    assert E_s.shape == (10, 128) and proj.W_e.shape == (128, 768) and E_t.shape == (10, 768)
    out = proj(E_s)
    assert out.shape == (10, 768)
    ref = ((E_s @ proj.W_e + proj.linear.bias - E_t) ** 2).mean()  # the reference formula, written out
    assert torch.allclose(embedding_mse(out, E_t), ref)


def test_vocab_run_falls_toward_the_floor(tiny_teacher_dir):
    engine = Engine(cfg(tiny_teacher_dir, steps=150, lr=0.05))
    engine.run(150)
    first, last = engine.history[0], engine.history[-1]
    assert last.step == 150 and len(engine.history) == 31
    assert last.loss < 0.2 * first.loss
    assert last.loss >= engine.floor * (1 - 1e-5)  # nothing beats Eckart-Young
    assert last.ratio < 1.3  # a random toy table has a flat spectrum: slow, but on its way
    assert last.we_singular_values.shape == (8,) and last.product_singular_values.shape == (8,)
    assert last.probe_student.shape == (len(engine.probe.ids), 32)
    assert engine.history[0].probe_student is None  # only the newest snapshot keeps the heavy array
    assert 0 <= last.knn_overlap <= 1 and last.knn_overlap > first.knn_overlap
    assert last.mean_cosine > first.mean_cosine + 0.3 and last.steps_per_second > 0 and last.device == "cpu"


def test_sequence_mode_masks_padding_and_learns(tiny_teacher_dir):
    engine = Engine(cfg(tiny_teacher_dir, target="sequence", text=TEXT, steps=60, lr=0.05))
    tg = engine.targets
    assert tg.mask.shape == tg.ids.shape and int(tg.mask.sum()) < tg.mask.numel()  # some padding
    assert tg.n_rows == int(tg.mask.sum())
    # E_t is the embedding-layer output, hidden_states[0]: check against a whole forward pass
    out = engine.teacher.model(input_ids=tg.ids, token_type_ids=tg.token_type_ids, attention_mask=tg.mask,
                               output_hidden_states=True)
    assert torch.allclose(out.hidden_states[0], tg.E_t, atol=1e-6)
    # the masked loss ignores whatever sits at padded positions
    pred = engine.pair.sequence(tg.ids, tg.token_type_ids).detach()
    noisy = tg.E_t.clone()
    noisy[tg.mask == 0] += 100.0
    assert torch.allclose(embedding_mse(pred, tg.E_t, tg.mask), embedding_mse(pred, noisy, tg.mask))
    real = tg.mask.bool()
    assert torch.allclose(embedding_mse(pred, tg.E_t, tg.mask), ((pred[real] - tg.E_t[real]) ** 2).mean())
    engine.run(60)
    assert engine.history[-1].loss < 0.5 * engine.history[0].loss
    assert engine.history[-1].loss >= engine.floor * (1 - 1e-5)


def test_same_seed_same_curve_and_reset(tiny_teacher_dir):
    a, b = Engine(cfg(tiny_teacher_dir, seed=3)), Engine(cfg(tiny_teacher_dir, seed=3))
    a.run(20), b.run(20)
    assert [s.loss for s in a.history] == [s.loss for s in b.history]
    c = Engine(cfg(tiny_teacher_dir, seed=4))
    c.run(20)
    assert [s.loss for s in c.history] != [s.loss for s in a.history]
    curve = [s.loss for s in a.history]
    a.reset()
    assert a.step_count == 0 and a.history == []
    a.run(20)
    assert [s.loss for s in a.history] == curve


def test_pause_resume_and_lr_change(tiny_teacher_dir):
    engine = Engine(cfg(tiny_teacher_dir, steps=30, snapshot_every=1, schedule="constant"))
    engine.run(10)
    assert engine.step_count == 10           # "pause" = stop calling run
    engine.set_lr(0.001)
    engine.run(5)
    assert engine.step_count == 15 and engine.latest.lr == pytest.approx(0.001)
    engine.run(100)
    assert engine.step_count == 30 and engine.done  # never past config.steps
    stop = Engine(cfg(tiny_teacher_dir))
    stop.run(40, should_stop=lambda: stop.step_count >= 7)
    assert stop.step_count == 7


def test_schedules_and_sgd(tiny_teacher_dir):
    e = Engine(cfg(tiny_teacher_dir, warmup_steps=4, schedule="linear", steps=20, lr=0.1, optimizer="sgd"))
    lrs = []
    for _ in range(20):
        lrs.append(e.current_lr())
        e.train_step()
    assert lrs[0] == pytest.approx(0.025) and lrs[3] == pytest.approx(0.1)
    assert lrs[-1] < lrs[4] and all(x > 0 for x in lrs)
    assert isinstance(e.optimizer, torch.optim.SGD)


def test_nan_loss_stops_with_a_message_and_keeps_history(tiny_teacher_dir):
    engine = Engine(cfg(tiny_teacher_dir, lr=1e30, snapshot_every=1, schedule="constant"))
    with pytest.raises(DivergedError, match=r"learning rate 1e\+30: lower the learning rate"):
        engine.run(40)
    assert engine.history and engine.diverged and engine.done
    assert all(math.isfinite(s.loss) for s in engine.history[:1])


def test_teacher_pca_init_is_the_teacher_in_its_top_principal_directions(tiny_teacher_dir):
    engine = Engine(cfg(tiny_teacher_dir, init="teacher_pca"))
    T = engine.teacher.embeddings.word_embeddings.weight.detach().double()
    E = engine.pair.student.embeddings.word_embeddings.weight.detach().double()
    # E = (T - mean) V: E has orthogonal columns whose norms are the top-8 singular values of centred T
    sigma = torch.linalg.svdvals(T - T.mean(0))[:8]
    assert torch.allclose(torch.linalg.norm(E, dim=0), sigma.float().double(), rtol=1e-4)
    gram = E.T @ E
    assert torch.allclose(gram - torch.diag(torch.diag(gram)), torch.zeros_like(gram), atol=1e-6)
    # with the best W_e for this E (least squares), the loss is exactly the floor
    Tc = T - T.mean(0)
    W = torch.linalg.lstsq(E, Tc).solution
    assert float(((E @ W - Tc) ** 2).mean()) == pytest.approx(engine.floor, rel=1e-4)


def test_export_round_trips_through_automodel(tiny_teacher_dir, tmp_path):
    engine = Engine(cfg(tiny_teacher_dir, steps=10))
    engine.run(10)
    out = save_run(engine, tmp_path / "run")
    loaded = AutoModel.from_pretrained(out, use_safetensors=True)
    for name, tensor in engine.pair.student.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    W, b = load_w_e(out)
    assert W.shape == (8, 32) and torch.equal(W, engine.pair.projection.W_e.detach())
    assert torch.equal(b, engine.pair.projection.linear.bias.detach())
    assert (out / "run_config.json").is_file()
    rows = (out / "history.csv").read_text().strip().splitlines()
    assert rows[0].startswith("step,train_loss,loss") and len(rows) == 1 + len(engine.history)
    save_run(engine, out)  # overwriting leaves one complete folder, no temporary ones
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("kw, match", [
    (dict(hidden_size=0), "positive whole number"),
    (dict(hidden_size=-1), "positive whole number"),
    (dict(lr=float("nan")), "learning rate must be a positive"),
    (dict(snapshot_every=0), "snapshot interval"),
    (dict(target="tokens"), "Unknown target"),
])
def test_bad_config_says_what_to_change(tiny_teacher_dir, kw, match):
    with pytest.raises(DistillError, match=match):
        Engine(cfg(tiny_teacher_dir, **kw))


def test_empty_text_is_refused(tiny_teacher_dir):
    with pytest.raises(DistillError, match="empty"):
        build_targets(load_teacher(str(tiny_teacher_dir), "cpu"), cfg(tiny_teacher_dir, target="sequence", text=" \n\n"))


def test_a_converged_run_stops_and_says_why(tiny_teacher_dir):
    """With stop_tol, the run ends at the first snapshot whose loss fell by less than stop_tol over the last 20
    steps; the sentence names the step; Reset forgets it; a loss that rose is not convergence."""
    engine = Engine(cfg(tiny_teacher_dir, steps=2000, lr=0.05, stop_tol=0.01))
    engine.run(2000)
    assert engine.done and engine.step_count < 2000 and engine.converged.startswith(f"Converged at step {engine.step_count}")
    now, past = engine.history[-1], [s for s in engine.history if s.step <= engine.step_count - 20][-1]
    assert 0 <= (past.loss - now.loss) / past.loss < 0.01
    for s in engine.history[:-1]:  # no earlier snapshot met the rule
        before = [p for p in engine.history if p.step <= s.step - 20]
        assert not before or not 0 <= (before[-1].loss - s.loss) / before[-1].loss < 0.01
    engine.reset()
    assert engine.converged is None and not engine.done
    engine.history = [Snapshot(**{**vars(now), "step": 0, "loss": 1.0}), Snapshot(**{**vars(now), "step": 20, "loss": 1.5})]
    assert engine._convergence() is None  # the loss rose: not converged


def test_every_step_is_counted_between_snapshots_and_the_curve_is_unchanged(tiny_teacher_dir):
    """on_step reports each optimizer step with the batch's loss (the page's Step tile moves with it); counting
    changes nothing of the run."""
    counted = []
    a = Engine(cfg(tiny_teacher_dir, seed=5, snapshot_every=5))
    a.run(12, on_step=lambda step, loss: counted.append((step, loss)))
    assert [s for s, _ in counted] == list(range(1, 13))
    assert counted[-1][1] == a._last_train_loss and all(math.isfinite(v) for _, v in counted)
    assert [s.step for s in a.history] == [0, 5, 10]  # snapshots still every 5 steps
    b = Engine(cfg(tiny_teacher_dir, seed=5, snapshot_every=5))
    b.run(12)
    assert [s.loss for s in a.history] == [s.loss for s in b.history]


def _until(check, timeout_s: float = 60.0) -> bool:
    end = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def test_the_workers_view_counts_steps_taken_since_its_newest_snapshot(tiny_teacher_dir):
    from labui.worker import LabWorker

    w = LabWorker()
    try:
        w.prepare(cfg(tiny_teacher_dir, snapshot_every=10), load_teacher(str(tiny_teacher_dir), "cpu"))
        assert _until(lambda: w.view().live_step is not None) and w.view().live_step == 0
        w.step(3)  # three steps, then a snapshot at step 3
        assert _until(lambda: not w.busy() and w.view().latest["step"] == 3)
        assert w.view().live_step == 3
        w._live = (w._gen, 7)  # the training thread's count between two snapshots
        view = w.view()
        assert view.live_step == 7 and view.latest["step"] == 3
        w._live = (w._gen - 1, 9)  # a retired run's count is never shown
        assert w.view().live_step == 3
    finally:
        w.stop()
        w.join()
