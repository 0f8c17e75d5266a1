"""The lab's body for a viewer of a watch link (``/lab?watch=CODE``): the presenter's run, live and read-only.

The viewer reads the presenter's worker's snapshots (``worker.view()``) and draws them with the lab's own figure
builders and live-chart component: the same numbers, the same loss, spectrum, word chart and map. Its charts are its
own (the component's state is this session's), so each rerun sends this browser only the new points. It has no
Start, Pause, Step, Reset or settings; it can hover and zoom, pick the map's groups and find a word, switch the map
between PCA and UMAP where the presenter's run has UMAP frames, and step through the replay once the run is paused or
finished.

A viewer never makes the presenter's worker place UMAP frames (about half a second of CPU each): UMAP is the
presenter's choice, and a viewer's UMAP shows the frames the presenter's map made (PCA until there are some), so a
room of viewers costs the training nothing beyond reading.

The viewer's page polls for as long as the link lives, not only while the run trains: the presenter's next Start,
Step or Reset must reach it without a click.
"""
from __future__ import annotations

import os
import threading
import time
import weakref

import streamlit as st

from labui import watch

W = "watch_"  # this page's keys: apart from the lab's, so a viewer who runs their own copy starts clean
REFRESH_S = float(os.environ.get("LAB_WATCH_REFRESH_S", "1.0"))      # while the presenter's run can change
IDLE_REFRESH_S = float(os.environ.get("LAB_WATCH_IDLE_S", "2.0"))    # while it waits for the presenter
# The word chart and the map (and their widgets) in a slower fragment while the run trains: a viewer's rerun is the
# server's cost per viewer, and the numbers, the loss and the spectrum are what a room follows second by second.
PICTURES_S = float(os.environ.get("LAB_WATCH_PICTURES_S", "3.0"))
_CODE = "_watch_code"         # the presenter's own code, in their session (the Share dialog reads it)
_AUTOSTART = "_watch_autostart"  # "Run my own copy": the lab presses Start once with the copied settings


# -- the presenter's side --------------------------------------------------------------------------------------
def publish(worker) -> str:
    """This session's watch code, made when its lab first draws (the Share dialog, drawn before the page, then has it
    by the time a run exists) and kept in the session. The code names the worker, so it survives Reset and a new
    Start."""
    code = watch.REGISTRY.code_for(worker)
    st.session_state[_CODE] = code
    return code


def share_section() -> None:
    """In the Share dialog, under "Copy link" and beside the page's QR: this session's watch link, with its own QR,
    once its lab has had a run."""
    code = st.session_state.get(_CODE)
    worker, gone = watch.REGISTRY.lookup(code) if code else (None, "no code")
    if gone or worker is None:
        return
    if worker.view().config is None and not st.session_state.get(_CODE + "_run"):
        return  # no run yet: nothing to watch
    st.session_state[_CODE + "_run"] = True
    from labui import share

    url = watch.watch_url(st.context.url or "", code)
    left = watch.REGISTRY.remaining_s(code) or 0.0
    st.markdown(f"**Watch link** (code **{code}**): your run, live and read-only, for everyone who opens it; the "
                f"same link through Reset and new runs, for {left / 3600:.1f} more hours or until this tab closes.")
    qr, words = st.columns([200, 240], vertical_alignment="center")
    qr.image(share.qr_png(url, 200), width=200)
    words.code(url, language=None, wrap_lines=True)


def take_autostart() -> bool:
    """True once after "Run my own copy": the lab presses Start with the copied settings."""
    return bool(st.session_state.pop(_AUTOSTART, False))


# -- the viewer's side -----------------------------------------------------------------------------------------
class Seat:
    """One viewer session's place among a run's viewers; given back when the session ends."""

    def __init__(self, code: str):
        self.code = code
        self.refusal = watch.REGISTRY.join(code, self)


@st.cache_resource(scope="session", show_spinner=False, validate=lambda seat: seat.refusal is None,
                   on_release=lambda seat: watch.REGISTRY.leave(seat.code, seat))
def _seat(code: str) -> Seat:
    return Seat(code)


def requested() -> bool:
    return watch.PARAM in st.query_params


def _leave_link() -> None:
    """Back to the lab of one's own (the watch parameter dropped)."""
    if watch.PARAM in st.query_params:
        del st.query_params[watch.PARAM]


def _refused(sentence: str) -> None:
    st.title("Live lab")
    st.warning(sentence)
    if st.button("Open the Live lab", key=W + "leave"):
        _leave_link()
        st.rerun()


def draw() -> None:
    """The whole page body for ``?watch=CODE``: one sentence for a link that does not work, else the banner and the
    presenter's run, live."""
    code = st.query_params.get(watch.PARAM, "").strip().lower()
    worker, problem = watch.REGISTRY.lookup(code)
    if problem is None:
        problem = _seat(code).refusal
    if problem:
        _refused(problem)
        return
    from labui import lab_layout as LAYOUT, presenter
    from labui import live_chart as LC

    st.html(f"<style>{LAYOUT.lab_css()}{LAYOUT.presenter_css() if presenter.active() else ''}</style>")
    st.title("Live lab")
    banner, own = st.columns([5, 1.3], vertical_alignment="center")
    banner.info(f"You are watching the presenter's run (code {code}): live and read-only. Hover and zoom the charts; "
                "the presenter starts, pauses and resets it.", icon=":material/visibility:")
    if own.button("Run my own copy", key=W + "own", type="primary", width="stretch",
                  help="The Live lab in your own session with this run's settings and seed, started at once."):
        _own_copy(worker.view())
    LC.load_plotly(st.sidebar)
    st.session_state[W + "poll"] = _interval(worker)
    st.fragment(run_every=st.session_state[W + "poll"])(_live)(worker, code)
    st.fragment(run_every=PICTURES_S if worker.busy() else None)(_pictures)(worker, code)


def _interval(worker) -> float:
    return REFRESH_S if worker.busy() else IDLE_REFRESH_S


def _own_copy(view) -> None:
    """The lab with the presenter's settings and seed in this session (its kept values, labui/state.py), the watch
    parameter dropped, and Start pressed once."""
    from labui import state
    from labui.lab_controls import CORPUS, DECLARED, MAP, PAGE, TEXT, settings_model

    config = view.config
    _leave_link()
    if config is not None:
        model = settings_model()
        values = state.values_of(PAGE, model)
        values.update({s.name: s.default for s in model})
        values.update({url: getattr(config, f.name) for url, f in DECLARED.items()})
        if config.target == "sequence" and config.text:
            values[CORPUS.name], values[TEXT.name] = "custom", config.text
        values[MAP.name] = st.session_state.get(W + "layout", MAP.default)
        st.session_state[f"_{PAGE}_notes"] = []
        for s in model:  # widgets take the copied values, not ones left from an earlier visit to the lab
            st.session_state.pop(state.key(PAGE, s.name), None)
        st.session_state[_AUTOSTART] = True
    st.rerun()


def _live(worker, code: str) -> None:
    from labui import lab_layout as LAYOUT, presenter, theme
    from labui import live_chart as LC
    from labui import live_view as LV
    from labui import lab_figures as F

    t0 = time.monotonic()
    if _interval(worker) != st.session_state.get(W + "poll"):
        # The presenter started or stopped: the whole page again, at the pace that fits, before this fragment draws
        # anything (a rerun drops the deltas of the run it interrupts that have not left the server yet).
        st.rerun()
    view = worker.view()
    present = presenter.active()
    _, gone = watch.REGISTRY.lookup(code)
    if gone:  # the presenter's session ended or the link expired while this page was open
        st.warning(gone)
        return
    has_run = view.setup is not None and bool(view.history)
    _status(view)
    _metrics(view, present, LAYOUT)
    if view.error:
        st.error(view.error)
    if has_run:
        h = LAYOUT.chart_px(present)
        cols = st.columns(2, gap="small")
        key = (present, *LV._history_key(view))
        with cols[0]:
            loss = shared_figure(worker, "loss", key, lambda: _room_loss(F.loss_figure(view.history, view.setup.floor),
                                                                       present, h, LAYOUT))
            LC.live_chart(loss, W + "loss", height=h, config=theme.CONFIG)
        with cols[1]:
            spectrum = shared_figure(worker, "spectrum", key, lambda: LAYOUT.room(
                F.spectrum_figure(view.setup.teacher_sigma, view.setup.d_s, view.product_sv), present, h))
            LC.live_chart(spectrum, W + "spectrum", height=h, config=theme.CONFIG)
    n = watch.REGISTRY.viewers(code)
    st.caption(f"{n:,} {'person is' if n == 1 else 'people are'} watching this run.")
    LV.settle(t0)


# Figures built once per snapshot for every viewer of a run (read-only once built; each viewer's chart component
# still receives only what its own browser lacks): a room of viewers costs one figure build, not one per viewer.
_FIGS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FIGS_LOCK = threading.Lock()


def shared_figure(worker, name: str, key: tuple, build):
    """The figure ``name`` of this worker's run for ``key``, built by the first viewer who needs it."""
    with _FIGS_LOCK:
        held = _FIGS.setdefault(worker, {}).get(name)
    if held is not None and held[0] == key:
        return held[1]
    fig = build()
    with _FIGS_LOCK:
        _FIGS.setdefault(worker, {})[name] = (key, fig)
    return fig


def _room_loss(fig, present: bool, h: int, LAYOUT):
    fig = LAYOUT.room(fig, present, h)
    return LAYOUT.room_loss(fig, h) if present else fig


def _pictures(worker, code: str) -> None:
    """The word chart and the token map, redrawn every PICTURES_S while the run trains (once when it stops)."""
    from labui import lab_layout as LAYOUT, presenter, theme
    from labui import live_chart as LC
    from labui import live_view as LV
    from labui import word_section as WS

    t0 = time.monotonic()
    view = worker.view()
    if watch.REGISTRY.lookup(code)[1] or view.setup is None or not view.history:
        return
    present = presenter.active()
    WS.lab_words(view, key=W + "words",
                 draw=lambda fig, key: LC.live_chart(LAYOUT.room(fig, present, 360), key, config=theme.CONFIG))
    _map(worker, view, present)
    LV.settle(t0)


STATUS = {"idle": ":gray[● not started]", "preparing": ":orange[● preparing]", "queued": ":orange[● queued]",
          "running": ":green[● training]", "paused": ":blue[● paused]", "done": ":green[● finished]",
          "error": ":red[● stopped]"}
WAITING = {"idle": "The presenter has not started a run yet: it appears here as soon as they press Start.",
           "preparing": "The presenter's run is being prepared: its first point appears in a moment.",
           "queued": "The presenter's run waits for a free training slot on this server.",
           "running": "The presenter's run is training: its first point is on its way.",
           "paused": "The presenter's run is paused before its first snapshot.",
           "done": "The presenter's run finished before its first snapshot.",
           "error": "The presenter's run stopped: see the message below."}


def _status(view) -> None:
    from labui import lab_figures as F

    with st.container(height=56, border=False, key=W + "status"):
        top = st.columns([6, 1], vertical_alignment="center")
        if view.latest is None:
            top[0].markdown(WAITING.get(view.status, WAITING["idle"]))
        else:
            total = view.config.steps
            top[0].markdown(F.live_caption(view.latest, view.status, total, view.config.knn_k, view=view))
        top[1].markdown(f"**{STATUS.get(view.status, view.status)}**")


def _metrics(view, present: bool, LAYOUT) -> None:
    """The lab's key numbers, as the lab shows them at the desk."""
    from labui import lab_figures as F

    last = view.latest
    first = view.history[0] if view.history else None
    h = LAYOUT.metric_px(present)
    zero = last is not None and F.floor_is_zero(last["floor"], first["loss"])
    k = view.config.knn_k if view.config else 10
    total = view.config.steps if view.config else None
    tiles = [
        ("MSE loss", "—" if last is None else f"{last['loss']:.4g}", None),
        ("Floor", "—" if last is None else f"{last['floor']:.4g}",
         "The Eckart-Young floor: the least MSE any student of this width can reach."),
        ("Ratio to floor", "—" if last is None or zero else f"{last['ratio']:.2f}×",
         "MSE loss / floor: 1.00× is the best any student of this width can do."),
        (f"kNN overlap@{k}", "—" if last is None else f"{last['knn_overlap']:.0%}",
         f"The share of each probe token's {k} nearest neighbours the student shares with the teacher."),
        ("Step", "—" if last is None else f"{view.live_step or last['step']:,}",
         f"Optimizer steps taken, of {total:,}; the numbers and charts are from the newest snapshot." if total
         else None),
    ]
    cols = st.columns(5 if present else 3) + ([] if present else st.columns(3))
    for col, (label, value, tip) in zip(cols, tiles):
        col.metric(label, value, help=tip, height=h)
    if not present:
        cols[5].caption(LAYOUT.speed_line(last), help=LAYOUT.SPEED_HELP)


def _map(worker, view, present: bool) -> None:
    """The token map: PCA, or UMAP where the presenter's run has UMAP frames; the replay once paused or finished.
    The lab's own map panel (groups, find a word, neighbours), its figure shared by the viewers who chose the same."""
    from labui import lab_figures as F
    from labui import lab_layout as LAYOUT, map_panel, theme
    from labui import live_chart as LC
    from labui import live_view as LV

    top = st.columns([3, 2], vertical_alignment="bottom")
    chosen = top[0].radio("Map", ("PCA", "UMAP"), horizontal=True, key=W + "layout",
                          help="UMAP shows the frames the presenter's map has placed; until there are some, PCA.")
    method = chosen if chosen == "PCA" or view.frames_umap else "PCA"
    frames, teacher_xy = LV.map_frames(view, method)
    replay = LV.replaying(view, frames)
    steps = [s for s, _ in frames]
    i = st.session_state.get(W + "replay")
    i = len(steps) - 1 if i is None or not 0 <= i < len(steps) else i
    with top[1]:
        c = st.columns(2)
        for col, (label, key, delta, tip) in zip(c, LAYOUT.REPLAY):
            if col.button(label, key=f"{W}replay_{delta}", shortcut=key, disabled=not replay, width="stretch",
                          help=f"{tip} (key {key}; once the presenter pauses or the run finishes)"):
                i = min(len(steps) - 1, max(0, i + delta))
                st.session_state[W + "replay"] = i
    if not replay:
        st.session_state.pop(W + "replay", None)
    frame = steps[i] if replay and steps else None
    height = LAYOUT.chart_px(present) if present else 560
    setup = view.setup
    shown = map_panel.group_choice(setup)
    with st.columns([1, 2])[0]:
        word = map_panel.word_choice(setup)
    key = (present, id(view.config), method, len(frames), frames[-1][0] if frames else None, replay, tuple(shown), word)

    def build():
        fig = F.map_figure(teacher_xy, setup.words, setup.groups, frames, method, animate=replay, shown=shown,
                           found=word)
        return LAYOUT.room_map(LAYOUT.room(fig, True, height), method) if present else fig

    fig = shared_figure(worker, f"map {present} {method} {hash((tuple(shown), word))}", key, build)  # per choice
    LC.live_chart(fig, W + "map", glide=LAYOUT.map_glide(), frame=frame, height=height, config=theme.CONFIG)
    if word:
        map_panel.neighbour_lists(setup, view.probe_student, word)
    if chosen == "UMAP" and method == "PCA":
        st.caption("The presenter's map has no UMAP frames for this run: PCA here until the presenter shows UMAP.")

