"""The live lab: distil a student's embeddings into the teacher's space while you watch."""
from __future__ import annotations

import time

import streamlit as st

from distill_core import token_maps
from distill_core.errors import DistillError
from distill_core.export import history_csv
from labui import lab_figures as F
from labui.common import get_teacher, page_header
from labui import state
from labui.lab_controls import MAP, PAGE, sidebar, to_config
from labui.run_summary import ratio_text, rows_caption, what_it_showed
from labui.session_run import session_worker
from labui.worker import UMAP_ON, training_count
from labui import live_chart as LC
from labui import live_view as LV
from labui.export_panel import export_area
from labui import map_panel
from labui import presenter
from labui import theme
from labui import word_section as WS
from labui import lab_layout as LAYOUT
from labui import watch_view


if watch_view.requested():  # /lab?watch=CODE: the presenter's run, read-only (labui/watch_view.py)
    watch_view.draw()
    st.stop()
PRESENT = presenter.active()
page_header(
    "Live lab",
    "A student BERT with narrow embeddings (d_s) learns to match the teacher's (d_t) through a learnable "
    "matrix W_e: **L_emb = MSE(E_s W_e, E_t)**. Press **Start** and watch the loss fall toward its Eckart-Young "
    "floor, the student's spectrum σ(E_s W_e) rise toward the teacher's, and the student's tokens move onto the "
    "teacher's." if not PRESENT else "",
)
st.html(f"<style>{LAYOUT.lab_css()}{LAYOUT.presenter_css() if PRESENT else ''}</style>")
if UMAP_ON:
    token_maps.warm_umap_async()
settings = sidebar()
LC.load_plotly(st.sidebar)  # plotly.js for the live charts, once per browser session
worker = session_worker()
st.session_state["lab_worker"] = worker  # the same object; lets a test or a debugger reach this session's run
watch_view.publish(worker)  # once a run exists: this session's watch link (the Share dialog shows it)

# -- controls: buttons with keys (R and C are Streamlit's own); a key never fires while typing in a box ------------
cols = st.columns(len(LAYOUT.BUTTONS))
pressed = {name: col.button(name, width="stretch", type="primary" if name == "Start" else "secondary",
                            shortcut=key, help=f"{tip} (key {key})", key=f"lab_btn_{name}")
           for col, (name, key, tip) in zip(cols, LAYOUT.BUTTONS)}
pressed["Start"] = pressed["Start"] or watch_view.take_autostart()  # "Run my own copy" from a watch link
problem = None
if pressed["Start"] or (pressed["Step"] and worker.view().setup is None and worker.view().status != "preparing"):
    try:
        config = to_config(settings)
        teacher = get_teacher(config.teacher, config.device)
        if teacher is not None:
            (worker.start if pressed["Start"] else worker.prepare)(config, teacher)
            st.session_state["lab_applied_lr"] = config.lr
            st.session_state.pop("lab_replay", None)
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
    st.session_state.pop("lab_replay", None)
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
    """The key numbers, the same tiles of the same height whatever the run's state (a dash until its first point):
    in the room one row led by the run's state, the ratio to the floor, kNN overlap and the step; at the desk two
    rows. The speed and the device are a small line, not tiles."""
    last, first = view.latest, (view.history[0] if view.history else None)
    k = view.config.knn_k if view.config else 10
    total = view.config.steps if view.config else int(settings["steps"])
    h = LAYOUT.metric_px(PRESENT)
    zero = last is not None and F.floor_is_zero(last["floor"], first["loss"])
    tiles = {
        "Ratio to floor": ("—" if last is None or zero else ratio_text(last["ratio"]),
                           "The floor is zero here (d_s is at least the targets' rank): any loss can still fall."
                           if zero else "MSE loss / floor: 1.00× is the best any student of this width can do."),
        ("kNN overlap" if PRESENT else f"kNN overlap@{k}"): ("—" if last is None else f"{last['knn_overlap']:.0%}",
                            f"kNN overlap@{k}: the share of each probe token's nearest neighbours the student shares with the teacher."),
        "Step": ("—" if last is None else f"{view.live_step or last['step']:,}",
                 f"Optimizer steps taken, of {total:,}. The numbers and charts are from the newest snapshot, taken "
                 f"every {view.config.snapshot_every if view.config else 5} steps."),
        "MSE loss": ("—" if last is None else f"{last['loss']:.4g}", None),
        "Floor": ("—" if last is None else f"{last['floor']:.4g}", "The Eckart-Young floor: the least MSE any "
                  "student of this width can reach."),
    }
    if PRESENT:
        c = st.columns([1.15, 1, 1, 1, 1, 1])
        c[0].metric("Run", LAYOUT.STATUS_WORD.get(view.status, view.status), height=h)
        for col, (label, (value, tip)) in zip(c[1:], tiles.items()):
            col.metric(label, value, help=tip, height=h)
        return
    c = st.columns(3) + st.columns(3)  # a narrow desk column cut five values in a row to "0.…"
    order = ["MSE loss", "Floor", "Ratio to floor", f"kNN overlap@{k}", "Step"]  # the desk's order
    for col, label in zip(c, order):
        value, tip = tiles[label]
        delta = None
        if label == "MSE loss" and last is not None and last is not first:
            delta = f"{last['loss'] - first['loss']:.3g}"
        col.metric(label, value, help=tip, height=h, delta=delta, delta_color="inverse",
                   delta_arrow="off")  # the sign says the direction: "↓ -0.005" said it twice
    c[5].caption(LAYOUT.speed_line(last), help=LAYOUT.SPEED_HELP)


def export_buttons() -> None:
    export_area(worker)  # the student, the history, and the figures (PNGs, the map's GIF, one HTML page)


STATUS = {"idle": ":gray[● idle]", "preparing": ":orange[● preparing]", "queued": ":orange[● queued]",
          "running": ":green[● training]", "paused": ":blue[● paused]", "done": ":green[● finished]",
          "error": ":red[● stopped]"}


def poll_interval() -> float | None:
    """How often the live fragment reruns: only while the worker can change it on its own, so finished, paused and
    idle sessions cost the server nothing (a classroom has many of those). While the run is being built it asks
    often (the first point is due within a second)."""
    if not worker.busy():
        return None
    status = worker.status
    if status == "queued":
        return LV.QUEUED_REFRESH_S
    crowd = training_count()
    if status == "preparing" or worker.waiting_for_first_point():
        return LV.first_point_refresh_s(crowd)
    return LV.training_refresh_s(crowd)


def status_line(view) -> None:
    """The run's sentence and its badge in a slot of fixed height: nothing under it moves when the run starts,
    pauses or finishes."""
    total = view.config.steps if view.config else int(settings["steps"])
    with st.container(height=LAYOUT.status_px(PRESENT), border=False, key="lab_status_slot"):
        top = st.columns([6, 1], vertical_alignment="center")
        top[0].markdown(F.live_caption(view.latest, view.status, total, view.config.knn_k if view.config else 10,
                                       view=view))
        top[1].markdown(f"**{STATUS.get(view.status, view.status)}**")


def map_method(view) -> str:
    """The Map radio (a fragment's widget: kept, and in the URL, here); tells the worker whether to place UMAP
    frames. Returns the layout the map can show now (PCA until UMAP has placed a frame)."""
    umap_note = ("UMAP is ready" if token_maps.umap_ready() else "UMAP is switched off on this server" if not UMAP_ON
                 else (token_maps.umap_error() or "UMAP is warming up in the background; PCA meanwhile"))
    method = st.radio("Map", MAP.choices, horizontal=True, key=state.bind(PAGE, MAP.name),
                      help="Both layouts are fitted once on the teacher; the student is placed by transform, "
                           "so the only motion is the student's. " + umap_note)
    state.put(PAGE, MAP, method)
    worker.want_umap(method == "UMAP")  # no UMAP placement (CPU) for a map nobody looks at
    if method == "UMAP" and not view.frames_umap:
        placing = UMAP_ON and token_maps.umap_ready()
        st.session_state["lab_map_note"] = ("UMAP is placing this run's newest frame; PCA until it lands."
                                            if placing else f"{umap_note}.")
        return "PCA"
    st.session_state.pop("lab_map_note", None)
    return method


def replay_frame(view, method: str) -> int | None:
    """The replay's frame chosen with the keys (Left / Right), as its step; None while training."""
    frames, _ = LV.map_frames(view, method)
    if not LV.replaying(view, frames):
        return None
    steps = [s for s, _ in frames]
    i = st.session_state.get("lab_replay")
    return steps[i] if i is not None and 0 <= i < len(steps) else None


def _move_replay(delta: int) -> None:
    view = worker.view()
    frames, _ = LV.map_frames(view, st.session_state.get("lab_map_shown", "PCA"))
    if not frames:
        return
    i = st.session_state.get("lab_replay")
    i = len(frames) - 1 if i is None or not 0 <= i < len(frames) else i
    st.session_state["lab_replay"] = min(len(frames) - 1, max(0, i + delta))


def replay_buttons(view, method: str) -> None:
    frames, _ = LV.map_frames(view, method)
    off = not LV.replaying(view, frames)
    c = st.columns(2)
    for col, (label, key, delta, tip) in zip(c, LAYOUT.REPLAY):
        col.button(label, key=f"lab_replay_{delta}", shortcut=key, disabled=off, width="stretch",
                   on_click=_move_replay, args=(delta,), help=f"{tip} (key {key}; once paused or finished)")


def the_map(view, height: int) -> None:
    """The token map, with its layout (PCA / UMAP), the replay's frame keys, the groups and "find a word". In the
    room the map sits at the top of its column (in line with the loss and the spectrum) and its controls under it."""
    chart_slot = st.container() if PRESENT else None
    top = st.columns([3, 2], vertical_alignment="bottom")
    with top[0]:
        method = map_method(view)
    with top[1]:
        replay_buttons(view, method)
    st.session_state["lab_map_shown"] = method
    frame = replay_frame(view, method)

    def draw(fig, _key):
        with chart_slot if chart_slot is not None else st.container():
            fig = LAYOUT.room_map(LAYOUT.room(fig, True, height), method) if PRESENT else fig
            LC.live_chart(fig, "map", glide=LAYOUT.map_glide(), frame=frame,
                          height=height, config=theme.CONFIG)

    map_panel.token_map(view, method, draw=draw)
    if st.session_state.get("lab_map_note"):
        st.caption(st.session_state["lab_map_note"])
    elif (short := LV.umap_replay_note(view, method)) is not None:
        st.caption(short)


def notes(view) -> None:
    """What the run trains on and how it ends, and how to read the map: under the charts (their length varies)."""
    text = [rows_caption(view), LV.schedule_note(view)]
    st.caption(" ".join(t for t in text if t))
    st.caption("Each dot is a teacher token, each diamond the same token's student vector E_s W_e, joined by a "
               "line; hover for the word. Pause or let the run finish to replay it with the slider or the "
               "Left and Right keys.")


def live() -> None:
    t0 = time.monotonic()
    if poll_interval() != st.session_state.get("lab_poll"):
        # The run started, got its first point, paused or ended: the whole page again, with the timer that fits
        # (every REFRESH_S while something can change, none otherwise), before this fragment draws anything. A
        # rerun drops the messages of the run it interrupts that have not left the server yet, so a chart drawn
        # first and then rerun would be a revision its browser never got.
        st.rerun()
    view = worker.view()
    has_run = view.setup is not None and bool(view.history)
    if not PRESENT:
        status_line(view)
    metrics_row(view)
    if view.message:
        st.info(view.message)
    if view.error:
        st.error(view.error)
    if has_run:
        h = LAYOUT.chart_px(PRESENT)
        words = lambda fig, key: LC.live_chart(LAYOUT.room(fig, PRESENT, 360), key, config=theme.CONFIG)
        cols = st.columns(3 if PRESENT else 2, gap="small")
        with cols[0]:
            loss = LAYOUT.room(LV.loss_figure(view), PRESENT, h)
            LC.live_chart(LAYOUT.room_loss(loss, h) if PRESENT else loss, "loss", height=h, config=theme.CONFIG)
        with cols[1]:
            LC.live_chart(LAYOUT.room(LV.spectrum_figure(view), PRESENT, h), "spectrum", height=h,
                          config=theme.CONFIG)
        if PRESENT:
            with cols[2]:
                the_map(view, h)
            status_line(view)
            notes(view)
            WS.lab_words(view, draw=words)
        else:
            WS.lab_words(view, draw=words)
            the_map(view, 560)
            notes(view)
    elif view.status in ("preparing", "queued"):
        st.caption("The first point appears as soon as the targets and the student are ready.")
        if settings["target"] == "output":
            WS.output_progress(settings["teacher"])  # the whole teacher once per token, then the disk cache
    # A run that just stopped changing (its timer is off) and whose map waited for a UMAP frame placed while this
    # ran (a finished run's map is placed in well under a second): drawn at once.
    waiting_map = bool(st.session_state.get("lab_map_note")) and not worker.busy()
    if waiting_map and worker.view().version != view.version:
        st.rerun()
    elif poll_interval() != st.session_state.get("lab_poll") and st.session_state.get("lab_poll") is None:
        st.rerun()  # a fragment without a timer would never run again: the whole page, with the timer that fits
    if st.session_state.get("lab_poll") is not None:
        LV.settle(t0)  # a timed run's messages leave the server before the timer's next run can drop them


def details() -> None:
    """W_e's spectrum over the run, redrawn every few seconds while training, at once otherwise."""
    view = worker.view()
    if view.setup is None or not view.history:
        return
    fig = LAYOUT.room(LV.we_figure(view), PRESENT)
    LC.live_chart(fig, "we", height=int(fig.layout.height or 360), config=theme.CONFIG)
    st.caption("W_e's own singular values show how this run, from its init, splits scale between E_s and W_e. "
               "They are not a property of the teacher: (E_s A)(A⁻¹ W_e) gives the same loss for any invertible A, "
               "so two runs can reach the same loss with different W_e spectra. What every run at the floor "
               "shares is σ(E_s W_e), the teacher's top d_s singular values (the spectrum plot above).")
    export_buttons()


if not PRESENT:
    st.caption(LAYOUT.KEYS_HELP)
st.session_state["lab_poll"] = poll_interval()
st.fragment(run_every=st.session_state["lab_poll"])(live)()
st.fragment(run_every=LV.DETAIL_REFRESH_S if worker.busy() else None)(details)()
if PRESENT:
    st.caption(LAYOUT.KEYS_HELP)

st.divider()
st.subheader("What it showed")
# Written from this run's numbers when the page redraws whole (start, pause, finish), not on every refresh.
st.markdown("\n".join(f"- {line}" for line in what_it_showed(worker.view())))
