"""Issue 21, item 9: a glossary of the words the app assumes, reachable from every page, linked where a word
first appears on a page."""
from __future__ import annotations

import re
from pathlib import Path

from labui.glossary import TERMS, anchor, link, linked
from tests.test_teaching_pages import page
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)

ROOT = Path(__file__).resolve().parents[1]
ASKED = ("SVD", "singular value", "spectrum", "rank", "Eckart-Young", "floor", "kNN overlap", "Spearman rho",
         "UMAP", "PCA")


def test_every_word_asked_for_is_there_in_a_sentence_or_two():
    for term in ASKED:
        text = TERMS[term]
        assert 1 <= len(re.findall(r"[.!?](\s|$)", text)) <= 2, term


def test_links_point_at_the_page_and_anchor_once_per_page():
    assert link("kNN overlap") == "[kNN overlap](glossary#knn-overlap)"
    seen: set = set()
    first = linked("The Eckart-Young floor uses the singular values.", seen=seen)
    assert "[floor](glossary#floor)" in first and "[singular values](glossary#singular-value)" in first
    again = linked("The floor again.", seen=seen)
    assert again == "The floor again."  # linked where it first appears, not everywhere


def test_the_glossary_page_is_in_the_navigation_and_draws_every_term():
    assert '"app_pages/glossary.py"' in (ROOT / "app.py").read_text()  # in the sidebar of every page
    at = page("glossary.py")
    heads = [h.value for h in at.subheader]
    assert heads == list(TERMS)
    assert [h.proto.anchor for h in at.subheader] == [anchor(t) for t in TERMS]


def test_pages_link_their_first_use():
    at = page("sweep.py")
    assert any("(glossary#eckart-young)" in m.value for m in at.markdown)
