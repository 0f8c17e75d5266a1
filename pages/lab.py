"""The live lab: distil a student's embeddings into the teacher's space while you watch."""
from __future__ import annotations

import streamlit as st

from distill_core import token_maps
from distill_core.errors import DistillError
from distill_core.export import history_csv
from labui import lab_figures as F
from labui.entry import run_inside_app
from labui.common import get_teacher, page_header
from labui import state
from labui.lab_controls import MAP, PAGE, sidebar, to_config
from labui.run_summary import rows_caption, what_it_showed
from labui.session_run import session_worker
from labui.worker import UMAP_ON
from labui import live_view as LV
from labui import word_section as WS

run_inside_app()

page_header(
    "Live lab",
    "A student BERT with narrow embeddings (d_s) learns to match the teacher's (d_t) through a learnable "
    "matrix W_e: **L_emb = MSE(E_s W_e, E_t)**. Press **Start** and watch the loss fall toward its Eckart-Young "
    "floor, the student's spectrum σ(E_s W_e) rise toward the teacher's, and the student's tokens move onto the "
    "teacher's.",
)
if UMAP_ON:
    token_maps.warm_umap_async()
settings = sidebar()
worker = session_worker()
st.session_state["lab_worker"] = worker  # the same object; lets a test or a debugger reach this session's run

# -- controls ---------------------------------------------------------------------------------------------
cols = st.columns([1, 1, 1, 1, 1, 1])  # wide enough for "Resume" in a 1,000 px window
pressed = {name: col.button(name, width="stretch", type="primary" if name == "Start" else "secondary")
           for name, col in zip(["Start", "Pause", "Resume", "Step", "Reset"], cols)}
problem = None
if pressed["Start"] or (pressed["Step"] and worker.view().setup is None and worker.view().status != "preparing"):
    try:
        config = to_config(settings)
        teacher = get_teacher(config.teacher, config.device)
        if teacher is not None:
            (worker.start if pressed["Start"] else worker.prepare)(config, teacher)
            st.session_state["lab_applied_lr"] = config.lr
            if pressed["Step"]:
                worker.step(1)
    except DistillError as exc:
        problem = str(exc)
elif pressed["Pause"]:
    worker.pause()
elif pressed["Resume"]:
    worker.resume()
elif pressed["Step"]:
    worker.step(1)
elif pressed["Reset"]:
    worker.reset()
if problem:
    st.error(problem)

# A learning-rate change mid-run reaches the worker at its next step; 0 (typed on the way to another value) is
# left for Start to answer in words. A statement, not an expression: Streamlit's magic would print its value.
lr = float(settings["lr"])
if worker.view().config is not None and lr != st.session_state.get("lab_applied_lr") and lr > 0:
    try:
        worker.set_lr(lr)
        st.session_state["lab_applied_lr"] = lr
    except DistillError as exc:
        st.error(str(exc))


# -- the live views ---------------------------------------------------------------------------------------
def metrics_row(view) -> None:
    last, first = view.latest, (view.history[0] if view.history else None)
    k = view.config.knn_k if view.config else 10
    c = st.columns(3) + st.columns(3)  # two rows: six values in one row were cut to "0.…" at 1,000 px
    if last is None:
        for col, label in zip(c, ["MSE loss", "Floor", "Ratio to floor", f"kNN overlap@{k}", "Steps/s", "Device"]):
            col.metric(label, "—")
        return
    c[0].metric("MSE loss", f"{last['loss']:.4g}",
                delta=f"{last['loss'] - first['loss']:.3g}" if last is not first else None, delta_color="inverse")
    c[1].metric("Floor", f"{last['floor']:.4g}")
    zero = F.floor_is_zero(last["floor"], first["loss"])
    c[2].metric("Ratio to floor", "—" if zero else f"{last['ratio']:.2f}×",
                help="The floor is zero here (d_s is at least the targets' rank): any loss can still fall." if zero
                else "MSE loss / floor: 1.00× is the best any student of this width can do.")
    c[3].metric(f"kNN overlap@{k}", f"{last['knn_overlap']:.0%}")
    c[4].metric("Steps/s", f"{last['steps_per_second']:.1f}")
    c[5].metric("Device", last["device"])


def export_buttons() -> None:
    with st.expander("Export this run"):
        st.markdown("The student as a `save_pretrained` folder (loadable with `AutoModel.from_pretrained`) with "
                    "W_e in `w_e.safetensors`, the run's config and history; the history alone as CSV; the "
                    "figures as one standalone interactive HTML page.")
        c = st.columns(3)
        c[0].download_button("Student (zip)", data=worker.export_zip, file_name="student.zip",
                             mime="application/zip", on_click="ignore", key="lab_dl_zip")
        c[1].download_button("History (CSV)", data=lambda: history_csv(worker.view().history),
                             file_name="history.csv", mime="text/csv", on_click="ignore", key="lab_dl_csv")
        c[2].download_button("Figures (HTML)", data=lambda: figures_html(worker.view()), file_name="figures.html",
                             mime="text/html", on_click="ignore", key="lab_dl_html")


def figures_html(view) -> str:
    figs = LV.all_figures(view, "PCA")
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs.values())]
    return ("<html><head><meta charset='utf-8'><title>Embedding distillation run</title></head><body>"
            + "".join(parts) + "</body></html>")


STATUS = {"idle": ":gray[● idle]", "preparing": ":orange[● preparing]", "queued": ":orange[● queued]",
          "running": ":green[● training]", "paused": ":blue[● paused]", "done": ":green[● finished]",
          "error": ":red[● stopped]"}


def poll_interval(detail: bool = False) -> float | None:
    """How often a live fragment reruns: only while the worker can change it on its own, so finished, paused and
    idle sessions cost the server nothing (a classroom has many of those). While the run is being built the
    numbers ask often (the first point is due within a second); the pictures never faster than DETAIL_REFRESH_S."""
    if not worker.busy():
        return None
    status = worker.status
    if status == "queued":
        return max(LV.QUEUED_REFRESH_S, LV.DETAIL_REFRESH_S) if detail else LV.QUEUED_REFRESH_S
    if detail:
        return LV.DETAIL_REFRESH_S
    return LV.FIRST_POINT_S if status == "preparing" or worker.waiting_for_first_point() else LV.REFRESH_S


def live() -> None:
    if poll_interval() != st.session_state.get("lab_poll"):
        st.rerun()  # the run started, queued, got its first point, paused or ended: the page redraws, new timers
    view = worker.view()
    total = view.config.steps if view.config else int(settings["steps"])
    top = st.columns([5, 1])
    top[0].markdown(F.live_caption(view.latest, view.status, total, view.config.knn_k if view.config else 10))
    top[1].markdown(f"**{STATUS.get(view.status, view.status)}**")
    if view.message:
        st.info(view.message)
    if view.error:
        st.error(view.error)
    metrics_row(view)
    if view.setup is None or not view.history:
        if view.status in ("preparing", "queued"):
            st.caption("The first point appears as soon as the targets and the student are ready.")
            if settings["target"] == "output":
                WS.output_progress(settings["teacher"])  # the whole teacher once per token, then the disk cache
        return
    st.caption(rows_caption(view))
    for note in (LV.schedule_note(view), LV.pace_note(view)):
        if note:
            st.caption(note)
    left, right = st.columns([1, 1])
    left.plotly_chart(LV.loss_figure(view), width="stretch", key="lab_loss")
    right.plotly_chart(LV.spectrum_figure(view), width="stretch", key="lab_spectrum")
    WS.lab_words(view)  # WordSim rho under the loss: does the student keep what words mean?


def details() -> None:
    """The token map and W_e: redrawn every few seconds while training, at once otherwise."""
    view = worker.view()
    if view.setup is None or not view.history:
        return
    umap_note = ("UMAP is ready" if token_maps.umap_ready() else "UMAP is switched off on this server" if not UMAP_ON
                 else (token_maps.umap_error() or "UMAP is warming up in the background; PCA meanwhile"))
    method = st.radio("Map", MAP.choices, horizontal=True, key=state.bind(PAGE, MAP.name),
                      help="Both layouts are fitted once on the teacher; the student is placed by transform, "
                           "so the only motion is the student's. " + umap_note)
    state.put(PAGE, MAP, method)  # a fragment's widget: kept (and in the URL) here, not by the sidebar's run
    worker.want_umap(method == "UMAP")  # no UMAP placement (CPU) for a map nobody looks at
    if method == "UMAP" and not view.frames_umap:
        st.caption(f"{umap_note}.")
        method = "PCA"
    figs = LV.detail_figures(view, method)
    st.plotly_chart(figs["map"], width="stretch", key="lab_map")
    st.caption("Each dot is a teacher token, each diamond the same token's student vector E_s W_e, joined by a "
               "line; hover for the word. Pause or let the run finish to replay it with the slider.")
    st.plotly_chart(figs["we"], width="stretch", key="lab_we")
    st.caption("W_e's own singular values show how this run, from its init, splits scale between E_s and W_e. "
               "They are not a property of the teacher: (E_s A)(A⁻¹ W_e) gives the same loss for any invertible A, "
               "so two runs can reach the same loss with different W_e spectra. What every run at the floor "
               "shares is σ(E_s W_e), the teacher's top d_s singular values (the spectrum plot above).")
    export_buttons()


st.session_state["lab_poll"] = poll_interval()
st.fragment(run_every=st.session_state["lab_poll"])(live)()
st.fragment(run_every=poll_interval(detail=True))(details)()

st.divider()
st.subheader("What it showed")
# Written from this run's numbers when the page redraws whole (start, pause, finish), not on every refresh.
st.markdown("\n".join(f"- {line}" for line in what_it_showed(worker.view())))
