"""The texts and word lists in ``assets/``, written for this project, and a user's own text."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .errors import DistillError

ASSETS = Path(__file__).resolve().parent.parent / "assets"
MAX_TEXT_BYTES = 5_000_000  # a user's corpus; larger texts belong in a real pre-training run


@lru_cache(maxsize=1)
def word_groups() -> dict[str, list[str]]:
    """Group name -> words (single tokens in an uncased BERT vocabulary), in file order."""
    return json.loads((ASSETS / "word_groups.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def default_corpus() -> tuple[str, ...]:
    return tuple(split_sentences((ASSETS / "corpus.txt").read_text(encoding="utf-8")))


def split_sentences(text: str) -> list[str]:
    """One sentence per non-empty line; control characters dropped."""
    lines = []
    for line in text.splitlines():
        clean = "".join(ch for ch in line if ch.isprintable()).strip()
        if clean:
            lines.append(clean)
    return lines


def read_user_text(data: bytes | str, max_bytes: int = MAX_TEXT_BYTES) -> list[str]:
    """A user's text or uploaded .txt as sentences, or a DistillError saying what to change."""
    if isinstance(data, bytes):
        if len(data) > max_bytes:
            raise DistillError(
                f"The text is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit: use a shorter text."
            )
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DistillError("The uploaded file is not UTF-8 text: save it as UTF-8 plain text and upload it again.") from exc
    elif len(data.encode("utf-8")) > max_bytes:
        raise DistillError(f"The text is over the {max_bytes / 1e6:.1f} MB limit: use a shorter text.")
    sentences = split_sentences(data)
    if not sentences:
        raise DistillError("The text is empty: type or upload at least one sentence, one per line.")
    return sentences
