"""Slow, read-only results computed once per server in the background, so a page paints before they exist.

``result_or_progress(name, fn, *args)`` returns the result when it is ready. Otherwise it starts (once per
server, whoever asks first) a background thread computing ``fn(report, *args)``, waits a moment in case it is
quick, and if it is not, draws a progress bar that polls until the result is there, then reruns the page once.
The page stops below that point meanwhile (``st.stop``), so everything above it is already on screen.

Without a browser to poll (AppTest, bare mode) it waits for the result instead: nothing could rerun the page.
"""
from __future__ import annotations

import threading
import time

import streamlit as st

from labui.bg_job import Job

FIRST_WAIT_S = 0.8    # a result this quick is drawn in the same run: no progress bar flashes by


@st.cache_resource(show_spinner=False)
def _registry() -> tuple[dict, threading.Lock]:
    """Server-wide: (name, args) -> Job. Shared by every session; the results are read-only."""
    return {}, threading.Lock()


def _job(name: str, fn, args: tuple) -> Job:
    jobs, lock = _registry()
    key = (name, *args)
    with lock:
        job = jobs.get(key)
        if job is None or (job.error and not job.running):  # a failed computation is tried again on the next visit
            job = jobs[key] = Job(lambda report, _stop, *a: fn(report, *a), *args)
            job.report("started", time.time())
        return job


def _has_browser() -> bool:
    """A real server (a browser polls the fragment), not AppTest, whose runtime is a stand-in object."""
    from streamlit.runtime import Runtime

    try:
        return type(Runtime.instance()) is Runtime  # AppTest: a MagicMock with spec=Runtime
    except RuntimeError:  # bare mode: no runtime at all
        return False


def result_or_progress(name: str, label: str, fn, *args, wait: float | None = None, stop: bool = True):
    """The result of ``fn(report, *args)`` (computed once per server); or a progress bar, then ``st.stop()``
    (``stop=False``: None, and the rest of the page is drawn below the bar).

    ``report("fraction", x)`` from ``fn`` moves the bar; ``args`` must be hashable (they name the result).
    """
    job = _job(name, fn, args)
    job.join((FIRST_WAIT_S if wait is None else wait) if _has_browser() else None)
    if not job.running:
        if job.error:
            st.error(job.error)
            if stop:
                st.stop()
        return job.result
    _poll(job, label)
    if stop:
        st.stop()
    return None


def _poll(job: Job, label: str) -> None:
    @st.fragment(run_every=0.5)
    def progress() -> None:
        if not job.running:
            st.rerun()  # the whole page, now with the result
        values = job.values()
        elapsed = time.time() - values.get("started", time.time())
        frac = float(values.get("fraction", 0.0))
        st.progress(min(max(frac, 0.0), 1.0), text=f"{label} ({elapsed:.0f} s so far; once per server, then instant)")

    progress()


def peek(name: str, *args):
    """The result if it is ready, else None; draws nothing and starts nothing."""
    jobs, lock = _registry()
    with lock:
        job = jobs.get((name, *args))
    return job.result if job is not None and not job.running and not job.error else None
