"""The lesson's live runs: the SAME run as the lab's. The lesson sets the lab's own kept settings (labui/state.py,
page "lab") to the width it teaches, builds the config with ``lab_controls.to_config`` and starts this session's
worker (``session_run.session_worker()``), so the Live lab then shows the same run, with the same settings and
numbers, and the lab's sidebar says the same d_s.
"""
from __future__ import annotations

import streamlit as st

from distill_core.errors import DistillError
from labui import lab_controls, state
from labui import lab_figures as F
from labui import live_view as LV
from labui import theme
from labui.common import get_teacher
from labui.session_run import session_worker

_PREV = "_lesson_prev_run"  # (d_s, history, floor) of the narrower run, kept when the wider one starts
_POLL = "_lesson_poll"
_ASKED = "_lesson_train_asked"  # the width whose Train button (or T) was pressed


def train_button(where, d_s: int, key: str) -> None:
    """Train d_s (key T): the run starts in the page's run that follows (labui.lesson_run.live)."""
    where.button(f"Train d_s = {d_s}", key=key, icon=":material/play_arrow:", shortcut="T", width="stretch",
                 on_click=lambda: st.session_state.update({_ASKED: d_s}),
                 help="T: start (or restart) this run; the Live lab shows the same run.")


def asked_to_train() -> int | None:
    """The width asked for by a Train button outside a training step, once."""
    return st.session_state.pop(_ASKED, None)


def lab_values() -> dict:
    """The lab's kept settings (seeded once per session; the lab reads the same dict)."""
    return state.values_of(lab_controls.PAGE, lab_controls.settings_model())


def config_for(d_s: int):
    values = dict(lab_values())
    values["d_s"] = d_s
    return lab_controls.to_config(values)


def targets(d_s: int = 128):
    """The lab's target set for its current settings (built once per process, shared with the lab's runs)."""
    from labui.worker import shared_targets

    config = config_for(d_s)
    teacher = get_teacher(config.teacher, config.device)
    return None if teacher is None else shared_targets(teacher, config)


def start(d_s: int) -> str | None:
    """Start this session's run at width d_s, as the lab's Start would; returns a problem in one sentence, or None."""
    worker = session_worker()
    view = worker.view()
    if view.config is not None and view.history and view.setup is not None and view.config.hidden_size != d_s:
        st.session_state[_PREV] = (view.config.hidden_size, list(view.history), view.setup.floor)
    try:
        lab_values()["d_s"] = d_s  # the lab's own setting: its sidebar shows this width next time
        config = config_for(d_s)
        teacher = get_teacher(config.teacher, config.device)
        if teacher is None:
            return "The teacher could not be loaded."
        worker.start(config, teacher)
        st.session_state["lab_applied_lr"] = config.lr
        st.session_state["lab_worker"] = worker
    except DistillError as exc:
        return str(exc)
    return None


def current(d_s: int | None = None):
    """This session's run view, or None when it has no run (of width d_s, if given)."""
    view = session_worker().view()
    if view.config is None or view.setup is None or not view.history:
        return None
    if d_s is not None and view.config.hidden_size != d_s:
        return None
    return view


def previous():
    return st.session_state.get(_PREV)


def poll_interval(d_s: int) -> float | None:
    worker = session_worker()
    view = worker.view()
    if not worker.busy() or view.config is None or view.config.hidden_size != d_s:
        return None
    return LV.FIRST_POINT_S if worker.status == "preparing" or worker.waiting_for_first_point() else LV.REFRESH_S


def room(fig, present: bool, height: int, legend_room: bool = False):
    """A copy of a figure at the lesson's height, in the presenter's type sizes when presenting (the lab's own
    cached figure stays as it is). ``legend_room``: the legend under the x axis's title, not over it."""
    import plotly.graph_objects as go

    fig = go.Figure(fig)
    fig.update_layout(height=height)
    if legend_room:
        fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0),
                          margin=dict(b=110))
    return theme.for_room(fig, present)


def chart(fig, key: str, where=None) -> None:
    """A chart as its template draws it (Streamlit's own chart theme would replace the room's type sizes)."""
    (where or st).plotly_chart(fig, width="stretch", key=key, theme=None)


def loss_with_previous(view, present: bool, height: int):
    """The run's loss chart (the lab's builder), with the narrower run's whole-set loss and floor in grey."""
    fig = room(LV.loss_figure(view), present, height, legend_room=True)
    prev = previous()
    if prev is not None and prev[0] != view.config.hidden_size:
        d, hist, floor = prev
        steps = [h["step"] for h in hist]
        fig.add_scatter(x=steps, y=[h["loss"] for h in hist], mode="lines", name=f"d_s = {d} run (to step {steps[-1]})",
                        line=dict(color="#9ca3af", width=2))
        fig.add_scatter(x=[steps[0], steps[-1]], y=[floor, floor], mode="lines", name=f"floor, d_s = {d}",
                        line=dict(color="#9ca3af", width=1.5, dash="dash"))
    return fig


def numbers(view) -> dict:
    """The run's key numbers for the metric tiles: step, loss, floor, ratio, kNN overlap."""
    last, first = view.latest, view.history[0]
    zero = F.floor_is_zero(last["floor"], first["loss"])
    return {"Step": f"{view.live_step or last['step']} / {view.config.steps}", "MSE loss": f"{last['loss']:.4g}",
            "Floor": f"{last['floor']:.4g}", "Loss / floor": "—" if zero else f"{last['ratio']:.2f}×",
            f"kNN overlap@{view.config.knn_k}": f"{last['knn_overlap']:.0%}"}


def live(d_s: int, present: bool, height: int, autostart: bool) -> None:
    """The training step's live part: Start (T), the numbers and the loss chart, refreshed while it trains."""
    asked = st.session_state.pop(_ASKED, None) == d_s
    problem = start(d_s) if autostart or asked else None
    c = st.columns([1.3, 4])
    train_button(c[0], d_s, f"lesson_train_{d_s}")
    if problem:
        st.error(problem)
    c[1].caption(f"The Live lab's own run at d_s = {d_s}: the lab shows it with the same numbers.")
    interval = poll_interval(d_s)
    st.session_state[_POLL] = interval

    @st.fragment(run_every=interval)
    def body() -> None:
        if poll_interval(d_s) != st.session_state.get(_POLL):
            st.rerun()  # started, got its first point or ended: new timers
        worker = session_worker()
        view = worker.view()
        mine = view.config is not None and view.config.hidden_size == d_s
        if view.error and mine:
            st.error(view.error)
        tiles = st.columns(5)
        shown = numbers(view) if mine and view.history and view.setup is not None else {}
        for col, label in zip(tiles, shown or ["Step", "MSE loss", "Floor", "Loss / floor", "kNN overlap@10"]):
            col.metric(label, shown.get(label, "—"))
        if not shown:
            with st.container(height=height, border=False):  # the chart's place: nothing moves when it arrives
                st.markdown("Press **T** (or the button) to train." if not (worker.busy() and mine)
                            else "Building the student: the first point appears within a second or two.")
            return
        chart(loss_with_previous(view, present, height), f"lesson_loss_{d_s}")

    body()
