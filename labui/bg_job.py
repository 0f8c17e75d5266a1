"""A long computation in a background thread that a page observes without blocking its widgets.

The thread never calls Streamlit: it reports plain values into a locked dict, and the page's fragment reads
a copy of them on each rerun. ``stop()`` asks the work to end at its next check.
"""
from __future__ import annotations

import threading
import time
import traceback

from distill_core.errors import DistillError


class Job:
    def __init__(self, work, *args):
        """``work(report, should_stop, *args)``; ``report(key, value)`` stores a value the page can read."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._values: dict = {}
        self.error: str | None = None
        self.result = None
        self.finished: float | None = None
        self._thread = threading.Thread(target=self._main, args=(work, args), daemon=True)
        self._thread.start()

    def _main(self, work, args) -> None:
        try:
            self.result = work(self.report, self._stop.is_set, *args)
        except DistillError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown as one sentence; the page keeps running
            traceback.print_exc()
            self.error = f"The run stopped on an unexpected error: {exc}"
        finally:
            self.finished = time.time()

    def report(self, key, value) -> None:
        with self._lock:
            self._values[key] = value

    def values(self) -> dict:
        with self._lock:
            return dict(self._values)

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)
