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
    if target == "output":  # one row per token too, but each row is the whole teacher's output, not its table
        if whole_table or (whole_table is None and not vocab_subset):
            return (f"the whole teacher's outputs for all {n_rows:,} tokens (each token's mean-pooled last hidden "
                    "state, not its row of the word table)")
        return (f"the whole teacher's outputs for {n_rows:,} tokens (each token's mean-pooled last hidden state, "
                f"not its row of the word table; the first {vocab_subset:,} ordinary tokens and the word-group words)")
    if whole_table or (whole_table is None and not vocab_subset):
        return f"all {n_rows:,} rows of the teacher's word table"
    return (f"{n_rows:,} rows of the teacher's word table (the first {vocab_subset:,} ordinary tokens and the "
            "word-group words)")


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def ratio_text(ratio: float) -> str:
    """A run's ratio to the floor as every place on screen writes it (status line, tile, summary): 1.08×."""
    return f"{ratio:.2f}×"


def a_or_an(n: int) -> str:
    """'a' or 'an' before a number said aloud: an 8-wide, an 11-wide, an 18-wide, a 16-wide."""
    spoken = str(n)
    return "an" if spoken[0] == "8" or (len(spoken) in (2, 5) and spoken[:2] in ("11", "18")) else "a"


COLLAPSED = 0.05  # a student singular value under 5 % of the teacher's counts as a collapsed direction


def spectrum_fit(d_s: int, sigma, product_sv) -> dict | None:
    """How σ(E_s W_e) compares with the teacher's top d_s, and what the unmatched part costs in loss.

    Returns None without a spectrum. ``excess`` is the energy the student's top d_s directions miss, as a fraction
    of the energy beyond d_s (the floor's): a direction the student lacks costs its own σ_i² in the summed squared
    error, so a run whose directions are the teacher's has a ratio to the floor of about 1 + excess (measured on
    the bundled teacher: 1.022× with excess 2.3 %, 1.027× with 2.7 %). One or a few small directions missing beside
    the floor's hundreds of dropped ones barely move the loss. ``eigengap``: how far apart the teacher's d_s-th and
    next singular values are, relatively; a small gap makes the last directions slow to tell apart.
    """
    if product_sv is None or len(product_sv) == 0 or sigma is None:
        return None
    sig = np.asarray(sigma, dtype=float)
    k = min(d_s, len(sig), len(product_sv))
    t, s = sig[:k], np.asarray(product_sv[:k], dtype=float)
    ok = np.abs(s - t) <= SPECTRUM_TOL * np.maximum(t, 1e-30)
    beyond = float((sig[k:] ** 2).sum())
    missing = float(np.clip(t ** 2 - s ** 2, 0, None).sum())
    gap = float((sig[k - 1] - sig[k]) / sig[k - 1]) if len(sig) > k and sig[k - 1] > 0 else 1.0
    return dict(k=k, matched=int(ok.sum()), collapsed=[int(i) + 1 for i in np.flatnonzero(s < COLLAPSED * t)],
                teacher=t, student=s, excess=missing / beyond if beyond > 0 else float("inf"), eigengap=gap,
                beyond=beyond)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _collapsed_words(fit: dict) -> str:
    c = fit["collapsed"]
    if len(c) == 1:
        i = c[0]
        return (f"its {_ordinal(i)} direction has collapsed (singular value {_fmt(fit['student'][i - 1])} where the "
                f"teacher's is {_fmt(fit['teacher'][i - 1])})")
    return f"{len(c)} of its {fit['k']} directions have collapsed (the {_ordinal(c[0])} to the {_ordinal(c[-1])})"


def _layernorm_cut(fit: dict, target: str) -> bool:
    """Only the last direction gone, in the embedding-output mode: the student's LayerNorm is the cause."""
    return target == "sequence" and fit["collapsed"] == [fit["k"]]


LAYERNORM_WHY = ("The student's own LayerNorm is why: it subtracts each token's mean over its d_s features, so "
                 "every output lies in d_s - 1 dimensions and E_s W_e has rank d_s - 1 at most, whatever the training.")


def caption_gap(ratio: float, view=None) -> str:
    """The live caption's words on the gap to the floor, from the ratio AND the spectrum σ(E_s W_e) against the
    teacher's top d_s: "holds all it can" only when both agree; without a spectrum, the ratio alone."""
    head = f"the loss is {ratio_text(ratio)} the floor"
    setup = getattr(view, "setup", None)
    fit = spectrum_fit(setup.d_s, setup.teacher_sigma, view.product_sv) if setup is not None else None
    if fit is None:
        return head
    target = getattr(getattr(view, "config", None), "target", "vocab")
    if fit["matched"] == fit["k"]:
        return head + (": the student holds all that d_s dimensions can hold" if ratio <= NEAR_FLOOR
                       else f", with all {fit['k']} directions in place; their lengths are still settling")
    if _layernorm_cut(fit, target):
        return head + f" and the student holds {fit['k'] - 1} of its {fit['k']} directions (its LayerNorm leaves d_s - 1)"
    if fit["collapsed"]:
        return head + f", but {_collapsed_words(fit)}"
    return head + f"; {fit['matched']} of its {fit['k']} singular values match the teacher's so far"


def floor_sentence(latest: dict, d_s: int, sigma: np.ndarray, rows: str, product_sv=None,
                   target: str = "vocab", stopped_early: bool = False) -> str:
    """The floor, and where this run ended against it: from the ratio and σ(E_s W_e) together."""
    energy = np.asarray(sigma, dtype=float) ** 2
    lost = float(energy[d_s:].sum() / energy.sum()) if energy.sum() > 0 else 0.0
    floor, loss, ratio, step = latest["floor"], latest["loss"], latest["ratio"], latest["step"]
    head = (f"**The floor.** Over {rows}, a rank-{d_s} map can keep {1 - lost:.1%} of the (centred) targets' energy; "
            f"the rest is the floor, {_fmt(floor)}. ")
    if not floor > 0 or not math.isfinite(ratio):
        return head + (f"Here d_s = {d_s} reaches the targets' rank, so the floor is zero and the loss "
                       f"({_fmt(loss)} at step {step}) can keep falling.")
    at = f"At step {step} the loss is {_fmt(loss)}, {ratio_text(ratio)} the floor"
    fit = spectrum_fit(d_s, sigma, product_sv)
    if ratio <= NEAR_FLOOR and (fit is None or fit["matched"] == fit["k"]):
        return head + (f"{at}, and σ(E_s W_e) matches the teacher's top {d_s} singular values: this run found the "
                       f"best {a_or_an(d_s)} {d_s}-wide student can do on these rows (Eckart-Young).")
    why = (f"The loss barely shows it because a missing direction costs only its own energy, σ², while the floor "
           f"holds the energy of all {len(energy) - d_s} directions beyond d_s: what the student's top {fit['k']} "
           f"miss is {fit['excess']:.1%} of the floor's energy, and that is the {ratio_text(ratio)}."
           if fit is not None else "")
    if fit is not None and _layernorm_cut(fit, target):
        best = floor * (fit["beyond"] + fit["teacher"][-1] ** 2) / fit["beyond"]  # the rank-(d_s - 1) floor
        near = loss / best <= NEAR_FLOOR
        return head + (f"{at}, {'near it in loss, ' if ratio <= NEAR_FLOOR else ''}but {_collapsed_words(fit)}: "
                       f"this student uses {d_s - 1} of its {d_s} dimensions. {LAYERNORM_WHY} "
                       + (why + " " if ratio <= NEAR_FLOOR else "")
                       + f"Against the best rank-{d_s - 1} map ({_fmt(best)}) the loss is {ratio_text(loss / best)}: "
                       + ("near the best this student can reach." if near else "more steps would close that gap."))
    if ratio > NEAR_FLOOR:
        return head + (f"{at}: this run has not reached it yet. More steps, or a different learning rate, would "
                       "close the gap; a wider student would lower the floor itself.")
    if fit["collapsed"]:
        return head + (f"{at}, near it in loss, but {_collapsed_words(fit)}: this student uses "
                       f"{d_s - len(fit['collapsed'])} of its {d_s} dimensions. {why} A run that used all {d_s} would "
                       "reach the floor itself.")
    slow = (f" The teacher's {_ordinal(fit['k'])} and {_ordinal(fit['k'] + 1)} singular values differ by only "
            f"{fit['eigengap']:.0%}, so the run can hardly tell which of the two to keep: such directions are "
            "learned slowly" + (", and the stop rule ended the run first." if stopped_early else ".")
            if fit["eigengap"] < 0.1 else "")
    return head + (f"{at}, near it in loss, but not at the optimum: only {fit['matched']} of σ(E_s W_e)'s {fit['k']} "
                   f"singular values are within {SPECTRUM_TOL:.0%} of the teacher's; its {_ordinal(fit['k'])} is "
                   f"{_fmt(fit['student'][-1])} where the teacher's is {_fmt(fit['teacher'][-1])}. {why}{slow}")


def spectrum_sentence(d_s: int, sigma: np.ndarray, product_sv: np.ndarray | None, target: str = "vocab") -> str:
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
                   f"teacher's top {k}; its {_ordinal(k)} is {_fmt(s[k - 1])} where the teacher's is {_fmt(t[k - 1])}. "
                   + ("In this mode the student's own LayerNorm holds that last one at zero (see the floor above)."
                      if target == "sequence" and s[k - 1] < COLLAPSED * t[k - 1] else
                      "At the floor all of them would match (Eckart-Young): the smaller directions are learned last."))


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
    return (f"**Neighbours.** In this run only {share}: fewer than half. {a_or_an(d_s).capitalize()} {d_s}-wide "
            "student keeps the teacher's "
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
    out += [floor_sentence(latest, setup.d_s, setup.teacher_sigma, rows, view.product_sv, target,
                           bool(getattr(view, "converged", None))),
            spectrum_sentence(setup.d_s, setup.teacher_sigma, view.product_sv, target),
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
