"""Interview questions on embedding-layer distillation: a model answer, a multiple-choice check and the name of
the experiment that shows the point on the real teacher (see distill_core.experiments)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    topic: str
    question: str
    answer: str          # markdown, a few sentences
    experiment: str      # key of the "Show me" experiment
    choices: tuple[str, ...]
    correct: int         # index into choices


QUESTIONS: tuple[Question, ...] = (
    Question(
        "aim", "Aim", "What is embedding-layer distillation trying to achieve?",
        "To make a narrow student's embedding layer carry the same information as the teacher's, before any "
        "attention runs. TinyBERT asks that the student's embeddings, lifted by a learnable W_e, match the "
        "teacher's: `L_emb = MSE(E_s W_e, E_t)`. If they do, the student's first layer sees inputs laid out like "
        "the teacher's, token by token, and its neighbourhoods (which words sit near which) survive the compression.",
        "neighbour_overlap",
        ("Make the student's embeddings, lifted by W_e, reproduce the teacher's embeddings token by token",
         "Copy the teacher's attention maps into the student",
         "Shrink the vocabulary so the student has fewer tokens",
         "Train the student's classifier on the teacher's labels"), 0),
    Question(
        "encodes", "What the embedding layer encodes",
        "What information does a BERT embedding layer encode?",
        "Three tables summed, then LayerNorm: word embeddings (what the token means, learned from co-occurrence), "
        "position embeddings (where it sits; BERT learns one vector per position, and neighbouring positions come "
        "out similar) and token-type embeddings (which segment, A or B). The output is the only view of the input "
        "that the transformer layers ever get.",
        "position_similarity",
        ("Token meaning, position and segment, summed and normalised",
         "Only the token's identity, as a one-hot vector",
         "The attention weights of the first layer",
         "The sentence's label"), 0),
    Question(
        "align_early", "Why align early",
        "Why align the student with the teacher at the embedding layer, and not only at the output?",
        "Every later layer builds on the embedding output, so a mismatch there is carried, and mixed, through all "
        "of them; fixing it early gives each later layer inputs in the teacher's geometry and a direct, dense "
        "signal (one target vector per token) instead of one per sentence. It is also cheap: the targets need only "
        "the teacher's embedding module, not its transformer layers.",
        "forward_cost",
        ("It gives every later layer teacher-like inputs and a dense per-token signal, and needs no attention",
         "Because the output layer cannot be distilled",
         "Because embeddings are the largest part of every model's compute",
         "It removes the need for any later distillation"), 0),
    Question(
        "mse", "Why MSE (and what cosine would change)",
        "Why is the embedding loss an MSE and not, say, a cosine similarity?",
        "MSE asks for the same direction *and* the same length, element by element, which is what the next layer "
        "consumes; it is smooth, cheap, and its optimum has a closed form (Eckart-Young), so we know the best "
        "reachable value. Cosine only aligns directions: it can score well while lengths are off, and a large share "
        "of the MSE remains. DistilBERT, for one, adds a cosine loss on hidden states, but "
        "that asks a weaker question.",
        "cosine_vs_mse",
        ("MSE matches both direction and length and has a known optimum; cosine ignores length",
         "MSE is the only differentiable loss",
         "Cosine similarity cannot be computed between different widths",
         "MSE makes W_e unnecessary"), 0),
    Question(
        "role_we", "The role of W_e",
        "What does W_e do, and why is it learnable rather than fixed?",
        "W_e (d_s x d_t) maps the student's space into the teacher's so the two can be compared. It must learn: the "
        "student's coordinates are its own, and nothing makes its d_s axes line up with any d_s directions of the "
        "teacher's. A learned W_e can pick the teacher's most important directions; a frozen random one maps into a "
        "random d_s-dimensional subspace, and the loss then stalls well above the floor.",
        "frozen_vs_learned",
        ("It learns the map from the student's space to the teacher's; a fixed random map wastes the student's dimensions",
         "It is the student's word-embedding table",
         "It is fixed to the identity matrix",
         "It normalises the teacher's embeddings"), 0),
    Question(
        "bridge", "How W_e bridges dimensions",
        "With a 768-wide teacher and a 128-wide student, what are the shapes in L_emb for 10 tokens?",
        "E_s is (10, 128), W_e is (128, 768), so E_s W_e is (10, 768), the same shape as E_t (10, 768); the MSE "
        "averages the 10 x 768 squared differences. E_s W_e has rank at most 128: the student can only reproduce "
        "a 128-dimensional slice of the teacher's 768 dimensions.",
        "shape_demo",
        ("(10,128) x (128,768) -> (10,768), compared with E_t (10,768)",
         "(10,768) x (768,128) -> (10,128), compared with E_t (10,128)",
         "(128,10) x (10,768) -> (128,768)",
         "(10,128) + (10,768): the two are concatenated"), 0),
    Question(
        "benefits", "Benefits for a small BERT",
        "What does a small BERT gain from embedding distillation?",
        "The embedding tables are a large share of a small model's parameters (the vocabulary is ~30k rows), and "
        "with a narrow d_s they shrink by d_t/d_s. Distilling them starts the student from the teacher's lexical "
        "and positional knowledge instead of from noise, which the later stages (hidden states, attention, "
        "prediction layer) then build on; TinyBERT's ablations lose accuracy when stages are dropped. W_e costs nothing at inference: it is discarded.",
        "params",
        ("Smaller tables that start from the teacher's knowledge, with no inference cost for W_e",
         "A larger vocabulary",
         "Faster attention in the teacher",
         "It removes the need for a tokenizer"), 0),
    Question(
        "relations", "Token-level relationships",
        "Does matching embeddings row by row also keep relationships between tokens?",
        "Largely, yes. If E_s W_e is close to E_t for every token, differences and angles between tokens are close "
        "too, so nearest neighbours (dog near cat, Monday near Tuesday) are kept; how many depends on d_s, because "
        "the rank-d_s map keeps the teacher's largest directions and drops the fine ones. The kNN overlap between "
        "the teacher's and the projected student's neighbour lists measures it.",
        "neighbour_overlap",
        ("Yes, mostly: close rows give close distances, and a wider student keeps more neighbours",
         "No: MSE destroys all pairwise structure",
         "Only if the loss is exactly zero",
         "Only for tokens in the same sentence"), 0),
    Question(
        "where", "Where in the forward pass",
        "Where in the forward pass does the embedding loss attach, and why does that matter?",
        "On the output of the embedding layer, LayerNorm(word + position + token type), before the first "
        "transformer layer: `hidden_states[0]` in Hugging Face. Nothing after it runs, for the teacher or the "
        "student, so it is cheap; and since the transformer layers have not mixed tokens yet, each token's target "
        "depends only on the token, its position and segment. In TinyBERT it is one of four losses (embedding, "
        "attention, hidden states, prediction), used in general distillation and again in task distillation.",
        "diagram",
        ("After LayerNorm(word + position + type), before the first transformer layer",
         "After the last transformer layer",
         "On the attention scores of layer 1",
         "On the classifier's logits"), 0),
    Question(
        "stays_high", "A loss that stays high",
        "Your embedding loss stops falling at a high value. What can it tell you?",
        r"First compare it with the floor, $\sum_{i > d_s} \sigma_i^2 / (n\,d_t)$: if the loss sits on it, the student is "
        "simply too narrow and only a wider d_s helps. If it is well above the floor, it is optimisation: a "
        "learning rate too small (the curve barely moves) or too large (it oscillates or diverges), a frozen or "
        "badly initialised W_e, too few steps, or a bug (padding in the loss, a teacher left in train mode whose "
        "targets are noisy).",
        "loss_stays_high",
        ("Compare with the Eckart-Young floor: on it means capacity; above it means optimisation or a bug",
         "It always means the learning rate is too large",
         "It means the teacher is badly trained",
         "It means the vocabulary is too small"), 0),
    Question(
        "floor", "The floor",
        "What is the lowest embedding loss a d_s-wide student can reach?",
        "E_s W_e has rank at most d_s, so by Eckart-Young the best it can do is the teacher matrix truncated to its "
        r"top d_s singular directions: $\mathrm{MSE} \ge \sum_{i > d_s} \sigma_i(T)^2 / (n\,d_t)$, with T the stacked (centred, when "
        "W_e has a bias) target rows. In the vocabulary mode every row of E_s is free, so the bound is reached. It "
        "costs one SVD and gives each run an honest reference.",
        "ds_comparison",
        ("sum over i > d_s of sigma_i^2 / (n d_t), from the SVD of the targets",
         "Zero, for any d_s, with enough training",
         "The teacher's training loss",
         "1 / d_s"), 0),
    Question(
        "non_unique", "W_e is not unique",
        "Is the learned W_e unique? What do its singular values tell you?",
        r"No. For any invertible A (d_s x d_s), $(E_s A)(A^{-1} W_e) = E_s W_e$: same predictions, same loss, but W_e's "
        "singular values change with A. Only the product E_s W_e is determined, so read its spectrum, not W_e's, "
        "against the teacher's. That is also why W_e is thrown away after distillation: it is a bridge for the "
        "loss, not part of the student, and the student's coordinates are only defined up to such an A.",
        "non_uniqueness",
        ("No: E_s A and A^-1 W_e give the same loss; only the product's spectrum is meaningful",
         "Yes: it is always the top d_s singular vectors of the teacher",
         "Yes: Adam converges to a unique minimum",
         "No, but its singular values are unique"), 0),
    Question(
        "padding", "Padding",
        "Should padded positions count in the embedding loss?",
        "No. A padded position's teacher vector is LayerNorm([PAD] + position + type), a vector no real input ever "
        "produces. Averaging it in (as TinyBERT's code does) spends capacity on copying it and makes the reported "
        "loss depend on how much padding the batch has. Mask it: average the squared error over real tokens x d_t only.",
        "padding",
        ("No: mask them, their targets carry no meaning and they bias the loss",
         "Yes: they teach the student positions",
         "It makes no difference to the gradient",
         "Only in the vocabulary mode"), 0),
    Question(
        "eval_mode", "Teacher in eval mode",
        "Why must the teacher be in eval mode when producing embedding targets?",
        "In train mode the embedding output goes through dropout (p = 0.1 in BERT): each target element is zeroed "
        r"or scaled by 1/(1-p), a fresh mask every step. The student then chases noise of about $\frac{p}{1-p}\,\mathbb{E}[t^2]$ per "
        "element that it can never fit: the loss sits on that noise, not on the floor, and the gradients are noisy. "
        "Use eval() and no_grad(); the targets are then fixed and can even be computed once.",
        "teacher_dropout",
        ("Dropout in train mode adds random noise to every target, which the student can never fit",
         "Eval mode makes the teacher larger",
         "Train mode changes the tokenizer",
         "It makes no difference to the embedding layer"), 0),
    Question(
        "same_width", "When d_s = d_t",
        "What happens when the student is as wide as the teacher, d_s = d_t?",
        "The floor is zero: a square, invertible W_e lets E_s = E_t W_e^-1 reproduce the teacher exactly, so the "
        "loss keeps falling until optimisation stops it. W_e can be any invertible matrix, the identity included, so "
        "nothing is compressed in the embedding layer; savings must then come from fewer or thinner layers.",
        "same_width",
        ("The floor is zero and the loss can fall towards zero; no compression in the embeddings",
         "The loss is stuck at the same floor as d_s = d_t / 2",
         "W_e must be the identity",
         "Training diverges"), 0),
    Question(
        "after", "After distillation",
        "What happens to W_e once distillation is over?",
        "It is discarded. The student runs in its own d_s-wide space; W_e existed only to compare that space with "
        "the teacher's during training. Keeping it would add d_s x d_t parameters and lift the student to d_t, "
        "undoing the compression.",
        "params",
        ("It is thrown away: it only served the loss",
         "It is merged into the student's classifier",
         "It becomes the student's word-embedding table",
         "It is applied at every layer at inference"), 0),
)
