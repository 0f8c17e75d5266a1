"""2-D layouts of token vectors that stay put from frame to frame.

Both layouts are fitted once, on the teacher's probe vectors, and then *place* each student frame
(E_s W_e, already in the teacher's space) with ``transform``: refitting per frame would make the map jump
(independent UMAP refits move points by a third of the layout or more), so the only motion on screen is
the student's.

- PCA: the teacher's top-2 principal directions. Instant; always available.
- UMAP: umap-learn fitted on the teacher, in a child process at the lowest CPU priority (see "the UMAP
  process" below). ``warm_umap_async`` starts it; callers show PCA until ``umap_ready()``.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import pickle
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from .cache import BoundedCache

UMAP_ON = os.environ.get("LAB_UMAP", "1") != "0"  # 0: PCA only (no UMAP process, e.g. in tests)
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
    """UMAP fitted once on the teacher, in the UMAP process; students are placed with ``transform`` there too."""

    name = "UMAP"

    def __init__(self, teacher: np.ndarray, seed: int = 0, n_neighbors: int = 15):
        X = np.asarray(teacher, dtype=np.float32)
        self._key = f"{array_key(X)}:{seed}:{n_neighbors}"
        self.teacher_xy = _service().call("fit", self._key, X, seed, n_neighbors)  # (P, 2)

    def transform(self, X: np.ndarray) -> np.ndarray:
        return _service().call("transform", self._key, np.asarray(X, dtype=np.float32))  # (P, 2)


# -- the UMAP process -----------------------------------------------------------------------------------------
# umap-learn costs a process tens of seconds of CPU before its first map: importing it compiles pynndescent's
# numba kernels, the first fit and transform compile umap's own (about 80 s of CPU measured on 2 busy cores). Three
# things keep that off a run that trains meanwhile:
# - numba's on-disk cache in a folder that outlives the server (NUMBA_CACHE_DIR, ~/.cache/distill-lab/numba),
#   filled by scripts/setup.sh. pynndescent marks its kernels cache=True but umap-learn 0.5 caches 1 of its 130, so
#   the UMAP process turns caching on for every kernel it compiles;
# - the cosine distances are computed here with numpy and given to UMAP as "precomputed": no nearest-neighbour
#   search (pynndescent's search kernels take the metric as an argument, which numba cannot cache: 25 s of CPU per
#   process), and the neighbours are exact;
# - all of it runs in a child process at the lowest CPU priority, on one thread: it never holds the server's
#   interpreter lock and takes only a core nobody else wants.
# With a warm cache the process is ready in about 3 s of CPU; each frame costs it 0.1-0.4 s.

def numba_cache_dir() -> Path:
    """Where compiled UMAP kernels are kept between servers: $LAB_NUMBA_CACHE, else ~/.cache/distill-lab/numba."""
    if os.environ.get("LAB_NUMBA_CACHE"):
        return Path(os.environ["LAB_NUMBA_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "distill-lab" / "numba"


def _import_umap():
    """umap-learn with every numba kernel it compiles cached on disk (call before anything imports umap)."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir()))
    import numba

    def cached(decorator):
        def jit(*args, **kwargs):
            if len(args) == 1 and callable(args[0]) and not kwargs:  # bare @njit
                return decorator(cache=True)(args[0])
            kwargs.setdefault("cache", True)
            return decorator(*args, **kwargs)
        return jit

    if not getattr(numba, "_distill_lab_cached", False):
        numba.njit, numba.jit, numba._distill_lab_cached = cached(numba.njit), cached(numba.jit), True
    import umap

    return umap


def cosine_distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """1 - cos between each row of A and each row of B: (m, d), (n, d) -> (m, n), in [0, 2]."""
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    A = A / (np.linalg.norm(A, axis=1, keepdims=True) + 1e-12)
    B = B / (np.linalg.norm(B, axis=1, keepdims=True) + 1e-12)
    return np.clip(1.0 - A @ B.T, 0.0, 2.0)


class _Maps:
    """What the UMAP process holds: the fitted reducers and their teacher vectors, by key."""

    def __init__(self):
        self.umap = _import_umap()
        self.fitted: dict[str, tuple] = {}

    def fit(self, key: str, X: np.ndarray, seed: int, n_neighbors: int) -> np.ndarray:
        reducer = self.umap.UMAP(
            n_neighbors=min(n_neighbors, max(2, X.shape[0] - 1)),
            min_dist=0.1,
            metric="precomputed",                  # cosine, as the kNN overlap: one notion of "near"
            random_state=seed,                     # same teacher, same map
            low_memory=True,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xy = reducer.fit_transform(cosine_distances(X, X)).astype(np.float32)  # (P, 2)
        self.fitted[key] = (reducer, X)
        while len(self.fitted) > 8:
            self.fitted.pop(next(iter(self.fitted)))
        return xy

    def transform(self, key: str, X: np.ndarray) -> np.ndarray:
        reducer, teacher = self.fitted[key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reducer.transform(cosine_distances(X, teacher)).astype(np.float32)  # (P, 2)

    def warm(self) -> None:
        """Compile (or load from the cache) every kernel a fit and a transform use."""
        X = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32)
        self.fit("warm", X, 0, 15)
        self.transform("warm", X[:50] + 0.01)
        self.fitted.pop("warm", None)


def _serve(inp, out) -> None:
    """The UMAP process's loop: pickled (op, *args) requests in, ("ok" | "error", value) replies out."""
    maps = None
    try:
        maps = _Maps()
        maps.warm()
        reply = ("ok", None)
    except Exception as exc:
        reply = ("error", f"{type(exc).__name__}: {exc}")
    while True:
        pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
        try:
            op, *args = pickle.load(inp)
        except EOFError:
            return  # the server has gone
        try:
            reply = ("ok", getattr(maps, op)(*args))
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")


class _Service:
    """The server's end of the UMAP process: one request at a time (a lock), replies read in order."""

    def __init__(self):
        env = os.environ | {"NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(numba_cache_dir())),
                            "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                            "MKL_NUM_THREADS": "1", "PYTHONPATH": _ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self._lock = threading.Lock()
        self._proc = subprocess.Popen([sys.executable, "-m", "distill_core.token_maps", "--serve"], cwd=_ROOT,
                                      env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        atexit.register(self.close)

    def ready(self) -> None:
        """Wait for the process's warm-up; raise RuntimeError with its reason if it failed."""
        self._read()

    def call(self, op: str, *args):
        with self._lock:
            if self._proc.poll() is not None:
                raise RuntimeError("the UMAP process has ended")
            pickle.dump((op, *args), self._proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._proc.stdin.flush()
            return self._read()

    def _read(self):
        try:
            status, value = pickle.load(self._proc.stdout)
        except EOFError:
            raise RuntimeError("the UMAP process has ended") from None
        if status != "ok":
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()


_ROOT = str(Path(__file__).resolve().parent.parent)
_SERVICE: dict = {"service": None}


def _service() -> _Service:
    warm_umap_async().join()
    if _SERVICE["service"] is None:
        raise RuntimeError(_UMAP_STATE["error"] or "UMAP is unavailable")
    return _SERVICE["service"]


def _warm() -> None:
    try:
        service = _Service()
        service.ready()
        _SERVICE["service"] = service
        _UMAP_STATE["ready"] = True
    except Exception as exc:  # umap missing or broken: the app keeps PCA
        _UMAP_STATE["error"] = f"UMAP is unavailable ({type(exc).__name__}: {exc}); the map uses PCA."


def warm_umap_async() -> threading.Thread:
    """Start the UMAP process (import, compile or load its kernels, one small fit) once per server; the thread
    returned ends when it is ready or has failed."""
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


def _main() -> None:
    if sys.argv[1:] == ["--serve"]:
        os.nice(19)  # the lowest priority: training and the pages' reruns come first
        out = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)  # anything a library prints goes to stderr, not into the replies
        _serve(sys.stdin.buffer, out)
    elif sys.argv[1:] == ["--warm"]:
        import time

        t0 = time.perf_counter()
        _Maps().warm()
        print(f"UMAP kernels compiled or loaded in {time.perf_counter() - t0:.1f} s; cached in {numba_cache_dir()}")
    else:
        sys.exit("usage: python -m distill_core.token_maps --warm | --serve")


if __name__ == "__main__":
    _main()
