"""Live-lab speed: figure building per refresh, a UMAP frame, and the first loss point after Start.

    python benchmarks/bench_app.py [--skip-umap]

Prints measured times (medians) on this machine; nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import plotly.io as pio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from distill_core import layout  # noqa: E402
from distill_core.config import DistillConfig  # noqa: E402
from distill_core.teacher import load_teacher  # noqa: E402
from labui import figures as F  # noqa: E402
from labui.worker import LabWorker, shared_targets  # noqa: E402

P = 1000  # probe tokens on the map


def median_time(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def teacher_rows(teacher, n: int = P) -> tuple[np.ndarray, list[str], list[str]]:
    """n real teacher vectors (word-embedding rows), in 20 groups of consecutive ids."""
    W = teacher.embeddings.word_embeddings.weight.detach().cpu().numpy()
    ids = np.arange(2000, 2000 + n)
    vocab = {i: w for w, i in teacher.tokenizer.get_vocab().items()}
    return W[ids], [vocab[int(i)] for i in ids], [f"group {k % 20}" for k in range(n)]


def bench_figures(teacher) -> None:
    X, words, groups = teacher_rows(teacher)
    rng = np.random.default_rng(0)
    pca = layout.PCALayout(X)
    student = X + 0.02 * rng.standard_normal(X.shape).astype(np.float32)
    frames = [(5 * k, pca.transform(student + 0.05 * rng.standard_normal(X.shape) / (k + 1))) for k in range(60)]
    hist = [dict(step=5 * k, loss=0.01 * (1 + 3 / (k + 1)), train_loss=0.01 * (1 + 3.5 / (k + 1)),
                 probe_loss=0.01 * (1 + 2 / (k + 1)), floor=0.01) for k in range(60)]
    sigma = np.sort(rng.random(384))[::-1] * 5
    we_sv = [np.sort(rng.random(128))[::-1] * (1 + k / 60) for k in range(60)]

    def live():
        figs = [F.loss_figure(hist, 0.01), F.spectrum_figure(sigma, 128, sigma[:128]),
                F.we_figure([h["step"] for h in hist], we_sv),
                F.map_figure(pca.teacher_xy, words, groups, frames, "PCA", animate=False)]
        return [pio.to_json(f.to_dict(), validate=False) for f in figs]  # what st.plotly_chart does

    def replay():
        return pio.to_json(F.map_figure(pca.teacher_xy, words, groups, frames, "PCA", animate=True).to_dict(),
                           validate=False)

    live()
    t_live, t_replay = median_time(live), median_time(replay, 3)
    print(f"figures for one live refresh, {P} probe tokens (4 figures incl. JSON): {t_live * 1000:.0f} ms")
    print(f"replay map with 60 frames, {P} probe tokens (built once on pause): {t_replay * 1000:.0f} ms")
    t_pca = median_time(lambda: pca.transform(student))
    print(f"PCA frame for {P} tokens: {t_pca * 1000:.2f} ms")


def bench_umap(teacher) -> None:
    X, _, _ = teacher_rows(teacher)
    t0 = time.perf_counter()
    layout.warm_umap_async().join()
    print(f"UMAP warm-up (import + numba compile, once per process, in the background): {time.perf_counter() - t0:.1f} s"
          + (f"  [{layout.umap_error()}]" if layout.umap_error() else ""))
    if not layout.umap_ready():
        return
    t0 = time.perf_counter()
    fitted = layout.fitted_umap(X)
    print(f"UMAP fit on {P} teacher tokens (once per teacher): {time.perf_counter() - t0:.2f} s")
    rng = np.random.default_rng(1)
    student = X + 0.02 * rng.standard_normal(X.shape).astype(np.float32)
    fitted.transform(student)
    t = median_time(lambda: fitted.transform(student), 3)
    print(f"UMAP frame (transform) for {P} tokens after warm-up: {t:.2f} s")
    print(f"UMAP frame-to-frame motion for a student 2% away: {layout.median_motion(fitted.teacher_xy, fitted.transform(student)):.3f} of the radius")


def bench_first_point(teacher) -> None:
    cfg = DistillConfig(device="cpu")  # the lab's defaults: whole vocabulary, d_s = 128
    t0 = time.perf_counter()
    shared_targets(teacher, cfg)
    print(f"targets + floor for the whole vocabulary (once per configuration): {time.perf_counter() - t0:.2f} s")
    for label in ("first Start in the process", "warm app"):
        worker = LabWorker()
        t0 = time.perf_counter()
        worker.start(cfg, teacher)
        while not worker.view().history:
            time.sleep(0.005)
        first = time.perf_counter() - t0
        while len(worker.view().history) < 4:
            time.sleep(0.01)
        sps = worker.view().latest["steps_per_second"]
        worker.stop()
        worker.join()
        print(f"first loss point after Start ({label}): {first:.2f} s; then {sps:.1f} steps/s on the defaults")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-umap", action="store_true")
    ap.add_argument("--only-umap", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    teacher = load_teacher("bundled", "cpu")
    print(f"teacher load (once per server): {time.perf_counter() - t0:.2f} s")
    if not args.only_umap:
        bench_figures(teacher)
        bench_first_point(teacher)
    if not args.skip_umap:
        bench_umap(teacher)


if __name__ == "__main__":
    main()
