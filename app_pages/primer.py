"""Primer: knowledge distillation on one screen, for a newcomer, before TinyBERT's embedding loss."""

import pandas as pd
import streamlit as st

from labui import teaching_figures as tf
from labui import state
from labui.common import page_header
from labui.state import Setting
from labui.chart import plot_chart

# An illustrative teacher output for one image (not computed by this app): its logits over five classes.
CLASSES = ["cat", "dog", "fox", "car", "tree"]
LOGITS = [6.0, 4.2, 3.1, -1.0, -2.0]

TEMPERATURE = Setting("T", 3.0, low=1.0, high=8.0)

page_header(
    "Primer: what is knowledge distillation?",
    "A large, accurate model, the **teacher**, is expensive to run. **Knowledge distillation** trains a smaller "
    "model, the **student**, to behave like the teacher, so that the student keeps most of the teacher's accuracy "
    "at a fraction of its size and latency. The teacher is trained first and then frozen; only the student learns.",
)

left, right = st.columns([1, 1])
with left:
    st.subheader("1. Soft targets")
    st.markdown(
        "A labelled example says only *cat*. The teacher says more: *cat, quite possibly dog or fox, certainly not "
        "a car*. Hinton et al. (2015) train the student on this whole distribution, the **soft targets** "
        "softmax(z / T), where z are the teacher's scores (logits) and a temperature T > 1 lifts the small "
        "probabilities so the student sees which wrong answers are *nearly* right. The loss is the cross-entropy "
        "between the student's and the teacher's softened outputs (times T²), usually mixed with the ordinary "
        "loss on the true labels."
    )
    for note in state.start("primer", [TEMPERATURE]):
        st.warning(note)
    temperature = st.slider("Temperature T", 1.0, 8.0, step=0.5, key=state.bind("primer", "T"))
    state.keep("primer", [TEMPERATURE])  # kept across pages and in the link
    plot_chart(tf.soft_targets_figure(CLASSES, LOGITS, temperature), width="stretch")
    st.caption("Illustrative logits for one picture of a cat, not a model run here. At T = 1 the teacher is "
               "nearly sure; a higher T shows what else it considered.")
with right:
    st.subheader("2. Matching the inside, not only the output")
    st.markdown(
        "A student can also copy what the teacher computes on the way: its intermediate representations "
        "(FitNets, 2015). TinyBERT (Jiao et al., 2020) does this for BERT, layer by layer, with four losses. "
        "Where the student is narrower than the teacher (d_s < d_t), a learnable matrix W lifts the student's "
        "vectors to the teacher's width before they are compared; it is thrown away after training."
    )
    st.table(pd.DataFrame([
        ("embedding", "embedding-layer outputs, one vector per token", "MSE(E_s W_e, E_t)"),
        ("attention", "attention maps of mapped layers, head by head", "MSE(A_s, A_t)"),
        ("hidden", "hidden states of mapped layers", "MSE(H_s W_h, H_t)"),
        ("prediction", "the output layer's logits", "soft cross-entropy at T"),
    ], columns=["loss", "what it compares", "formula"]).set_index("loss"))
    st.subheader("3. Two stages")
    st.markdown(
        "1. **General distillation**: the pre-trained (not fine-tuned) BERT teacher, a large general text corpus, "
        "and the embedding, attention and hidden-state losses. The result is a small general-purpose student.\n"
        "2. **Task-specific distillation**: the teacher fine-tuned on a task (say, sentiment), the task's data "
        "(TinyBERT enlarges it by data augmentation), first the same layer losses, then the prediction loss on "
        "soft targets. The result is a small student for that task."
    )

st.subheader("Where this app starts")
st.markdown(
    "The rest of this app is about the first of those losses, the **embedding loss** "
    "L_emb = MSE(E_s W_e, E_t): the student's token embeddings E_s (d_s wide), lifted by W_e, should equal the "
    "teacher's E_t (d_t wide). It is the cheapest loss (no transformer layer has to run) and the one whose best "
    "possible value can be computed exactly. **Concepts** explains it with real tensors, the **Live lab** trains it "
    "while you watch, and **TinyBERT losses** adds the attention and hidden-state losses."
)

with st.expander("About these numbers"):
    st.markdown(
        "Nothing on this page is measured: the logits in section 1 are made up to show what a temperature does. "
        "The methods are from their papers: soft targets from Hinton, Vinyals and Dean (2015), the layer-wise "
        "losses and the two stages from TinyBERT (Jiao et al., 2020). The pages that follow measure everything "
        "they show on the bundled teacher, all-MiniLM-L6-v2.")
