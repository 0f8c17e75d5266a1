"""The snapshot's cheap numbers equal the reference computation: whole-set MSE and cosine against the formula
written out, sigma(E_s W_e) from the Gram matrix against an SVD of the full (n, d_t) product."""
import numpy as np
import pytest
import torch

from distill_core.config import DistillConfig
from distill_core.engine import Engine
from distill_core.metrics import GramSpectrum, singular_values

TEXT = "the cat is red.\nit was blue and green on the dog\nthe horse, the mother and the father\n"


def reference(engine: Engine) -> tuple[float, float, np.ndarray]:
    """MSE, mean cosine and sigma of E_s W_e (+ b) over every real target row, all in float64, no shortcuts."""
    tg, pair = engine.targets, engine.pair
    with torch.no_grad():
        if tg.mode == "vocab":
            E = pair.student.embeddings.word_embeddings.weight[tg.ids].double()           # (n, d_s)
            T = tg.E_t.double()                                                           # (n, d_t)
        else:
            m = tg.mask.bool()
            E = pair.student.embeddings(input_ids=tg.ids, token_type_ids=tg.token_type_ids)[m].double()
            T = tg.E_t[m].double()
        W = pair.projection.W_e.double()                                                  # (d_s, d_t)
        b = pair.projection.linear.bias
        P = E @ W + (b.double() if b is not None else 0.0)                               # (n, d_t)
        mse = float(((P - T) ** 2).mean())
        # a zero row (the padding token's) has cosine 0, as torch's cosine_similarity clamps norms at 1e-8
        cos = float(((P * T).sum(-1) / (P.norm(dim=-1).clamp_min(1e-8) * T.norm(dim=-1).clamp_min(1e-8))).mean())
        Ec = E - E.mean(0, keepdim=True) if tg.centered else E
        sv = torch.linalg.svdvals(Ec @ W).numpy()                                         # (min(n, d_s),)
    return mse, cos, sv


@pytest.mark.parametrize("kw", [
    dict(),                                   # whole table, centred (bias)
    dict(bias=False),                         # uncentred
    dict(vocab_subset=30),                    # a subset of rows (gathered)
    dict(target="sequence", text=TEXT),       # padding masked out
    dict(target="sequence", text=TEXT, bias=False, hidden_size=16),
])
def test_snapshot_numbers_equal_the_reference(tiny_teacher_dir, kw):
    base = dict(teacher=str(tiny_teacher_dir), hidden_size=8, num_hidden_layers=1, steps=12, snapshot_every=6,
                device="cpu", probe_size=40, lr=0.05)
    engine = Engine(DistillConfig(**(base | kw)))
    engine.run(12)  # trained a little: the numbers are not those of the init
    snap = engine.snapshot()
    mse, cos, sv = reference(engine)
    assert snap.loss == pytest.approx(mse, rel=1e-5)
    assert snap.mean_cosine == pytest.approx(cos, rel=1e-5, abs=1e-6)
    k = min(len(sv), len(snap.product_singular_values))
    np.testing.assert_allclose(snap.product_singular_values[:k], sv[:k], rtol=1e-6, atol=1e-7 * sv[0])
    assert np.all(snap.product_singular_values[k:] <= 1e-7 * sv[0])  # rows fewer than d_s: the rest are zero
    assert snap.ratio == pytest.approx(mse / engine.floor, rel=1e-5)


@pytest.mark.parametrize("n, centered", [(500, True), (500, False), (5, True)])
def test_gram_spectrum_equals_the_svd_of_the_product(n, centered):
    """Rows fed in chunks, with a spread of scales: sigma(E W) from E^T E equals svdvals(E W) itself."""
    g = torch.Generator().manual_seed(0)
    E = torch.randn(n, 12, generator=g, dtype=torch.float64) * torch.logspace(0, -3, 12, dtype=torch.float64)
    E = E + 0.5  # a mean to remove when centred
    W = torch.randn(12, 30, generator=g, dtype=torch.float64)
    acc = GramSpectrum(12, centered)
    for chunk in E.split(7):
        acc.add(chunk.float())
    Ef = E.float().double()  # the same rounding the accumulator saw
    Ec = Ef - Ef.mean(0, keepdim=True) if centered else Ef
    ref = torch.linalg.svdvals(Ec @ W)
    got = acc.singular_values(W)
    k = min(len(ref), len(got))  # d_s = 12 values; the rest of a (500, 30) product's are zero
    torch.testing.assert_close(got[:k], ref[:k], rtol=1e-6, atol=1e-7 * float(ref[0]))
    assert torch.all(got[k:] <= 1e-7 * ref[0]) and torch.all(ref[k:] <= 1e-7 * ref[0])


@pytest.mark.parametrize("shape", [(8, 30), (30, 8), (12, 12)])
def test_small_singular_values_equal_svdvals(shape):
    """W_e's spectrum from eig(M M^T) on the short side equals torch.linalg.svdvals, to 1e-7 of the largest."""
    M = torch.randn(*shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    M = M * torch.logspace(0, -4, shape[1], dtype=torch.float64)  # a spread of scales
    ref = torch.linalg.svdvals(M).numpy()
    got = singular_values(M)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7 * ref[0])
