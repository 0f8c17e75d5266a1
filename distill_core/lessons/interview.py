"""Interview questions on embedding-layer distillation: a model answer, a multiple-choice check and the name of
the experiment that shows the point on the real teacher (see distill_core.lessons.experiments)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    topic: str
    question: str
    answer: str          # markdown, a few sentences
    experiment: str      # key of the "Show me" experiment
    choices: tuple[str, ...]  # the right one and mistakes real candidates make, each as specific as the right one
    correct: int         # index into choices
    why: tuple[str, ...] = ()  # one line per choice: why the right one is right, why each wrong one is wrong


QUESTIONS: tuple[Question, ...] = (
    Question(
        "aim", "Aim", "What is embedding-layer distillation trying to achieve?",
        "To make a narrow student's embedding layer carry the same information as the teacher's, before any "
        "attention runs. TinyBERT asks that the student's embeddings, lifted by a learnable W_e, match the "
        "teacher's: `L_emb = MSE(E_s W_e, E_t)`. If they do, the student's first layer sees inputs laid out like "
        "the teacher's, token by token, and its neighbourhoods (which words sit near which) survive the compression as "
        "far as d_s allows.",
        "neighbour_overlap",
        ("Make the student's embeddings, lifted by W_e, reproduce the teacher's token by token",
         "Make the student's attention maps reproduce the teacher's head by head; the embeddings then follow",
         "Shrink the vocabulary, so that the student's table has fewer rows than the teacher's",
         "Copy the teacher's embedding table into the student and freeze it during distillation"), 0,
        ("L_emb = MSE(E_s W_e, E_t) asks exactly this: the student's rows, lifted to d_t, should equal the teacher's.",
         "Matching attention is a different TinyBERT loss; it does not constrain the embedding rows directly.",
         "The student keeps the teacher's vocabulary and tokenizer; what shrinks is the width d_s of each row.",
         "The teacher's rows are d_t wide and the student's d_s: they cannot be copied, which is why W_e exists.")),
    Question(
        "encodes", "What the embedding layer encodes",
        "What information does a BERT embedding layer encode?",
        "Three tables summed, then LayerNorm: word embeddings (what the token means, learned from co-occurrence), "
        "position embeddings (where it sits; BERT learns one vector per position, and neighbouring positions come "
        "out similar) and token-type embeddings (which segment, A or B). The output is the only view of the input "
        "that the transformer layers ever get.",
        "position_similarity",
        ("Token meaning, position and segment: three learned vectors summed, then normalised",
         "Token meaning and position: two learned tables summed, with no normalisation",
         "The token's identity and its sinusoidal position, as in the original Transformer",
         "The token's meaning only; positions are added later, inside each attention layer"), 0,
        ("BERT sums word, position and token-type embeddings and applies LayerNorm (then dropout, off in eval).",
         "It forgets the token-type (segment) table and the LayerNorm that ends the layer.",
         "BERT learns its position vectors (one per position); sinusoids are the original Transformer's choice.",
         "BERT adds positions once, at the embedding layer; attention layers receive them already mixed in.")),
    Question(
        "align_early", "Why align early",
        "Why align the student with the teacher at the embedding layer, and not only at the output?",
        "Every later layer builds on the embedding output, so a mismatch there is carried, and mixed, through all "
        "of them; fixing it early gives each later layer inputs in the teacher's geometry and a direct, dense "
        "signal (one target vector per token) instead of one per sentence. It is also cheap: the targets need only "
        "the teacher's embedding module, not its transformer layers. Show me feeds the teacher's own layers a "
        "student's E_s W_e in place of E_t and measures how far each layer, and the sentence embedding, then lands "
        "from the teacher's.",
        "mismatch_spreads",
        ("Every later layer gets teacher-like inputs, and each token gives a dense target of its own",
         "Aligning the output is enough in principle; the embedding loss only speeds up convergence",
         "Embeddings hold most of a model's compute, so aligning them saves the most training time",
         "Once the embeddings match, the later layers need no distillation loss of their own"), 0,
        ("A mismatch at the embedding output is carried through every layer (Show me measures it); each token is a target.",
         "The output alone gives one target per sentence and leaves the embedding mismatch to spread; Show me measures it.",
         "Embeddings hold many parameters but little compute: a lookup and a LayerNorm, no matrix products over tokens.",
         "Matching inputs does not make the student's own, smaller layers compute what the teacher's do.")),
    Question(
        "mse", "Why MSE (and what cosine would change)",
        "Why is the embedding loss an MSE and not, say, a cosine similarity?",
        "MSE asks for the same direction *and* the same length, element by element, which is what the next layer "
        "consumes; it is smooth, cheap, and its optimum has a closed form (Eckart-Young), so we know the best "
        "reachable value. Cosine only aligns directions: it can score well while lengths are off, and a large share "
        "of the MSE remains. DistilBERT, for one, adds a cosine loss on hidden states, but "
        "that asks a weaker question.",
        "cosine_vs_mse",
        ("MSE asks for the same direction and length, and its optimum is known in closed form",
         "Cosine is better, because the length of an embedding carries no information at all",
         "MSE is needed because cosine cannot be computed between a d_s- and a d_t-wide vector",
         "MSE and cosine have the same optimum, so MSE is chosen only because it is cheaper"), 0,
        ("The next layer consumes lengths too; and the floor (Eckart-Young) gives MSE's best reachable value.",
         "LayerNorm and the layers above are sensitive to scale; a cosine-trained student's lengths drift (Show me).",
         "Both losses compare E_s W_e with E_t, which are both d_t wide: W_e solves the width, not the loss.",
         "Cosine ignores length, so its optimum is a whole family of MSE values; Show me measures the difference.")),
    Question(
        "role_we", "The role of W_e",
        "What does W_e do, and why is it learnable rather than fixed?",
        "W_e (d_s x d_t) maps the student's space into the teacher's so the two can be compared. It must learn: the "
        "student's coordinates are its own, and nothing makes its d_s axes line up with any d_s directions of the "
        "teacher's. A learned W_e can pick the teacher's most important directions; a frozen random one maps into a "
        "random d_s-dimensional subspace, and the loss then stalls well above the floor.",
        "frozen_vs_learned",
        ("It learns the map into the teacher's space; a fixed random map wastes the student's width",
         "It is the student's word-embedding table, kept after training and used at inference time",
         "It is fixed to a slice of the identity, so the student copies the teacher's first d_s coordinates",
         "It rescales the teacher's embeddings so that their norm matches the student's"), 0,
        ("The student's axes are its own: W_e must learn which teacher directions they stand for.",
         "W_e is a bridge for the loss and is discarded; the student's table is E_s.",
         "The teacher's first d_s coordinates are not its most important directions; a learned W_e turns to those.",
         "W_e maps the student into the teacher's space (d_s to d_t); it does not normalise anything.")),
    Question(
        "bridge", "How W_e bridges dimensions",
        "With a 768-wide teacher and a 128-wide student, what are the shapes in L_emb for 10 tokens?",
        "E_s is (10, 128), W_e is (128, 768), so E_s W_e is (10, 768), the same shape as E_t (10, 768); the MSE "
        "averages the 10 x 768 squared differences. E_s W_e has rank at most 128: the student can only reproduce "
        "a 128-dimensional slice of the teacher's 768 dimensions. The teacher bundled here, all-MiniLM-L6-v2 (itself "
        "a distilled 6-layer BERT), is 384 wide: there W_e is (128, 384), E_s W_e and E_t are (10, 384), and the "
        "128 kept dimensions are a third of the teacher's instead of a sixth.",
        "shape_demo",
        ("(10,128) x (128,768) -> (10,768), compared with E_t (10,768)",
         "(10,768) x (768,128) -> (10,128), compared with E_t (10,128)",
         "(128,10) x (10,768) -> (128,768), compared with E_t (128,768)",
         "(10,128) x (128,128) -> (10,128), compared with E_t (10,768)"), 0,
        ("E_s (n, d_s) times W_e (d_s, d_t) gives (n, d_t), the shape of the teacher's rows.",
         "That projects the teacher down to the student's width: TinyBERT lifts the student up to the teacher's.",
         "The tokens are the rows: E_s is (10, 128), not (128, 10).",
         "A square W_e keeps the product 128 wide, so it cannot be compared with a 768-wide E_t.")),
    Question(
        "benefits", "Benefits for a small BERT",
        "What does a small BERT gain from embedding distillation?",
        "The embedding tables are a large share of a small model's parameters (the vocabulary is ~30k rows), and "
        "with a narrow d_s they shrink by d_t/d_s. Distilling them starts the student from the teacher's lexical "
        "and positional knowledge instead of from noise, which the later stages (hidden states, attention, "
        "prediction layer) then build on; TinyBERT's ablations lose accuracy when stages are dropped. W_e costs nothing at inference: it is discarded.",
        "params",
        ("Smaller tables that start from the teacher's knowledge; W_e costs nothing at inference",
         "A faster tokenizer, because the student's vocabulary is distilled to fewer word pieces",
         "Fewer layers, because the embedding loss lets the student skip the teacher's lower layers",
         "Better accuracy than the teacher, because the compression removes the teacher's noise"), 0,
        ("The tables shrink by d_t/d_s and start from the teacher's geometry; W_e is dropped after training.",
         "The tokenizer and vocabulary are unchanged: the same word pieces, each in fewer dimensions.",
         "The student's depth is a separate choice; the embedding loss says nothing about how many layers to keep.",
         "A student is usually a little worse than its teacher; the gain is size and speed (Downstream measures it).")),
    Question(
        "relations", "Token-level relationships",
        "Does matching embeddings row by row also keep relationships between tokens?",
        "When the loss is small compared with the spread of the targets, yes: if E_s W_e is close to E_t for every "
        "token, differences and angles between tokens are close too, so nearest neighbours (dog near cat, Monday "
        "near Tuesday) are kept. How many depends on d_s, because the rank-d_s map keeps the teacher's largest "
        "directions and drops the fine ones that often separate near neighbours: a narrow student can keep fewer "
        "than half. The kNN overlap between the teacher's and the projected student's neighbour lists measures it "
        "(Show me does, at two widths).",
        "neighbour_overlap",
        ("Mostly: close rows give close distances; a wider student usually keeps more neighbours",
         "Yes, all of them: if the loss is at the floor, every neighbour list is the teacher's",
         "No: an MSE on single rows says nothing about pairs of tokens, so neighbours are lost",
         "Only for tokens of the same sentence, since the loss is averaged one sentence at a time"), 0,
        ("Small row errors keep distances close, but the floor drops the fine directions that separate near neighbours.",
         "At the floor a narrow student has dropped directions, and with them many neighbourhoods (Show me: under half).",
         "Rows that are each close to their targets are close to each other's too, so most pairs survive.",
         "The loss is over rows; neighbours are kept across the whole vocabulary, not per sentence.")),
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
         "On the word-embedding table alone, before positions and token types are added",
         "After the first transformer layer, where tokens have seen their context",
         "On the classifier's logits, after the task head, as in classic distillation"), 0,
        ("TinyBERT's L_emb is on the embedding layer's output, hidden_states[0], which needs no transformer layer.",
         "That is the vocabulary target here (one of three), not the output TinyBERT matches during training.",
         "That is the first hidden-state loss, another of TinyBERT's four terms.",
         "That is the prediction-layer loss, the last of TinyBERT's four terms.")),
    Question(
        "stays_high", "A loss that stays high",
        "Your embedding loss stops falling at a high value. What can it tell you?",
        r"First compare it with the floor, $\sum_{i > d_s} \sigma_i^2 / (n\,d_t)$: if the loss sits on it, the student is "
        "simply too narrow and only a wider d_s helps. If it is well above the floor, it is optimisation: a "
        "learning rate too small (the curve barely moves) or too large (it oscillates or diverges), a frozen or "
        "badly initialised W_e, too few steps, or a bug (padding in the loss, a teacher left in train mode whose "
        "targets are noisy).",
        "loss_stays_high",
        ("Compare it with the floor: on it means capacity; well above it, optimisation or a bug",
         "It means the learning rate is too large; dividing it by ten always fixes a loss that stalls",
         "It means the student is too narrow; only a wider d_s can lower a loss that stopped falling",
         "It means the teacher is badly trained, so no student could ever match its targets"), 0,
        ("The floor separates 'cannot do better' from 'did not do better': read the ratio before changing anything.",
         "Too large a rate oscillates; too small a rate crawls; neither is known until the loss is set against the floor.",
         "Only if the loss is on the floor; above it, a wider student would stall just as high.",
         "Any teacher's targets have a floor for each d_s; a student can reach it whatever the teacher's quality.")),
    Question(
        "floor", "The floor",
        "What is the lowest embedding loss a d_s-wide student can reach?",
        "E_s W_e has rank at most d_s, so by Eckart-Young the best it can do is the teacher matrix truncated to its "
        r"top d_s singular directions: $\mathrm{MSE} \ge \sum_{i > d_s} \sigma_i(T)^2 / (n\,d_t)$, with T the stacked (centred, when "
        "W_e has a bias) target rows. In the vocabulary mode every row of E_s is free, so the bound is reached. It "
        "costs one SVD and gives each run an honest reference.",
        "ds_comparison",
        ("The sum over i > d_s of σᵢ² / (n d_t), from the SVD of the (centred) targets",
         "Zero for any d_s, given enough steps, because W_e can always be made larger",
         "The teacher's own pre-training loss, since a student cannot beat its teacher",
         "The sum over i ≤ d_s of σᵢ² / (n d_t): the share of energy the student keeps"), 0,
        ("E_s W_e has rank ≤ d_s; Eckart-Young says the best rank-d_s fit loses exactly the energy beyond d_s.",
         "Scaling W_e does not raise the rank: a d_s-wide product can never hold more than d_s directions.",
         "The floor comes from the targets' spectrum and d_s, not from how the teacher was trained.",
         "That is the energy kept, not lost: the floor is the sum over the directions the student cannot hold.")),
    Question(
        "non_unique", "W_e is not unique",
        "Is the learned W_e unique? What do its singular values tell you?",
        r"No. For any invertible A (d_s x d_s), $(E_s A)(A^{-1} W_e) = E_s W_e$: same predictions, same loss, but W_e's "
        "singular values change with A. Only the product E_s W_e is determined, so read its spectrum, not W_e's, "
        "against the teacher's: at the floor σ(E_s W_e) equals the teacher's top d_s singular values in every run. "
        "W_e's own spectrum, as the Live lab plots it, records how one run split scale between E_s and W_e from its "
        "init; another init, seed or optimiser reaches the same loss with a different one. That is also why W_e is "
        "thrown away after distillation: it is a bridge for the loss, not part of the student, and the student's "
        "coordinates are only defined up to such an A. Show me trains two students that differ only in their seed, "
        "re-expresses one through a random A, and reports how far apart their losses, their W_e spectra and their "
        "σ(E_s W_e) end.",
        "equal_loss_different_we",
        ("No: (E_s A, A⁻¹ W_e) gives the same loss; only the product's spectrum is fixed",
         "Yes: it always equals the top d_s singular vectors of the teacher's target matrix",
         "Yes: with the same data and Adam, every run converges to the same W_e up to sign",
         "No, but its singular values are unique, so they can be read against the teacher's"), 0,
        ("Any invertible A moves scale between E_s and W_e at no cost; σ(E_s W_e) is what the loss fixes.",
         "Only the product's row space is pinned down; W_e itself can be any A⁻¹ times such a basis.",
         "Different seeds end at the same loss with different W_e spectra (Show me trains two).",
         "A changes W_e's singular values too; only the product's are the same in every run.")),
    Question(
        "padding", "Padding",
        "Should padded positions count in the embedding loss?",
        "No. A padded position's teacher vector is LayerNorm([PAD] + position + type), a vector no real input ever "
        "produces. Averaging it in (as TinyBERT's code does) asks the student to copy it too and makes the reported "
        "loss depend on how much padding the batch has. How much the copying costs on real tokens depends on d_s and "
        "on the share of padding (small when the student has room to spare; Show me measures it here); the reported "
        "loss is wrong either way. Mask it: average the squared error over real tokens x d_t only.",
        "padding",
        ("No: mask them; their targets come from no real input and skew the reported loss",
         "Yes: padded positions still teach the student its position embeddings for free",
         "It makes no difference, since the gradient at padded positions is always zero",
         "Yes, as long as the attention mask is applied in the teacher's forward pass"), 0,
        ("A padded target is LayerNorm([PAD] + position + type), which no real input produces; average over real tokens.",
         "Real tokens teach every position they occupy; [PAD] rows teach the student to copy a vector nobody uses.",
         "The loss at padded positions is not zero unless they are masked, so their gradient is not either.",
         "The embedding layer runs before attention: the attention mask does not touch E_t at padded positions.")),
    Question(
        "eval_mode", "Teacher in eval mode",
        "Why must the teacher be in eval mode when producing embedding targets?",
        "In train mode the embedding output goes through dropout (p = 0.1 in BERT): each target element is zeroed "
        r"or scaled by 1/(1-p), a fresh mask every step. The student then chases noise of about $\frac{p}{1-p}\,\mathbb{E}[t^2]$ per "
        "element that it can never fit: the training loss sits on that noise, not on the floor, and the gradients are "
        "noisy. The noise has mean zero, so with large batches it largely averages out of what the student learns "
        "(Show me measures how much here); with small batches each mask moves the step. Either way the loss you watch "
        "is not the loss you care about. Use eval() and no_grad(); the targets are then fixed and can even be "
        "computed once.",
        "teacher_dropout",
        ("In train mode dropout adds fresh noise to every target, noise no student can fit",
         "Eval mode switches off the teacher's LayerNorm, which would otherwise rescale the targets",
         "Train mode would update the teacher's weights from the student's loss",
         "It makes no difference, because BERT's embedding layer has no dropout at all"), 0,
        ("Dropout (p = 0.1) zeroes or rescales target entries with a new mask every step; eval() turns it off.",
         "LayerNorm behaves the same in both modes; dropout is what differs.",
         "Modes do not decide which weights learn: the optimiser and no_grad do. The teacher gets no gradient either way.",
         "BERT's embedding layer ends with dropout after its LayerNorm: in train mode it noises E_t.")),
    Question(
        "same_width", "When d_s = d_t",
        "What happens when the student is as wide as the teacher, d_s = d_t?",
        "The floor is zero: a square, invertible W_e lets E_s = E_t W_e^-1 reproduce the teacher exactly, so the "
        "loss keeps falling until optimisation stops it. W_e can be any invertible matrix, the identity included, so "
        "nothing is compressed in the embedding layer; savings must then come from fewer or thinner layers.",
        "same_width",
        ("The floor is zero, so the loss can keep falling; the embeddings are not compressed",
         "The floor is zero, and training drives W_e to the identity matrix",
         "The floor stays above zero, because W_e adds a bias that the teacher does not have",
         "Training diverges, because a square W_e makes the loss surface flat everywhere"), 0,
        ("At d_s = d_t a rank-d_t product can reproduce E_t exactly: no energy is lost, no compression happens.",
         "Any invertible W_e works with E_s = E_t W_e⁻¹; nothing drives it to the identity.",
         "A bias only shifts the targets: with it the floor uses centred targets, which also reach zero at full width.",
         "Many equal minima make the surface flat along some directions, not everywhere, and training still converges.")),
    Question(
        "after", "After distillation",
        "What happens to W_e once distillation is over?",
        "It is discarded. The student runs in its own d_s-wide space; W_e existed only to compare that space with "
        "the teacher's during training. Keeping it would add d_s x d_t parameters and lift the student to d_t, "
        "undoing the compression.",
        "params",
        ("It is thrown away: it existed only so that the loss could compare the two spaces",
         "It is kept and applied after the student's embedding layer, so that the layers see d_t-wide inputs",
         "It is multiplied into E_s, so that the student ships with a d_t-wide table",
         "It becomes the student's word-embedding table for the rest of its training"), 0,
        ("The student runs in its own d_s space; W_e only bridged the loss during distillation.",
         "The student's layers are d_s wide: lifting their inputs to d_t would fit neither them nor the compression.",
         "E_s W_e is d_t wide: shipping it undoes the compression the student was made for.",
         "W_e is (d_s, d_t), not (vocabulary, d_s): it maps vectors, it does not hold one per token.")),
)
