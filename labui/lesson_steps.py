"""The lesson's steps: each draws one 1280x720 screen from the app's own computations and widgets, and writes its
speaker notes (what to say, what to ask the room, the numbers on the teacher in use, computed now)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

from distill_core.lessons.concepts import TEACHER_WIDTHS, example_shapes, shape_demo
from distill_core.lessons.interview import QUESTIONS
from distill_core.lessons.sweep import SWEEP_DIMS, explained_variance
from labui import lesson_data as D
from labui import lesson_run as R
from labui import live_view as LV
from labui import teaching_figures as tf
from labui import theme
from labui.common import get_teacher

CHART_PX = 400       # a chart under one line of text and a row of tiles: the step still fits 720 px
SMALL, WIDE = 32, 128


@dataclass
class Ctx:
    present: bool      # the presenter view is on (type for the room)
    arrived: bool      # this run follows a key press onto this step (a training step starts here)


@dataclass(frozen=True)
class Step:
    title: str
    draw: Callable[[Ctx], None]
    notes: Callable[[], str]


def _floors() -> tuple[float, float, float, int, int] | None:
    """(floor at 32, floor at 128, total variance per element, rows, d_t) of the lab's targets, or None."""
    tg = R.targets()
    if tg is None:
        return None
    return tg.floor(SMALL), tg.floor(WIDE), tg.floor(0), tg.n_rows, tg.d_t


# -- 1. the formula -------------------------------------------------------------------------------------------
def formula(ctx: Ctx) -> None:
    st.latex(r"\mathcal{L}_{emb} = \mathrm{MSE}\left(E_s W_e,\; E_t\right)")
    left, right = st.columns([3, 2])
    with left:
        for name, shapes in example_shapes().items():
            st.markdown(f"**{name}**  \n`{shapes}`")
    with right:
        d_t = st.radio("Teacher width d_t", list(TEACHER_WIDTHS.values()), horizontal=True, key="lesson_dt",
                       format_func=lambda v: f"{v}")
        d_s = st.select_slider("Student width d_s", [16, 32, 64, 128, 256], value=128, key="lesson_ds")
        demo = shape_demo(10, int(d_s), int(d_t))
        st.markdown(f"`{demo.formula()}`  \nMSE of random tensors: **{demo.loss:.3f}**, rank of E_s W_e: "
                    f"**{demo.rank}** (at most min(10, d_s)).")


def formula_notes() -> str:
    shapes = example_shapes()
    return ("**Say:** the student's table E_s is narrower than the teacher's; W_e lifts it into the teacher's space "
            "and the loss compares there, element by element.  \n**Ask:** what shape is E_s W_e for 10 tokens?  \n"
            "**Numbers:** " + "; ".join(f"{k}: {v}" for k, v in shapes.items()) + ".")


# -- 2. where it attaches -------------------------------------------------------------------------------------
def attach(ctx: Ctx) -> None:
    st.markdown("The loss compares the embedding layers' outputs, before any attention runs: the only view of "
                "the input every later layer gets.")
    fig = R.room(tf.stack_diagram(6, 4), ctx.present, 470)
    R.chart(fig, "lesson_stack")


def attach_notes() -> str:
    return ("**Say:** TinyBERT distils layer by layer; this lesson is only the bottom arrow, L_emb. Its targets need "
            "only the teacher's embedding module, not its transformer layers, so they are cheap.  \n"
            "**Ask:** why align here, and not only at the output? (Every later layer builds on these inputs.)")


# -- 3. the floor, guessed then computed ----------------------------------------------------------------------
def floor(ctx: Ctx) -> None:
    f = _floors()
    if f is None:
        return
    f32, f128, total, n, d_t = f
    st.markdown(f"The bundled teacher's word table: **{n:,} rows × {d_t}**. A student of width d_s can hold at most "
                f"d_s of its {d_t} directions (E_s W_e has rank ≤ d_s). **Ask the room:** what share of the "
                f"table's variance is lost at d_s = {SMALL}? At d_s = {WIDE}?")
    st.button("Reveal the floor", key="lesson_reveal", icon=":material/visibility:", shortcut="V",
              on_click=lambda: st.session_state.update(_lesson_revealed=True),
              help="V: the Eckart-Young floor, computed from the teacher's singular values (one SVD, no training).")
    if not st.session_state.get("_lesson_revealed"):
        st.container(height=300, border=False)
        return
    c = st.columns(4)
    c[0].metric(f"Floor at d_s = {SMALL}", f"{f32:.3g}")
    c[1].metric(f"Variance lost at {SMALL}", f"{f32 / total:.0%}")
    c[2].metric(f"Floor at d_s = {WIDE}", f"{f128:.3g}")
    c[3].metric(f"Variance lost at {WIDE}", f"{f128 / total:.0%}")
    st.latex(r"\text{floor}(d_s) = \frac{1}{n\,d_t}\sum_{i > d_s} \sigma_i^2")
    st.markdown("No training yet: one SVD of the (centred) targets gives the best MSE any W_e of rank d_s can "
                "reach (Eckart-Young). The next two steps train and land on it.")


def floor_notes() -> str:
    f = _floors()
    if f is None:
        return "The teacher could not be loaded."
    f32, f128, total, n, d_t = f
    return (f"**Ask first**, reveal after (V). **Numbers:** floor {f32:.3g} at d_s = {SMALL} ({f32 / total:.0%} of "
            f"the variance lost), {f128:.3g} at d_s = {WIDE} ({f128 / total:.0%} lost), over {n:,} rows × {d_t}.  \n"
            "**Say:** this is a prediction; the runs next test it.")


# -- 4 and 5. live runs ---------------------------------------------------------------------------------------
def run_small(ctx: Ctx) -> None:
    R.live(SMALL, ctx.present, CHART_PX - 50, autostart=ctx.arrived)


def run_wide(ctx: Ctx) -> None:
    R.live(WIDE, ctx.present, CHART_PX - 50, autostart=ctx.arrived)


def _run_notes(d_s: int) -> str:
    f = _floors()
    view = R.current(d_s)
    said = ""
    if view is not None:
        last = view.latest
        said = (f" This session's run: step {last['step']}, loss {last['loss']:.4g} = {last['ratio']:.2f}× the floor, "
                f"kNN overlap {last['knn_overlap']:.0%}.")
    floor_here = f"{(f[0] if d_s == SMALL else f[1]):.3g}" if f else "?"
    return (f"Arriving here starts the run (or press T). **Say:** the dashed line is the floor just revealed "
            f"({floor_here}); watch the loss fall onto it, never below.  \n**Ask:** will the wider student land "
            f"lower, and how much lower?{said}")


# -- 6. the spectrum ------------------------------------------------------------------------------------------
def _need_run(ctx: Ctx):
    if R.asked_to_train() is not None:
        problem = R.start(WIDE)
        if problem:
            st.error(problem)
    view = R.current()
    if view is None:
        from labui.session_run import session_worker

        busy = session_worker().busy()
        st.info(f"Training d_s = {WIDE}: this step draws it as soon as the first point is there." if busy else
                f"No run yet in this session: go back to step 5 (or press T here) to train d_s = {WIDE}.")
        R.train_button(st, WIDE, "lesson_train_here")

        @st.fragment(run_every=1.0 if busy else None)
        def wait() -> None:
            if R.current() is not None:
                st.rerun()

        wait()
    return view


def spectrum(ctx: Ctx) -> None:
    view = _need_run(ctx)
    if view is None:
        return
    d_s = view.config.hidden_size
    st.markdown(f"The teacher's singular values, with the part beyond d_s = {d_s} shaded, and the student's "
                "σ(E_s W_e): at the floor it equals the teacher's top d_s. The shaded energy is the floor.")
    R.chart(R.room(LV.spectrum_figure(view), ctx.present, CHART_PX + 40), "lesson_spectrum")


def spectrum_notes() -> str:
    view = R.current()
    if view is None:
        return "Train a run first (step 4 or 5)."
    d_s, sig = view.config.hidden_size, view.setup.teacher_sigma
    kept = explained_variance(sig, [d_s])[0]
    return (f"**Say:** the student cannot fill the shaded tail: that energy is the floor. **Numbers:** at d_s = {d_s} "
            f"the top {d_s} directions hold {kept:.0%} of the variance.  \n**Ask:** what happens at d_s = d_t?")


# -- 7. the map -----------------------------------------------------------------------------------------------
def token_map(ctx: Ctx) -> None:
    view = _need_run(ctx)
    if view is None:
        return
    st.markdown("Each dot is a teacher token, each diamond the same token's student vector E_s W_e, placed by a "
                "PCA fitted once on the teacher; colours are word groups.")
    fig = LV.detail_figures(view, "PCA")["map"]
    R.chart(R.room(fig, ctx.present, CHART_PX + 40), "lesson_map")


def map_notes() -> str:
    view = R.current()
    if view is None:
        return "Train a run first (step 4 or 5)."
    last = view.latest
    return (f"**Say:** neighbourhoods survive as far as d_s allows. **Numbers:** kNN overlap@{view.config.knn_k} "
            f"{last['knn_overlap']:.0%} at d_s = {view.config.hidden_size}.  \n**Ask:** which groups stay together?")


# -- 8. the sweep ---------------------------------------------------------------------------------------------
def sweep(ctx: Ctx) -> None:
    teacher = get_teacher()
    if teacher is None:
        return
    st.markdown(f"One student per d_s in {list(SWEEP_DIMS)}, {D.SWEEP_STEPS} full-batch Adam steps each on "
                f"{D.SUBSET:,} rows of the word table (as on the Dimension sweep page); the dashed line is those rows' "
                "floor. Computed once per server.")
    result = D.sweep(teacher)
    if result is None:
        return
    dims, floors, reached = result
    fig = tf.sweep_figure(dims, floors, dims, reached)
    R.chart(R.room(fig, ctx.present, CHART_PX + 20, legend_room=True), "lesson_sweep")


def sweep_notes() -> str:
    teacher = get_teacher()
    result = D.peek_sweep(teacher) if teacher is not None else None
    if result is None:
        return "Open this step once before class: the sweep is computed once per server (under a minute)."
    dims, floors, reached = result
    ratios = ", ".join(f"{d}: {r / f:.2f}×" for d, f, r in zip(dims, floors, reached))
    return (f"**Say:** every trained dot lands on its floor: the gap to the teacher is capacity, not training. "
            f"**Numbers** (reached / floor): {ratios}.  \n**Ask:** where would you stop widening?")


# -- 9. words -------------------------------------------------------------------------------------------------
def words(ctx: Ctx) -> None:
    teacher = get_teacher()
    if teacher is None:
        return
    fig, sentence = D.words_figure(teacher)
    R.chart(R.room(fig, ctx.present, CHART_PX + 20), "lesson_words")
    st.markdown(sentence)


def words_notes() -> str:
    teacher = get_teacher()
    return ("**Say:** the floor says how much of the table a width loses; WordSim-353 says what that costs in meaning "
            "(Spearman's rho against human judgements).  \n**Numbers:** " + (D.words_sentence(teacher) if teacher
                                                                           else "?"))


# -- 10. downstream -------------------------------------------------------------------------------------------
def downstream(ctx: Ctx) -> None:
    teacher = get_teacher()
    if teacher is None:
        return
    st.markdown(f"Two small BERTs ({D.DOWNSTREAM.num_hidden_layers} layer, d_s = {D.DOWNSTREAM.hidden_size}), the "
                "same but for their embeddings' start: distilled or random. Both fine-tuned on which group a word "
                "belongs to; the test asks about words the fine-tuning never saw. Computed once per server.")
    result = D.downstream(teacher)
    if result is None:
        return
    fig, lines = result
    R.chart(R.room(fig, ctx.present, CHART_PX - 50, legend_room=True), "lesson_downstream")
    st.markdown(" ".join(lines))


def downstream_notes() -> str:
    teacher = get_teacher()
    result = D.peek_downstream(teacher) if teacher is not None else None
    if result is None:
        return "Open this step once before class: the experiment runs once per server (about a minute)."
    return ("**Say:** held-out words never seen in fine-tuning keep their start, so only a distilled start can place "
            "them near related words.  \n**Numbers:** " + " ".join(result[1]) +
            "  \n**Ask:** when would a random start catch up? (More labels covering the words.)")


# -- 11. take home --------------------------------------------------------------------------------------------
def take_home(ctx: Ctx) -> None:
    from labui import share

    left, right = st.columns([3, 1])
    with left:
        st.markdown("**Interview questions to take home** (answers and checks on the Interview prep page):")
        cols = st.columns(2)
        half = (len(QUESTIONS) + 1) // 2
        for i, col in enumerate(cols):
            col.markdown("\n".join(f"{j + 1}. {q.topic}" for j, q in enumerate(QUESTIONS)
                                   if (j < half) == (i == 0)), unsafe_allow_html=False)
    with right:
        url = share.page_url().split("/lesson")[0] + "/interview"
        st.image(share.qr_png(url, 300), width=260, caption="Interview prep")


def take_home_notes() -> str:
    return (f"**Say:** {len(QUESTIONS)} questions, each with a model answer, a multiple-choice check and a live "
            "experiment on the Interview prep page.  \n**Ask:** pick one and answer it in a sentence to your "
            "neighbour.")


STEPS: tuple[Step, ...] = (
    Step("The loss, with its shapes", formula, formula_notes),
    Step("Where the loss attaches", attach, attach_notes),
    Step("Guess the floor before training", floor, floor_notes),
    Step(f"A live run at d_s = {SMALL}", run_small, lambda: _run_notes(SMALL)),
    Step(f"The same run at d_s = {WIDE}", run_wide, lambda: _run_notes(WIDE)),
    Step("The spectrum: what d_s keeps", spectrum, spectrum_notes),
    Step("The map: do neighbours survive?", token_map, map_notes),
    Step("The sweep: trained dots land on the floor", sweep, sweep_notes),
    Step("What the words keep", words, words_notes),
    Step("What a small BERT gains downstream", downstream, downstream_notes),
    Step("Take home: the interview questions", take_home, take_home_notes),
)
