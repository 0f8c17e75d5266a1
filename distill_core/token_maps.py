"""2-D layouts of token vectors that stay put from frame to frame.

Both layouts are fitted once, on the teacher's probe vectors, and then *place* each student frame
(E_s W_e, already in the teacher's space) with ``transform``: refitting per frame would make the map jump
(independent UMAP refits move points by a third of the layout or more), so the only motion on screen is
the student's.

- PCA: the teacher's top-2 principal directions. Instant; always available.
- UMAP: umap-learn fitted on the teacher. Importing it and compiling its numba kernels costs tens of
  seconds the first time in a process, so ``warm_umap_async`` starts that in a background thread and
  callers show PCA until ``umap_ready()``.
"""
from __future__ import annotations

import hashlib
import threading
import warnings

import numpy as np

from .cache import BoundedCache

_UMAP_STATE = {"ready": False, "error": None, "thread": None}
_UMAP_LOCK = threading.Lock()
_FITTED = BoundedCache(8)  # teacher-array hash -> fitted layout, shared read-only between sessions


class PCALayout:
    """Project onto the teacher's top-2 principal directions (centred on the teacher's mean)."""

    name = "PCA"

    def __init__(self, teacher: np.ndarray):
        X = np.asarray(teacher, dtype=np.float64)          # (P, d_t)
        self.mean = X.mean(0)                              # (d_t,)
        _, _, vt = np.linalg.svd(X - self.mean, full_matrices=False)
        self.components = vt[:2].T                         # (d_t, 2)
        # Sign convention: the largest |loading| of each axis positive, so a refit gives the same picture.
        signs = np.sign(self.components[np.abs(self.components).argmax(0), [0, 1]])
        self.components *= np.where(signs == 0, 1.0, signs)
        self.teacher_xy = self.transform(X)

    def transform(self, X: np.ndarray) -> np.ndarray:
        return ((np.asarray(X, dtype=np.float64) - self.mean) @ self.components).astype(np.float32)  # (P, 2)


class UMAPLayout:
    """UMAP fitted once on the teacher; students are placed with ``transform`` (serialised by a lock)."""

    name = "UMAP"

    def __init__(self, teacher: np.ndarray, seed: int = 0, n_neighbors: int = 15):
        import umap

        X = np.asarray(teacher, dtype=np.float32)
        self.reducer = umap.UMAP(
            n_neighbors=min(n_neighbors, max(2, X.shape[0] - 1)),
            min_dist=0.1,
            metric="cosine",                       # the kNN overlap also uses cosine: one notion of "near"
            random_state=seed,                     # same teacher, same map
            force_approximation_algorithm=True,    # below 4,096 points the exact path is a slow Python callback
            low_memory=True,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.teacher_xy = self.reducer.fit_transform(X).astype(np.float32)  # (P, 2)
        self._lock = threading.Lock()

    def transform(self, X: np.ndarray) -> np.ndarray:
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.reducer.transform(np.asarray(X, dtype=np.float32)).astype(np.float32)  # (P, 2)


def _warm() -> None:
    try:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((300, 16)).astype(np.float32)
        layout = UMAPLayout(X)
        layout.transform(X[:50] + 0.01)  # transform compiles its own kernels
        _UMAP_STATE["ready"] = True
    except Exception as exc:  # umap missing or broken: the app keeps PCA
        _UMAP_STATE["error"] = f"UMAP is unavailable ({type(exc).__name__}: {exc}); the map uses PCA."


def warm_umap_async() -> threading.Thread:
    """Import umap-learn and compile its kernels in a daemon thread, once per process."""
    with _UMAP_LOCK:
        if _UMAP_STATE["thread"] is None:
            _UMAP_STATE["thread"] = threading.Thread(target=_warm, name="umap-warmup", daemon=True)
            _UMAP_STATE["thread"].start()
        return _UMAP_STATE["thread"]


def umap_ready() -> bool:
    return bool(_UMAP_STATE["ready"])


def umap_error() -> str | None:
    return _UMAP_STATE["error"]


def array_key(X: np.ndarray) -> str:
    X = np.ascontiguousarray(X, dtype=np.float32)
    return hashlib.sha1(X.tobytes() + str(X.shape).encode()).hexdigest()


def fitted_umap(teacher: np.ndarray, seed: int = 0) -> UMAPLayout:
    """The UMAP layout of these teacher vectors, fitted once per process and shared."""
    return _FITTED.get_or_build(f"{array_key(teacher)}:{seed}", lambda: UMAPLayout(teacher, seed))


def median_motion(a: np.ndarray, b: np.ndarray) -> float:
    """Median distance moved between two frames of the same points, in units of the layout's radius."""
    radius = float(np.median(np.linalg.norm(a - a.mean(0), axis=1))) or 1.0
    return float(np.median(np.linalg.norm(b - a, axis=1)) / radius)
