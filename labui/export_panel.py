"""The lab's "Export this run" area: the student, the history, and the figures (a PNG per figure for a slide, the
map's replay as a GIF, and one HTML page of every live chart). The lab page calls ``export_area(worker)``."""
from __future__ import annotations

import streamlit as st

from distill_core.export import history_csv
from labui import figure_export as X


def _png(worker, name: str) -> bytes:
    run = X.RunFigures.from_view(worker.view())
    pngs, problem = X.render_pngs([run.slides()[name]])
    if problem:
        raise RuntimeError(problem)
    return pngs[0]


def _gif(worker) -> bytes:
    run = X.RunFigures.from_view(worker.view())
    pngs, problem = X.render_pngs(run.replay_slides())
    if problem:
        raise RuntimeError(problem)
    return X.gif_bytes(pngs)


def _html(worker) -> str:
    view = worker.view()
    return X.figures_html(X.RunFigures.from_view(view).live(),
                          f"Embedding distillation: {view.setup.teacher_name} → d_s = {view.setup.d_s}, "
                          f"step {view.latest['step']}")


def export_area(worker) -> None:
    with st.expander("Export this run"):
        st.markdown("The student as a `save_pretrained` folder (loadable with `AutoModel.from_pretrained`) with "
                    "W_e in `w_e.safetensors`, the run's config and history; the history alone as CSV; the "
                    "figures for a slide (16:9 PNGs, 1,600 px wide, in the presenter's type sizes; the token map's "
                    "replay as a GIF, a frame per snapshot) and every chart as one interactive HTML page.")
        c = st.columns(3)
        c[0].download_button("Student (zip)", data=worker.export_zip, file_name="student.zip",
                             mime="application/zip", on_click="ignore", key="lab_dl_zip")
        c[1].download_button("History (CSV)", data=lambda: history_csv(worker.view().history),
                             file_name="history.csv", mime="text/csv", on_click="ignore", key="lab_dl_csv")
        c[2].download_button("Figures (HTML)", data=lambda: _html(worker), file_name="figures.html",
                             mime="text/html", on_click="ignore", key="lab_dl_html",
                             help="Every chart above, at this step, in one page (plotly.js from its CDN: it needs "
                                  "a connection when opened).")
        if X.browser() is None:
            st.caption(X.NO_BROWSER.replace("everything else was written", "the other downloads work"))
            return
        p = st.columns(4)
        for col, (name, label) in zip(p, (("loss", "Loss (PNG)"), ("spectrum", "Spectrum (PNG)"),
                                         ("map", "Token map (PNG)"))):
            col.download_button(label, data=lambda name=name: _png(worker, name), file_name=f"{name}.png",
                                mime="image/png", on_click="ignore", key=f"lab_dl_{name}_png")
        p[3].download_button("Map replay (GIF)", data=lambda: _gif(worker), file_name="map_replay.gif",
                             mime="image/gif", on_click="ignore", key="lab_dl_gif",
                             help="A frame per snapshot kept, first to last; takes a few seconds to draw.")
