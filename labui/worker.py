"""A background training worker owned by one browser session.

It never calls Streamlit (Streamlit's API is not for custom threads): it runs engine steps and writes what
the page needs into its own locked, bounded state; the page reads a copy (``view()``) from a fragment that
reruns a few times a second. Commands (start, pause, resume, step, reset, change the learning rate, stop)
are flags read between steps, so each takes effect within one step.

A second thread per worker places the student's probe tokens on the UMAP map; it only ever reads the newest
frame, so a slow UMAP never holds back training or the loss plot.
"""
from __future__ import annotations

import atexit
import os
import threading
import weakref
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from distill_core import token_maps
from distill_core.cache import BoundedCache
from distill_core.config import DistillConfig
from distill_core.engine import Engine, Snapshot
from distill_core.errors import DistillError
from distill_core.export import copy_run, run_zip
from distill_core.targets import build_targets

MAX_WORKERS = max(1, int(os.environ.get("LAB_MAX_WORKERS", "4")))
# Runs being set up at once (an engine and its step-0 point, ~0.2 s of CPU each): the rest wait their turn.
MAX_BUILDS = max(1, int(os.environ.get("LAB_MAX_BUILDS", "2")))
_BUILDS = threading.BoundedSemaphore(MAX_BUILDS)
_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)  # runs training at once in this process
UMAP_ON = token_maps.UMAP_ON  # LAB_UMAP=0: PCA only (no UMAP process, e.g. in tests)
if os.environ.get("LAB_TORCH_THREADS"):
    # On a small shared CPU several sessions' steps contend for the cores; one thread per op avoids
    # OpenMP threads spinning against each other (seconds per small SVD when oversubscribed).
    torch.set_num_threads(max(1, int(os.environ["LAB_TORCH_THREADS"])))
MAX_POINTS = 2000   # loss-curve points kept per run; beyond, every other older point is dropped
MAX_FRAMES = 120    # map frames kept per run for the replay, thinned the same way
_WORKERS: "weakref.WeakSet[LabWorker]" = weakref.WeakSet()
_TARGETS = BoundedCache(4)  # shared read-only targets: built once per configuration, a few kept


def shared_targets(teacher, config: DistillConfig):
    """The target set for this teacher and configuration, built once per process; a second caller (a Start during
    the start-up preload) waits for the first's result."""
    key = (id(teacher.model), config.target, config.vocab_subset, config.bias, config.probe_size,
           config.text, config.max_length)
    return _TARGETS.get_or_build(key, lambda: build_targets(teacher, config))


TRAIN_NICE = int(os.environ.get("LAB_TRAIN_NICE", "10"))


def _lower_priority() -> None:
    """Lower this thread's CPU priority by TRAIN_NICE (Linux nices threads one by one; the torch threads this thread
    starts afterwards inherit it): training yields the cores to the server's event loop and the pages' reruns."""
    if TRAIN_NICE <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + TRAIN_NICE))
    except OSError:
        pass  # not permitted here: training keeps the default priority


def training_count() -> int:
    """How many sessions' runs are being built, queued or training on this server now."""
    try:
        workers = list(_WORKERS)
    except RuntimeError:  # a worker was created meanwhile: count again
        workers = list(_WORKERS)
    return sum(w._status in ("preparing", "queued", "running") for w in workers)


def _others_training(me: "LabWorker") -> bool:
    """Whether another session's run is being built, queued or training on this server now."""
    try:
        workers = list(_WORKERS)
    except RuntimeError:  # another session's worker was created meanwhile: there are others
        return True
    return any(w is not me and w._status in ("preparing", "queued", "running") for w in workers)


@dataclass
class Setup:
    """What does not change during a run: drawn once per run."""

    floor: float
    teacher_sigma: np.ndarray    # singular values of the (centred) targets
    d_s: int
    d_t: int
    n_rows: int
    words: list[str]
    groups: list[str]
    teacher_probe: np.ndarray    # (P, d_t)
    pca_teacher: np.ndarray      # (P, 2)
    device: str
    teacher_name: str
    umap_teacher: np.ndarray | None = None  # (P, 2) once UMAP is fitted


@dataclass
class LabView:
    """A consistent copy of the worker's state for one redraw."""

    status: str                  # idle, preparing, queued, running, paused, done, error
    message: str | None
    error: str | None
    config: DistillConfig | None
    setup: Setup | None
    history: list[dict] = field(default_factory=list)
    we_sv: list[np.ndarray] = field(default_factory=list)      # per history point
    product_sv: np.ndarray | None = None                       # newest
    frames_pca: list[tuple[int, np.ndarray]] = field(default_factory=list)
    frames_umap: list[tuple[int, np.ndarray]] = field(default_factory=list)
    version: int = 0
    converged: str | None = None  # why the run ended before its last step, in one sentence
    probe_student: np.ndarray | None = None  # (P, d_t) E_s W_e of the probe tokens at the newest snapshot
    # The optimizer steps taken so far, counted at every step (a snapshot comes every snapshot_every steps): what
    # the page's Step tile shows, so the count moves at each redraw while the numbers and charts wait for the next
    # snapshot. None before the first point.
    live_step: int | None = None

    @property
    def latest(self) -> dict | None:
        return self.history[-1] if self.history else None


def _thin(items: list, limit: int) -> list:
    """Drop every other older item once over the limit; the newest is always kept."""
    if len(items) <= limit:
        return items
    return items[:-1][::2] + items[-1:]


class LabWorker:
    def __init__(self):
        self._cond = threading.Condition()
        self._engine_lock = threading.Lock()  # held while steps run; exports copy the engine under it
        self._thread: threading.Thread | None = None  # this run's training thread; a new run gets a new one
        self._map_thread: threading.Thread | None = None
        self._stopped = False
        self._gen = 0
        self._umap_wanted = False  # UMAP frames cost ~0.5 s of CPU each: placed only while the page shows UMAP
        self._map_placing = False  # the map thread is placing a frame it has taken
        self._clear(None, None)
        _WORKERS.add(self)

    # -- commands (called from the page's script thread) ----------------------------------------------------
    def start(self, config: DistillConfig, teacher) -> None:
        """A new run from step 0 with this configuration (replaces any current run)."""
        with self._cond:
            self._stopped = False  # a stopped worker can be started again (its threads are restarted)
            self._gen += 1
            self._clear(config, teacher)
            self._status, self._want, self._need_build = "preparing", "run", True
            # A fresh training thread per run, its priority chosen now: a run alone on the server trains at the
            # pages' priority (a niced thread loses the cores to the browser drawing this very page, when both
            # share a laptop); a run that starts beside others steps back, so thirty sessions keep the server
            # responsive. Priority can only be lowered, never raised back, hence a new thread (and torch pool).
            thread = self._thread = threading.Thread(target=self._train_loop, args=(_others_training(self),),
                                                     name="lab-train", daemon=True)
            self._cond.notify_all()  # the previous run's thread sees it is retired and ends
        thread.start()
        self._ensure_map_thread()

    def pause(self) -> None:
        with self._cond:
            if self._status in ("running", "queued", "preparing"):
                self._want = "pause"
                self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            if self._engine is not None or self._need_build:
                self._want = "run"
                self._cond.notify_all()

    def step(self, n: int = 1) -> None:
        """n optimizer steps, then a snapshot; starts a paused run at step 0 if none exists."""
        with self._cond:
            if self._engine is None and not self._need_build:
                return
            self._want = "pause"
            self._pending_steps += n
            self._cond.notify_all()

    def want_umap(self, wanted: bool) -> None:
        """Whether the page shows the UMAP map: only then does the map thread place frames."""
        with self._cond:
            if wanted != self._umap_wanted:
                self._umap_wanted = wanted
                self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        with self._cond:
            self._pending_lr = float(lr)
            self._cond.notify_all()

    def reset(self) -> None:
        """Stop the run and forget it."""
        with self._cond:
            self._gen += 1
            self._clear(None, None)
            self._cond.notify_all()

    def stop(self) -> None:
        """End both threads (the session is gone)."""
        with self._cond:
            self._stopped = True
            self._gen += 1
            self._clear(None, None)  # drop the engine now: a closed tab's tensors must not wait for the GC
            self._cond.notify_all()

    def join(self, timeout: float = 5.0) -> None:
        """Wait for a stopped worker's threads to end."""
        for t in (self._thread, self._map_thread):
            if t is not None:
                t.join(timeout)

    def prepare(self, config: DistillConfig, teacher) -> None:
        """Set up a run at step 0, paused (for Step without Start)."""
        self.start(config, teacher)
        self.pause()

    # -- observation --------------------------------------------------------------------------------------
    def view(self) -> LabView:
        with self._cond:
            return LabView(self._status, self._message, self._error, self._config, self._setup,
                           list(self._history), list(self._we_sv), self._product_sv,
                           list(self._frames_pca), list(self._frames_umap), self._version,
                           self._engine.converged if self._engine is not None else None, self._probe_student,
                           self._live_step())

    def _live_step(self) -> int | None:
        """Steps taken by this run (never behind its newest snapshot); None before its first point."""
        if not self._history:
            return None
        gen, step = self._live
        newest = self._history[-1]["step"]
        return max(step, newest) if gen == self._gen else newest

    @property
    def status(self) -> str:
        """The status alone, without copying the view."""
        with self._cond:
            return self._status

    def waiting_for_first_point(self) -> bool:
        """A run is being built and has not published its step-0 point yet."""
        with self._cond:
            return self._need_build or (self._status in ("preparing", "running") and not self._history)

    def busy(self) -> bool:
        """Whether the view can still change without a new command (the page polls only then): a run being
        built, queued, training or stepping, or a map frame still waiting for UMAP."""
        with self._cond:
            engine_live = self._engine is not None and not self._engine.done
            return bool(self._need_build or self._working or self._pending_steps > 0
                        or self._status in ("preparing", "queued", "running")
                        or (engine_live and self._want == "run")
                        or (UMAP_ON and self._umap_wanted and token_maps.umap_error() is None
                            and (self._map_todo is not None or self._map_placing)))

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def export_zip(self) -> bytes:
        """The student folder + W_e + config + history as zip bytes, copied at one consistent moment."""
        with self._engine_lock:
            if self._engine is None:
                raise DistillError("There is no run to export yet: press Start first.")
            run = copy_run(self._engine)
        return run_zip(run)

    # -- internals ----------------------------------------------------------------------------------------
    def _clear(self, config, teacher) -> None:
        self._config, self._teacher, self._engine, self._setup = config, teacher, None, None
        self._status, self._want, self._need_build = "idle", "idle", False
        self._message = self._error = None
        self._pending_steps, self._pending_lr, self._working = 0, None, False
        self._history, self._we_sv, self._product_sv = [], [], None
        self._live = (self._gen, 0)  # (run, steps taken): set by the training thread after every step
        self._probe_student = None  # the newest snapshot's (P, d_t): the map's "find a word" neighbours
        self._frames_pca, self._frames_umap, self._map_todo = [], [], None
        self._version = getattr(self, "_version", 0) + 1
        self._release_slot()

    def _ensure_map_thread(self) -> None:
        if self._map_thread is None or not self._map_thread.is_alive():
            self._map_thread = threading.Thread(target=self._map_loop, name="lab-map", daemon=True)
            self._map_thread.start()

    _has_slot = False

    def _take_slot(self) -> bool:
        if not self._has_slot and _SLOTS.acquire(blocking=False):
            self._has_slot = True
        return self._has_slot

    def _release_slot(self) -> None:
        if self._has_slot:
            self._has_slot = False
            _SLOTS.release()

    def _train_loop(self, beside_others: bool) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                while not self._stopped and self._thread is me and not self._work_to_do():
                    self._release_slot()
                    self._cond.wait(timeout=1.0)
                if self._thread is not me:
                    return  # a newer run has its own thread (the slot belongs to the worker, not to this thread)
                if self._stopped:
                    self._release_slot()
                    return
                gen, build = self._gen, self._need_build
                config, teacher = self._config, self._teacher
            try:
                if build:
                    self._build(gen, config, teacher, beside_others)
                else:
                    self._advance(gen)
            except DistillError as exc:
                self._fail(gen, str(exc))
            except Exception as exc:  # a bug or an exhausted device: say it in one sentence, keep the run
                self._fail(gen, f"Training stopped unexpectedly ({type(exc).__name__}: {exc}).")

    def _work_to_do(self) -> bool:
        if self._need_build:
            return True
        if self._engine is None or self._engine.done:
            return False
        return self._want == "run" or self._pending_steps > 0

    def _build(self, gen: int, config: DistillConfig, teacher, beside_others: bool = False) -> None:
        """The run's engine and its step-0 point. Builds take turns (MAX_BUILDS at once) at the page's priority: a
        classroom pressing Start together gets its first points one after another within seconds, where thirty
        builds sharing two cores with the runs already training each took ten. Training itself then steps back."""
        with _BUILDS:
            if gen != self._gen:
                return  # reset or replaced while waiting for its turn
            engine = Engine(config=config, teacher=teacher, targets=shared_targets(teacher, config))
            probe_t = engine.probe_teacher.detach().cpu().numpy()  # (P, d_t)
            pca = token_maps.PCALayout(probe_t)
            setup = Setup(engine.floor, engine.teacher_spectrum(), config.hidden_size, engine.targets.d_t,
                          engine.targets.n_rows, list(engine.probe.words), list(engine.probe.groups), probe_t,
                          pca.teacher_xy, str(engine.device), teacher.name)
            first = engine.snapshot()  # the step-0 point
        if beside_others:
            _lower_priority()  # training, from here on, yields the cores to the pages and to other runs' builds
        with self._cond:
            if gen != self._gen:
                return
            self._engine, self._setup, self._pca, self._need_build = engine, setup, pca, False
            self._status = "paused" if self._want != "run" else "running"
            self._version += 1
            self._cond.notify_all()
        with self._engine_lock:
            engine._record(first, lambda s: self._publish(gen, s))  # the step-0 point, at once

    def _advance(self, gen: int) -> None:
        with self._cond:
            if gen != self._gen or self._thread is not threading.current_thread():
                return  # this thread was retired by a newer run between two looks
            engine, lr = self._engine, self._pending_lr
            steps, self._pending_steps, self._pending_lr = self._pending_steps, 0, None
            running = self._want == "run" and steps == 0
            if running and not self._take_slot():
                self._status = "queued"
                self._message = (f"{MAX_WORKERS} runs are training on this server, its limit: yours starts as "
                                 "soon as one of them pauses or ends.")
                self._cond.wait(timeout=0.3)
                return
            self._status, self._message = ("running" if running else "paused"), None
            self._working = True
        try:
            if lr is not None:
                engine.set_lr(lr)
            should_stop = lambda: self._gen != gen or self._stopped or (running and self._want != "run")
            def counted(step: int, _loss: float) -> None:
                self._live = (gen, step)  # one tuple, swapped whole: readers never see half of it

            with self._engine_lock:
                publish = lambda s: self._publish(gen, s)
                engine.run(engine.config.snapshot_every if running else steps, on_snapshot=publish,
                           should_stop=should_stop, on_step=counted)
                stopped_here = not running or self._want != "run"  # a Step, or a Pause between two snapshots
                if stopped_here and gen == self._gen and engine.history[-1].step != engine.step_count:
                    engine._record(engine.snapshot(), publish)  # show the state it stopped in
        finally:
            with self._cond:
                if gen == self._gen:
                    self._working = False
        with self._cond:
            if gen == self._gen and engine.done:
                self._status, self._want = "done", "idle"
                self._release_slot()
                engine.optimizer.state.clear()  # a finished run never steps again: free Adam's moments
            elif gen == self._gen and self._want != "run":
                self._status = "paused"
                self._release_slot()

    def _publish(self, gen: int, snap: Snapshot) -> None:
        xy = self._pca.transform(snap.probe_student) if snap.probe_student is not None else None
        with self._cond:
            if gen != self._gen:
                return
            self._history = _thin(self._history + [snap.scalars()], MAX_POINTS)
            if self._engine is not None and len(self._engine.history) > MAX_POINTS:  # bounded, like the view
                self._engine.history[:] = _thin(self._engine.history, MAX_POINTS)
            self._we_sv = _thin(self._we_sv + [snap.we_singular_values], MAX_POINTS)
            self._product_sv = snap.product_singular_values
            if xy is not None:
                self._frames_pca = _thin(self._frames_pca + [(snap.step, xy)], MAX_FRAMES)
                self._map_todo = (gen, snap.step, snap.probe_student)
                self._probe_student = snap.probe_student
            self._version += 1
            self._cond.notify_all()

    def _fail(self, gen: int, message: str) -> None:
        with self._cond:
            if gen != self._gen:
                return
            self._status, self._error, self._want, self._need_build = "error", message, "idle", False
            self._release_slot()
            self._version += 1

    # -- the UMAP placement thread ------------------------------------------------------------------------
    def _map_loop(self) -> None:
        if not UMAP_ON:
            return
        _lower_priority()
        token_maps.warm_umap_async()
        while True:
            with self._cond:
                while not self._stopped and not (self._map_todo and self._setup and self._umap_wanted
                                                 and token_maps.umap_ready()):
                    self._cond.wait(timeout=0.5)
                if self._stopped:
                    return
                (gen, step, X), self._map_todo = self._map_todo, None
                setup = self._setup
                # Busy until the frame is published: a page that asked for UMAP after the run ended keeps polling
                # through the placement instead of reading "nothing to do" the moment the request was taken.
                self._map_placing = True
            try:
                reducer = token_maps.fitted_umap(setup.teacher_probe, seed=0)
                xy = reducer.transform(X)
            except Exception:  # a map frame is never worth stopping the run for; PCA stays
                with self._cond:
                    self._map_placing = False
                time.sleep(1.0)
                continue
            with self._cond:
                self._map_placing = False
                if gen == self._gen:
                    setup.umap_teacher = reducer.teacher_xy
                    self._frames_umap = _thin(self._frames_umap + [(step, xy)], MAX_FRAMES)
                    self._version += 1


@atexit.register
def _stop_all() -> None:
    """Stop every worker before the interpreter unwinds (torch must not be mid-step at exit)."""
    workers = list(_WORKERS)
    for w in workers:
        w.stop()
    for w in workers:
        w.join(2.0)
