"""Public word benchmarks, scored on any token table: what a student keeps of what words mean.

WordSim-353 (Finkelstein et al., 2002: human relatedness of 353 pairs), SimLex-999 (Hill et al., 2015: similarity
of 999 pairs, "coast"/"shore" high but "car"/"petrol" low) and the Google analogies (Mikolov et al., 2013:
"athens : greece :: berlin : ?") ship inside gensim's wheel as package data. They are located through the
installed package's path, never by importing gensim (whose import pulls scipy and smart_open), and never
downloaded. gensim is optional at run time: without it every entry point raises one DistillError sentence.

Scores, for a table whose row i is token i's vector:
  similarity: Spearman's rho between cos(word_a, word_b) and the human score, a word being the mean of its
              WordPiece rows under the teacher's tokenizer (coverage and the single-token share reported);
  analogy:    3CosAdd top-1 accuracy (argmax_d cos(d, b - a + c) with a, b, c excluded; Mikolov et al., 2013) over
              the questions whose four words are single tokens.
A table is reached only through ``lookup(ids) -> (len(ids), d)``, so a student can be scored on the few
thousand rows the benchmarks use without lifting its whole table (the lab's live metric).
"""
from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import DistillError

FILES = {"wordsim": "wordsim353.tsv", "simlex": "simlex999.txt", "analogy": "questions-words.txt"}
SIMILARITY_SETS = ("wordsim", "simlex")
GENSIM_MISSING = ("The word benchmarks (WordSim-353, SimLex-999, Google analogies) come inside gensim's package: "
                  "install it with `pip install gensim` (it is listed in requirements.txt).")
QUESTION_CHUNK = 1024  # analogy questions scored at once: (chunk, candidates) similarities in memory

Lookup = Callable[[torch.Tensor], torch.Tensor]


# -- the files -----------------------------------------------------------------------------------------------
def data_dir() -> Path:
    """gensim's test_data folder, found from the package's location without importing it."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise DistillError(GENSIM_MISSING)
    folder = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data"
    missing = [f for f in FILES.values() if not (folder / f).is_file()]
    if missing:
        raise DistillError(f"The installed gensim at {folder.parent.parent} lacks {', '.join(missing)}: "
                           "reinstall it with `pip install --force-reinstall gensim`.")
    return folder


def available() -> bool:
    try:
        data_dir()
        return True
    except DistillError:
        return False


def parse_pairs(lines) -> list[tuple[str, str, float]]:
    """'word<TAB>word<TAB>score' lines ('#' comments skipped), words lower-cased (the teacher is uncased)."""
    pairs = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        a, b, score = line.split("\t")[:3]
        pairs.append((a.lower(), b.lower(), float(score)))
    return pairs


def parse_analogies(lines) -> list[tuple[str, str, str, str, str]]:
    """(a, b, c, d, section) for 'a b c d' lines under ': section' headers."""
    section, questions = "", []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        words = line.lower().split()
        if len(words) == 4:
            questions.append((*words, section))
    return questions


@functools.lru_cache(maxsize=None)
def read_set(name: str):
    path = data_dir() / FILES[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(parse_analogies(lines) if name == "analogy" else parse_pairs(lines))


# -- words as WordPiece rows -----------------------------------------------------------------------------------
def word_pieces(tokenizer, words: list[str]) -> list[list[int]]:
    """Token ids of each word (no [CLS]/[SEP]); [] when the tokenizer only has [UNK] for part of it."""
    unk = getattr(tokenizer, "unk_token_id", None)
    enc = tokenizer(list(words), add_special_tokens=False)["input_ids"]
    return [ids if ids and unk not in ids else [] for ids in enc]


@dataclass
class WordRows:
    """Words as averages of table rows: vectors = mix @ lookup(rows)."""

    words: list[str]
    rows: torch.Tensor      # (r,) distinct token ids used, ascending
    mix: torch.Tensor       # (n_words, r) sparse row-averaging weights; no entry for an uncovered word
    covered: np.ndarray     # (n_words,) bool
    single: np.ndarray      # (n_words,) bool: exactly one WordPiece

    @classmethod
    def build(cls, tokenizer, words: list[str]) -> "WordRows":
        pieces = word_pieces(tokenizer, words)
        rows = sorted({i for p in pieces for i in p})
        col = {t: j for j, t in enumerate(rows)}
        entries = [(w, col[t], 1.0 / len(p)) for w, p in enumerate(pieces) for t in p]
        at = torch.tensor([[w for w, _, _ in entries], [c for _, c, _ in entries]], dtype=torch.long).reshape(2, -1)
        # Sparse: most words are one piece, so a dense (n_words, r) product would be ~99.9 % multiplications by 0.
        mix = torch.sparse_coo_tensor(at, torch.tensor([v for _, _, v in entries]), (len(words), len(rows)),
                                      check_invariants=True).coalesce()
        return cls(list(words), torch.tensor(rows, dtype=torch.long), mix,
                   np.array([bool(p) for p in pieces]), np.array([len(p) == 1 for p in pieces]))

    def vectors(self, lookup: Lookup) -> torch.Tensor:
        table = lookup(self.rows).detach().to("cpu", torch.float32)  # (r, d)
        return torch.sparse.mm(self.mix, table)                       # (n, r) @ (r, d) -> (n, d)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their mean rank (as Spearman's rho needs)."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    xs = x[order]
    start = 0
    for end in range(1, len(x) + 1):
        if end == len(x) or xs[end] != xs[start]:
            ranks[order[start:end]] = 0.5 * (start + end - 1) + 1.0
            start = end
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: Pearson's correlation of the average ranks."""
    rx, ry = average_ranks(np.asarray(x, float)), average_ranks(np.asarray(y, float))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = np.sqrt((rx ** 2).sum() * (ry ** 2).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else 0.0


# -- similarity ----------------------------------------------------------------------------------------------
@dataclass
class SimilaritySet:
    name: str
    words: WordRows
    a: np.ndarray           # (p,) word index of each kept pair's first word
    b: np.ndarray           # (p,) second word
    human: np.ndarray       # (p,) human score
    n_pairs: int            # pairs in the file

    @classmethod
    def build(cls, name: str, tokenizer, pairs=None) -> "SimilaritySet":
        pairs = list(read_set(name) if pairs is None else pairs)
        vocab = sorted({w for a, b, _ in pairs for w in (a, b)})
        index = {w: i for i, w in enumerate(vocab)}
        words = WordRows.build(tokenizer, vocab)
        kept = [(index[a], index[b], s) for a, b, s in pairs if words.covered[index[a]] and words.covered[index[b]]]
        a, b, human = (np.array(c) for c in zip(*kept)) if kept else (np.zeros(0),) * 3
        return cls(name, words, a.astype(int), b.astype(int), human.astype(float), len(pairs))

    @property
    def coverage(self) -> float:
        return len(self.human) / self.n_pairs if self.n_pairs else 0.0

    @property
    def single_token_share(self) -> float:
        s = self.words.single
        return float(np.mean(s[self.a] & s[self.b])) if len(self.a) else 0.0

    def within(self, allowed: torch.Tensor) -> "SimilaritySet":
        """The pairs whose words use only ``allowed`` token ids (the rows a run trains): a vocabulary subset or a
        corpus leaves the other rows at their random init, and scoring them would measure the init."""
        outside = (~torch.isin(self.words.rows, allowed.cpu())).float()               # (r,)
        bad = torch.sparse.mm(self.words.mix, outside[:, None]).squeeze(1).numpy() > 0  # (n_words,)
        keep = ~bad[self.a] & ~bad[self.b]
        return SimilaritySet(self.name, self.words, self.a[keep], self.b[keep], self.human[keep], self.n_pairs)

    def cosines(self, lookup: Lookup) -> np.ndarray:
        v = F.normalize(self.words.vectors(lookup), dim=-1)    # (n_words, d)
        return (v[self.a] * v[self.b]).sum(-1).numpy()         # (p,)

    def rho(self, lookup: Lookup) -> float:
        return spearman(self.cosines(lookup), self.human) if len(self.human) > 1 else float("nan")


# -- analogies -----------------------------------------------------------------------------------------------
@dataclass
class AnalogySet:
    questions: np.ndarray   # (q, 4) token ids of a, b, c, d (all single tokens)
    semantic: np.ndarray    # (q,) bool: Mikolov's semantic sections (the rest are 'gram*', syntactic)
    n_questions: int        # questions in the file
    vocab_candidates: torch.Tensor  # (m,) whole-word vocabulary tokens the answer is searched among

    @classmethod
    def build(cls, tokenizer, questions=None) -> "AnalogySet":
        questions = list(read_set("analogy") if questions is None else questions)
        vocab = sorted({w for q in questions for w in q[:4]})
        pieces = dict(zip(vocab, word_pieces(tokenizer, vocab)))
        kept = [q for q in questions if all(len(pieces[w]) == 1 for w in q[:4])]
        ids = np.array([[pieces[w][0] for w in q[:4]] for q in kept], dtype=np.int64).reshape(-1, 4)
        semantic = np.array([not q[4].startswith("gram") for q in kept], dtype=bool)
        special = set(getattr(tokenizer, "all_special_ids", []) or [])
        # Candidates: the vocabulary's whole words (alphabetic, no '##' continuation, no [unused]/specials),
        # plus the questions' own words, so a toy vocabulary still has its answers among them.
        whole = {i for t, i in tokenizer.get_vocab().items() if t.isalpha() and i not in special}
        cands = sorted(whole | set(ids.reshape(-1).tolist()))
        return cls(ids, semantic, len(questions), torch.tensor(cands, dtype=torch.long))

    def accuracy(self, lookup: Lookup, candidates: torch.Tensor | None = None) -> dict:
        """3CosAdd top-1 accuracy; ``candidates`` defaults to the whole-word vocabulary."""
        if not len(self.questions):
            return {"accuracy": float("nan"), "semantic": float("nan"), "syntactic": float("nan"), "questions": 0}
        cands = self.vocab_candidates if candidates is None else candidates
        C = F.normalize(lookup(cands).detach().to("cpu", torch.float32), dim=-1)  # (m, d)
        pos = {int(t): j for j, t in enumerate(cands)}
        q = torch.tensor(np.vectorize(pos.__getitem__)(self.questions))        # (q, 4) candidate columns
        hits = torch.zeros(len(q), dtype=torch.bool)
        for s in range(0, len(q), QUESTION_CHUNK):
            part = q[s : s + QUESTION_CHUNK]
            target = C[part[:, 1]] - C[part[:, 0]] + C[part[:, 2]]             # (c, d): b - a + c
            sims = target @ C.T                                                 # (c, d) @ (d, m) -> (c, m)
            sims.scatter_(1, part[:, :3], -float("inf"))                        # the question's own words are out
            hits[s : s + QUESTION_CHUNK] = sims.argmax(1) == part[:, 3]
        sem = torch.from_numpy(self.semantic)
        mean = lambda m: float(hits[m].float().mean()) if m.any() else float("nan")  # noqa: E731
        return {"accuracy": float(hits.float().mean()), "semantic": mean(sem), "syntactic": mean(~sem),
                "questions": int(len(q)), "single_token_share": len(q) / self.n_questions if self.n_questions else 0.0,
                "candidates": int(len(cands))}

    @property
    def own_words(self) -> torch.Tensor:
        """The distinct token ids of the questions: the cheap candidate set."""
        return torch.from_numpy(np.unique(self.questions)).long()


# -- the bench -----------------------------------------------------------------------------------------------
@dataclass
class WordBench:
    similarity: dict[str, SimilaritySet]
    analogy: AnalogySet

    @classmethod
    def build(cls, tokenizer) -> "WordBench":
        return cls({n: SimilaritySet.build(n, tokenizer) for n in SIMILARITY_SETS}, AnalogySet.build(tokenizer))

    def within(self, allowed: torch.Tensor | None) -> "WordBench":
        """The bench restricted to pairs over ``allowed`` token ids (None: all of them)."""
        if allowed is None:
            return self
        return WordBench({n: s.within(allowed) for n, s in self.similarity.items()}, self.analogy)

    @property
    def similarity_rows(self) -> torch.Tensor:
        """Every token id the similarity sets read: all the live metric ever looks up."""
        return torch.unique(torch.cat([s.words.rows for s in self.similarity.values()]))

    def rhos(self, lookup: Lookup) -> dict[str, float]:
        """Spearman's rho on each similarity set: the cheap score (a few thousand rows at most)."""
        rows = self.similarity_rows
        with torch.no_grad():
            vecs = lookup(rows).detach().to("cpu", torch.float32)  # (r, d): one lookup for both sets
        cached = lambda ids: vecs[torch.searchsorted(rows, ids)]  # noqa: E731  rows are sorted and hold every id
        return {n: s.rho(cached) for n, s in self.similarity.items()}

    def score(self, lookup: Lookup, analogy: bool = True, cheap_analogy: bool = False) -> dict:
        """Every score of one table, with coverage; analogies over the vocabulary's whole words, or over the
        questions' own words when ``cheap_analogy``."""
        out = {}
        with torch.no_grad():
            for name, s in self.similarity.items():
                out[name] = {"rho": s.rho(lookup), "pairs": int(len(s.human)), "coverage": s.coverage,
                             "single_token_share": s.single_token_share}
            if analogy:
                out["analogy"] = self.analogy.accuracy(lookup, self.analogy.own_words if cheap_analogy else None)
        return out


@functools.lru_cache(maxsize=4)
def bench_for(tokenizer) -> WordBench:
    """One bench per tokenizer object (the teacher's is loaded once per process)."""
    return WordBench.build(tokenizer)


def table_lookup(table: torch.Tensor) -> Lookup:
    """A lookup over a whole (vocab, d) table."""
    return lambda ids: table[ids.to(table.device)]
