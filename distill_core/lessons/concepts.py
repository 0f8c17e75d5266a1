"""What the concepts page computes on the teacher: the worked shapes of L_emb, the position-embedding similarity
map, a sentence's embedding-layer output token by token, and nearest neighbours in teacher and student."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import DistillError
from ..losses import embedding_mse
from ..student import Projection
from ..targets import TargetSet, tokenize

MAX_DEMO_ELEMENTS = 5_000_000  # n x d_t of the shape demo: larger is a typo, not a lesson


@dataclass
class ShapeDemo:
    E_s: tuple[int, int]
    W_e: tuple[int, int]
    product: tuple[int, int]
    E_t: tuple[int, int]
    loss: float
    rank: int                 # rank of E_s W_e: at most min(n, d_s)

    def formula(self) -> str:
        (n, d_s), (_, d_t) = self.E_s, self.W_e
        return f"({n},{d_s}) x ({d_s},{d_t}) -> ({n},{d_t})"


def shape_demo(n: int, d_s: int, d_t: int, seed: int = 0) -> ShapeDemo:
    """Build real tensors E_s (n, d_s), W_e (d_s, d_t), E_t (n, d_t) and compute MSE(E_s W_e, E_t)."""
    if min(n, d_s, d_t) < 1:
        raise DistillError("The number of tokens, d_s and d_t must all be at least 1.")
    if n * max(d_s, d_t) > MAX_DEMO_ELEMENTS:
        raise DistillError(f"{n} tokens x {max(d_s, d_t)} dimensions is too large for the demo: use fewer tokens.")
    g = torch.Generator().manual_seed(seed)
    E_s = torch.randn(n, d_s, generator=g) * 0.02      # BERT's embedding init
    W_e = torch.randn(d_s, d_t, generator=g) / d_s ** 0.5
    E_t = torch.randn(n, d_t, generator=g)
    product = E_s @ W_e  # (n, d_s) @ (d_s, d_t) -> (n, d_t)
    loss = float(embedding_mse(product, E_t))
    rank = int(torch.linalg.matrix_rank(product.double()))
    return ShapeDemo(tuple(E_s.shape), tuple(W_e.shape), tuple(product.shape), tuple(E_t.shape), loss, rank)


# The two teacher widths the pages speak of: the worked example of the source material (BERT-base) and the
# bundled teacher (all-MiniLM-L6-v2, itself a distilled 6-layer BERT, 384 wide).
from .shapes import TEACHER_WIDTHS, example_shapes  # noqa: E402,F401  (Home imports them without torch)


# Scripts the app's fonts draw (Latin, IPA, Greek, Cyrillic); anything else may show as an empty box.
DRAWN_UP_TO = 0x052F


def readable_token(token: str) -> str:
    """A WordPiece token as text any font can draw: characters beyond Latin/Greek/Cyrillic, and unprintable ones,
    are written as their code points ("幸" -> "U+5E78"), so no neighbour shows as an empty box."""
    return "".join(c if c.isprintable() and ord(c) <= DRAWN_UP_TO else f"U+{ord(c):04X}" for c in token)


def position_similarity(teacher, positions: int = 128) -> np.ndarray:
    """(P, P) cosine similarity between the teacher's first ``positions`` position embeddings."""
    table = teacher.embeddings.position_embeddings.weight.detach().float().cpu()
    z = F.normalize(table[: min(positions, table.shape[0])], dim=-1)  # (P, d_t)
    return (z @ z.T).numpy()  # (P, d_t) @ (d_t, P) -> (P, P)


@dataclass
class SentenceView:
    tokens: list[str]
    output: np.ndarray        # (L, d_t) embedding-layer output LayerNorm(word + position + type)
    parts: dict[str, np.ndarray]   # name -> (L,) norm of each summand before LayerNorm


def sentence_view(teacher, sentence: str, max_length: int = 48) -> SentenceView:
    """The teacher's embedding-layer output for one sentence, token by token, and the norms of its parts."""
    sentence = (sentence or "").strip()
    if not sentence:
        raise DistillError("Type a sentence to see its embedding-layer output.")
    enc = tokenize(teacher.tokenizer, [sentence], max_length)
    ids = enc["input_ids"].to(teacher.device)          # (1, L)
    tt = enc["token_type_ids"].to(teacher.device)      # (1, L)
    emb = teacher.embeddings
    with torch.no_grad():
        word = emb.word_embeddings(ids)[0]                                  # (L, d_t)
        pos = emb.position_embeddings.weight[: ids.shape[1]]                # (L, d_t)
        typ = emb.token_type_embeddings(tt)[0]                              # (L, d_t)
        out = emb(input_ids=ids, token_type_ids=tt)[0]                      # (L, d_t)
    tokens = teacher.tokenizer.convert_ids_to_tokens(ids[0].tolist())
    parts = {"word": word.norm(dim=-1), "position": pos.norm(dim=-1), "token type": typ.norm(dim=-1),
             "output (after LayerNorm)": out.norm(dim=-1)}
    return SentenceView(tokens, out.float().cpu().numpy(), {k: v.float().cpu().numpy() for k, v in parts.items()})


def word_id(tokenizer, word: str) -> int:
    """The id of a word that is a single token, or a DistillError saying how it splits."""
    word = (word or "").strip().lower()
    pieces = tokenizer.tokenize(word)
    if len(pieces) != 1:
        raise DistillError(f"'{word}' is not one token here (it splits into {pieces}): try a common single word.")
    return int(tokenizer.convert_tokens_to_ids(pieces[0]))


def nearest(table: torch.Tensor, row: int, k: int = 10) -> tuple[list[int], list[float]]:
    """Rows of ``table`` nearest to ``row`` by cosine similarity (itself excluded)."""
    z = F.normalize(table.float(), dim=-1)
    sim = z @ z[row]  # (n, d) @ (d,) -> (n,)
    sim[row] = -float("inf")
    top = sim.topk(min(k, table.shape[0] - 1))
    return top.indices.tolist(), top.values.tolist()


@dataclass
class Neighbours:
    word: str
    teacher: list[tuple[str, float]]
    student: list[tuple[str, float]]
    overlap: float            # share of the teacher's k neighbours the student also lists


def neighbours(tokenizer, targets: TargetSet, E_s: torch.Tensor, word: str, k: int = 10) -> Neighbours:
    """Nearest neighbours of ``word`` among the target rows: in the teacher's table and in the student's own table."""
    tid = word_id(tokenizer, word)
    ids = targets.ids.cpu().tolist()
    if tid not in ids:
        raise DistillError(f"'{word}' is not among the {len(ids)} tokens the quick student was trained on: try a commoner word.")
    row = ids.index(tid)
    names = tokenizer.convert_ids_to_tokens(ids)
    t_idx, t_sim = nearest(targets.E_t.cpu(), row, k)
    s_idx, s_sim = nearest(E_s.cpu(), row, k)
    return Neighbours(word, [(names[i], v) for i, v in zip(t_idx, t_sim)],
                      [(names[i], v) for i, v in zip(s_idx, s_sim)], len(set(t_idx) & set(s_idx)) / len(t_idx))


def change_of_basis(E_s: torch.Tensor, projection: Projection, seed: int = 1) -> dict[str, np.ndarray]:
    """Singular values of W_e and A^-1 W_e, and of E_s W_e and (E_s A)(A^-1 W_e), for a random invertible A."""
    E = E_s.double().cpu()                                        # (n, d_s)
    W = projection.W_e.detach().double().cpu()                    # (d_s, d_t)
    A = torch.randn(E.shape[1], E.shape[1], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    E2, W2 = E @ A, torch.linalg.solve(A, W)                      # (n, d_s) @ (d_s, d_s); A^-1 W (d_s, d_t)
    k = E.shape[1]  # the products have rank <= d_s: the rest are rounding-level zeros
    sv = torch.linalg.svdvals
    return {"W_e": sv(W).numpy(), "A^-1 W_e": sv(W2).numpy(),
            "E_s W_e": sv(E @ W).numpy()[:k], "(E_s A)(A^-1 W_e)": sv(E2 @ W2).numpy()[:k]}
