"""The worked shapes of L_emb, as text: plain Python, so Home draws them without importing torch."""
from __future__ import annotations

TEACHER_WIDTHS = {"BERT-base (the usual example)": 768, "all-MiniLM-L6-v2 (bundled here)": 384}


def example_shapes(n: int = 10, d_s: int = 128, widths: dict[str, int] | None = None) -> dict[str, str]:
    """teacher name -> the worked shapes of L_emb for that teacher width, e.g. "(10,128) x (128,384) -> (10,384)"."""
    return {name: f"E_s ({n},{d_s}) x W_e ({d_s},{d_t}) -> ({n},{d_t}), compared with E_t ({n},{d_t})"
            for name, d_t in (widths or TEACHER_WIDTHS).items()}
