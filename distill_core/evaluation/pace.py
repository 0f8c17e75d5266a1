"""How long a run will take, from per-step times measured on this server and updated as runs finish.

A long experiment is made of phases (the teacher's pass over the sentences, distillation steps, fine-tuning
steps); each finished run records, per phase, the seconds it took per unit of work under a key naming the shapes
that set its cost (width, layers, batch, sequence length...). The next estimate for the same shapes is the
median of those rates times the units asked for, and its range is their lowest and highest (widened by 10 % for
the noise of one more run). Before any run of those shapes has finished, a rate timed on a few steps stands in,
with a wider range (0.7x to 2x: a few steps on a cold process are the least reliable measurement there is).

The book is a small JSON file in the app's cache folder, so it survives a restart and every session reads it.
Pure numbers and a file: no torch, no Streamlit.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

KEEP = 12                 # newest rates kept per key: a server's speed drifts with its load
MEASURED_SPREAD = 0.10    # one more run beyond the lowest and highest seen, once many runs were seen
FEW_RUNS_SPREAD = 0.45    # with n runs seen, at least 0.45 / sqrt(n): on 2 shared cores the per-step time of one
                          # ablation doubled between two runs a minute apart (0.39 -> 0.77 s per step)
PROBE_RANGE = (0.7, 2.0)  # a rate timed on a few steps: how far the truth has landed from it


@dataclass
class Phase:
    """One phase of a planned run: ``units`` of work, costed under ``key``; ``probe`` a fallback seconds/unit."""

    key: str
    units: float
    probe: float | None = None


@dataclass
class Estimate:
    seconds: float            # the middle estimate
    low: float
    high: float
    measured: bool            # every phase from finished runs here (not a few timed steps)
    parts: dict[str, float] = field(default_factory=dict)  # phase name -> middle seconds

    def words(self) -> str:
        """'about 2.1 min (1.8-2.6 min), from 3 finished runs here' or the probe's wording."""
        said = f"about {duration(self.seconds)} ({duration_range(self.low, self.high)})"
        return said + (", from runs of these settings that finished on this server" if self.measured
                       else ", timed from a few steps: no run of these settings has finished here yet")


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def duration_range(low: float, high: float) -> str:
    if high < 90:
        return f"{low:.0f}-{high:.0f} s"
    return f"{low / 60:.1f}-{high / 60:.1f} min" if low >= 90 else f"{low:.0f} s-{high / 60:.1f} min"


class PaceBook:
    """Seconds per unit of work, by key, as measured by finished runs; kept in ``path`` (None: memory only)."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._rates: dict[str, list[float]] = {}
        if self.path is not None:
            try:
                data = json.loads(self.path.read_text())
                self._rates = {k: [float(x) for x in v][-KEEP:] for k, v in data.items() if isinstance(v, list)}
            except (OSError, ValueError, TypeError, AttributeError):
                self._rates = {}

    def rates(self, key: str) -> list[float]:
        with self._lock:
            return list(self._rates.get(key, []))

    def record(self, key: str, seconds: float, units: float) -> None:
        """A finished phase: ``seconds`` of wall clock for ``units`` of work."""
        if units <= 0 or not seconds > 0:
            return
        with self._lock:
            self._rates[key] = (self._rates.get(key, []) + [seconds / units])[-KEEP:]
            snapshot = dict(self._rates)
        self._save(snapshot)

    def rate(self, key: str, probe: float | None = None) -> tuple[float, float, float, bool] | None:
        """(middle, low, high, measured) seconds per unit: from finished runs, else from ``probe``."""
        seen = self.rates(key)
        if seen:
            w = spread(len(seen))
            return statistics.median(seen), min(seen) * (1 - w), max(seen) * (1 + w), True
        if probe is None:
            return None
        return probe, probe * PROBE_RANGE[0], probe * PROBE_RANGE[1], False

    def estimate(self, phases: dict[str, Phase]) -> Estimate:
        """The sum over phases of units x rate, with the range summed likewise."""
        mid = low = high = 0.0
        measured, parts = True, {}
        for name, ph in phases.items():
            r = self.rate(ph.key, ph.probe)
            if r is None or ph.units <= 0:
                parts[name] = 0.0
                continue
            m, lo, hi, was = r
            parts[name] = m * ph.units
            mid, low, high = mid + m * ph.units, low + lo * ph.units, high + hi * ph.units
            measured = measured and was
        return Estimate(mid, low, high, measured, parts)

    def _save(self, data: dict) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            os.replace(tmp, self.path)  # atomic: a reader never sees half a file
        except OSError:
            pass  # a read-only cache folder: estimates fall back to timed steps, nothing else breaks


def spread(n: int) -> float:
    """How far beyond the lowest and highest of ``n`` measured rates the next run may land."""
    return max(MEASURED_SPREAD, FEW_RUNS_SPREAD / math.sqrt(max(n, 1)))


def remaining(phases: dict[str, Phase], done: dict[str, float], seconds: dict[str, float],
              book: PaceBook) -> tuple[float, float] | None:
    """(low, high) seconds left of a run under way: each phase's units not yet done times its rate, where a phase
    already started uses the rate measured in this very run (``seconds[name] / done[name]``)."""
    low = high = 0.0
    for name, ph in phases.items():
        left = max(0.0, ph.units - done.get(name, 0.0))
        if left == 0:
            continue
        if done.get(name, 0) > 0 and seconds.get(name, 0) > 0:
            here = seconds[name] / done[name]
            low, high = low + here * left * (1 - MEASURED_SPREAD), high + here * left * (1 + MEASURED_SPREAD)
            continue
        r = book.rate(ph.key, ph.probe)
        if r is None:
            return None
        low, high = low + r[1] * left, high + r[2] * left
    return low, high


def default_book() -> PaceBook:
    """The server's book, in the app's cache folder (``$DISTILL_LAB_CACHE`` or ~/.cache/distill-lab)."""
    from ..output_target import cache_dir

    return PaceBook(cache_dir() / "pace.json")
