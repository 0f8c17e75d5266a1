"""Concepts: what the embedding layer holds, the formula with real shapes, where the loss attaches, what W_e is."""

import pandas as pd
import streamlit as st

from distill_core.lessons.concepts import (TEACHER_WIDTHS, change_of_basis, example_shapes, neighbours, position_similarity,
                                   readable_token, sentence_view, shape_demo)
from distill_core.errors import DistillError
from distill_core.lessons.experiments import fit_vocab, subset_targets
from labui import teaching_figures as tf
from labui import word_section
from labui import state
from distill_core.evaluation.wordreport import about_note
from labui.common import page_header, require_teacher
from labui.glossary import link
from labui.state import Setting
from labui.server_jobs import peek, result_or_progress
from labui.run_summary import rows_phrase
from labui.chart import plot_chart
from distill_core.tinybert.losses import layer_map

QUICK = dict(rows=3000, d_s=128, steps=80)  # a student trained in seconds on CPU, on 3,000 vocabulary rows

page_header(
    "Concepts",
    "TinyBERT distils a teacher into a narrower student layer by layer. The first of its losses works on the "
    "embedding layer: `L_emb = MSE(E_s W_e, E_t)`. This page looks at what that layer holds in a real teacher "
    "(all-MiniLM-L6-v2, 384 wide, itself a distilled 6-layer BERT; the usual textbook teacher, BERT-base, is 768 "
    "wide), works the formula with real tensors, places the loss in the forward pass, and takes W_e apart.",
)
teacher = require_teacher()
PAGE = "concepts"
SETTINGS = [  # the examples' inputs: kept across pages and in the link (labui.state)
    Setting("sentence", "The cat sat on the mat because it was warm."), Setting("word", "happy"),
    Setting("example", "classic", ("classic", "this")), Setting("n", 10, low=1, high=4096),
    Setting("d_s", 128, low=1, high=4096), Setting("d_t_classic", 768, low=1, high=4096),
    Setting("d_t_this", teacher.hidden_size, low=1, high=4096),
]
for note in state.start(PAGE, SETTINGS):
    st.warning(note)


def train_quick(report, source: str):
    """Once per server, in the background; shared read-only by every session: deterministic (seeded)."""
    targets = subset_targets(teacher, QUICK["rows"])
    fit = fit_vocab(targets, QUICK["d_s"], QUICK["steps"],
                    on_step=lambda step: report("fraction", step / QUICK["steps"]))
    return targets, fit


def quick_student(source: str):
    """(targets, fit), or None while it trains (a progress bar is drawn in its place)."""
    return result_or_progress("concepts_quick", f"Training a quick student (d_s = {QUICK['d_s']}, "
                              f"{QUICK['rows']:,} tokens, {QUICK['steps']} steps)", train_quick, source, stop=False)


@st.cache_data(show_spinner=False)
def position_map(source: str):
    return position_similarity(teacher, 128)


# -- 1. what the embedding layer holds -----------------------------------------------------------------------
st.header("1. Why the embedding layer matters")
st.markdown(
    "BERT's embedding layer adds three learned vectors for every token and normalises the sum: "
    "**word** (what the token is), **position** (where it sits) and **token type** (sentence A or B). "
    "`LayerNorm(word + position + type)` is all the transformer layers ever see of the input, so this is where "
    "the teacher's knowledge of words and order enters the network, before any attention."
)
left, right = st.columns(2)
with left:
    plot_chart(tf.position_heatmap(position_map(teacher.source)), width="stretch")
    st.caption("Each pixel is cos(p_i, p_j) for two positions. The dark band along the diagonal says that nearby "
               "positions have similar vectors, and the stripes parallel to it that the similarity depends mostly on "
               "the distance between two positions, with a periodic pattern: the teacher learned a smooth, "
               "wave-like code for order, not unrelated labels.")
with right:
    sentence = st.text_input("A sentence", key=state.bind(PAGE, "sentence"))
    try:
        view = sentence_view(teacher, sentence)
        plot_chart(tf.sentence_heatmap(view.tokens, view.output), width="stretch")
        plot_chart(tf.sentence_norms(view.tokens, view.parts), width="stretch")
        st.caption("Rows are WordPiece tokens, [CLS] and [SEP] included. The same word at two positions gets two "
                   "different output rows: position is already mixed in.")
    except DistillError as exc:
        st.error(str(exc))

st.subheader("Nearest neighbours: teacher and student")
st.markdown(
    f"A student with d_s = {QUICK['d_s']} trained for {QUICK['steps']} steps on the first {QUICK['rows']:,} ordinary "
    "tokens plus the word-group words (the same rows as Interview prep and the sweep's short runs). Neighbours are "
    "by cosine among those rows; the student's are taken in the "
    "teacher's space, E_s W_e + b, because that is what the loss compares (its own d_s axes are defined only up "
    "to a change of basis, see section 4)."
)
word_section.semantic_note(teacher)  # the same question on public benchmarks, measured
def show_neighbours(targets, fit) -> None:
    word = st.text_input("A word", key=state.bind(PAGE, "word"))
    try:
        nb = neighbours(teacher.tokenizer, targets, fit.projected(), word)
        table = pd.DataFrame({"teacher": [f"{readable_token(w)} ({s:.2f})" for w, s in nb.teacher],
                              "student (E_s W_e + b)": [f"{readable_token(w)} ({s:.2f})" for w, s in nb.student]})
        st.dataframe(table, hide_index=True)
        st.metric("Neighbours shared", f"{nb.overlap:.0%}")
        st.caption(f"Among {rows_phrase('vocab', targets.n_rows, QUICK['rows'])} (n = {targets.n_rows:,}); its "
                   f"{link('floor')} for d_s = {QUICK['d_s']} is {targets.floor(QUICK['d_s']):.3g}, reached "
                   f"{fit.curve.final:.3g} ({fit.curve.final / targets.floor(QUICK['d_s']):.2f}× the floor). Tokens in "
                   "scripts the page's font may lack are written as code points (U+XXXX). \"Neighbours shared\" is "
                   f"for this one word; the {link('kNN overlap')} of the Live lab and of Interview prep is the same "
                   "share averaged over hundreds of probe words, so the two differ, and one word can sit well "
                   "above or below the average.")
    except DistillError as exc:
        st.error(str(exc))


if st.button("Train the quick student", key="train_quick") or st.session_state.get("quick_ready"):
    st.session_state["quick_ready"] = True
    quick = quick_student(teacher.source)  # None while it trains: a progress bar stands in its place
    if quick is not None:
        show_neighbours(*quick)

# -- 2. the formula with real shapes ------------------------------------------------------------------------------
st.header("2. The formula, with real tensors")
st.latex(r"L_{emb} = \mathrm{MSE}(E_s W_e,\ E_t)")
EXAMPLES = {"classic": "classic: BERT-base teacher (d_t = 768)", "this": f"this teacher (d_t = {teacher.hidden_size})"}
preset = st.radio("Example", list(EXAMPLES), horizontal=True, format_func=EXAMPLES.get, key=state.bind(PAGE, "example"))
c1, c2, c3 = st.columns(3)
n = c1.number_input("tokens n", 1, 4096, key=state.bind(PAGE, "n"))
d_s = c2.number_input("student width d_s", 1, 4096, key=state.bind(PAGE, "d_s"))
d_t = c3.number_input("teacher width d_t", 1, 4096, key=state.bind(PAGE, f"d_t_{preset}"))  # one per example
state.keep(PAGE, SETTINGS)
try:
    demo = shape_demo(int(n), int(d_s), int(d_t))
    st.code(f"E_s {demo.E_s} @ W_e {demo.W_e} -> E_s W_e {demo.product}   vs   E_t {demo.E_t}\n"
            f"{demo.formula()}", language=None)
    m1, m2 = st.columns(2)
    m1.metric("MSE of these random tensors", f"{demo.loss:.4f}")
    m2.metric("rank of E_s W_e", demo.rank, help="At most min(n, d_s): the student can fill only d_s of d_t directions.")
except DistillError as exc:
    st.error(str(exc))
st.caption("The tensors are random (E_s ~ N(0, 0.02), E_t ~ N(0, 1)), so the MSE is about 1, the variance of E_t. "
           "The shapes are the point: W_e lifts each d_s-dim row to d_t so it can be compared element by element.")
st.markdown("The same example for both teachers (they differ only in d_t):\n"
            + "\n".join(f"- {name}, d_t = {TEACHER_WIDTHS[name]}: `{shapes}`"
                        for name, shapes in example_shapes(int(n), int(d_s)).items()))

# -- 3. where it attaches ------------------------------------------------------------------------------------------
st.header("3. Where the loss attaches")
L_t = teacher.config.num_hidden_layers
plot_chart(tf.stack_diagram(L_t, 4), width="stretch")
st.caption(f"Layer map for {L_t} teacher layers and 4 student layers: g(m) = ⌊m·L_t/L_s⌋, the uniform map rounded "
           "down (TinyBERT's g(m) = 3m for 12 → 4 needs no rounding). Exactly: "
           + ", ".join(f"{m}·{L_t}/4 = {m * L_t / 4:g}" for m in range(1, 5)) + ", so student layers 1-4 read "
           "teacher layers " + ", ".join(map(str, layer_map(4, L_t))) + ": the map the TinyBERT losses page trains with.")
st.markdown(
    "The embedding loss reads the output of both embedding modules; no transformer layer has to run. TinyBERT adds "
    "attention and hidden-state losses between mapped layers and a prediction loss at the top (grey). They are "
    "used in two stages:"
)
st.graphviz_chart(tf.stages_dot())

# -- 4. what W_e is and is not ----------------------------------------------------------------------------------------
st.header("4. What W_e is, and is not")
st.markdown(
    "- **Learnable**, because d_s and d_t differ and, even at equal widths, the student's axes have no reason to "
    "line up with the teacher's: W_e finds the map.\n"
    "- **Thrown away** after distillation: it exists only so the loss can compare the two spaces. The student "
    "runs in its own d_s-wide space.\n"
    "- **Not unique**: for any invertible A, (E_s A)(A⁻¹ W_e) = E_s W_e, the same loss with a different W_e. "
    "The singular values of W_e change with A; those of the product do not, and it is the product's spectrum that "
    "the floor, sum over i > d_s of σᵢ²/(n d_t), speaks about.\n"
    "- **So read two spectra two ways.** The Live lab's W_e plot shows how *that* run, from its init, spread scale "
    "between E_s and W_e: the init, the optimiser and the learning rate decide the split, and two runs can reach "
    "the same loss with different W_e spectra. σ(E_s W_e) is the invariant one: at the floor it equals the "
    "teacher's top d_s singular values, in every run."
)
quick = peek("concepts_quick", teacher.source) if st.session_state.get("quick_ready") else None
if quick is not None:
    sv = change_of_basis(quick[1].E_s, quick[1].projection)
    plot_chart(tf.singular_values_figure(sv), width="stretch")
elif st.session_state.get("quick_ready"):
    st.info("The quick student is training (section 1); this section fills in when it is done.")
else:
    st.info("Train the quick student in section 1 to see this on its E_s and W_e.")

st.header("What this showed")
st.markdown(
    "The teacher's embedding layer already encodes word similarity and order. The loss compares n x d_t "
    "numbers per batch through a learned, discardable W_e, and the only meaningful spectrum is that of E_s W_e."
)
with st.expander("About these numbers"):
    st.markdown("The quick student is trained here when you press its button, on the bundled teacher, and every "
                "number beside it is from that run. " + about_note())
