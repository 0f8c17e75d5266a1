"""What every page shares: the cached teacher, the error box, the page template's header.

Importing this module is cheap (no torch, no transformers): a page that needs no teacher, Home first of all, draws
at once on a fresh server, and the heavy modules load when a function here first needs them."""
from __future__ import annotations

import gc

import streamlit as st

from distill_core.errors import DistillError


@st.cache_resource(show_spinner="Loading the teacher (once per server)...")
def cached_teacher(source: str = "bundled", device: str = "cpu"):
    """The teacher, loaded once per process and shared read-only by every session."""
    from distill_core.teacher import load_teacher

    teacher = load_teacher(source, device)
    settle_heap()
    return teacher


def settle_heap() -> None:
    """Hide what the server keeps for good (imported modules, the teacher) from the garbage collector.

    With many sessions, objects of in-flight reruns live long enough to reach the oldest generation, which then
    triggers full collections back to back; each one walks every object of torch, transformers, plotly and
    Streamlit (about 0.3 s on two busy cores), holding the interpreter lock: health checks stalled for seconds.
    Frozen objects are skipped by every collection (they were never going to be freed); and collections start
    after 50,000 new objects rather than 700, so a rerun's short-lived dicts are mostly freed by reference
    counting before any collection sees them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)


GC_THRESHOLD = 50_000


def get_teacher(source: str = "bundled", device: str = "auto"):
    """The teacher or None, with the error shown in the page as one sentence."""
    from distill_core.device import resolve_device

    try:
        return cached_teacher(source or "bundled", str(resolve_device(device)))
    except DistillError as exc:
        st.error(str(exc))
        return None


def require_teacher(source: str = "bundled", device: str = "auto"):
    """The teacher, or the page stops here after showing why (one sentence)."""
    teacher = get_teacher(source, device)
    if teacher is None:
        st.stop()
    return teacher


def job_fragment(state_key: str, draw) -> None:
    """Draw this session's background job (``st.session_state[state_key]``, a ``labui.bg_job.Job`` or None) with
    ``draw(job)`` in a fragment that polls once a second while the job runs, and reruns the whole page once when it
    has ended, so that polling stops and the page shows what the job found."""
    job = st.session_state.get(state_key)

    @st.fragment(run_every=1.0 if job is not None and job.running else None)
    def live() -> None:
        job = st.session_state.get(state_key)
        draw(job)
        if job is not None and not job.running and job.values().get("done_rerun") is None:
            job.report("done_rerun", True)
            st.rerun()

    live()


def job_status(job, key: str, values: dict) -> None:
    """A running job's phase with its Stop button, or its error."""
    if job.running:
        c1, c2 = st.columns([4, 1])
        c1.caption(f"Running: {values.get('phase', 'starting')}...")
        if c2.button("Stop", key=key):
            job.stop()
    elif job.error:
        st.error(job.error)


def page_header(title: str, intro: str) -> None:
    st.title(title)
    st.markdown(intro)
