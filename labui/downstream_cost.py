"""Downstream's "What a smaller BERT gains, measured": the teacher and a student of this page's shape, the same
tokenizer and the same batch of 32 sentences (distill_core.evaluation.cost)."""
from __future__ import annotations

import streamlit as st

from distill_core.evaluation.cost import BATCH, compare, findings

REPEATS = 7


@st.cache_resource(show_spinner=False, max_entries=8)
def _measured(source: str, d_s: int, layers: int, _teacher):
    from distill_core.student import make_student

    student = make_student(_teacher, d_s, layers, "random")  # the cost depends on the shape, not on the values
    return compare(_teacher, student, repeats=REPEATS)


def rows(costs) -> list[dict]:
    return [{"device": "GPU" if c.device.startswith("cuda") else "CPU", "model": c.name,
             "parameters": f"{c.parameters / 1e6:.1f} M", "saved file": f"{c.file_mb:.0f} MB",
             "peak memory of a forward pass": f"{c.peak_mb:.0f} MB ({c.weights_mb:.0f} weights + "
                                              f"{c.activations_mb:.0f} activations)",
             f"time per batch of {BATCH} (median)": f"{c.latency_ms:.0f} ms",
             "fastest-slowest": f"{c.latency_spread_ms[0]:.0f}-{c.latency_spread_ms[1]:.0f} ms"} for c in costs]


def cost_section(teacher, d_s: int, layers: int) -> None:
    st.subheader("What a smaller BERT gains, measured")
    st.markdown(f"The parameter counts elsewhere are arithmetic. Here both models run: the teacher "
                f"({int(teacher.config.num_hidden_layers)} layers, {teacher.hidden_size} wide) and a student of this "
                f"page's shape ({layers} layers, d_s = {d_s}), with the same tokenizer on the same batch of {BATCH} "
                f"sentences, {REPEATS} times each in alternation, so that both see the same load.")
    if st.button("Measure the teacher and the student", key="ds_cost") or st.session_state.get("ds_cost_shown"):
        with st.spinner("Saving, profiling and timing both models (a few seconds to a minute)..."):
            costs = _measured(teacher.source, d_s, layers, teacher)
        st.session_state["ds_cost_shown"] = True
        st.dataframe(rows(costs), hide_index=True)
        for line in findings(costs):
            st.markdown("- " + line)
        st.caption("Times move with whatever else the server is doing (the fastest-slowest column shows how much); "
                   "the two models were timed in alternation, so both saw the same load, and their ratio is the "
                   "figure to read. The weights' values do not change any of these numbers, only the shape does: the "
                   "student here is built at this page's width and depth.")
