"""The tables scored on the word benchmarks, side by side: the teacher's word-embedding table, the rank-d_s optimum
(the Eckart-Young solution whose error is the floor), a random table of the student's width, a student (lifted
E_s W_e + b and its own E_s), an exported student folder, and a Model2Vec model.

Every table is indexed by the teacher's token ids, so one tokenizer turns words into rows for all of them.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import torch

from ..errors import DistillError
from .wordbench import Lookup, WordBench, bench_for, table_lookup


class Optimum:
    """The rank-k optima of one (n, d_t) table from one SVD: E_s* = U_k S_k, lifted E_s* W_e* + b = the
    rank-k PCA reconstruction (W_e* = V_k^T, b = the column mean), for every k at no further cost."""

    def __init__(self, table: torch.Tensor, center: bool = True):
        T = table.detach().to("cpu", torch.float64)
        self.mean = T.mean(0) if center else torch.zeros(T.shape[1], dtype=T.dtype)
        self.U, self.S, self.Vh = torch.linalg.svd(T - self.mean, full_matrices=False)

    def coords(self, k: int) -> torch.Tensor:
        return (self.U[:, :k] * self.S[:k]).float()                        # (n, k): the optimum's own E_s

    def lifted(self, k: int) -> torch.Tensor:
        return (self.coords(k).double() @ self.Vh[:k] + self.mean).float()  # (n, k) @ (k, d_t) -> (n, d_t)


def random_table(n: int, width: int, seed: int = 0) -> torch.Tensor:
    """A random (n, width) table: the score of knowing nothing (rho near 0, analogies near 0)."""
    return torch.randn(n, width, generator=torch.Generator().manual_seed(seed))


def pair_lookups(pair) -> dict[str, Lookup]:
    """A student's two tables: 'lifted' E_s W_e + b (the teacher's space) and 'own' E_s (width d_s)."""
    table = pair.student.embeddings.word_embeddings.weight

    def lifted(ids):
        with torch.no_grad():
            return pair.word_rows(ids.to(table.device))                   # (r, d_s) @ (d_s, d_t) -> (r, d_t)

    return {"lifted": lifted, "own": table_lookup(table.detach())}


def student_rhos(bench: WordBench, pair) -> dict[str, float]:
    """The cheap live score: rho of the lifted student on each similarity set (~1,400 rows, not the table)."""
    return bench.rhos(pair_lookups(pair)["lifted"])


def load_exported(folder: str | Path) -> dict[str, torch.Tensor]:
    """E_s (vocab, d_s), W_e (d_s, d_t) and the bias from a folder written by ``run --out``."""
    from safetensors.torch import load_file

    from ..export import load_w_e

    folder = Path(folder)
    if not (folder / "w_e.safetensors").is_file():
        raise DistillError(f"'{folder}' holds no w_e.safetensors: give a folder written by "
                           "`python -m distill_core run --out DIR`.")
    weights = {}
    for f in sorted(folder.glob("*.safetensors")):
        weights.update(load_file(str(f)))
    key = next((k for k in weights if k.endswith("word_embeddings.weight")), None)
    if key is None:
        raise DistillError(f"'{folder}' holds no student word-embedding table: export the run again with --out.")
    W_e, bias = load_w_e(folder)
    E_s = weights[key].float()
    if E_s.shape[1] != W_e.shape[0]:
        raise DistillError(f"'{folder}': the student's width {E_s.shape[1]} does not match W_e's {tuple(W_e.shape)}.")
    return {"E_s": E_s, "W_e": W_e.float(), "bias": None if bias is None else bias.float()}


def exported_lookups(parts: dict[str, torch.Tensor]) -> dict[str, Lookup]:
    E_s, W_e, b = parts["E_s"], parts["W_e"], parts["bias"]

    def lifted(ids):
        out = E_s[ids] @ W_e                                              # (r, d_s) @ (d_s, d_t) -> (r, d_t)
        return out if b is None else out + b

    return {"lifted": lifted, "own": table_lookup(E_s)}


def model2vec_table(model, tokenizer, vocab_size: int) -> torch.Tensor:
    """A Model2Vec StaticModel's vectors re-indexed by the teacher's token ids (its vocabulary is the teacher's
    minus [unusedN]; rows it dropped stay zero, and no benchmark word uses them)."""
    vocab = tokenizer.get_vocab()
    vectors = torch.as_tensor(model.embedding, dtype=torch.float32)     # (m, d)
    table = torch.zeros(vocab_size, vectors.shape[1])
    tokens = list(model.tokens)
    ids = [vocab.get(t) for t in tokens]
    keep = [j for j, i in enumerate(ids) if i is not None]
    table[[ids[j] for j in keep]] = vectors[keep]
    return table


@functools.lru_cache(maxsize=4)
def teacher_scores(teacher, analogy: bool = False) -> dict:
    """The teacher's word-embedding table on the benchmarks: the reference every student is drawn against."""
    return bench_for(teacher.tokenizer).score(table_lookup(teacher.embeddings.word_embeddings.weight.detach()),
                                              analogy=analogy)


def reference_scores(teacher, dims, seed: int = 0, analogy: bool = True, center: bool = True) -> dict:
    """{'teacher': scores, 'optimum': {d: lifted scores}, 'optimum_own': {d: ...}, 'random': {d: ...}}."""
    bench = bench_for(teacher.tokenizer)
    table = teacher.embeddings.word_embeddings.weight.detach().cpu()
    opt = Optimum(table, center)
    out = {"teacher": bench.score(table_lookup(table), analogy), "optimum": {}, "optimum_own": {}, "random": {}}
    for d in dims:
        out["optimum"][d] = bench.score(table_lookup(opt.lifted(d)), analogy)
        out["optimum_own"][d] = bench.score(table_lookup(opt.coords(d)), analogy)
        out["random"][d] = bench.score(table_lookup(random_table(table.shape[0], d, seed)), analogy)
    return out


def score_lookups(bench: WordBench, lookups: dict[str, Lookup], analogy: bool = True) -> dict:
    return {name: bench.score(lk, analogy) for name, lk in lookups.items()}


def score_exported(folder: str | Path, tokenizer=None, analogy: bool = True) -> dict:
    """Scores of an exported student (lifted and own), with the tokenizer saved beside it unless one is given."""
    folder = Path(folder)
    parts = load_exported(folder)
    if tokenizer is None:
        from transformers import AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise DistillError(f"'{folder}' has no tokenizer beside the student: export the run again with --out.") from exc
    config = {}
    if (folder / "run_config.json").is_file():
        config = json.loads((folder / "run_config.json").read_text())
    scores = score_lookups(bench_for(tokenizer), exported_lookups(parts), analogy)
    return {"folder": str(folder), "student_dim": int(parts["E_s"].shape[1]), "teacher_dim": int(parts["W_e"].shape[1]),
            "target": config.get("target"), "teacher": config.get("teacher_name"), "scores": scores}


class LiveWords:
    """The lab's live metric: Spearman rho on WordSim-353 and SimLex-999 of the student's vectors at each snapshot,
    next to the same rho of the vectors it is trained to match (the reference line). Cheap: ~1,400 rows looked up,
    never the whole table. Vocab and output targets: the lifted word rows E_s W_e + b against the target rows;
    sequence: the embedding-layer output of "[CLS] t [SEP]" at t, teacher and student alike."""

    def __init__(self, engine):
        self.engine = engine
        self.bench = bench_for(engine.teacher.tokenizer).within(trained_ids(engine.targets))
        self.pairs = {n: len(s.human) for n, s in self.bench.similarity.items()}  # pairs over trained rows only
        self.reference = self.bench.rhos(self._target_lookup())

    @classmethod
    def build(cls, engine) -> "LiveWords | None":
        from .wordbench import available

        return cls(engine) if available() else None  # without gensim the lab shows no word metric

    def _sequence(self, module, ids: torch.Tensor) -> torch.Tensor:
        from ..output_target import token_inputs

        x = token_inputs(self.engine.teacher.tokenizer, ids.cpu()).to(self.engine.device)  # (r, 3)
        return module(x, torch.zeros_like(x))[:, 1]                                          # (r, d)

    def _target_lookup(self) -> Lookup:
        eng, tg = self.engine, self.engine.targets
        if tg.mode == "sequence":
            return lambda ids: self._sequence(lambda x, t: eng.teacher.embeddings(input_ids=x, token_type_ids=t), ids)
        if eng.config.target == "output":
            from ..output_target import output_table

            return lambda ids: output_table(eng.teacher, ids)  # sliced from the disk cache the target came from
        return table_lookup(eng.teacher.embeddings.word_embeddings.weight.detach())

    def student_lookup(self) -> Lookup:
        pair = self.engine.pair
        if self.engine.targets.mode == "sequence":
            return lambda ids: self._sequence(pair.sequence, ids)
        return pair_lookups(pair)["lifted"]

    def scalars(self) -> dict[str, float]:
        with torch.no_grad():
            rho = self.bench.rhos(self.student_lookup())
        return {"wordsim_rho": rho["wordsim"], "simlex_rho": rho["simlex"], "wordsim_ref": self.reference["wordsim"],
                "simlex_ref": self.reference["simlex"], "wordsim_pairs": self.pairs["wordsim"],
                "simlex_pairs": self.pairs["simlex"]}


def trained_ids(targets) -> torch.Tensor | None:
    """The token ids whose rows a run trains: None for the whole table, else the subset's or the corpus's tokens."""
    if targets.mode == "vocab":
        return None if targets.whole_table else targets.ids.cpu()
    return torch.unique(targets.ids[targets.mask.bool()]).cpu()
