"""The lab's live view, drawn at the pace a person follows and only where something changed.

Two fragments share the page: the numbers with the curves and the spectrum (rerun every ``REFRESH_S`` while a run
trains; the curves redrawn every ``CURVES_HOLD_S``, the spectrum every ``SPECTRUM_HOLD_S``), and the heavier pictures
(token map, W_e) every ``DETAIL_REFRESH_S``; a paused or finished run redraws all of it at once, with the replay.
Each figure is rebuilt only when the worker published something it shows, and kept in the session between reruns,
so a refresh with nothing new costs the server (and the browser) almost nothing.
"""
from __future__ import annotations

import os
import time

import streamlit as st

from labui import lab_figures as F

REFRESH_S = float(os.environ.get("LAB_REFRESH_S", "1.0"))            # numbers and the loss curve
# While a run trains, each chart is redrawn at its own pace (every redraw is a fresh plotly plot in the browser, on
# the same cores the training uses when server and browser share a laptop); the numbers move every REFRESH_S.
CURVES_HOLD_S = float(os.environ.get("LAB_CURVES_HOLD_S", "2.0"))      # the loss and word-similarity curves
SPECTRUM_HOLD_S = float(os.environ.get("LAB_SPECTRUM_HOLD_S", "3.0"))  # sigma(E_s W_e) against the teacher's
DETAIL_REFRESH_S = float(os.environ.get("LAB_DETAIL_REFRESH_S", "5.0"))  # the token map and W_e (the costliest)
FIRST_POINT_S = 0.25  # while a run is being built: the first point shows within a quarter second of existing
# A run waiting for a slot has nothing to show but its place: it asks rarely (its worker starts training the moment a
# slot frees, whatever the page does), so a classroom's queue does not crowd the server's event loop with reruns.
QUEUED_REFRESH_S = max(REFRESH_S, float(os.environ.get("LAB_QUEUED_REFRESH_S", "3.0")))


def cached_figure(name: str, key: tuple, build, hold_s: float = 0.0):
    """The figure ``name`` for this key, built once: a rerun that brings nothing new reuses it. With ``hold_s``,
    a figure younger than that is kept even when its data moved on (a picture redrawn at a person's pace)."""
    slot = f"lab_fig_{name}"
    held = st.session_state.get(slot)
    now = time.monotonic()
    if held is not None and (held[0] == key or (hold_s and held[0][0] == key[0] and now - held[2] < hold_s)):
        return held[1]
    fig = build()
    st.session_state[slot] = (key, fig, now)
    return fig


def _history_key(view) -> tuple:
    latest = view.latest
    return (id(view.config), len(view.history), latest["step"] if latest else None)


def training_hold(view, seconds: float) -> float:
    """How long a chart keeps its drawing: ``seconds`` while the run trains (the numbers beside it move every
    REFRESH_S), none otherwise (a paused or finished run is drawn at its newest)."""
    return seconds if getattr(view, "status", None) == "running" else 0.0


def curves_hold(view) -> float:
    return training_hold(view, CURVES_HOLD_S)


def loss_figure(view):
    return cached_figure("loss", _history_key(view), lambda: F.loss_figure(view.history, view.setup.floor),
                         hold_s=curves_hold(view))


def spectrum_figure(view):
    """Teacher's spectrum and sigma(E_s W_e), redrawn every SPECTRUM_HOLD_S while training."""
    setup = view.setup
    return cached_figure("spectrum", _history_key(view),
                         lambda: F.spectrum_figure(setup.teacher_sigma, setup.d_s, view.product_sv),
                         hold_s=training_hold(view, SPECTRUM_HOLD_S))


def map_frames(view, method: str):
    """(frames, teacher layout) of the chosen map: UMAP once it has placed a frame, else PCA."""
    setup = view.setup
    if method == "UMAP" and view.frames_umap and setup.umap_teacher is not None:
        return view.frames_umap, setup.umap_teacher
    return view.frames_pca, setup.pca_teacher


def replaying(view, frames) -> bool:
    return view.status in ("paused", "done", "error") and len(frames) > 1


def detail_figures(view, method: str) -> dict:
    """Token map and W_e for this view, each rebuilt only when its own data changed."""
    setup, key = view.setup, _history_key(view)
    frames, teacher_xy = map_frames(view, method)
    animate = replaying(view, frames)
    steps = [h["step"] for h in view.history]
    return {
        "map": cached_figure("map", (id(view.config), method, len(frames), frames[-1][0] if frames else None, animate),
                             lambda: F.map_figure(teacher_xy, setup.words, setup.groups, frames, method,
                                                  animate=animate)),
        "we": cached_figure("we", key, lambda: F.we_figure(steps, view.we_sv)),
    }


def all_figures(view, method: str = "PCA") -> dict:
    """Every figure of the run, built afresh (for the HTML export)."""
    frames, teacher_xy = map_frames(view, method)
    setup = view.setup
    return {
        "loss": F.loss_figure(view.history, setup.floor),
        "spectrum": F.spectrum_figure(setup.teacher_sigma, setup.d_s, view.product_sv),
        "we": F.we_figure([h["step"] for h in view.history], view.we_sv),
        "map": F.map_figure(teacher_xy, setup.words, setup.groups, frames, method, animate=replaying(view, frames)),
    }


def _seconds(x: float) -> str:
    return "every second" if x == 1 else f"every {x:g} s"


def pace_note(view) -> str | None:
    """While training, how often each part of the page is redrawn (so a curve a step or two behind the numbers is
    expected, not a fault); None otherwise."""
    if view.status != "running":
        return None
    return (f"While the run trains, the numbers move {_seconds(REFRESH_S)}, the curves {_seconds(CURVES_HOLD_S)}, the "
            f"spectrum {_seconds(SPECTRUM_HOLD_S)} and the token map and W_e {_seconds(DETAIL_REFRESH_S)}, to leave "
            "the cores to training; Pause or the run's end draws everything at its newest.")


def schedule_note(view) -> str | None:
    """One sentence on how this run ends and why its learning rate decays (computed from its config)."""
    cfg, latest = view.config, view.latest
    if cfg is None or latest is None:
        return None
    parts = []
    if view.converged:
        parts.append(view.converged)
    elif cfg.stop_tol:
        parts.append(f"The run ends by itself once the loss falls by less than {cfg.stop_tol:.1%} over 20 steps "
                     f"(or at step {cfg.steps}).")
    if cfg.schedule != "constant":
        parts.append(f"Learning rate now {latest['lr']:.3g}, decaying ({cfg.schedule}) from {cfg.lr:g} over "
                     f"{cfg.steps} steps: at a constant rate Adam keeps stepping about lr per weight even at the "
                     "optimum (on the bundled teacher, a constant 0.03 kicked the loss from 1.01× to 1.11× the "
                     "floor at step 85).")
    return " ".join(parts) or None
