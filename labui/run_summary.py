"""The lab's "What it showed", written from the run itself: every sentence about this run is computed from the
worker's view (history, the teacher's spectrum, the student's spectrum, W_e's singular values), so a run that
ends off the floor, or keeps few neighbours, is described as what it is. General statements say when they hold.

Pure functions of plain data (no Streamlit, no torch), so tests can feed them any run.
"""
from __future__ import annotations

import math

import numpy as np

NEAR_FLOOR = 1.05     # ratio to the floor under which a run "has reached" it (the README's target)
SPECTRUM_TOL = 0.05   # a student singular value within 5 % of the teacher's counts as matched


def rows_phrase(target: str, n_rows: int, vocab_subset: int = 0, whole_table: bool | None = None) -> str:
    """Over which rows the loss and the floor of a run are computed, in words ("all 30,522 rows of ...")."""
    if target == "sequence":
        return f"the {n_rows:,} real (non-padding) tokens of the corpus sentences"
    if whole_table or (whole_table is None and not vocab_subset):
        return f"all {n_rows:,} rows of the teacher's word table"
    return (f"{n_rows:,} rows of the teacher's word table (the first {vocab_subset:,} ordinary tokens and the "
            "word-group words)")


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def floor_sentence(latest: dict, d_s: int, sigma: np.ndarray, rows: str) -> str:
    energy = np.asarray(sigma, dtype=float) ** 2
    lost = float(energy[d_s:].sum() / energy.sum()) if energy.sum() > 0 else 0.0
    floor, loss, ratio, step = latest["floor"], latest["loss"], latest["ratio"], latest["step"]
    head = (f"**The floor.** Over {rows}, a rank-{d_s} map can keep {1 - lost:.1%} of the (centred) targets' energy; "
            f"the rest is the floor, {_fmt(floor)}. ")
    if not floor > 0 or not math.isfinite(ratio):
        return head + (f"Here d_s = {d_s} reaches the targets' rank, so the floor is zero and the loss "
                       f"({_fmt(loss)} at step {step}) can keep falling.")
    if ratio <= NEAR_FLOOR:
        return head + (f"At step {step} the loss is {_fmt(loss)}, {ratio:.2f}× the floor: this run found the best "
                       f"any {d_s}-wide student can do on these rows (Eckart-Young).")
    return head + (f"At step {step} the loss is {_fmt(loss)}, {ratio:.2f}× the floor: this run has not reached it "
                   "yet. More steps, or a different learning rate, would close the gap; a wider student would "
                   "lower the floor itself.")


def spectrum_sentence(d_s: int, sigma: np.ndarray, product_sv: np.ndarray | None) -> str:
    """How far sigma(E_s W_e) has climbed onto the teacher's top d_s singular values, measured."""
    if product_sv is None or len(product_sv) == 0:
        return ""
    k = min(d_s, len(sigma), len(product_sv))
    t, s = np.asarray(sigma[:k], dtype=float), np.asarray(product_sv[:k], dtype=float)
    matched = int(np.sum(np.abs(s - t) <= SPECTRUM_TOL * np.maximum(t, 1e-30)))
    head = "**The invariant spectrum.** σ(E_s W_e) does not depend on how scale is split between E_s and W_e. "
    if matched == k:
        return head + (f"In this run all {k} of its singular values are within {SPECTRUM_TOL:.0%} of the teacher's "
                       f"top {k}: the student holds the teacher's {k} largest directions, as the floor requires.")
    return head + (f"In this run {matched} of its {k} singular values are within {SPECTRUM_TOL:.0%} of the "
                   f"teacher's top {k}; its {k}th is {_fmt(s[k - 1])} where the teacher's is {_fmt(t[k - 1])}. "
                   "At the floor all of them would match (Eckart-Young): the smaller directions are learned last.")


def we_sentence(we_sv: list[np.ndarray], steps: list[int]) -> str:
    """What the W_e plot shows in this run: how its scale moved from the init, not a property of the teacher."""
    if not we_sv:
        return ""
    first, last = np.asarray(we_sv[0], dtype=float), np.asarray(we_sv[-1], dtype=float)
    cond = lambda s: float(s[0] / s[-1]) if s[-1] > 0 else float("inf")  # noqa: E731
    return ("**W_e's own singular values** went from "
            f"{_fmt(first[-1])}–{_fmt(first[0])} at step {steps[0]} to {_fmt(last[-1])}–{_fmt(last[0])} at step "
            f"{steps[-1]} (largest / smallest {_fmt(cond(first))} → {_fmt(cond(last))}). That is how the optimiser, "
            "starting from this init, spread scale between E_s and W_e: (E_s A)(A⁻¹ W_e) gives the same loss for any "
            "invertible A, so another seed, init or optimiser can end at the same loss with a different W_e spectrum. "
            "Read the teacher against σ(E_s W_e), not against W_e.")


def neighbour_sentence(knn: float, k: int, d_s: int) -> str:
    share = f"{knn:.0%} of each probe token's {k} nearest neighbours agree with the teacher's"
    if knn >= 0.5:
        return f"**Neighbours.** In this run {share}: most neighbourhoods survived the compression to d_s = {d_s}."
    return (f"**Neighbours.** In this run only {share}: fewer than half. A {d_s}-wide student keeps the teacher's "
            "largest directions; the fine ones that tell near neighbours apart are part of what the floor drops.")


def what_it_showed(view) -> list[str]:
    """Markdown bullets for the lab's "What it showed", computed from a LabView (or anything with its fields)."""
    setup, latest = view.setup, view.latest
    if setup is None or latest is None:
        what = ("the loss against its floor, the student's spectrum against the teacher's, W_e's spectrum and the "
                "neighbours kept")
        if view.status in ("running", "queued", "preparing"):
            return [f"The run is under way. When it pauses or ends, this section reports what it did: {what}."]
        return [f"Nothing yet: press **Start**. When the run pauses or ends, this section reports what it did: {what}."]
    cfg = view.config
    target = getattr(cfg, "target", "vocab")
    rows = rows_phrase(target, setup.n_rows, getattr(cfg, "vocab_subset", 0))
    steps = [h["step"] for h in view.history]
    out = []
    if view.status in ("running", "queued", "preparing"):
        out.append(f"*The run is still training (step {latest['step']}): this summary is of that step and is "
                   "rewritten when it pauses or ends.*")
    out += [floor_sentence(latest, setup.d_s, setup.teacher_sigma, rows),
            spectrum_sentence(setup.d_s, setup.teacher_sigma, view.product_sv),
            we_sentence(view.we_sv, steps),
            neighbour_sentence(latest["knn_overlap"], getattr(cfg, "knn_k", 10), setup.d_s)]
    out.append("**In general** (Eckart-Young, any run): a smaller d_s has a higher floor, because fewer of the "
               "teacher's directions fit; the Dimension sweep shows by how much. Fewer neighbours are usually kept "
               "too, but that is measured, not guaranteed.")
    return [s for s in out if s]


def rows_caption(view) -> str:
    """Which rows the lab's loss, floor and kNN overlap are computed over: floors differ between row sets."""
    setup, cfg = view.setup, view.config
    rows = rows_phrase(getattr(cfg, "target", "vocab"), setup.n_rows, getattr(cfg, "vocab_subset", 0))
    return (f"Loss and floor over {rows} (n = {setup.n_rows:,}, d_s = {setup.d_s}, d_t = {setup.d_t}); kNN overlap "
            f"over the {len(setup.words)} probe tokens. A floor belongs to its rows: other pages that train on "
            "fewer rows show other floors for the same d_s.")
