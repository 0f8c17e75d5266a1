"""What the pages say about meaning, computed: word-benchmark rho against d_s for the rank-d_s optimum (now, from
the teacher), the benchmark's cached comparison with Model2Vec (assets/model2vec_results.json, written by
benchmarks/vs_model2vec.py and labelled with when and where), and the sentence Concepts and Interview prep cite."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import torch

from ..assets import ASSETS
from .wordbench import GENSIM_MISSING, Lookup, available, bench_for, table_lookup

COMPARISON = ASSETS / "model2vec_results.json"
SWEEP_DIMS = (4, 8, 16, 32, 64, 128, 256)


def optimum_lookup(table: torch.Tensor, k: int, basis=None) -> Lookup:
    """Rows of the rank-k optimum, mean + (T_i - mean) V_k V_k^T, without forming the table: the same rows as
    ``Optimum(table).lifted(k)`` (U_k S_k V_k^T = T_c V_k V_k^T), from the (d_t, d_t) covariance's eigenvectors."""
    mean, V = basis if basis is not None else principal_basis(table)
    Vk = V[:, :k]                                                      # (d_t, k)
    return lambda ids: (((table[ids].double() - mean) @ Vk) @ Vk.T + mean).float()  # (r, d_t) @ (d_t, k) @ (k, d_t)


def principal_basis(table: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, V) with V's columns the principal directions, largest first: an eigh of the (d_t, d_t) covariance,
    ~10x cheaper than the (n, d_t) SVD when only a few rows are wanted."""
    T = table.detach().to("cpu", torch.float64)
    mean = T.mean(0)
    _, V = torch.linalg.eigh((T - mean).T @ (T - mean))                # (d_t, n) @ (n, d_t) -> (d_t, d_t)
    return mean, V.flip(1)


@functools.lru_cache(maxsize=4)
def optimum_rhos(teacher, dims: tuple[int, ...] = SWEEP_DIMS) -> dict:
    """{'teacher': {set: rho}, 'optimum': {d: {set: rho}}}: one small eigh, then a few ms per d (cheap rows only)."""
    bench = bench_for(teacher.tokenizer)
    table = teacher.embeddings.word_embeddings.weight.detach().cpu()
    basis = principal_basis(table)
    kept = [d for d in dims if d <= table.shape[1]]
    return {"teacher": bench.rhos(table_lookup(table)),
            "optimum": {d: bench.rhos(optimum_lookup(table, d, basis)) for d in kept}}


def cached_comparison(path: str | Path = COMPARISON) -> dict | None:
    """The benchmark's result file, or None when it was never computed (or is unreadable)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("dims") else None


def comparison_series(data: dict, who: str, metric: str = "wordsim") -> dict[int, float]:
    """{d_s: rho} for 'student' (lifted), 'model2vec' or 'optimum' from the cached comparison."""
    out = {}
    for d, row in data["dims"].items():
        if who == "student":
            scores = row["student"]["scores"]["lifted"]
        elif who == "optimum":
            scores = row["optimum"]["lifted"]
        elif who in row:
            scores = row[who]["scores"]
        else:
            continue
        out[int(d)] = scores[metric]["rho"]
    return dict(sorted(out.items()))


def semantic_sentence(teacher, d_s: int = 128, small: int = 16) -> str:
    """The measured answer to "does the student keep semantic relationships?", in one or two sentences."""
    if not available():
        return f"(The word-benchmark figures need gensim. {GENSIM_MISSING})"
    r = optimum_rhos(teacher, tuple(sorted(set(SWEEP_DIMS) | {small, d_s})))  # the sweep's entry when they agree
    t, big, low = r["teacher"], r["optimum"].get(d_s), r["optimum"].get(small)
    if big is None or low is None:
        return ""
    text = (f"Measured here on public human judgements (WordSim-353 relatedness, SimLex-999 similarity; Spearman "
            f"rho of cosine against the human scores): the teacher's word table scores {t['wordsim']:.2f} and "
            f"{t['simlex']:.2f}; a student at the floor with d_s = {d_s} (the rank-{d_s} optimum) keeps "
            f"{big['wordsim']:.2f} and {big['simlex']:.2f}, one with d_s = {small} only {low['wordsim']:.2f} and "
            f"{low['simlex']:.2f}.")
    data = cached_comparison()
    if data is not None:
        m2v = comparison_series(data, "model2vec").get(d_s)
        ours = comparison_series(data, "student").get(d_s)
        if m2v is not None and ours is not None:
            text += (f" A trained d_s = {d_s} student scored {ours:.2f} on WordSim-353 and {MODEL2VEC_WHAT} at "
                     f"{d_s} dimensions {m2v:.2f}.")
    return text


# Said where Model2Vec first appears on a page: what it is, in one sentence.
MODEL2VEC_WHAT = ("Model2Vec (a method that builds a small static word table by running the whole teacher once per "
                  "token, then shrinking the outputs with PCA; no training)")


def about_note(data: dict | None = None) -> str:
    """Where the word-benchmark figures come from, in words a student understands: for a page's collapsed
    "About these numbers" note, never its main text."""
    data = cached_comparison() if data is None else data
    text = ("The word scores of the teacher and of a student exactly at its floor are computed on this page, now, "
            "from the teacher's table: Spearman rho between the vectors' cosines and people's ratings on two public "
            "word lists, WordSim-353 (how related two words are) and SimLex-999 (how similar).")
    if data is None:
        return text
    when = str(data.get("computed_at", "")).split(" ")[0]
    machine = str(data.get("machine", ""))
    where = "an ordinary two-core server processor with no GPU" if "no GPU" in machine else "a single computer"
    return (text + f" The trained students' and Model2Vec's scores take minutes to compute, so they were computed "
            f"once, on {when}, by the project's comparison script on {where}, with the app's default training "
            "settings, and are read from a saved file. Their timings were taken while other programs shared the "
            "machine, so they are upper bounds.")
