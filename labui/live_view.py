"""The lab's live view: numbers and pictures that move together, at a pace a person follows.

One fragment redraws the numbers, the loss against its floor, the spectrum, the word chart and the token map every
``REFRESH_S`` while a run trains (2-4 updates a second). The pictures are kept in the page by the live-chart
component (labui/live_chart.py), which receives only the new points of each rerun, so a redraw costs the browser an
update in place, not a fresh plot; the map's points glide to their new places. W_e's heatmap, below the fold, is
redrawn every ``DETAIL_REFRESH_S``. A paused or finished run is drawn at its newest, with the replay.
Each figure is rebuilt only when the worker published something it shows.
"""
from __future__ import annotations

import os
import time

import streamlit as st

from labui import lab_figures as F

# One cadence for the numbers and the live pictures: 2.5 updates a second (each is an update in place).
REFRESH_S = float(os.environ.get("LAB_REFRESH_S", "0.4"))
DETAIL_REFRESH_S = float(os.environ.get("LAB_DETAIL_REFRESH_S", "5.0"))  # W_e (a heatmap below the fold)
FIRST_POINT_S = 0.25  # while a run is being built: the first point shows within a quarter second of existing
# A run waiting for a slot has nothing to show but its place: it asks rarely (its worker starts training the moment a
# slot frees, whatever the page does), so a classroom's queue does not crowd the server's event loop with reruns.
QUEUED_REFRESH_S = max(REFRESH_S, float(os.environ.get("LAB_QUEUED_REFRESH_S", "3.0")))
# A classroom: with more than CROWD runs on the server at once, each training page refreshes every CROWD_REFRESH_S
# instead (the load test's 30 sessions at 2.5 updates a second kept health checks waiting half a second).
CROWD = int(os.environ.get("LAB_CROWD", "4"))
CROWD_REFRESH_S = max(REFRESH_S, float(os.environ.get("LAB_CROWD_REFRESH_S", "1.0")))


# Streamlit drops the messages of a fragment's run that have not left the server yet when the next run of the same
# fragment starts (ForwardMsgQueue.clear at the run's start). On a busy server the runs of a live fragment come back
# to back (the browser's timer asks again while a run is still drawing) and the server's event loop sends late, so
# whole runs were lost, Step tile included: a watching page stood still while the server kept redrawing it (7 of 7
# viewers' runs lost at times), and the presenter's own lab lost 37 Step-tile updates in one such run. Each run of a
# live fragment therefore ends by waiting as long as it took to draw (a slow run means a busy server, whose sending
# lags as much), within these bounds: the script thread sleeps, the sending goes on.
SETTLE_S = (float(os.environ.get("LAB_SETTLE_MIN_S", "0.1")), float(os.environ.get("LAB_SETTLE_MAX_S", "0.5")))


def settle(t0: float) -> None:
    """The end of a live fragment's run begun at ``t0`` (time.monotonic()): time for its messages to leave the
    server before the next run of the same fragment can start and drop them (SETTLE_S)."""
    lo, hi = SETTLE_S
    time.sleep(min(hi, max(lo, time.monotonic() - t0)))


def first_point_refresh_s(runs_on_server: int) -> float:
    """How often a page waiting for its run's first point asks: at once alone, at the crowd's pace in a classroom
    (thirty pages asking four times a second while their runs wait their turn to be set up crowded the server)."""
    return CROWD_REFRESH_S if runs_on_server > CROWD else FIRST_POINT_S


def training_refresh_s(runs_on_server: int) -> float:
    """How often a training page refreshes, given how many runs the server is building, queueing or training."""
    return CROWD_REFRESH_S if runs_on_server > CROWD else REFRESH_S


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


def loss_figure(view):
    return cached_figure("loss", _history_key(view), lambda: F.loss_figure(view.history, view.setup.floor))


def spectrum_figure(view):
    """Teacher's spectrum and sigma(E_s W_e) at the newest snapshot."""
    setup = view.setup
    return cached_figure("spectrum", _history_key(view),
                         lambda: F.spectrum_figure(setup.teacher_sigma, setup.d_s, view.product_sv))


def we_figure(view):
    """W_e's singular values now and over the run."""
    return cached_figure("we", _history_key(view), lambda: F.we_figure([h["step"] for h in view.history], view.we_sv))


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


def umap_replay_note(view, method: str) -> str | None:
    """Why a paused or finished run's UMAP map has a shorter replay than its PCA map (UMAP places a frame only while
    the map shows UMAP, about 0.2 s of CPU each), or None."""
    if method != "UMAP" or view.status not in ("paused", "done", "error"):
        return None
    umap_n, pca_n = len(view.frames_umap), len(view.frames_pca)
    if umap_n >= pca_n:
        return None
    return (f"UMAP placed {umap_n} of this run's {pca_n} map frames (it places them only while the map shows "
            f"UMAP): {'no replay here' if umap_n < 2 else 'a shorter replay'}; PCA replays every one.")


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
                     "optimum, so the loss would bounce back up off the floor" + _measured_bounce(cfg) + ".")
    return " ".join(parts) or None


def _measured_bounce(cfg) -> str:
    """The measured case, named only on the settings it was measured with (the bundled teacher's vocabulary table,
    d_s 128, lr 0.03: `python -m distill_core experiment lr-decay`); other runs get the general sentence alone."""
    from distill_core.config import DistillConfig

    base = DistillConfig()
    same = all(getattr(cfg, f) == getattr(base, f)
               for f in ("teacher", "target", "vocab_subset", "hidden_size", "lr", "optimizer"))
    return (" (with these settings a constant 0.03 kicked the loss from 1.01× to 1.11× the floor at step 85)"
            if same else "")
