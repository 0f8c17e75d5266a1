"""The words the app assumes, one or two sentences each, and the link that takes a page's first use of a word to
its entry on the Glossary page (``app_pages/glossary.py``). Plain data and strings: no Streamlit here."""
from __future__ import annotations

import re

PAGE = "glossary"  # the page's URL path: a link "glossary#floor" opens the entry from any page

# term -> its explanation (markdown). The order is the page's order: each builds on the ones above it.
TERMS: dict[str, str] = {
    "SVD": "The singular value decomposition writes any matrix T as U Σ Vᵀ: U and V are rotations (orthonormal "
           "directions) and Σ is diagonal. It splits the rows of T into independent directions, each with a strength.",
    "singular value": "One diagonal entry σᵢ of Σ in the SVD: how strongly the matrix stretches along its i-th "
                      "direction. σᵢ² is that direction's energy, the share of the squared entries it carries.",
    "spectrum": "All the singular values of a matrix, largest first. The teacher's spectrum says how its "
                "embeddings spread over directions; a student's σ(E_s W_e) can be read against it.",
    "rank": "How many independent directions a matrix has: the number of nonzero singular values. E_s W_e goes "
            "through d_s dimensions, so its rank is at most d_s.",
    "Eckart-Young": "The theorem (1936) that the best rank-k approximation of a matrix, in squared error, keeps its "
                    "k largest singular directions and drops the rest; its error is the energy of the dropped ones.",
    "floor": "The lowest embedding loss any d_s-wide student can reach: by Eckart-Young, the energy of the teacher's "
             "singular values beyond d_s, divided by the number of entries. A run's ratio to the floor says how "
             "close it came (1.00× is the best possible).",
    "kNN overlap": "For each probe word, the share of its k nearest neighbours (by cosine) in the teacher that are "
                   "also among its k nearest in the student, averaged over the words: 100 % keeps every "
                   "neighbourhood.",
    "Spearman rho": "A correlation of rankings, from -1 to 1: here between the cosine of two words' vectors and "
                    "people's judgement of how related (WordSim-353) or similar (SimLex-999) the two words are.",
    "PCA": "Principal component analysis: the directions of largest variance of centred data, the same directions "
           "as the SVD of the centred matrix. The maps use its top two to draw 384-wide vectors on a page.",
    "UMAP": "A method that draws high-dimensional points in 2-D keeping each point's near neighbours near. It "
            "shows clusters better than PCA but bends distances, so only neighbourhoods on its map mean something.",
    "Model2Vec": "A way to make a small static embedding table from a sentence model: run the whole teacher once per "
                 "token, then shrink the outputs with PCA and weight them by word frequency. No training loop.",
    "LayerNorm": "Layer normalisation: each token's vector has its mean over the features subtracted and is scaled "
                 "to unit variance, then given a learned scale and shift. It ends BERT's embedding layer.",
}


def anchor(term: str) -> str:
    """The entry's anchor on the Glossary page: lower case, words joined by hyphens ("knn-overlap")."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


def link(term: str, text: str | None = None) -> str:
    """A markdown link from any page to ``term``'s entry (``text`` shown in its place, e.g. a plural)."""
    if term not in TERMS:
        raise KeyError(f"'{term}' is not in the glossary")
    return f"[{text or term}]({PAGE}#{anchor(term)})"


def linked(text: str, terms=None, seen: set | None = None) -> str:
    """``text`` with the first plain occurrence of each term (or its plural) turned into its glossary link.

    ``seen`` (a set kept by the page) holds the terms already linked higher up the page: each is linked once,
    where it first appears. ``terms`` defaults to every term of the glossary."""
    for term in (TERMS if terms is None else terms):
        if seen is not None and term in seen:
            continue
        m = re.search(rf"(?<![\w\[#/-]){re.escape(term)}s?(?![\w\]])", text)
        if m:
            text = text[:m.start()] + link(term, m.group(0)) + text[m.end():]
            if seen is not None:
                seen.add(term)
    return text
